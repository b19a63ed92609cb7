// Worker-thread entry for evaluateDistrict: the sources are TypeScript, so register tsx in this thread
// first, then evaluate the share of students given in workerData and post the result back.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
try {
  const { runShareTask } = await import('./district.ts');
  parentPort.postMessage({ ok: true, result: await runShareTask(workerData.task) });
} catch (e) {
  parentPort.postMessage({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) });
}
