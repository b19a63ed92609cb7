// npm run schools:evaluate -- --cases FILE [--verbose]
// Runs a JSON array of evaluate requests with `expected`, prints failures, and as its LAST line one
// JSON object {"cases":N,"passed":M}.
import fs from 'node:fs';
import { runCases } from '../src/schools/cases.ts';

const args = process.argv.slice(2);
const i = args.indexOf('--cases');
const file = i >= 0 ? args[i + 1] : undefined;
const verbose = args.includes('--verbose');
if (!file) {
  console.error('usage: npm run schools:evaluate -- --cases FILE [--verbose]');
  console.log(JSON.stringify({ cases: 0, passed: 0 }));
  process.exit(2);
}
let data: unknown;
try {
  data = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  console.error(`cannot read cases from ${file}: ${(e as Error).message}`);
  console.log(JSON.stringify({ cases: 0, passed: 0 }));
  process.exit(2);
}
try {
  const r = runCases(data);
  for (const o of r.outcomes) {
    if (!o.passed) console.log(`FAIL #${o.index}${o.name ? ` ${o.name}` : ''}: ${o.problems.join('; ')}`);
    else if (verbose) console.log(`ok   #${o.index}${o.name ? ` ${o.name}` : ''}`);
  }
  console.log(JSON.stringify({ cases: r.cases, passed: r.passed }));
  process.exit(r.passed === r.cases ? 0 : 1);
} catch (e) {
  console.error((e as Error).message);
  console.log(JSON.stringify({ cases: 0, passed: 0 }));
  process.exit(2);
}
