import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { freshDatabase, sharedDir } from '../../test/support/postgres.ts';
import { transaction } from '../registry/database.ts';
import type { PatientRecord } from '../pipeline/canonical.ts';
import { registerMatchingRoutes, denyAll, type MatchingAuthorize } from './routes.ts';
import { recordPatient } from './store.ts';

const db = await freshDatabase();
after(() => db.close());

// Stand-in for the access guard: a header says who is signed in (organization 7 for the audit trail).
const authorize: MatchingAuthorize = async (req, reply) => {
  const who = req.headers['x-test-user'];
  if (typeof who === 'string') return { actor: who, principal: { kind: 'user', userId: 1, username: who, organizationId: 7, roles: ['registry_admin'] } };
  await reply.code(401).type('application/problem+json').send({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'sign in' });
  return undefined;
};

/** Problem JSON as the rest of the API answers it. */
function assertProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, detail?: RegExp) {
  assert.equal(res.statusCode, status);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const b = res.json();
  assert.equal(b.status, status);
  assert.equal(b.type, 'about:blank');
  assert.equal(typeof b.title, 'string');
  if (detail) assert.match(b.detail, detail);
  return b;
}
const app = Fastify();
await registerMatchingRoutes(app, { pool: db.pool, cdsiDir: `${sharedDir()}/cdsi/supporting-data-4.64` }, { authorize });
const locked = Fastify();
await registerMatchingRoutes(locked, { pool: db.pool }, { authorize: denyAll });
after(() => Promise.all([app.close(), locked.close()]));

const rec = (birthDate: string): PatientRecord => ({ identifiers: [], name: { family: 'Ferreira', given: 'Lucas' }, aliases: [], guardians: [], birthDate, sex: 'M' });
const H = { 'x-test-user': 'admin1' };

test('routes refuse without authorization', async () => {
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/matching/reviews' })).statusCode, 401);
  assertProblem(await locked.inject({ method: 'GET', url: '/api/v1/matching/reviews', headers: H }), 403, /registry administrator/);
});

test('list, merge via decision, unmerge over HTTP; bad input gets specific errors', async () => {
  const a = await transaction(db.pool, (c) => recordPatient(c, rec('2022-01-01'), { organizationId: null }));
  await db.pool.query(`INSERT INTO vaccination (patient_id, administered_date, cvx) VALUES ($1, '2022-03-01', '08')`, [a.patientId]);
  const b = await transaction(db.pool, (c) => recordPatient(c, rec('2022-01-02'), { organizationId: null }));
  assert.equal(b.decision.outcome, 'possible');

  const list = await app.inject({ method: 'GET', url: '/api/v1/matching/reviews', headers: H });
  assert.equal(list.statusCode, 200);
  assert.equal(list.json().items.length, 1);
  assert.equal(list.json().items[0].candidate.vaccinationCount, 1);

  assert.match(assertProblem(await app.inject({ method: 'GET', url: '/api/v1/matching/reviews?limit=0', headers: H }), 400, /invalid query/).problems[0], /^limit: /);
  assertProblem(await app.inject({ method: 'GET', url: '/api/v1/matching/reviews/999999', headers: H }), 404, /review item 999999 does not exist/);
  assertProblem(await app.inject({ method: 'GET', url: '/api/v1/matching/reviews/x', headers: H }), 400, /positive integer/);
  const bad = await app.inject({ method: 'POST', url: `/api/v1/matching/reviews/${b.reviewId}/decision`, headers: H, payload: { decision: 'maybe' } });
  assert.match(assertProblem(bad, 400, /invalid decision/).problems[0], /^decision: /);

  const ok = await app.inject({ method: 'POST', url: `/api/v1/matching/reviews/${b.reviewId}/decision`, headers: H, payload: { decision: 'merge' } });
  assert.equal(ok.statusCode, 200);
  const mergeId = ok.json().mergeId;
  assert.ok(mergeId);
  const again = await app.inject({ method: 'POST', url: `/api/v1/matching/reviews/${b.reviewId}/decision`, headers: H, payload: { decision: 'merge' } });
  assertProblem(again, 409, /already decided \(merged\)/);

  const merges = await app.inject({ method: 'GET', url: `/api/v1/matching/patients/${b.patientId}/merges`, headers: H });
  assert.equal(merges.statusCode, 200);
  assert.equal(merges.json().merges[0].id, mergeId);
  assert.equal(merges.json().merges[0].survivorId, a.patientId);
  assert.equal(merges.json().merges[0].moved.sourceRecords, 1);
  assertProblem(await app.inject({ method: 'GET', url: '/api/v1/matching/patients/abc/merges', headers: H }), 400);
  const un = await app.inject({ method: 'POST', url: `/api/v1/matching/merges/${mergeId}/unmerge`, headers: H });
  assert.equal(un.statusCode, 200);
  assert.deepEqual(un.json(), { survivorId: a.patientId, mergedId: b.patientId });
  const st = await db.pool.query('SELECT status FROM patient WHERE id = $1', [b.patientId]);
  assert.equal(st.rows[0].status, 'provisional');

  const direct = await app.inject({ method: 'POST', url: '/api/v1/matching/merges', headers: H, payload: { survivorId: a.patientId, mergedId: a.patientId } });
  assertProblem(direct, 400, /cannot merge a patient into itself/);
  const badMerge = assertProblem(await app.inject({ method: 'POST', url: '/api/v1/matching/merges', headers: H, payload: { survivorId: 'x' } }), 400, /invalid merge/);
  assert.deepEqual(badMerge.problems.map((x: string) => x.split(':')[0]), ['survivorId', 'mergedId']);
  assertProblem(await app.inject({ method: 'POST', url: '/api/v1/matching/merges/999999/unmerge', headers: H }), 404, /merge 999999 does not exist/);
  assertProblem(await app.inject({ method: 'POST', url: `/api/v1/matching/merges/${mergeId}/unmerge`, headers: H }), 409, /already undone/);
});

test('reading, listing, merging, unmerging and keeping apart are audited with the user, organization and both people', async () => {
  const fam = { identifiers: [], aliases: [], guardians: [], sex: 'F' as const };
  const a = await transaction(db.pool, (c) => recordPatient(c, { ...fam, name: { family: 'Nakamura', given: 'Emi' }, birthDate: '2021-04-03' }, { organizationId: null }));
  const b = await transaction(db.pool, (c) => recordPatient(c, { ...fam, name: { family: 'Nakamura', given: 'Emi' }, birthDate: '2021-03-04' }, { organizationId: null }));
  assert.equal(b.decision.outcome, 'possible');
  const A = { 'x-test-user': 'auditor1' };
  const rows = async () => (await db.pool.query(
    `SELECT action, patient_id, object_type, object_id, organization_id, detail FROM audit_event WHERE actor_id = 'auditor1' ORDER BY id`)).rows;

  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/matching/reviews/${b.reviewId}`, headers: A })).statusCode, 200);
  let r = await rows();
  assert.deepEqual(r.map((x) => [x.action, x.patient_id, x.object_type, x.object_id, x.organization_id]),
    [['view', b.patientId, 'match_review', String(b.reviewId), 7], ['view', a.patientId, 'match_review', String(b.reviewId), 7]]);
  assert.deepEqual(r[0].detail, { patientId: b.patientId, candidatePatientId: a.patientId });

  const list = await app.inject({ method: 'GET', url: '/api/v1/matching/reviews', headers: A });
  const shown = list.json().items.flatMap((i: any) => [i.patient.id, i.candidate.id]).sort();
  r = (await rows()).slice(2);
  assert.deepEqual(r.map((x) => x.patient_id).sort(), shown);
  assert.ok(r.every((x) => x.action === 'view' && x.object_type === 'match_review' && x.detail.via === 'review list'));

  const ok = await app.inject({ method: 'POST', url: `/api/v1/matching/reviews/${b.reviewId}/decision`, headers: A, payload: { decision: 'merge' } });
  const mergeId = ok.json().mergeId;
  await app.inject({ method: 'GET', url: `/api/v1/matching/patients/${a.patientId}/merges`, headers: A });
  await app.inject({ method: 'POST', url: `/api/v1/matching/merges/${mergeId}/unmerge`, headers: A });
  r = (await rows()).slice(2 + shown.length);
  assert.deepEqual(r.map((x) => [x.action, x.patient_id, x.object_type, x.organization_id]), [
    ['merge', a.patientId, 'patient', 7], ['merge', b.patientId, 'patient', 7],
    ['view', a.patientId, 'patient_merge', 7],
    ['unmerge', a.patientId, 'patient', 7], ['unmerge', b.patientId, 'patient', 7],
  ]);
  assert.equal(r[0].detail.mergeId, mergeId);
  assert.equal(r[0].detail.reviewId, b.reviewId);

  // The unmerge reopened the review: keeping apart is a change to both records.
  const kept = await app.inject({ method: 'POST', url: `/api/v1/matching/reviews/${b.reviewId}/decision`, headers: A, payload: { decision: 'keep_apart' } });
  assert.equal(kept.statusCode, 200);
  r = (await rows()).slice(-2);
  assert.deepEqual(r.map((x) => [x.action, x.patient_id, x.object_type, x.object_id, x.organization_id]),
    [['update', b.patientId, 'match_review', String(b.reviewId), 7], ['update', a.patientId, 'match_review', String(b.reviewId), 7]]);
});
