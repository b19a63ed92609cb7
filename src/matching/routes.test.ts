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

// Stand-in for the access guard: a header says who is signed in.
const authorize: MatchingAuthorize = async (req, reply) => {
  const who = req.headers['x-test-user'];
  if (typeof who === 'string') return { actor: who };
  await reply.code(401).send({ error: 'sign in' });
  return undefined;
};
const app = Fastify();
await registerMatchingRoutes(app, { pool: db.pool, cdsiDir: `${sharedDir()}/cdsi/supporting-data-4.64` }, { authorize });
const locked = Fastify();
await registerMatchingRoutes(locked, { pool: db.pool }, { authorize: denyAll });
after(() => Promise.all([app.close(), locked.close()]));

const rec = (birthDate: string): PatientRecord => ({ identifiers: [], name: { family: 'Ferreira', given: 'Lucas' }, aliases: [], guardians: [], birthDate, sex: 'M' });
const H = { 'x-test-user': 'admin1' };

test('routes refuse without authorization', async () => {
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/matching/reviews' })).statusCode, 401);
  assert.equal((await locked.inject({ method: 'GET', url: '/api/v1/matching/reviews', headers: H })).statusCode, 403);
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

  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/matching/reviews?limit=0', headers: H })).statusCode, 400);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/matching/reviews/999999', headers: H })).statusCode, 404);
  const bad = await app.inject({ method: 'POST', url: `/api/v1/matching/reviews/${b.reviewId}/decision`, headers: H, payload: { decision: 'maybe' } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().problems[0], /decision/);

  const ok = await app.inject({ method: 'POST', url: `/api/v1/matching/reviews/${b.reviewId}/decision`, headers: H, payload: { decision: 'merge' } });
  assert.equal(ok.statusCode, 200);
  const mergeId = ok.json().mergeId;
  assert.ok(mergeId);
  const again = await app.inject({ method: 'POST', url: `/api/v1/matching/reviews/${b.reviewId}/decision`, headers: H, payload: { decision: 'merge' } });
  assert.equal(again.statusCode, 409);

  const merges = await app.inject({ method: 'GET', url: `/api/v1/matching/patients/${b.patientId}/merges`, headers: H });
  assert.equal(merges.statusCode, 200);
  assert.equal(merges.json().merges[0].id, mergeId);
  assert.equal(merges.json().merges[0].survivorId, a.patientId);
  assert.equal(merges.json().merges[0].moved.sourceRecords, 1);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/matching/patients/abc/merges', headers: H })).statusCode, 400);
  const un = await app.inject({ method: 'POST', url: `/api/v1/matching/merges/${mergeId}/unmerge`, headers: H });
  assert.equal(un.statusCode, 200);
  assert.deepEqual(un.json(), { survivorId: a.patientId, mergedId: b.patientId });
  const st = await db.pool.query('SELECT status FROM patient WHERE id = $1', [b.patientId]);
  assert.equal(st.rows[0].status, 'provisional');

  const direct = await app.inject({ method: 'POST', url: '/api/v1/matching/merges', headers: H, payload: { survivorId: a.patientId, mergedId: a.patientId } });
  assert.equal(direct.statusCode, 400);
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/matching/merges', headers: H, payload: { survivorId: 'x' } })).statusCode, 400);
});
