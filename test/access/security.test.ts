// Security properties of sign-in and sessions, through the real app and a real database.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { generate } from 'otplib';
import { freshDatabase } from '../support/postgres.ts';
import { createUserForTest } from '../../src/access/guard.ts';
import { createFacility } from '../../src/registry/senders.ts';
import { TYPICAL_VXU } from '../../src/hl7v2/samples.ts';
import { Clock, accessApp, org, sessionCookie } from './support.ts';

const db = await freshDatabase();
after(() => db.close());
const clock = new Clock();
const app = await accessApp(db.pool, clock, { loginLimitPerIp: 8 });
after(() => app.close());
const clinic = await org(db.pool, 'provider_organization', 'Harbor Clinic');
const PASSWORD = 'correct horse battery staple';

async function loginAs(username: string, password: string, ip = '10.0.0.1', totp?: string) {
  return app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { username, password, ...(totp ? { totp } : {}) } });
}

test('passwords are stored as argon2id with at least 19 MiB and 2 passes', async () => {
  await createUserForTest(db.pool, { organizationId: clinic, username: 'hashcheck', roles: ['provider'], password: PASSWORD });
  const { password_hash: h } = (await db.pool.query(`SELECT password_hash FROM app_user WHERE username = 'hashcheck'`)).rows[0];
  const m = /^\$argon2id\$v=19\$([a-z=0-9,]+)\$/.exec(h);
  assert.ok(m, `not an argon2id PHC string: ${h.slice(0, 30)}`);
  const params = Object.fromEntries(m[1].split(',').map((kv: string) => kv.split('=')));
  assert.ok(Number(params.m) >= 19 * 1024, `memory ${params.m} KiB`);
  assert.ok(Number(params.t) >= 2, `time cost ${params.t}`);
  assert.ok(Number(params.p) >= 1, `parallelism ${params.p}`);
  assert.ok(!h.includes(PASSWORD));
  const res = await loginAs('hashcheck', PASSWORD);
  assert.equal(res.statusCode, 200, res.body);
  const cookie = String(res.headers['set-cookie']);
  assert.match(cookie, /^iis_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  // Only the token's hash is stored.
  const token = sessionCookie(res).split('=')[1];
  assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM session WHERE id = $1', [token])).rows[0].n, 0);
});

test('answers carry anti-framing headers; API answers are not cached', async () => {
  const res = await app.inject({ url: '/api/v1/auth/session' });
  assert.equal(res.headers['x-frame-options'], 'DENY');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.equal(res.headers['cache-control'], 'no-store');
  // Scripts only from the registry itself: an injected inline script or a foreign one would not run.
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/);
});

test('five failures lock the account for 15 minutes, even for the right password', async () => {
  await createUserForTest(db.pool, { organizationId: clinic, username: 'locky', roles: ['provider'], password: PASSWORD });
  const ip = '10.0.0.2';
  for (let i = 1; i <= 4; i++) assert.equal((await loginAs('locky', 'wrong password ' + i, ip)).statusCode, 401);
  const fifth = await loginAs('locky', 'wrong password 5', ip);
  assert.equal(fifth.statusCode, 423);
  assert.equal(fifth.json().code, 'locked');
  assert.equal((await loginAs('locky', PASSWORD, '10.0.0.3')).statusCode, 423);
  clock.advance(14 * 60_000);
  assert.equal((await loginAs('locky', PASSWORD, '10.0.0.3')).statusCode, 423);
  clock.advance(61_000);
  assert.equal((await loginAs('locky', PASSWORD, '10.0.0.3')).statusCode, 200);
  const audit = await db.pool.query(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'login_failed'`);
  assert.ok(audit.rows[0].n >= 5);
});

test('per-address rate limit on sign-in answers 429 with Retry-After', async () => {
  const ip = '10.9.9.9';
  for (let i = 0; i < 8; i++) assert.equal((await loginAs(`nobody${i}`, 'x', ip)).statusCode, 401);
  const res = await loginAs('nobody9', 'x', ip);
  assert.equal(res.statusCode, 429);
  assert.ok(Number(res.headers['retry-after']) > 0);
  assert.equal((await loginAs('nobody9', 'x', '10.9.9.10')).statusCode, 401);
});

test('state-changing requests with a session need the CSRF token', async () => {
  const admin = await createUserForTest(db.pool, { organizationId: clinic, username: 'csrfadmin', roles: ['access_admin'] });
  const body = { username: 'newdoc', email: 'newdoc@example.org', organizationId: clinic, roles: ['provider'] };
  let res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { cookie: admin.cookie }, payload: body });
  assert.equal(res.statusCode, 403);
  res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { cookie: admin.cookie, 'x-csrf-token': 'x'.repeat(43) }, payload: body });
  assert.equal(res.statusCode, 403);
  res = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: admin.cookie } });
  assert.equal(res.statusCode, 403);
  res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken }, payload: body });
  assert.equal(res.statusCode, 201, res.body);
  // The token comes from GET /api/v1/auth/session.
  res = await app.inject({ url: '/api/v1/auth/session', headers: { cookie: admin.cookie } });
  assert.equal(res.json().csrfToken, admin.csrfToken);
  res = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken } });
  assert.equal(res.statusCode, 204);
  assert.equal((await app.inject({ url: '/api/v1/auth/session', headers: { cookie: admin.cookie } })).statusCode, 401);
});

test('sessions end after 30 idle minutes and 12 hours at most', async () => {
  await createUserForTest(db.pool, { organizationId: clinic, username: 'sleepy', roles: ['provider'], password: PASSWORD });
  let cookie = sessionCookie(await loginAs('sleepy', PASSWORD, '10.0.1.1'));
  const session = () => app.inject({ url: '/api/v1/auth/session', headers: { cookie } });
  clock.advance(29 * 60_000);
  assert.equal((await session()).statusCode, 200);
  clock.advance(29 * 60_000);
  assert.equal((await session()).statusCode, 200, 'activity resets the idle timer');
  clock.advance(30 * 60_000);
  assert.equal((await session()).statusCode, 401, 'idle for 30 minutes');

  cookie = sessionCookie(await loginAs('sleepy', PASSWORD, '10.0.1.1'));
  for (let h = 0; h < 11 * 3; h++) { clock.advance(20 * 60_000); assert.equal((await session()).statusCode, 200); }
  for (let i = 0; i < 2; i++) { clock.advance(20 * 60_000); assert.equal((await session()).statusCode, 200); }
  clock.advance(20 * 60_000 - 1000);
  assert.equal((await session()).statusCode, 200, '11:59:59 after sign-in');
  clock.advance(1000);
  assert.equal((await session()).statusCode, 401, 'absolute lifetime of 12 hours');
});

test('a reset link works for 30 minutes, once, and ends the sessions of the account', async () => {
  const u = await createUserForTest(db.pool, { organizationId: clinic, username: 'forgetful', roles: ['provider'], password: PASSWORD, email: 'forgetful@example.org' });
  const link = async () => {
    await app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', remoteAddress: '10.0.4.1', payload: { identifier: 'forgetful@example.org' } });
    const mail = (await db.pool.query(`SELECT body FROM mail_outbox WHERE to_address = 'forgetful@example.org' ORDER BY id DESC LIMIT 1`)).rows[0].body;
    return /#token=([A-Za-z0-9_-]+)/.exec(mail)![1];
  };
  const reset = (token: string) => app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', remoteAddress: '10.0.4.1', payload: { token, password: 'a brand new passphrase' } });
  const stale = await link();
  clock.advance(30 * 60_000 + 1000);
  assert.equal((await reset(stale)).statusCode, 400, 'expired after 30 minutes');
  const fresh = await link();
  // Only hashes are stored.
  assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM password_reset WHERE token_hash = $1', [fresh])).rows[0].n, 0);
  assert.equal((await reset(fresh)).statusCode, 200);
  assert.equal((await app.inject({ url: '/api/v1/auth/session', headers: { cookie: u.cookie } })).statusCode, 401, 'old sessions ended');
  assert.equal((await loginAs('forgetful', PASSWORD, '10.0.4.2')).statusCode, 401);
  assert.equal((await loginAs('forgetful', 'a brand new passphrase', '10.0.4.2')).statusCode, 200);
  // Unknown accounts get the same answer and no mail.
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', remoteAddress: '10.0.4.1', payload: { identifier: 'nobody@example.org' } });
  assert.equal(res.statusCode, 202);
  assert.equal((await db.pool.query(`SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = 'nobody@example.org'`)).rows[0].n, 0);
});

test('administrators need TOTP: enrolment forced at first sign-in, then the code is required', async () => {
  const u = await db.pool.query(`INSERT INTO app_user (username, email, organization_id, password_hash) VALUES ('aa1', 'aa1@example.org', $1, NULL) RETURNING id`, [clinic]);
  const id = u.rows[0].id;
  await db.pool.query(`INSERT INTO user_role (user_id, organization_id, role) VALUES ($1, $2, 'access_admin')`, [id, clinic]);
  // Password set through the reset flow.
  await app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { identifier: 'aa1' } });
  const mail = (await db.pool.query(`SELECT body FROM mail_outbox WHERE to_address = 'aa1@example.org' ORDER BY id DESC LIMIT 1`)).rows[0].body;
  const token = /#token=([A-Za-z0-9_-]+)/.exec(mail)![1];
  let res = await app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token, password: 'short' } });
  assert.equal(res.statusCode, 400);
  res = await app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token, password: PASSWORD } });
  assert.equal(res.statusCode, 200, res.body);
  res = await app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token, password: PASSWORD + '!' } });
  assert.equal(res.statusCode, 400, 'single use');

  res = await loginAs('aa1', PASSWORD, '10.0.2.1');
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().totpEnrolmentRequired, true);
  const cookie = sessionCookie(res);
  const csrf = res.json().csrfToken;
  assert.equal((await app.inject({ url: '/api/v1/users', headers: { cookie } })).statusCode, 403, 'nothing else until enrolled');
  res = await app.inject({ method: 'POST', url: '/api/v1/auth/totp/setup', headers: { cookie, 'x-csrf-token': csrf } });
  assert.equal(res.statusCode, 200);
  const { secret, otpauthUri, qrDataUrl } = res.json();
  assert.match(otpauthUri, /^otpauth:\/\/totp\//);
  assert.match(qrDataUrl, /^data:image\/png;base64,/);
  const code = await generate({ secret, epoch: Math.floor(clock.t / 1000) });
  res = await app.inject({ method: 'POST', url: '/api/v1/auth/totp/confirm', headers: { cookie, 'x-csrf-token': csrf }, payload: { code } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((await app.inject({ url: '/api/v1/users', headers: { cookie } })).statusCode, 200);

  clock.advance(60_000);
  res = await loginAs('aa1', PASSWORD, '10.0.2.1');
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().code, 'totp_required');
  res = await loginAs('aa1', PASSWORD, '10.0.2.1', '000000');
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().code, 'totp_invalid');
  const fresh = await generate({ secret, epoch: Math.floor(clock.t / 1000) });
  res = await loginAs('aa1', PASSWORD, '10.0.2.1', fresh);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().totpEnrolmentRequired, false);
  res = await loginAs('aa1', PASSWORD, '10.0.2.1', fresh);
  assert.equal(res.json().code, 'totp_invalid', 'a code is accepted once');
});

test('no personal data or secrets in the log of a sign-in, a patient search, view and export, and a password reset', async () => {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  const logged = await accessApp(db.pool, clock, {}, { logStream: stream });
  try {
    const school = await org(db.pool, 'school', 'Elm School');
    const pid = (await db.pool.query(`INSERT INTO patient (given_name, family_name, birth_date) VALUES ('Zebediah', 'Quixotic', '2019-03-04') RETURNING id`)).rows[0].id;
    await db.pool.query(`INSERT INTO enrollment (patient_id, school_org_id, school_year, student_id, grade) VALUES ($1, $2, '2025-2026', 'S-77', 'K')`, [pid, school]);
    await createUserForTest(db.pool, { organizationId: school, username: 'nurse.log', roles: ['school'], password: PASSWORD, email: 'nurse.log@example.org' });
    const res = await logged.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.0.3.1', payload: { username: 'nurse.log', password: PASSWORD } });
    assert.equal(res.statusCode, 200);
    const cookie = sessionCookie(res);
    const csrf = res.json().csrfToken;
    const pdf = await logged.inject({ url: `/api/v1/schools/patients/${pid}/certificate.pdf?pack=MA-2025-2026&grade=K&date=2025-10-01`, remoteAddress: "10.0.3.1", headers: { cookie } });
    assert.equal(pdf.statusCode, 200, pdf.body.slice(0, 200));
    const search = await logged.inject({ url: '/api/v1/patients?name=Zebediah%20Quixotic&birthDate=2019-03-04', headers: { cookie } });
    assert.equal(search.statusCode, 200, search.body.slice(0, 200));
    const view = await logged.inject({ url: `/api/v1/patients/${pid}`, headers: { cookie } });
    assert.equal(view.statusCode, 200);
    await logged.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', remoteAddress: '10.0.3.1', payload: { identifier: 'nurse.log@example.org' } });
    const mail = (await db.pool.query(`SELECT body FROM mail_outbox WHERE to_address = 'nurse.log@example.org' ORDER BY id DESC LIMIT 1`)).rows[0].body;
    const resetToken = /#token=([A-Za-z0-9_-]+)/.exec(mail)![1];
    await logged.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token: resetToken, password: PASSWORD + ' again' } });
    await logged.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, 'x-csrf-token': csrf } });
    // A sender's VXU over HTTP: neither the person in it nor the sender's password reach the log.
    const f = await createFacility(db.pool, { name: 'Clinic One', code: 'CLINIC' });
    const vxu = await logged.inject({ method: 'POST', url: '/hl7', payload: TYPICAL_VXU, headers: {
      'content-type': 'text/plain', authorization: 'Basic ' + Buffer.from(`${f.username}:${f.password}`).toString('base64') } });
    assert.equal(vxu.statusCode, 200, vxu.body);
    const log = lines.join('');
    assert.ok(lines.length >= 8, `expected request logs, got ${lines.length} lines`);
    assert.match(log, /\/api\/v1\/patients\b/, 'the requests are logged (path only)');
    const secrets = ['Quinn', '20250115', '5551234', f.password, 'Zebediah%20Quixotic', 'birthDate=', PASSWORD, cookie.split('=')[1], csrf, resetToken, 'Zebediah', 'Quixotic', '2019-03-04', '20190304', 'nurse.log@example.org'];
    for (const s of secrets) assert.ok(!log.includes(s), `log contains ${s.slice(0, 4)}…`);
    // The audit trail has the export, with who, which organization and from where.
    const a = await db.pool.query(`SELECT actor_id, organization_id, remote_addr FROM audit_event WHERE patient_id = $1 AND action = 'export'`, [pid]);
    assert.deepEqual(a.rows, [{ actor_id: 'nurse.log', organization_id: school, remote_addr: '10.0.3.1' }]);
  } finally {
    await logged.close();
  }
});
