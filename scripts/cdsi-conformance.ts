// CDC CDSi conformance: npm run cdsi:conformance -- [--cases FILE ...] [--data DIR] [--quiet] [--limit N] [--group NAME] [--json]
// Default: both suites of ../shared/cdsi/testcases. Last line of output: one JSON object with the totals.
import path from 'node:path';
import { loadSchedule } from '../src/cdsi/index.ts';
import { readDisputed, runSuite, type CaseResult, type SuiteSummary } from '../src/cdsi/conformance.ts';

const args = process.argv.slice(2);
const opt = (name: string): string[] => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]!] : a.startsWith(name + '=') ? [a.slice(name.length + 1)] : []));
const shared = process.env.IIS_SHARED_DIR || path.resolve(import.meta.dirname, '../../shared');
const cdsiDir = path.join(shared, 'cdsi');
const dataDir = opt('--data')[0] ?? process.env.IIS_CDSI_DIR ?? path.join(cdsiDir, 'supporting-data-4.64');
const files = opt('--cases').length ? opt('--cases') : ['healthy.json', 'conditions.json'].map((f) => path.join(cdsiDir, 'testcases', f));
const quiet = args.includes('--quiet');
const limit = Number(opt('--limit')[0] ?? (quiet ? 0 : 1e9));
const onlyGroup = opt('--group')[0];
const onlyId = opt('--id')[0];

const schedule = loadSchedule(dataDir);
const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : '0.0');
const totals = { cases: 0, passed: 0, disputedFailed: 0, suites: {} as Record<string, { cases: number; passed: number; disputedFailed: number }>, scheduleVersion: schedule.version };
let shown = 0;
for (const file of files) {
  const disputed = readDisputed(path.join(path.dirname(path.dirname(path.resolve(file))), 'DISPUTED.md'));
  const { summary, results } = runSuite(file, schedule, disputed);
  printSuite(summary, results, disputed.size);
  totals.cases += summary.cases; totals.passed += summary.passed; totals.disputedFailed += summary.disputedFailed;
  totals.suites[summary.suite] = { cases: summary.cases, passed: summary.passed, disputedFailed: summary.disputedFailed };
}
console.log(JSON.stringify(totals));

function printSuite(s: SuiteSummary, results: CaseResult[], nDisputed: number) {
  const failing = results.filter((r) => !r.passed && (!onlyGroup || r.vaccineGroup === onlyGroup) && (!onlyId || r.id === onlyId));
  const show = (rs: CaseResult[], title: string) => {
    if (!rs.length || shown >= limit) return;
    console.log(`\n  ${title}`);
    for (const r of rs) {
      if (shown++ >= limit) break;
      console.log(`  ✗ ${r.id} [${r.vaccineGroup}] ${r.name}`);
      for (const f of r.fields) if (!f.ok) console.log(`      ${f.field}: expected ${f.expected ?? '(blank)'}, got ${f.actual ?? '(blank)'}`);
      if (args.includes('--explain') && r.explanation) console.log(`      why: ${r.explanation}`);
    }
  };
  console.log(`\n== ${s.suite}: ${s.passed}/${s.cases} cases fully correct (${pct(s.passed, s.cases)}%)`);
  show(failing.filter((r) => !r.disputed), 'failing cases (expected vs actual):');
  show(failing.filter((r) => r.disputed), `disputed cases (DISPUTED.md, ${nDisputed} listed) that differ:`);
  console.log(`\n  per vaccine group:`);
  for (const [g, v] of Object.entries(s.byGroup).sort((a, b) => (b[1].cases - b[1].passed) - (a[1].cases - a[1].passed) || a[0].localeCompare(b[0])))
    console.log(`    ${g.padEnd(24)} ${String(v.passed).padStart(4)}/${String(v.cases).padEnd(4)} ${v.cases - v.passed ? `(${v.cases - v.passed} failing)` : ''}`);
  console.log(`  per field:`);
  for (const [f, v] of Object.entries(s.byField)) console.log(`    ${f.padEnd(24)} ${String(v.passed).padStart(5)}/${v.checked}`);
  const disputedFailing = results.filter((r) => r.disputed && !r.passed).map((r) => r.id);
  console.log(`  disputed (DISPUTED.md) failing: ${disputedFailing.length}${disputedFailing.length ? ` (${disputedFailing.join(', ')})` : ''}`);
  console.log(`  ${s.suite}: passed ${s.passed}/${s.cases}, failing outside DISPUTED.md: ${s.cases - s.passed - s.disputedFailed}`);
}
