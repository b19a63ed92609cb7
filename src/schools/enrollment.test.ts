// Roster import against a real database: matching, moves between schools and years, historical doses.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../../test/support/postgres.ts';
import { insertPatient } from '../matching/store.ts';
import { addHistoricalDoses, importRoster, schoolYearOf, EnrollmentError } from './enrollment.ts';
import { loadPack } from './pack.ts';

const db = await freshDatabase(4);
after(() => db.close());
const pack = loadPack('MA-2025-2026');

async function org(kind: string, name: string, parentId?: number): Promise<number> {
  const { rows } = await db.pool.query(`INSERT INTO organization (kind, name, parent_id) VALUES ($1,$2,$3) RETURNING id`, [kind, name, parentId ?? null]);
  return rows[0].id;
}

const header = 'student_id,first_name,last_name,birth_date,sex,grade,address,city,state,zip,guardian,guardian_phone\n';

test('school year of a date', () => {
  assert.equal(schoolYearOf('2025-09-02'), '2025-2026');
  assert.equal(schoolYearOf('2026-06-30'), '2025-2026');
  assert.equal(schoolYearOf('2026-07-01'), '2026-2027');
});

test('a roster enrolls matched, possible and new students; re-import moves a student and keeps history', async () => {
  const district = await org('district', 'Springfield Public Schools');
  const a = await org('school', 'Lincoln Elementary', district);
  const b = await org('school', 'Adams Middle', district);
  // Already in the registry, with doses: the roster row must attach to this patient.
  const known = await insertPatient(db.pool, {
    identifiers: [], aliases: [], guardians: [{ name: { given: 'Maria', family: 'Alvarez' } }],
    name: { family: 'Alvarez', given: 'Sofia' }, birthDate: '2019-03-14', sex: 'F',
    address: { street: '12 Elm St', city: 'Springfield', state: 'MA', zip: '01103' }, phone: '4135550101',
  });
  await db.pool.query(`INSERT INTO vaccination (patient_id, administered_date, cvx) VALUES ($1, '2019-05-14', '110'), ($1, '2020-03-20', '03')`, [known]);
  const csv = header
    + 'S1,Sofia,Alvarez,03/14/2019,F,K,12 Elm St,Springfield,MA,01103,Maria Alvarez,4135550101\n'
    + 'S2,Liam,Okafor,2018-11-02,M,1,4 Oak Ave,Springfield,MA,01104,,\n'
    + 'S3,Bad,Date,2019-02-30,M,K,,,,,,\n'
    + 'S4,No,Grade,2019-01-01,F,,,,,,,\n';
  const r = await importRoster(db.pool, { schoolOrgId: a, schoolYear: '2025-2026', pack, csv, startDate: '2025-08-27', importedBy: 'nurse1' });
  assert.equal(r.rows, 2);
  assert.deepEqual(r.errors.map((e) => [e.line, e.field]), [[4, 'birth_date'], [5, 'grade']]);
  const sofia = r.students.find((s) => s.studentId === 'S1')!;
  assert.equal(sofia.match, 'match', JSON.stringify(sofia));
  assert.equal(sofia.patientId, known);
  assert.equal(sofia.needsHistory, false);
  const liam = r.students.find((s) => s.studentId === 'S2')!;
  assert.equal(liam.match, 'new');
  assert.equal(liam.needsHistory, true);

  // Same roster again: nothing new is matched or created.
  const again = await importRoster(db.pool, { schoolOrgId: a, schoolYear: '2025-2026', pack, csv, startDate: '2025-08-27' });
  assert.deepEqual(again.students.map((s) => s.match), ['enrolled', 'enrolled']);
  assert.equal((await db.pool.query(`SELECT count(*)::int AS n FROM patient`)).rows[0].n, 2);

  // Sofia moves to school B in the middle of the year: the enrollment at A ends, history stays.
  const moved = await importRoster(db.pool, { schoolOrgId: b, schoolYear: '2025-2026', pack, csv: header + 'B77,Sofia,Alvarez,2019-03-14,F,K,12 Elm St,Springfield,MA,01103,,\n', startDate: '2026-01-05' });
  assert.equal(moved.students[0].patientId, known);
  assert.equal(moved.students[0].outcome, 'moved');
  assert.deepEqual(moved.students[0].ended, [{ schoolOrgId: a, schoolYear: '2025-2026', grade: 'K' }]);
  const hist = await db.pool.query(`SELECT school_org_id, start_date, end_date, active FROM enrollment WHERE patient_id = $1 ORDER BY id`, [known]);
  assert.deepEqual(hist.rows, [
    { school_org_id: a, start_date: '2025-08-27', end_date: '2026-01-04', active: false },
    { school_org_id: b, start_date: '2026-01-05', end_date: null, active: true },
  ]);
  // Next year, grade 1 at B: the 2025-2026 enrollment ends.
  const next = await importRoster(db.pool, { schoolOrgId: b, schoolYear: '2026-2027', pack, csv: header + 'B77,Sofia,Alvarez,2019-03-14,F,1,,,,,,\n', startDate: '2026-08-31' });
  assert.equal(next.students[0].outcome, 'moved');
  const cur = await db.pool.query(`SELECT school_year, grade FROM enrollment WHERE patient_id = $1 AND active`, [known]);
  assert.deepEqual(cur.rows, [{ school_year: '2026-2027', grade: '1' }]);

  // Replace mode at A: Liam absent from the new file is withdrawn.
  const rep = await importRoster(db.pool, { schoolOrgId: a, schoolYear: '2025-2026', pack, csv: header + 'S9,Ava,Chen,2019-06-01,F,K,,,,,,\n', startDate: '2026-02-01', replace: true });
  assert.deepEqual(rep.withdrawn, [{ studentId: 'S2', patientId: liam.patientId }]);
});

test('a possible match (birth date day and month swapped) goes to review as a provisional patient, and is enrolled', async () => {
  const s = await org('school', 'Review School');
  const existing = await insertPatient(db.pool, {
    identifiers: [], aliases: [], guardians: [], name: { family: 'Nguyen', given: 'Thomas' }, birthDate: '2017-05-06', sex: 'M',
    address: { street: '9 Birch Way', city: 'Riverside', state: 'MA', zip: '01120' },
  });
  const r = await importRoster(db.pool, { schoolOrgId: s, schoolYear: '2025-2026', pack, csv: header + 'R1,Thomas,Nguyen,2017-06-05,M,2,9 Birch Way,Riverside,MA,01120,,\n', startDate: '2025-08-27' });
  const row = r.students[0];
  assert.equal(row.match, 'possible', JSON.stringify(row));
  assert.notEqual(row.patientId, existing);
  assert.ok(row.reviewId);
  const st = await db.pool.query(`SELECT status FROM patient WHERE id = $1`, [row.patientId]);
  assert.equal(st.rows[0].status, 'provisional');
  const rv = await db.pool.query(`SELECT candidate_patient_id, status FROM match_review WHERE id = $1`, [row.reviewId]);
  assert.deepEqual(rv.rows[0], { candidate_patient_id: existing, status: 'open' });
  const e = await db.pool.query(`SELECT count(*)::int AS n FROM enrollment WHERE patient_id = $1 AND school_org_id = $2 AND active`, [row.patientId, s]);
  assert.equal(e.rows[0].n, 1);
});

test('historical doses from the paper certificate are stored once, as a web submission', async () => {
  const s = await org('school', 'History School');
  const r = await importRoster(db.pool, { schoolOrgId: s, schoolYear: '2025-2026', pack, csv: header + 'H1,Noah,Kowalski,2014-02-10,M,6,,,,,,\n', startDate: '2025-08-27' });
  const pid = r.students[0].patientId;
  assert.equal(r.students[0].needsHistory, true);
  const out = await addHistoricalDoses(db.pool, { patientId: pid, schoolOrgId: s, today: '2025-09-10', enteredBy: 'nurse1', doses: [{ date: '2015-02-12', cvx: '3' }, { date: '2018-03-01', cvx: '03' }] });
  assert.equal(out.stored.length, 2);
  const dup = await addHistoricalDoses(db.pool, { patientId: pid, schoolOrgId: s, today: '2025-09-10', doses: [{ date: '2015-02-12', cvx: '03' }] });
  assert.equal(dup.stored.length, 0);
  assert.equal(dup.alreadyOnFile.length, 1);
  const v = await db.pool.query(`SELECT v.cvx, v.historical, v.information_source, s.channel FROM vaccination v JOIN submission s ON s.id = v.submission_id WHERE v.patient_id = $1 ORDER BY v.administered_date`, [pid]);
  assert.deepEqual(v.rows, [{ cvx: '03', historical: true, information_source: '01', channel: 'web' }, { cvx: '03', historical: true, information_source: '01', channel: 'web' }]);
  const e = await db.pool.query(`SELECT needs_history FROM enrollment WHERE patient_id = $1`, [pid]);
  assert.equal(e.rows[0].needs_history, false);
  await assert.rejects(addHistoricalDoses(db.pool, { patientId: pid, schoolOrgId: s, today: '2025-09-10', doses: [{ date: '2013-01-01', cvx: 'MMR' }] }),
    (err: Error) => err instanceof EnrollmentError && /before the birth date/.test(err.message) && /CVX code/.test(err.message));
});
