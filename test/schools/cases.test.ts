// Runs the Massachusetts cases through the same runner as `npm run schools:evaluate -- --cases FILE`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runCases } from '../../src/schools/cases.ts';

const root = path.resolve(import.meta.dirname, '../..');
const file = path.join(root, 'test/schools/cases-MA-2025-2026.json');

test('every Massachusetts 2025-2026 case passes', () => {
  const cases = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.ok(cases.length >= 60, `at least 60 cases, got ${cases.length}`);
  const r = runCases(cases);
  const failed = r.outcomes.filter((o) => !o.passed).map((o) => `#${o.index} ${o.name}: ${o.problems.join('; ')}`);
  assert.deepEqual(failed, []);
  assert.equal(r.passed, r.cases);
});

test('every status and every grade level is exercised by the cases', () => {
  const cases = JSON.parse(fs.readFileSync(file, 'utf8'));
  const statuses = new Set(cases.flatMap((c: any) => Object.values(c.expected.vaccines)));
  for (const s of ['compliant', 'in process', 'exempt', 'not compliant']) assert.ok(statuses.has(s), s);
  const grades = new Set(cases.map((c: any) => c.student.grade));
  for (const g of ['CC', 'PK', 'K', '7', '11', '12', 'college']) assert.ok(grades.has(g), g);
});

test('a wrong expectation is reported, not passed', () => {
  const cases = JSON.parse(fs.readFileSync(file, 'utf8')).slice(0, 3);
  cases[1].expected.status = cases[1].expected.status === 'compliant' ? 'not compliant' : 'compliant';
  const r = runCases(cases);
  assert.equal(r.passed, 2);
  assert.match(r.outcomes[1].problems[0], /^status: expected/);
});

test('the CLI prints {"cases":N,"passed":M} as its last line', () => {
  const out = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/schools-evaluate.ts'), '--cases', file], { cwd: root, encoding: 'utf8' });
  const last = out.stdout.trim().split('\n').pop()!;
  const n = JSON.parse(fs.readFileSync(file, 'utf8')).length;
  assert.deepEqual(JSON.parse(last), { cases: n, passed: n });
  assert.equal(out.status, 0);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/schools-evaluate.ts'), '--cases', '/nonexistent.json'], { cwd: root, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(bad.stdout.trim().split('\n').pop()!), { cases: 0, passed: 0 });
  assert.match(bad.stderr, /cannot read cases/);
});

test('the committed JSON Schema matches the zod schema', async () => {
  const { packJsonSchema } = await import('../../src/schools/pack.ts');
  const committed = JSON.parse(fs.readFileSync(path.join(root, 'src/schools/pack.schema.json'), 'utf8'));
  assert.deepEqual(committed, JSON.parse(JSON.stringify(packJsonSchema())), 'run: npx tsx scripts/schools-schema.ts');
});
