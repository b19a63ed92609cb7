// Fallback worker-thread entry for evaluateDistrict (when no prebuilt bundle can be made, see
// worker-bundle.ts): registers the registry's TypeScript module hook in this thread, then runs the TypeScript entry.
import '../../bin/register.mjs';

await import('./district-worker.ts');
