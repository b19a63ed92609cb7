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

test('the same runner works for another jurisdiction\'s pack in another directory', async () => {
  const os = await import('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packs-'));
  try {
    fs.writeFileSync(path.join(dir, 'ZZ-2030-2031.json'), JSON.stringify({
      id: 'ZZ-2030-2031', jurisdiction: 'Zedland (fictional)', title: 'Zedland 2030-2031',
      schoolYear: { label: '2030-2031', start: '2030-09-01', end: '2031-08-31' },
      sources: [{ title: 'invented' }], gracePeriodDays: 2, inProcessUntil: 'earliest',
      exemptions: [{ type: 'medical', label: 'Medical', perVaccine: true, renewal: 'none' }],
      statusPrecedence: ['not compliant', 'in process', 'exempt', 'compliant'],
      levels: [{ id: 'form', name: 'Forms 1-3', grades: ['F1', 'F2', 'F3'], requirements: [
        { vaccine: 'HepA', name: 'Hepatitis A', antigens: ['HepA'], products: ['83'],
          paths: [{ id: 'two', label: '2 doses 6 months apart', steps: [{ doses: 2, conditions: [{ dose: 2, minIntervalFromPreviousCounted: '6m' }] }] }] },
      ] }],
    }));
    const base = { pack: 'ZZ-2030-2031', asOf: '2030-10-01', student: { dob: '2020-01-01', grade: 'F1' } };
    const r = runCases([
      { ...base, doses: [{ date: '2025-01-01', cvx: '83' }, { date: '2025-06-29', cvx: '83' }], expected: { status: 'compliant', vaccines: { HepA: 'compliant' } } },
      { ...base, doses: [{ date: '2025-01-01', cvx: '83' }, { date: '2025-06-28', cvx: '83' }], expected: { status: 'not compliant', vaccines: { HepA: 'not compliant' } } },
      { ...base, doses: [{ date: '2030-09-01', cvx: '83' }], expected: { status: 'in process', vaccines: { HepA: 'in process' } } },
      { ...base, doses: [], exemptions: [{ type: 'medical', vaccine: 'HepA' }], expected: { status: 'exempt', vaccines: { HepA: 'exempt' } } },
      { ...base, pack: 'MA-2025-2026', expected: { status: 'compliant' } },
    ], { packsDir: dir });
    assert.deepEqual(r.outcomes.map((o) => o.passed), [true, true, true, true, false]);
    assert.match(r.outcomes[4].problems[0], /unknown requirement pack "MA-2025-2026" \(known: ZZ-2030-2031\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
