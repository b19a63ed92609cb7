// Worker-thread entry for evaluateDistrict: the sources are TypeScript, so register tsx in this thread
// first, then evaluate each share of students posted to it and post the result back. The thread stays
// for the next district run (its CDSi schedule stays loaded); the main thread unrefs it while idle.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
let load;
parentPort.on('message', async (m) => {
  try {
    const { runShareTask } = await (load ??= import('./district.ts'));
    parentPort.postMessage({ ok: true, result: await runShareTask(m.task) });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
