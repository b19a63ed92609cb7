import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { freshDatabase } from '../../test/support/postgres.ts';
import { installAccess, requireAuth, createUserForTest, canAccessPatient, audit } from './guard.ts';

const db = await freshDatabase();
after(() => db.close());

test('requireAuth: 401 without session, 403 without role, CSRF on POST; canAccessPatient by role', async () => {
  const app = Fastify();
  installAccess(app, { pool: db.pool });
  app.get('/x', { preHandler: requireAuth({ roles: ['provider'] }) }, async (req) => ({ who: req.principal!.username }));
  app.post('/y', { preHandler: requireAuth() }, async () => ({ ok: true }));
  const org = (await db.pool.query(`INSERT INTO organization (kind, name) VALUES ('provider_organization', 'Clinic') RETURNING id`)).rows[0].id;
  const school = (await db.pool.query(`INSERT INTO organization (kind, name) VALUES ('school', 'School') RETURNING id`)).rows[0].id;
  const prov = await createUserForTest(db.pool, { organizationId: org, username: 'doc', roles: ['provider'] });
  const nurse = await createUserForTest(db.pool, { organizationId: school, username: 'nurse', roles: ['school'] });
  assert.equal((await app.inject({ url: '/x' })).statusCode, 401);
  assert.equal((await app.inject({ url: '/x', headers: { cookie: nurse.cookie } })).statusCode, 403);
  const ok = await app.inject({ url: '/x', headers: { cookie: prov.cookie } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { who: 'doc' });
  assert.equal((await app.inject({ method: 'POST', url: '/y', headers: { cookie: prov.cookie } })).statusCode, 403);
  assert.equal((await app.inject({ method: 'POST', url: '/y', headers: { cookie: prov.cookie, 'x-csrf-token': prov.csrfToken } })).statusCode, 200);

  const pid = (await db.pool.query(`INSERT INTO patient (family_name) VALUES ('X') RETURNING id`)).rows[0].id;
  const pr = { kind: 'user' as const, userId: prov.userId, username: 'doc', organizationId: org, roles: ['provider' as const] };
  const nu = { kind: 'user' as const, userId: nurse.userId, username: 'nurse', organizationId: school, roles: ['school' as const] };
  assert.equal(await canAccessPatient(db.pool, pr, pid, 'write'), true);
  assert.equal(await canAccessPatient(db.pool, nu, pid, 'read'), false);
  await db.pool.query(`INSERT INTO enrollment (patient_id, school_org_id, school_year, student_id, grade) VALUES ($1, $2, '2025-2026', 'S1', 'K')`, [pid, school]);
  assert.equal(await canAccessPatient(db.pool, nu, pid, 'read'), true);
  assert.equal(await canAccessPatient(db.pool, nu, pid + 1000, 'read'), false);
  await audit(db.pool, pr, 'view', { patientId: pid });
  assert.equal((await db.pool.query('SELECT actor_id FROM audit_event WHERE patient_id = $1', [pid])).rows[0].actor_id, 'doc');
  await app.close();
});
