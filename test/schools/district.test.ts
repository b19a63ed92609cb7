// District evaluation from the database: students, doses and observations read back and evaluated.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../support/postgres.ts';
import { evaluateDistrict } from '../../src/schools/district.ts';
import { seedDistrict } from '../../src/schools/district-seed.ts';
import { surveyCounts } from '../../src/schools/survey.ts';
import { loadPack } from '../../src/schools/pack.ts';

const db = await freshDatabase(3);
after(() => db.close());

test('a small seeded district evaluates every enrolled student, in batches', async () => {
  const schools = await seedDistrict(db.pool, 260, 3);
  const pack = loadPack('MA-2025-2026');
  const { entries, problems } = await evaluateDistrict(db.pool, { pack, asOf: '2025-10-01', schoolYear: '2025-2026', schoolOrgIds: schools, batchSize: 50 });
  assert.deepEqual(problems, []);
  assert.equal(entries.length, 260);
  assert.equal(new Set(entries.map((e) => e.patientId)).size, 260);
  const rows = surveyCounts(entries, ['K', '7', '11']);
  const k = rows.find((r) => r.grade === 'K' && r.vaccine === 'ALL')!;
  assert.equal(k.enrolled, 20);
  assert.ok(k.compliant > 0 && k.notCompliant > 0, JSON.stringify(k));
  // Only the schools asked for.
  const one = await evaluateDistrict(db.pool, { pack, asOf: '2025-10-01', schoolYear: '2025-2026', schoolOrgIds: [schools[0]] });
  assert.ok(one.entries.length > 0 && one.entries.length < 260 && one.entries.every((e) => e.schoolOrgId === schools[0]));
  // A student with no birth date is reported, not dropped silently.
  await db.pool.query('UPDATE patient SET birth_date = NULL WHERE id = $1', [entries[0].patientId]);
  const again = await evaluateDistrict(db.pool, { pack, asOf: '2025-10-01', schoolYear: '2025-2026', schoolOrgIds: schools });
  assert.equal(again.entries.length, 259);
  assert.match(again.problems[0].message, /no birth date/);
});

test('survey mode counts batch by batch exactly as the survey of every entry', async () => {
  const d = await freshDatabase(3);
  try {
    const schools = await seedDistrict(d.pool, 300, 4);
    const pack = loadPack('MA-2025-2026');
    const o = { pack, asOf: '2025-10-01', schoolYear: '2025-2026', schoolOrgIds: schools, batchSize: 70, engineKind: 'stand-in' as const };
    const all = await evaluateDistrict(d.pool, o);
    const counted = await evaluateDistrict(d.pool, { ...o, survey: { grades: ['K', '7', '11'] } });
    assert.equal(counted.entries.length, 0);
    assert.equal(counted.evaluated, 300);
    assert.deepEqual(counted.survey, surveyCounts(all.entries, ['K', '7', '11']));
    assert.equal(counted.statusCounts!.compliant, all.entries.filter((e) => e.evaluation.status === 'compliant').length);
  } finally {
    await d.close();
  }
});

test('worker threads (prebuilt worker, schedule handed over) give exactly the in-process evaluation', async () => {
  const d = await freshDatabase(3);
  try {
    const schools = await seedDistrict(d.pool, 240, 3);
    const pack = loadPack('MA-2025-2026');
    const o = { pack, asOf: '2025-10-01', schoolYear: '2025-2026', schoolOrgIds: schools, batchSize: 20 };
    const one = await evaluateDistrict(d.pool, o);
    const par = await evaluateDistrict(d.pool, { ...o, parallel: { connectionString: d.url, threads: 3 } });
    assert.equal(par.stats.threads, 3);
    assert.deepEqual(par.problems, []);
    assert.deepEqual(par.entries, one.entries);
    // Survey mode through the same (now idle, kept) workers.
    const counted = await evaluateDistrict(d.pool, { ...o, survey: { grades: [] }, parallel: { connectionString: d.url, threads: 3 } });
    assert.equal(counted.evaluated, 240);
    const byKey = (rows: { grade: string; vaccine: string }[]) => [...rows].sort((a, b) => `${a.grade} ${a.vaccine}`.localeCompare(`${b.grade} ${b.vaccine}`));
    assert.deepEqual(byKey(counted.survey!), byKey(surveyCounts(one.entries)));
  } finally {
    await d.close();
  }
});
