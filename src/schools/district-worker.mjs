// Fallback worker-thread entry for evaluateDistrict (when no prebuilt bundle can be made, see
// worker-bundle.ts): registers tsx in this thread, then runs the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./district-worker.ts');
