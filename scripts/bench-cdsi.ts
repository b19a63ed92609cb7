// npm run bench:cdsi [-- --runs N]: the healthy CDC cases repeated to N (default 100,000) patient evaluations,
// each evaluated and forecast for every vaccine group, on one core. Prints patients/s and peak RSS.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { loadSchedule, evaluateAndForecast } from '../src/cdsi/index.ts';
import { caseInput, type TestCase } from '../src/cdsi/conformance.ts';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] && args.includes('--runs') ? args[args.indexOf('--runs') + 1] : 100_000);
const shared = process.env.IIS_SHARED_DIR || path.resolve(import.meta.dirname, '../../shared');
const t0 = performance.now();
const schedule = loadSchedule(process.env.IIS_CDSI_DIR || path.join(shared, 'cdsi', 'supporting-data-4.64'));
const loadMs = performance.now() - t0;
const cases: TestCase[] = JSON.parse(fs.readFileSync(path.join(shared, 'cdsi', 'testcases', 'healthy.json'), 'utf8'));
const inputs = cases.map(caseInput);
let peak = process.memoryUsage().rss;
// warm-up so the JIT has seen every path before timing
for (const i of inputs) evaluateAndForecast(i, schedule);
let sink = 0;
const start = performance.now();
const cpu0 = process.cpuUsage();
// timed in chunks of 5,000: the best chunk shows the engine's speed when the shared machine leaves it a core
const chunk = 5000;
let bestChunk = 0;
for (let n = 0; n < runs; ) {
  const c0 = process.cpuUsage(), t0 = performance.now(), end = Math.min(runs, n + chunk);
  for (; n < end; n++) {
    const r = evaluateAndForecast(inputs[n % inputs.length]!, schedule);
    sink += r.vaccineGroups.length;
    if ((n & 4095) === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const c1 = process.cpuUsage(c0), wall = (performance.now() - t0) / 1000, cpuS = (c1.user + c1.system) / 1e6;
  bestChunk = Math.max(bestChunk, Math.min(chunk / Math.max(wall, 1e-9), chunk / Math.max(cpuS, 1e-9)));
}
const secs = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSecs = (cpu.user + cpu.system) / 1e6;
peak = Math.max(peak, process.memoryUsage().rss);
console.log(`schedule ${schedule.version} loaded in ${loadMs.toFixed(0)} ms; machine load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores (other processes slow the wall-clock rate)`);
console.log(`${runs} patients (${inputs.length} distinct healthy cases, all vaccine groups) in ${secs.toFixed(2)} s`);
// CPU time too: on a shared machine the wall-clock rate drops with other load, the per-CPU-second rate much less
console.log(`${Math.round(runs / secs)} patients/s wall clock (single thread), ${Math.round(runs / cpuSecs)} patients per CPU-second, best ${chunk}-patient chunk ${Math.round(bestChunk)} patients/s; peak RSS ${(peak / 1048576).toFixed(0)} MB (${sink > 0 ? 'ok' : 'empty'})`);
