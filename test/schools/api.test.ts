// POST /api/v1/schools/evaluate end to end through Fastify (inject), with a real database behind the app.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freshDatabase } from '../support/postgres.ts';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createUserForTest } from '../../src/access/guard.ts';

const db = await freshDatabase(2);
const built = await buildApp({ pool: db.pool, config: loadConfig() });
after(async () => { await built.close(); await db.close(); });
// Every route but the public ones needs a session (src/access): a school nurse's.
const schoolOrg = (await db.pool.query(`INSERT INTO organization (kind, name) VALUES ('school', 'Test School') RETURNING id`)).rows[0].id;
const nurse = await createUserForTest(db.pool, { organizationId: schoolOrg, username: 'nurse', roles: ['school'] });
const app = {
  inject: (o: any) => built.inject({ ...o, headers: { ...o.headers, cookie: nurse.cookie, 'x-csrf-token': nurse.csrfToken } }),
};

const cases = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, 'cases-MA-2025-2026.json'), 'utf8'));

test('evaluates a case the same way the runner does', async () => {
  for (const c of cases.slice(0, 12)) {
    const { expected, name, ...body } = c;
    const res = await app.inject({ method: 'POST', url: '/api/v1/schools/evaluate', payload: body });
    assert.equal(res.statusCode, 200, name);
    const ev = res.json();
    assert.equal(ev.status, expected.status, name);
    for (const [v, s] of Object.entries(expected.vaccines)) assert.equal(ev.vaccines.find((x: any) => x.vaccine === v).status, s, `${name}: ${v}`);
  }
});

test('clear 400s and 404s for bad requests', async () => {
  const body = { ...cases[0] };
  delete body.expected;
  let res = await app.inject({ method: 'POST', url: '/api/v1/schools/evaluate', payload: { ...body, pack: 'ZZ-2025-2026' } });
  assert.equal(res.statusCode, 404);
  assert.match(res.json().error, /unknown requirement pack "ZZ-2025-2026"/);
  res = await app.inject({ method: 'POST', url: '/api/v1/schools/evaluate', payload: { ...body, student: { ...body.student, dob: '2020-02-30' } } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().problems[0], /student\.dob must be a date/);
  res = await app.inject({ method: 'POST', url: '/api/v1/schools/evaluate', payload: { ...body, doses: 'none' } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().problems[0], /^doses: /);
  res = await app.inject({ method: 'POST', url: '/api/v1/schools/evaluate', payload: { ...body, exemptions: [{ type: 'philosophical' }] } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().problems[0], /"philosophical" is not accepted by pack MA-2025-2026/);
  res = await app.inject({ method: 'GET', url: '/api/v1/schools/packs' });
  assert.ok(res.json().packs.includes('MA-2025-2026'));
});

test('the patient certificate route needs a session and a student of the school, and works behind an authorize hook', async () => {
  let res = await built.inject({ method: 'GET', url: '/api/v1/schools/patients/1/certificate.pdf?pack=MA-2025-2026&grade=K&date=2025-10-01' });
  assert.equal(res.statusCode, 401);
  res = await app.inject({ method: 'GET', url: '/api/v1/schools/patients/1/certificate.pdf?pack=MA-2025-2026&grade=K&date=2025-10-01' });
  assert.equal(res.statusCode, 404, 'not a student of the nurse\'s school');
  const Fastify = (await import('fastify')).default;
  const { registerSchoolRoutes } = await import('../../src/schools/routes.ts');
  const open = Fastify();
  await registerSchoolRoutes(open, { pool: db.pool, registryName: 'Test', publicBaseUrl: 'https://iis.example.org' }, { authorize: async () => ({ user: 'nurse' }) });
  const p = await db.pool.query(`INSERT INTO patient (given_name, family_name, birth_date) VALUES ('Kit', 'Ames', '2019-01-01') RETURNING id`);
  res = await open.inject({ method: 'GET', url: `/api/v1/schools/patients/${p.rows[0].id}/certificate.pdf?pack=MA-2025-2026&grade=K&date=2025-10-01` });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.match(String(res.headers['x-verification-code']), /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
  res = await open.inject({ method: 'GET', url: '/api/v1/schools/patients/99999999/certificate.pdf?pack=MA-2025-2026&grade=K&date=2025-10-01' });
  assert.equal(res.statusCode, 404);
  res = await open.inject({ method: 'GET', url: `/api/v1/schools/patients/${p.rows[0].id}/certificate.pdf?pack=MA-2025-2026&grade=Q&date=2025-10-01` });
  assert.equal(res.statusCode, 400);
  res = await open.inject({ method: 'GET', url: `/api/v1/schools/patients/abc/certificate.pdf?pack=MA-2025-2026&grade=K&date=2025-10-01` });
  assert.equal(res.statusCode, 400);
  await open.close();
});

test('parent letter PDF from an evaluate request', async () => {
  const { expected: _e, name: _n, ...body } = cases.find((c: any) => c.expected.status === 'in process');
  let res = await app.inject({ method: 'POST', url: '/api/v1/schools/letter.pdf', payload: { ...body, letter: { firstName: 'Lee', lastName: 'Park', guardianName: 'Sam Park' } } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.equal(res.rawPayload.subarray(0, 5).toString(), '%PDF-');
  res = await app.inject({ method: 'POST', url: '/api/v1/schools/letter.pdf', payload: body });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().problems[0], /letter\.firstName/);
});

test('malformed evaluate bodies get 4xx, never 500', async () => {
  const good = { ...cases[0] };
  delete good.expected;
  const variants: unknown[] = [
    null, [], 'x', 42, {}, { pack: 5 }, { ...good, asOf: null }, { ...good, student: null }, { ...good, student: { dob: 1 } },
    { ...good, student: { ...good.student, grade: null } }, { ...good, student: { ...good.student, flags: { a: 'yes' } } },
    { ...good, doses: [null] }, { ...good, doses: [{}] }, { ...good, doses: [{ date: '2020-01-01', cvx: {} }] },
    { ...good, doses: [{ date: '2020-01-01', cvx: '1234' }] }, { ...good, doses: [{ date: '0000-00-00', cvx: '03' }] },
    { ...good, observations: [{}] }, { ...good, exemptions: [{}] }, { ...good, exemptions: [{ type: 'medical', expires: 'soon' }] },
    { ...good, forecast: { Measles: { earliest: 'tomorrow' } } }, { ...good, forecast: [] }, { ...good, pack: '../../etc/passwd' },
    { ...good, asOf: '1900-01-01' }, { ...good, student: { ...good.student, dob: '9999-12-31' } },
  ];
  for (const payload of variants) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/schools/evaluate', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${JSON.stringify(payload)?.slice(0, 120)} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
  }
});
