import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { freshDatabase } from '../../test/support/postgres.ts';
import { installAccess, requireAuth, createUserForTest, canAccessPatient, audit, routeAccess, type Principal, type Role } from './guard.ts';

const db = await freshDatabase();
after(() => db.close());
const q = (sql: string, args: unknown[] = []) => db.pool.query(sql, args);
const org = async (kind: string, name: string, parent?: number) => Number((await q('INSERT INTO organization (kind, name, parent_id) VALUES ($1, $2, $3) RETURNING id', [kind, name, parent ?? null])).rows[0].id);
const patient = async () => Number((await q(`INSERT INTO patient (family_name) VALUES ('X') RETURNING id`)).rows[0].id);
const enrol = (pid: number, school: number, o: { ended?: boolean } = {}) => q(
  `INSERT INTO enrollment (patient_id, school_org_id, school_year, student_id, grade, start_date, end_date, active) VALUES ($1, $2, $3, $4, 'K', '2024-09-01', $5, $6)`,
  [pid, school, o.ended ? '2024-2025' : '2025-2026', `S${pid}-${school}`, o.ended ? '2025-06-30' : null, !o.ended]);
const who = (userId: number, organizationId: number, roles: Role[]): Principal => ({ kind: 'user', userId, username: `u${userId}`, organizationId, roles });

test('requireAuth: 401 without session, 403 without role, CSRF on POST', async () => {
  const app = Fastify();
  installAccess(app, { pool: db.pool });
  app.get('/x', { preHandler: requireAuth({ roles: ['provider'] }) }, async (req) => ({ who: req.principal!.username }));
  app.post('/y', { preHandler: requireAuth() }, async () => ({ ok: true }));
  const clinic = await org('provider_organization', 'Clinic');
  const school = await org('school', 'School');
  const prov = await createUserForTest(db.pool, { organizationId: clinic, username: 'doc', roles: ['provider'] });
  const nurse = await createUserForTest(db.pool, { organizationId: school, username: 'nurse', roles: ['school'] });
  assert.equal((await app.inject({ url: '/x' })).statusCode, 401);
  assert.equal((await app.inject({ url: '/x', headers: { cookie: nurse.cookie } })).statusCode, 403);
  const ok = await app.inject({ url: '/x', headers: { cookie: prov.cookie } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { who: 'doc' });
  assert.equal((await app.inject({ method: 'POST', url: '/y', headers: { cookie: prov.cookie } })).statusCode, 403);
  assert.equal((await app.inject({ method: 'POST', url: '/y', headers: { cookie: prov.cookie, 'x-csrf-token': prov.csrfToken } })).statusCode, 200);
  await app.close();
});

test('routes are guarded by default; public only when declared, listed or static', () => {
  assert.deepEqual(routeAccess({ url: '/api/v1/anything' }), { access: 'session' });
  assert.equal(routeAccess({ url: '/api/v1/x', config: { access: 'public', publicReason: 'why' } }).reason, 'why');
  assert.equal(routeAccess({ url: '/hl7' }).access, 'public');
  assert.equal(routeAccess({ url: '/hl7x' }).access, 'session');
  assert.equal(routeAccess({ url: '/soap' }).access, 'public');
  assert.equal(routeAccess({ url: '/fhir/Patient' }).access, 'session');
  assert.equal(routeAccess({ url: '/assets/a.js', config: { rootPath: '/x', file: 'a.js' } }).access, 'public');
});

test('canAccessPatient: who may read and write which patient', async () => {
  const registry = await org('registry', 'Registry');
  const district = await org('district', 'District');
  const schoolA = await org('school', 'School A', district);
  const schoolB = await org('school', 'School B', district);
  const otherSchool = await org('school', 'Elsewhere');
  const clinic = await org('provider_organization', 'Clinic 2');
  const state = await org('state', 'State');
  const inA = await patient(), inB = await patient(), elsewhere = await patient(), nowhere = await patient(), leftA = await patient();
  await enrol(inA, schoolA); await enrol(inB, schoolB); await enrol(elsewhere, otherSchool); await enrol(leftA, schoolA, { ended: true });
  const analyst = await createUserForTest(db.pool, { organizationId: state, username: 'epi2', roles: ['analyst'] });
  await q(`INSERT INTO patient_access_grant (user_id, patient_id, reason) VALUES ($1, $2, 'case'), ($1, $3, 'old')`, [analyst.userId, inA, inB]);
  await q(`UPDATE patient_access_grant SET revoked_at = now() WHERE patient_id = $1`, [inB]);
  await q(`INSERT INTO patient_access_grant (user_id, patient_id, reason, expires_at) VALUES ($1, $2, 'expired', now() - interval '1 day')`, [analyst.userId, elsewhere]);

  const cases: [string, Principal, number, 'read' | 'write', boolean][] = [
    ['registry admin, anyone', who(1, registry, ['registry_admin']), nowhere, 'write', true],
    ['provider, anyone', who(2, clinic, ['provider']), elsewhere, 'write', true],
    ['school user, own student', who(3, schoolA, ['school']), inA, 'write', true],
    ['school user, sister school', who(3, schoolA, ['school']), inB, 'read', false],
    ['school user, student who left', who(3, schoolA, ['school']), leftA, 'read', false],
    ['school user, not a student', who(3, schoolA, ['school']), nowhere, 'read', false],
    ['district school user, a school of the district', who(4, district, ['school']), inB, 'write', true],
    ['district school user, other district', who(4, district, ['school']), elsewhere, 'read', false],
    ['analyst, granted', who(analyst.userId, state, ['analyst']), inA, 'read', true],
    ['analyst, granted, write', who(analyst.userId, state, ['analyst']), inA, 'write', false],
    ['analyst, revoked grant', who(analyst.userId, state, ['analyst']), inB, 'read', false],
    ['analyst, expired grant', who(analyst.userId, state, ['analyst']), elsewhere, 'read', false],
    ['read-only at a school, own student', who(5, schoolA, ['read_only']), inA, 'read', true],
    ['read-only at a school, write', who(5, schoolA, ['read_only']), inA, 'write', false],
    ['read-only at a school, not a student', who(5, schoolA, ['read_only']), nowhere, 'read', false],
    ['read-only at a clinic, anyone', who(6, clinic, ['read_only']), nowhere, 'read', true],
    ['access administrator alone, nobody', who(7, district, ['access_admin']), inA, 'read', false],
    ['no such patient', who(1, registry, ['registry_admin']), 99_999_999, 'read', false],
  ];
  for (const [name, p, pid, mode, want] of cases) assert.equal(await canAccessPatient(db.pool, p, pid, mode), want, name);
});

test('audit writes who, organization, what, from where', async () => {
  const pid = await patient();
  await audit(db.pool, who(42, 1, ['provider']), 'view', { patientId: pid, remoteAddr: '192.0.2.1', objectType: 'patient' });
  const r = await q('SELECT actor_kind, actor_id, organization_id, action, remote_addr, object_type FROM audit_event WHERE patient_id = $1', [pid]);
  assert.deepEqual(r.rows, [{ actor_kind: 'user', actor_id: 'u42', organization_id: 1, action: 'view', remote_addr: '192.0.2.1', object_type: 'patient' }]);
});
