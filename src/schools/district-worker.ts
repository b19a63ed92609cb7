// Worker-thread entry for evaluateDistrict: evaluates each share of students posted to it and posts the
// result back. It normally runs from a prebuilt JavaScript bundle of this file (worker-bundle.ts), so the
// thread compiles no TypeScript; district-worker.mjs is the fallback that runs it through tsx. The CDSi
// schedule comes from the main thread (serialized bytes, ~20 ms to read) instead of parsing the XML again.
// The thread stays for the next district run; the main thread unrefs it while idle.
import { parentPort } from 'node:worker_threads';
import { useDefaultCdsiSchedule } from './cdsi-engine.ts';
import { runShareTask, type ShareTask } from './district.ts';

let haveSchedule = false;
parentPort!.on('message', async (m: { task: ShareTask; schedule?: Uint8Array }) => {
  try {
    if (m.schedule) { useDefaultCdsiSchedule(m.schedule); haveSchedule = true; }
    // Without the main thread's schedule the worker would quietly fall back to the stand-in engine.
    if (m.task.options.engineKind !== 'stand-in' && !haveSchedule) throw new Error('district worker: no CDSi schedule was handed over');
    parentPort!.postMessage({ ok: true, result: await runShareTask(m.task) });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
