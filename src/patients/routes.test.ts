import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { freshDatabase, type TestDatabase } from '../../test/support/postgres.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../config.ts';
import { createUserForTest } from '../access/guard.ts';
import { foreignVaccines } from './vaccines.ts';

let db: TestDatabase;
let app: FastifyInstance;
let provider: { cookie: string; csrfToken: string };
let school: { cookie: string; csrfToken: string };
let patientId: number;
let otherId: number;

before(async () => {
  db = await freshDatabase();
  app = await buildApp({ pool: db.pool, config: loadConfig() });
  const org = await db.pool.query(`INSERT INTO organization (kind, name, code) VALUES ('provider_organization', 'Maple Clinic', 'MAPLE') RETURNING id`);
  const sch = await db.pool.query(`INSERT INTO organization (kind, name, code) VALUES ('school', 'Elm School', 'ELM') RETURNING id`);
  provider = await createUserForTest(db.pool, { organizationId: Number(org.rows[0].id), username: 'dr.maple', roles: ['provider'] });
  school = await createUserForTest(db.pool, { organizationId: Number(sch.rows[0].id), username: 'nurse.elm', roles: ['school'] });
  const p = await db.pool.query(`INSERT INTO patient (family_name, given_name, birth_date, sex) VALUES ('Thompson', 'Katherine', '2024-03-05', 'F') RETURNING id`);
  patientId = Number(p.rows[0].id);
  await db.pool.query(`INSERT INTO patient_identifier (patient_id, id_value, authority, id_type) VALUES ($1, 'MRN-4711', 'MAPLE', 'MR')`, [patientId]);
  const o = await db.pool.query(`INSERT INTO patient (family_name, given_name, birth_date) VALUES ('Tompkins', 'Bob', '1990-01-01') RETURNING id`);
  otherId = Number(o.rows[0].id);
  // MMR at 12 months and a second at 13 months: the MMR series (2 doses) is then complete.
  await db.pool.query(`INSERT INTO vaccination (patient_id, administered_date, cvx, historical) VALUES ($1, '2025-03-05', '03', false), ($1, '2025-04-10', '03', false)`, [patientId]);
});
after(async () => { await app?.close(); await db?.close(); });

const as = (u: { cookie: string; csrfToken: string }, withCsrf = true) => ({ cookie: u.cookie, ...(withCsrf ? { 'x-csrf-token': u.csrfToken } : {}) });

test('search tolerates typos in the name and swapped day/month in the birth date', async () => {
  const r = await app.inject({ method: 'GET', url: '/api/v1/patients?name=Katherin%20Tomson', headers: as(provider) });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().patients[0].id, patientId);
  const r2 = await app.inject({ method: 'GET', url: '/api/v1/patients?name=Thomson,%20Kathrine&birthDate=2024-05-03', headers: as(provider) });
  assert.ok(r2.json().patients[0], r2.body);
  assert.equal(r2.json().patients[0].id, patientId);
  assert.equal(r2.json().patients[0].birthDateMatch, 'close');
  const r3 = await app.inject({ method: 'GET', url: '/api/v1/patients?identifier=MRN-4711', headers: as(provider) });
  assert.deepEqual(r3.json().patients.map((p: { id: number }) => p.id), [patientId]);
  const audits = await db.pool.query(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'search' AND patient_id = $1 AND actor_id = 'dr.maple'`, [patientId]);
  assert.equal(audits.rows[0].n, 3);
});

test('no session: 401; a school user sees no unenrolled patient (search empty, record 404)', async () => {
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}` })).statusCode, 401);
  const s = await app.inject({ method: 'GET', url: '/api/v1/patients?name=Katherine%20Thompson', headers: as(school) });
  assert.equal(s.statusCode, 200);
  assert.equal(s.json().patients.length, 0);
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}`, headers: as(school) })).statusCode, 404);
  assert.equal((await app.inject({ method: 'POST', url: `/api/v1/patients/${patientId}/refusals`, headers: as(school), payload: { date: '2025-01-01', cvx: '03' } })).statusCode, 404);
});

test('record: demographics, doses with their source, audit of the view', async () => {
  const r = await app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}`, headers: as(provider) });
  assert.equal(r.statusCode, 200, r.body);
  const rec = r.json();
  assert.equal(rec.demographics.familyName, 'Thompson');
  assert.equal(rec.doses.length, 2);
  assert.equal(rec.doses[0].cvx, '03');
  assert.match(rec.doses[0].vaccine ?? '', /MMR/);
  const a = await db.pool.query(`SELECT organization_id, remote_addr FROM audit_event WHERE action = 'view' AND patient_id = $1`, [patientId]);
  assert.equal(a.rowCount, 1);
  assert.ok(a.rows[0].organization_id);
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/patients/999999`, headers: as(provider) })).statusCode, 404);
});

test('forecast: per vaccine group in plain words, each dose evaluated', async () => {
  const r = await app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}/forecast?asOf=2025-06-01`, headers: as(provider) });
  assert.equal(r.statusCode, 200, r.body);
  const f = r.json();
  const mmr = f.groups.find((g: { vaccineGroup: string }) => g.vaccineGroup === 'MMR');
  assert.equal(mmr.status, 'complete');
  const dtap = f.groups.find((g: { vaccineGroup: string }) => /DTaP/.test(g.vaccineGroup));
  assert.equal(dtap.status, 'overdue');
  assert.ok(Object.keys(f.evaluations).length >= 2);
});

test('adding an extra MMR dose warns of over-immunization; with override it is stored as a web submission', async () => {
  const body = { date: '2025-06-01', cvx: '03', historical: false };
  const noCsrf = await app.inject({ method: 'POST', url: `/api/v1/patients/${patientId}/vaccinations`, headers: as(provider, false), payload: body });
  assert.equal(noCsrf.statusCode, 403);
  const w = await app.inject({ method: 'POST', url: `/api/v1/patients/${patientId}/vaccinations`, headers: as(provider), payload: body });
  assert.equal(w.statusCode, 409, w.body);
  assert.equal(w.json().requiresOverride, true);
  assert.equal(w.json().warnings[0].verdict, 'extraneous');
  assert.match(w.json().detail, /Over-immunization/);
  const before = await db.pool.query(`SELECT count(*)::int AS n FROM vaccination WHERE patient_id = $1`, [patientId]);
  assert.equal(before.rows[0].n, 2);
  const ok = await app.inject({ method: 'POST', url: `/api/v1/patients/${patientId}/vaccinations`, headers: as(provider), payload: { ...body, override: true } });
  assert.equal(ok.statusCode, 201, ok.body);
  const v = await db.pool.query(
    `SELECT v.cvx, v.information_source, s.channel, v.source_record_id IS NOT NULL AS has_source FROM vaccination v JOIN submission s ON s.id = v.submission_id WHERE v.id = $1`,
    [ok.json().vaccinationIds[0]]);
  assert.deepEqual(v.rows[0], { cvx: '03', information_source: '00', channel: 'web', has_source: true });
  const future = await app.inject({ method: 'POST', url: `/api/v1/patients/${patientId}/vaccinations`, headers: as(provider), payload: { date: '2999-01-01', cvx: '03' } });
  assert.equal(future.statusCode, 400);
});

test('a needed historical dose is stored without a warning', async () => {
  const r = await app.inject({ method: 'POST', url: `/api/v1/patients/${patientId}/vaccinations`, headers: as(provider), payload: { date: '2024-05-05', cvx: ['110', '48'], historical: true, tradeName: 'Infanrix hexa' } });
  assert.equal(r.statusCode, 201, r.body);
  assert.equal(r.json().vaccinationIds.length, 2);
});

test('refusal and observations go to their tables through a web submission', async () => {
  const r = await app.inject({ method: 'POST', url: `/api/v1/patients/${patientId}/refusals`, headers: as(provider), payload: { date: '2025-05-01', cvx: '88', reason: '00' } });
  assert.equal(r.statusCode, 201, r.body);
  const o = await app.inject({ method: 'POST', url: `/api/v1/patients/${patientId}/observations`, headers: as(provider), payload: { category: 'contraindication', code: '083', date: '2025-05-01' } });
  assert.equal(o.statusCode, 201, o.body);
  const bad = await app.inject({ method: 'POST', url: `/api/v1/patients/${patientId}/observations`, headers: as(provider), payload: { category: 'immunity', code: '999' } });
  assert.equal(bad.statusCode, 400);
  const rec = (await app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}`, headers: as(provider) })).json();
  assert.equal(rec.refusals.length, 1);
  assert.equal(rec.refusals[0].reason, 'Parental decision');
  assert.equal(rec.observations[0].cdsiCode, '083');
  assert.match(rec.observations[0].label, /Rotavirus/);
  assert.equal(rec.observations[0].channel, 'web');
  const codes = (await app.inject({ method: 'GET', url: '/api/v1/observation-codes', headers: as(provider) })).json().codes;
  assert.ok(codes.some((c: { code: string; category: string }) => c.code === '020' && c.category === 'immunity'));
  assert.ok(codes.some((c: { code: string; category: string }) => c.code === '024' && c.category === 'disease_history'));
});

test('vaccine lookup maps foreign and CDC names (with typos) to CVX codes', async () => {
  assert.ok(foreignVaccines().length >= 40);
  const look = async (q: string) => (await app.inject({ method: 'GET', url: `/api/v1/vaccines/lookup?q=${encodeURIComponent(q)}`, headers: as(provider) })).json().matches;
  const hexa = (await look('infanrix hexa'))[0];
  assert.equal(hexa.source, 'foreign_trade_name');
  assert.deepEqual(hexa.cvx.map((c: { code: string }) => c.code), ['110', '48']);
  assert.deepEqual((await look('Priorx'))[0].cvx.map((c: { code: string }) => c.code), ['03']);
  assert.equal((await look('Hexyon'))[0].name, 'Hexaxim');
  assert.ok((await look('MMR')).some((m: { cvx: { code: string }[] }) => m.cvx.some((c) => c.code === '03')));
  assert.equal((await look('03'))[0].cvx[0].code, '03');
});
