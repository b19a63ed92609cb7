import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolClient } from 'pg';
import { freshDatabase, sharedDir } from '../../test/support/postgres.ts';
import type { PatientRecord } from '../pipeline/canonical.ts';
import { recordPatient, listReviews, getReview, decideReview, mergePatients, unmergePatients, applyVaccinationDedup, MatchingError } from './store.ts';
import { matchPatient } from './matcher.ts';
import { loadVaccineGroupMap } from './vaccine-groups.ts';

const db = await freshDatabase();
after(() => db.close());
const groups = loadVaccineGroupMap(`${sharedDir()}/cdsi/supporting-data-4.64`);

async function tx<T>(f: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await db.pool.connect();
  try { await c.query('BEGIN'); const r = await f(c); await c.query('COMMIT'); return r; }
  catch (e) { await c.query('ROLLBACK'); throw e; } finally { c.release(); }
}

const rec = (over: Partial<PatientRecord> = {}): PatientRecord => ({
  identifiers: [{ value: 'MRN-1', authority: 'CLINIC-A', type: 'MR' }],
  name: { family: 'Larssen', given: 'Robert', middle: 'James' }, aliases: [], guardians: [{ name: { given: 'Karen', family: 'Larssen' } }],
  birthDate: '2019-03-07', sex: 'M', motherMaidenName: 'Olsen', phone: '9063898576',
  address: { street: '52 Williamson Cir', city: 'Lansing', zip: '48909' }, ...over,
});

async function addDose(patientId: number, sourceRecordId: number, date: string, cvx: string, more: Record<string, unknown> = {}) {
  const { rows } = await db.pool.query(`INSERT INTO vaccination (patient_id, source_record_id, administered_date, cvx, historical, lot_number)
    VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`, [patientId, sourceRecordId, date, cvx, more.historical ?? false, more.lot ?? null]);
  return rows[0].id as number;
}

const snapshot = async (ids: number[]) => (await db.pool.query(
  `SELECT p.*, (SELECT json_agg(v.* ORDER BY v.id) FROM vaccination v WHERE v.patient_id = p.id) AS doses,
          (SELECT json_agg(i.* ORDER BY i.id_value) FROM patient_identifier i WHERE i.patient_id = p.id) AS ids,
          (SELECT json_agg(s.id ORDER BY s.id) FROM patient_source_record s WHERE s.patient_id = p.id) AS sources
     FROM patient p WHERE p.id = ANY($1) ORDER BY p.id`, [ids])).rows.map(({ updated_at: _u, ...r }) => r);

test('new record creates a patient; the same child again from another clinic matches and attaches', async () => {
  const first = await tx((c) => recordPatient(c, rec(), { organizationId: null }));
  assert.equal(first.decision.outcome, 'new');
  const again = await tx((c) => recordPatient(c, rec({ identifiers: [{ value: 'Z-77', authority: 'CLINIC-B', type: 'MR' }], name: { family: 'Larssen', given: 'Bob' } }), { organizationId: null }));
  assert.equal(again.decision.outcome, 'match');
  assert.equal(again.patientId, first.patientId);
  const srcs = await db.pool.query('SELECT count(*)::int AS n FROM patient_source_record WHERE patient_id = $1', [first.patientId]);
  assert.equal(srcs.rows[0].n, 2);
  // Identifier from the second clinic now finds the patient even when names are garbled.
  const byId = await tx((c) => matchPatient(c, rec({ identifiers: [{ value: 'Z-77', authority: 'CLINIC-B', type: 'MR' }], name: { family: 'Larsen', given: 'Robert' } }), { organizationId: 0 }));
  assert.equal(byId.patientId, first.patientId);
});

test('possible match: provisional patient + review item; keep apart activates it', async () => {
  const base = await tx((c) => recordPatient(c, rec({ name: { family: 'Quist', given: 'Anna' }, identifiers: [], birthDate: '2020-05-06', sex: 'F' }), { organizationId: null }));
  // Birth date day/month swapped: never automatic.
  const p = await tx((c) => recordPatient(c, rec({ name: { family: 'Quist', given: 'Anna' }, identifiers: [], birthDate: '2020-06-05', sex: 'F' }), { organizationId: null }));
  assert.equal(p.decision.outcome, 'possible');
  assert.notEqual(p.patientId, base.patientId);
  assert.ok(p.reviewId);
  const open = await listReviews(db.pool);
  const item = open.find((r) => r.id === p.reviewId)!;
  assert.equal((item.candidate as { id: number }).id, base.patientId);
  assert.equal((item.patient as { status: string }).status, 'provisional');
  // The same message sent again attaches to the provisional record: no second provisional, no second review.
  const resend = await tx((c) => recordPatient(c, rec({ name: { family: 'Quist', given: 'Anna' }, identifiers: [], birthDate: '2020-06-05', sex: 'F' }), { organizationId: null }));
  assert.equal(resend.decision.outcome, 'match');
  assert.equal(resend.patientId, p.patientId);
  assert.equal(resend.reviewId, undefined);
  await tx((c) => decideReview(c, p.reviewId!, 'keep_apart', 'tester'));
  assert.equal((await getReview(db.pool, p.reviewId!))!.status, 'kept_apart');
  const st = await db.pool.query('SELECT status FROM patient WHERE id = $1', [p.patientId]);
  assert.equal(st.rows[0].status, 'active');
  await assert.rejects(tx((c) => decideReview(c, p.reviewId!, 'merge', 'tester')), MatchingError);
});

test('merge via review then unmerge restores both records exactly, with their doses', async () => {
  const a = await tx((c) => recordPatient(c, rec({ name: { family: 'Nakamura', given: 'Kenji' }, identifiers: [{ value: 'K1', authority: 'A', type: 'MR' }], birthDate: '2018-02-03' }), { organizationId: null }));
  const b = await tx((c) => recordPatient(c, rec({ name: { family: 'Nakamura', given: 'Kenji' }, identifiers: [{ value: 'K2', authority: 'B', type: 'MR' }, { value: 'K1', authority: 'A', type: 'MR' }], birthDate: '2018-03-02', phone: undefined }), { organizationId: null }));
  // b shares identifier K1 with a but its birth date is swapped: a possible match.
  assert.equal(b.decision.outcome, 'possible');
  const da = await addDose(a.patientId, a.sourceRecordId, '2018-04-03', '20');
  const db1 = await addDose(b.patientId, b.sourceRecordId, '2018-04-03', '106', { lot: 'LOT1' });
  const db2 = await addDose(b.patientId, b.sourceRecordId, '2018-06-03', '08');
  const before = await snapshot([a.patientId, b.patientId]);

  const { mergeId } = await tx((c) => decideReview(c, b.reviewId!, 'merge', 'tester', { groups }));
  assert.ok(mergeId);
  const merged = await db.pool.query('SELECT status, merged_into FROM patient WHERE id = $1', [b.patientId]);
  assert.deepEqual(merged.rows[0], { status: 'merged', merged_into: a.patientId });
  const doses = await db.pool.query('SELECT id, consolidated_into FROM vaccination WHERE patient_id = $1 ORDER BY id', [a.patientId]);
  assert.deepEqual(doses.rows.map((r) => r.id), [da, db1, db2]);
  // Same day DTaP from two sources: the one with a lot number is the consolidated dose, both stay stored.
  assert.equal(doses.rows.find((r) => r.id === da).consolidated_into, db1);
  const ids = await db.pool.query('SELECT id_value FROM patient_identifier WHERE patient_id = $1 ORDER BY 1', [a.patientId]);
  assert.deepEqual(ids.rows.map((r) => r.id_value), ['K1', 'K2']);

  await tx((c) => unmergePatients(c, mergeId!, 'tester'));
  assert.deepEqual(await snapshot([a.patientId, b.patientId]), before);
  assert.equal((await getReview(db.pool, b.reviewId!))!.status, 'open');
  await assert.rejects(tx((c) => unmergePatients(c, mergeId!, 'tester')), /already undone/);
  const audit = await db.pool.query(`SELECT action FROM audit_event WHERE object_id = $1 ORDER BY id`, [String(b.patientId)]);
  assert.deepEqual(audit.rows.map((r) => r.action), ['merge', 'unmerge']);
});

test("a merge moves the merged record's school enrollments and exemptions to the survivor; unmerge moves them back", async () => {
  const school = (await db.pool.query(`INSERT INTO organization (kind, name, code) VALUES ('school', 'Merge Elementary', 'MERGE-ES') RETURNING id`)).rows[0].id as number;
  const a = await tx((c) => recordPatient(c, rec({ name: { family: 'Quintero', given: 'Ana' }, identifiers: [{ value: 'Q1', authority: 'A', type: 'MR' }], birthDate: '2017-05-06' }), { organizationId: null }));
  const b = await tx((c) => recordPatient(c, rec({ name: { family: 'Ruiz', given: 'Marco' }, identifiers: [{ value: 'Q2', authority: 'B', type: 'MR' }], birthDate: '2016-01-02' }), { organizationId: null }));
  const c2 = await tx((c) => recordPatient(c, rec({ name: { family: 'Soto', given: 'Lena' }, identifiers: [{ value: 'Q3', authority: 'B', type: 'MR' }], birthDate: '2015-09-09' }), { organizationId: null }));
  const enrol = async (patientId: number, year: string, studentId: string, active = true) => (await db.pool.query(
    `INSERT INTO enrollment (patient_id, school_org_id, school_year, student_id, grade, start_date, end_date, active)
     VALUES ($1, $2, $3, $4, 'K', '2025-09-01', $5, $6) RETURNING id`, [patientId, school, year, studentId, active ? null : '2026-06-20', active])).rows[0].id as number;
  const pastYear = await enrol(b.patientId, '2025-2026', 'S-B-OLD', false);
  const thisYear = await enrol(b.patientId, '2026-2027', 'S-B');
  const exemption = (await db.pool.query(`INSERT INTO school_exemption (patient_id, school_org_id, type, vaccine) VALUES ($1, $2, 'medical', 'MMR') RETURNING id`, [b.patientId, school])).rows[0].id as number;
  const mergeId = await tx((c) => mergePatients(c, a.patientId, b.patientId, { actor: 'tester' }));
  const owner = async (table: string, id: number) => (await db.pool.query(`SELECT patient_id FROM ${table} WHERE id = $1`, [id])).rows[0].patient_id as number;
  assert.equal(await owner('enrollment', pastYear), a.patientId);
  assert.equal(await owner('enrollment', thisYear), a.patientId, 'the school now sees the survivor, with every dose');
  assert.equal(await owner('school_exemption', exemption), a.patientId);
  await tx((c) => unmergePatients(c, mergeId, 'tester'));
  for (const [t, id] of [['enrollment', pastYear], ['enrollment', thisYear], ['school_exemption', exemption]] as const) assert.equal(await owner(t, id), b.patientId, `${t} ${id} back`);

  // Both enrolled this year: the merged record's current enrollment stays where it is, listed for a person to end.
  const survivorThisYear = await enrol(c2.patientId, '2026-2027', 'S-C');
  const m2 = await tx((c) => mergePatients(c, c2.patientId, b.patientId, { actor: 'tester' }));
  assert.equal(await owner('enrollment', thisYear), b.patientId);
  assert.equal(await owner('enrollment', pastYear), c2.patientId);
  assert.equal(await owner('enrollment', survivorThisYear), c2.patientId);
  const log = (await db.pool.query(`SELECT log FROM patient_merge WHERE id = $1`, [m2])).rows[0].log;
  assert.deepEqual(log.enrollmentsLeft, [thisYear]);
});

test('twins: same birth date, surname and address but different first names are not merged automatically', async () => {
  const t1 = await tx((c) => recordPatient(c, rec({ name: { family: 'Okafor', given: 'Chidi' }, identifiers: [], birthDate: '2021-01-01', multipleBirth: 'Y', birthOrder: 1 }), { organizationId: null }));
  const t2 = await tx((c) => recordPatient(c, rec({ name: { family: 'Okafor', given: 'Chioma' }, identifiers: [], birthDate: '2021-01-01', multipleBirth: 'Y', birthOrder: 2 }), { organizationId: null }));
  assert.notEqual(t2.patientId, t1.patientId);
  assert.notEqual(t2.decision.outcome, 'match');
});

test('merge refuses self-merge and merging an already merged patient; dedup is idempotent', async () => {
  const a = await tx((c) => recordPatient(c, rec({ name: { family: 'Zed', given: 'Ann' }, identifiers: [], birthDate: '2010-01-01' }), { organizationId: null }));
  await assert.rejects(tx((c) => mergePatients(c, a.patientId, a.patientId, { actor: 't' })), /itself/);
  const x = await tx((c) => recordPatient(c, rec({ name: { family: 'Quorn', given: 'Max' }, identifiers: [], birthDate: '1999-09-09' }), { organizationId: null }));
  const y = await tx((c) => recordPatient(c, rec({ name: { family: 'Pringle', given: 'Sue' }, identifiers: [], birthDate: '1998-08-08' }), { organizationId: null }));
  await tx((c) => mergePatients(c, x.patientId, y.patientId, { actor: 't' }));
  await assert.rejects(tx((c) => mergePatients(c, a.patientId, y.patientId, { actor: 't' })), /already merged/);
  await addDose(a.patientId, a.sourceRecordId, '2011-01-01', '03');
  await addDose(a.patientId, a.sourceRecordId, '2011-01-02', '94', { historical: true });
  const first = await tx((c) => applyVaccinationDedup(c, a.patientId, groups));
  assert.equal(first.length, 1);
  assert.deepEqual(await tx((c) => applyVaccinationDedup(c, a.patientId, groups)), []);
});

test('merging withdraws other open reviews of the merged record; unmerge reopens them', async () => {
  const mk = (given: string, birthDate: string) => tx((c) => recordPatient(c, rec({ name: { family: 'Vasquez', given }, identifiers: [], birthDate, phone: undefined, address: undefined, guardians: [], motherMaidenName: undefined }), { organizationId: null }));
  const a = await mk('Elena', '2016-04-05');
  const b = await mk('Elena', '2016-05-04');   // possible of a (swapped)
  assert.equal(b.decision.outcome, 'possible');
  const other = await tx((c) => insertPatientForTest(c));
  const extra = await db.pool.query<{ id: number }>(`INSERT INTO match_review (patient_id, candidate_patient_id, score) VALUES ($1, $2, 15) RETURNING id`, [b.patientId, other]);
  const { mergeId } = await tx((c) => decideReview(c, b.reviewId!, 'merge', 'tester'));
  assert.equal((await getReview(db.pool, extra.rows[0]!.id))!.status, 'withdrawn');
  await tx((c) => unmergePatients(c, mergeId!, 'tester'));
  assert.equal((await getReview(db.pool, extra.rows[0]!.id))!.status, 'open');
  assert.equal((await getReview(db.pool, b.reviewId!))!.status, 'open');
  void a;
});

async function insertPatientForTest(c: PoolClient): Promise<number> {
  const { rows } = await c.query<{ id: number }>(`INSERT INTO patient (family_name, given_name, birth_date) VALUES ('Other', 'Person', '2000-01-01') RETURNING id`);
  return rows[0]!.id;
}

test('unmerge after new doses: no dose stays consolidated into the other patient', async () => {
  const a = await tx((c) => recordPatient(c, rec({ name: { family: 'Adeyemi', given: 'Tunde' }, identifiers: [], birthDate: '2017-01-01' }), { organizationId: null }));
  const b = await tx((c) => recordPatient(c, rec({ name: { family: 'Brennan', given: 'Siobhan' }, identifiers: [], birthDate: '2016-02-02', sex: 'F' }), { organizationId: null }));
  const moved = await addDose(b.patientId, b.sourceRecordId, '2018-01-01', '08', { historical: true });
  const mergeId = await tx((c) => mergePatients(c, a.patientId, b.patientId, { actor: 't', groups }));
  // Later, the same dose is reported as administered to the merged patient, and wins the consolidation.
  const later = await addDose(a.patientId, a.sourceRecordId, '2018-01-01', '08', { lot: 'H1' });
  await tx((c) => applyVaccinationDedup(c, a.patientId, groups));
  assert.equal((await db.pool.query('SELECT consolidated_into FROM vaccination WHERE id = $1', [moved])).rows[0].consolidated_into, later);
  await tx((c) => unmergePatients(c, mergeId, 't'));
  const back = (await db.pool.query('SELECT patient_id, consolidated_into FROM vaccination WHERE id = $1', [moved])).rows[0];
  assert.deepEqual(back, { patient_id: b.patientId, consolidated_into: null });
});

test('concurrent submissions about the same new child create one patient', async () => {
  const r = rec({ name: { family: 'Concurrent', given: 'Casey' }, identifiers: [{ value: 'CC-1', authority: 'X', type: 'MR' }], birthDate: '2023-03-03' });
  // Three transactions open at the same time before any of them matches.
  const clients = await Promise.all([0, 1, 2].map(() => db.pool.connect()));
  await Promise.all(clients.map((c) => c.query('BEGIN')));
  const results = await Promise.all(clients.map(async (c) => {
    // A failure rolls back (freeing the birth-date lock the others wait on) and releases, so the test fails, not hangs.
    try {
      const out = await recordPatient(c, r, { organizationId: null });
      await c.query('COMMIT');
      return out;
    } catch (e) { await c.query('ROLLBACK').catch(() => {}); throw e; } finally { c.release(); }
  }));
  assert.equal(new Set(results.map((x) => x.patientId)).size, 1);
  assert.deepEqual(results.map((x) => x.decision.outcome).sort(), ['match', 'match', 'new']);
});
