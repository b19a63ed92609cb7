// Organizations and users end to end: a district asks for access, registry staff approve it, its Access
// Administrator sets a password from the mailed link, enrols TOTP and manages the users of its schools.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { freshDatabase } from '../support/postgres.ts';
import { createUserForTest } from '../../src/access/guard.ts';
import { Clock, accessApp, org, sessionCookie } from './support.ts';

const db = await freshDatabase();
after(() => db.close());
const clock = new Clock();
const app = await accessApp(db.pool, clock, { publicBaseUrl: 'https://iis.example.org' });
after(() => app.close());
const pool = db.pool;
const registry = await org(pool, 'registry', 'Registry');
const staff = await createUserForTest(pool, { organizationId: registry, username: 'staff', roles: ['registry_admin'] });
const asStaff = (method: string, url: string, payload?: object) =>
  app.inject({ method: method as 'GET', url, payload, headers: { cookie: staff.cookie, 'x-csrf-token': staff.csrfToken } });
const PASSWORD = 'a long district passphrase';

async function lastLink(to: string): Promise<string> {
  const r = await pool.query('SELECT body FROM mail_outbox WHERE to_address = $1 ORDER BY id DESC LIMIT 1', [to]);
  const m = /(https:\/\/iis\.example\.org\/reset-password#token=([A-Za-z0-9_-]+))/.exec(r.rows[0]?.body ?? '');
  assert.ok(m, `no link mailed to ${to}`);
  return m[2];
}

test('a district asks, registry staff approve, its administrator signs in and manages its schools\' users', async () => {
  let res = await app.inject({ method: 'POST', url: '/api/v1/organizations/requests', payload: {
    organizationName: 'Lakeside School District', kind: 'district', code: 'LSD', adminName: 'Dana Reyes', adminEmail: 'dana@lakeside.example', adminUsername: 'dreyes',
  } });
  assert.equal(res.statusCode, 201, res.body);
  const requestId = res.json().id;
  res = await app.inject({ method: 'POST', url: '/api/v1/organizations/requests', payload: { organizationName: 'X' } });
  assert.equal(res.statusCode, 400);

  res = await asStaff('GET', '/api/v1/organizations/requests?status=pending');
  assert.deepEqual(res.json().items.map((i: any) => i.organizationName), ['Lakeside School District']);
  res = await asStaff('POST', `/api/v1/organizations/requests/${requestId}/approve`, {});
  assert.equal(res.statusCode, 200, res.body);
  const { organizationId: district } = res.json();
  res = await asStaff('POST', `/api/v1/organizations/requests/${requestId}/approve`, {});
  assert.equal(res.statusCode, 409, 'decided once');

  // The administrator sets a password from the mailed link, then must enrol TOTP.
  const token = await lastLink('dana@lakeside.example');
  res = await app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token, password: PASSWORD } });
  assert.equal(res.statusCode, 200, res.body);
  res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'dreyes', password: PASSWORD } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().totpEnrolmentRequired, true);
  const cookie = sessionCookie(res);
  const csrf = res.json().csrfToken;
  const asDana = (method: string, url: string, payload?: object) => app.inject({ method: method as 'GET', url, payload, headers: { cookie, 'x-csrf-token': csrf } });
  const { secret } = (await asDana('POST', '/api/v1/auth/totp/setup')).json();
  res = await asDana('POST', '/api/v1/auth/totp/confirm', { code: await generate({ secret, epoch: Math.floor(clock.t / 1000) }) });
  assert.equal(res.statusCode, 200);

  // Two schools of the district (added by registry staff here) and one elsewhere.
  const elm = await org(pool, 'school', 'Elm Street School', district);
  const oak = await org(pool, 'school', 'Oak School', district);
  const elsewhere = await org(pool, 'school', 'Faraway School');
  res = await asDana('GET', '/api/v1/organizations');
  assert.deepEqual(res.json().items.map((o: any) => o.name).sort(), ['Elm Street School', 'Lakeside School District', 'Oak School']);

  res = await asDana('POST', '/api/v1/users', { username: 'nurse.elm', email: 'nurse@elm.example', displayName: 'Elm Nurse', organizationId: elm, roles: ['school'] });
  assert.equal(res.statusCode, 201, res.body);
  const nurseId = res.json().id;
  assert.deepEqual(res.json().roles, ['school']);
  await lastLink('nurse@elm.example');
  res = await asDana('POST', '/api/v1/users', { username: 'nurse.far', email: 'n@far.example', organizationId: elsewhere, roles: ['school'] });
  assert.equal(res.statusCode, 404, 'not a school of the district');
  res = await asDana('POST', '/api/v1/users', { username: 'boss', email: 'b@x.example', organizationId: oak, roles: ['registry_admin'] });
  assert.equal(res.statusCode, 403, 'an access administrator cannot make registry administrators');
  res = await asDana('POST', '/api/v1/users', { username: 'doc.oak', email: 'd@x.example', organizationId: oak, roles: ['provider'] });
  assert.equal(res.statusCode, 400, 'a provider role does not fit a school');
  res = await asDana('POST', '/api/v1/users', { username: 'NURSE.ELM', email: 'x@x.example', organizationId: oak, roles: ['school'] });
  assert.equal(res.statusCode, 409, 'user names are unique regardless of case');

  // The nurse signs in; the administrator suspends her, which ends her session at once.
  res = await app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token: await lastLink('nurse@elm.example'), password: PASSWORD } });
  assert.equal(res.statusCode, 200);
  res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'nurse.elm', password: PASSWORD } });
  const nurseCookie = sessionCookie(res);
  assert.equal((await app.inject({ url: '/api/v1/auth/session', headers: { cookie: nurseCookie } })).json().user.roles[0], 'school');
  res = await asDana('PATCH', `/api/v1/users/${nurseId}`, { status: 'suspended' });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().status, 'suspended');
  assert.equal((await app.inject({ url: '/api/v1/auth/session', headers: { cookie: nurseCookie } })).statusCode, 401);
  res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'nurse.elm', password: PASSWORD } });
  assert.equal(res.statusCode, 401, 'a suspended user cannot sign in');
  res = await asDana('PATCH', `/api/v1/users/${nurseId}`, { status: 'active', roles: ['school', 'read_only'] });
  assert.deepEqual(res.json().roles, ['read_only', 'school']);
  res = await asDana('PATCH', `/api/v1/users/${nurseId}`, { status: 'removed' });
  assert.equal(res.json().status, 'removed');
  res = await asDana('PATCH', `/api/v1/users/${nurseId}`, { status: 'active' });
  assert.equal(res.statusCode, 409, 'removal is final');
  res = await asDana('GET', '/api/v1/users');
  assert.deepEqual(res.json().items.map((u: any) => u.username), ['dreyes'], 'removed users are hidden by default');
  res = await asDana('PATCH', `/api/v1/users/${res.json().items[0].id}`, { status: 'suspended' });
  assert.equal(res.statusCode, 409, 'no suspending oneself');

  // Registry staff see the whole trail of these actions.
  res = await asStaff('GET', `/api/v1/audit?actor=dreyes`);
  const actions = res.json().items.map((i: any) => i.action);
  for (const a of ['login', 'totp_enrolled', 'create_user', 'update_user']) assert.ok(actions.includes(a), `${a} in ${actions}`);
});

test('a request can be refused with a reason', async () => {
  let res = await app.inject({ method: 'POST', url: '/api/v1/organizations/requests', payload: {
    organizationName: 'Dubious Clinic', kind: 'provider_organization', adminName: 'Sam Doe', adminEmail: 'sam@dubious.example', adminUsername: 'samdoe',
  } });
  const id = res.json().id;
  res = await asStaff('POST', `/api/v1/organizations/requests/${id}/refuse`, { reason: 'not a licensed provider' });
  assert.equal(res.statusCode, 200);
  res = await asStaff('GET', '/api/v1/organizations/requests?status=refused');
  assert.equal(res.json().items[0].decisionReason, 'not a licensed provider');
  assert.equal((await pool.query(`SELECT count(*)::int AS n FROM organization WHERE name = 'Dubious Clinic'`)).rows[0].n, 0);
});

test('analysts see a record only once granted; the audit shows who looked at a person', async () => {
  const state = await org(pool, 'state', 'State Health');
  const clinic = await org(pool, 'provider_organization', 'Bay Clinic');
  const analyst = await createUserForTest(pool, { organizationId: state, username: 'epi', roles: ['analyst'] });
  const doc = await createUserForTest(pool, { organizationId: clinic, username: 'doc.bay', roles: ['provider'] });
  const pid = (await pool.query(`INSERT INTO patient (given_name, family_name, birth_date) VALUES ('Ivy', 'Stone', '2020-02-02') RETURNING id`)).rows[0].id;
  const view = (c: { cookie: string }) => app.inject({ url: `/api/v1/patients/${pid}`, headers: { cookie: c.cookie }, remoteAddress: '192.0.2.7' });
  assert.equal((await view(analyst)).statusCode, 404);
  let res = await asStaff('POST', '/api/v1/patient-access-grants', { userId: analyst.userId, patientId: pid, reason: 'measles case investigation' });
  assert.equal(res.statusCode, 201, res.body);
  const grantId = res.json().id;
  assert.equal((await view(analyst)).statusCode, 200);
  assert.equal((await view(doc)).statusCode, 200);
  res = await asStaff('POST', `/api/v1/patient-access-grants/${grantId}/revoke`, {});
  assert.equal(res.statusCode, 200);
  assert.equal((await view(analyst)).statusCode, 404);

  res = await asStaff('GET', `/api/v1/audit/patients/${pid}/accessors`);
  const who = res.json().items.filter((i: any) => i.actions.includes('view')).map((i: any) => `${i.actor}@${i.organizationName}`).sort();
  assert.deepEqual(who, ['doc.bay@Bay Clinic', 'epi@State Health']);
  res = await asStaff('GET', `/api/v1/audit?patientId=${pid}&action=view`);
  assert.equal(res.json().total, 2);
  assert.equal(res.json().items[0].remoteAddr, '192.0.2.7');
  res = await asStaff('GET', `/api/v1/audit?patientId=${pid}&from=2000-01-01&to=2000-01-02`);
  assert.equal(res.json().total, 0);
  res = await asStaff('GET', `/api/v1/audit?from=yesterday`);
  assert.equal(res.statusCode, 400);
});
