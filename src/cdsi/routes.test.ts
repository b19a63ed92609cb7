import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { freshDatabase, sharedDir } from '../../test/support/postgres.ts';
import { loadConfig } from '../config.ts';
import { buildApp } from '../server/app.ts';
import { createUserForTest } from '../access/guard.ts';

const db = await freshDatabase();
// the real wiring: buildApp with the access layer; the schedule is imported from IIS_CDSI_DIR at first use
const app = await buildApp({ pool: db.pool, config: { ...loadConfig(), cdsiDir: path.join(sharedDir(), 'cdsi', 'supporting-data-4.64') } });
after(async () => { await app.close(); await db.close(); });
const org = (await db.pool.query(`INSERT INTO organization (kind, name) VALUES ('provider_organization', 'Clinic') RETURNING id`)).rows[0].id;
// any role may forecast: a read-only user
const user = await createUserForTest(db.pool, { organizationId: org, username: 'reader', roles: ['read_only'] });
const H = { cookie: user.cookie, 'x-csrf-token': user.csrfToken };

const infant = { patient: { birthDate: '2025-01-01', gender: 'female' }, doses: [{ date: '2025-01-01', cvx: '08' }, { date: '2025-03-01', cvx: '20' }], assessmentDate: '2025-06-01' };

test('without a session every forecast route answers 401 (FHIR as an OperationOutcome)', async () => {
  for (const url of ['/api/v1/forecast', '/api/v1/forecast/dose-check']) {
    const r = await app.inject({ method: 'POST', url, payload: infant });
    assert.equal(r.statusCode, 401, url);
    assert.match(String(r.headers['content-type']), /application\/problem\+json/);
  }
  const f = await app.inject({ method: 'POST', url: '/fhir/$immds-forecast', headers: { 'content-type': 'application/fhir+json' }, payload: JSON.stringify({ resourceType: 'Parameters' }) });
  assert.equal(f.statusCode, 401);
  assert.equal(f.json().resourceType, 'OperationOutcome');
  assert.equal(f.json().issue[0].code, 'login');
});

test('POST /api/v1/forecast returns the engine result with the schedule version', async () => {
  const r = await app.inject({ method: 'POST', url: '/api/v1/forecast', headers: H, payload: infant });
  assert.equal(r.statusCode, 200, r.body);
  const body = r.json();
  assert.equal(body.scheduleVersion, '4.64');
  assert.equal(body.assessmentDate, '2025-06-01');
  const hepb = body.vaccineGroups.find((g: { vaccineGroup: string }) => g.vaccineGroup === 'HepB');
  assert.equal(hepb.status, 'not_complete');
  assert.equal(hepb.forecast.doseNumber, 2);
  assert.ok(body.antigens.some((a: { antigen: string; evaluations: unknown[] }) => a.antigen === 'Diphtheria' && a.evaluations.length === 1));
});

test('bad JSON input gets problem JSON naming the field; an unknown pinned version 404', async () => {
  const bad = await app.inject({ method: 'POST', url: '/api/v1/forecast', headers: H, payload: { patient: { birthDate: '2025-02-30' }, doses: [{ date: '2025-01-01', cvx: 'DTaP' }] } });
  assert.equal(bad.statusCode, 400);
  assert.match(String(bad.headers['content-type']), /problem\+json/);
  assert.match(bad.json().detail, /patient\.birthDate: must be a date/);
  assert.match(bad.json().detail, /doses\.0\.cvx: must be a CVX code/);
  const before = await app.inject({ method: 'POST', url: '/api/v1/forecast', headers: H, payload: { ...infant, assessmentDate: '2024-01-01' } });
  assert.equal(before.statusCode, 400);
  const pinned = await app.inject({ method: 'POST', url: '/api/v1/forecast', headers: H, payload: { ...infant, scheduleVersion: '1.0' } });
  assert.equal(pinned.statusCode, 404);
  assert.match(pinned.json().detail, /1\.0 is not stored/);
});

test('GET /api/v1/forecast/schedules names the release in use; an unparsable body gets problem JSON', async () => {
  const r = await app.inject({ method: 'GET', url: '/api/v1/forecast/schedules', headers: { cookie: user.cookie } });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().current, '4.64');
  assert.deepEqual(r.json().releases.map((x: { version: string }) => x.version), ['4.64']);
  const bad = await app.inject({ method: 'POST', url: '/api/v1/forecast', headers: { ...H, 'content-type': 'application/json' }, payload: '{"patient":' });
  assert.equal(bad.statusCode, 400);
  assert.match(String(bad.headers['content-type']), /problem\+json/);
  assert.equal(bad.json().status, 400);
});

test('POST /api/v1/forecast/dose-check warns about a dose too soon', async () => {
  const r = await app.inject({ method: 'POST', url: '/api/v1/forecast/dose-check', headers: H, payload: { ...infant, proposed: { cvx: '08', date: '2025-01-10' } } });
  assert.equal(r.statusCode, 200, r.body);
  const b = r.json();
  assert.equal(b.verdict, 'too_early');
  assert.equal(b.needed, false);
  assert.equal(b.scheduleVersion, '4.64');
  assert.ok(b.reasons.length >= 1);
  const missing = await app.inject({ method: 'POST', url: '/api/v1/forecast/dose-check', headers: H, payload: infant });
  assert.equal(missing.statusCode, 400);
  assert.match(missing.json().detail, /proposed/);
});

const parameters = (immunizations: unknown[], extra: unknown[] = []) => ({
  resourceType: 'Parameters',
  parameter: [
    { name: 'assessmentDate', valueDate: '2025-06-01' },
    { name: 'patient', resource: { resourceType: 'Patient', id: 'p1', birthDate: '2025-01-01', gender: 'female' } },
    ...immunizations.map((resource) => ({ name: 'immunization', resource })),
    ...extra,
  ],
});
const imm = (id: string, cvx: string, date: string, status = 'completed') => ({ resourceType: 'Immunization', id, status, patient: { reference: 'Patient/p1' },
  vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: cvx }] }, occurrenceDateTime: date });

test('FHIR $immds-forecast: Parameters in, evaluations and one recommendation per vaccine group out', async () => {
  const r = await app.inject({ method: 'POST', url: '/fhir/$immds-forecast', headers: { ...H, 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(parameters([imm('i1', '08', '2025-01-01'), imm('i2', '20', '2025-03-01'), imm('i3', '08', '2025-05-01', 'not-done')])) });
  assert.equal(r.statusCode, 200, r.body);
  assert.match(String(r.headers['content-type']), /application\/fhir\+json/);
  const out = r.json();
  assert.equal(out.resourceType, 'Parameters');
  assert.equal(out.meta.tag[0].code, '4.64');
  const evals = out.parameter.filter((p: { name: string }) => p.name === 'evaluation').map((p: { resource: any }) => p.resource);
  // i1 for HepB; i2 (DTaP) for diphtheria, tetanus and pertussis; i3 was not given
  assert.deepEqual(evals.map((e: any) => `${e.immunizationEvent.reference}:${e.targetDisease.text}`).sort(),
    ['Immunization/i1:HepB', 'Immunization/i2:Diphtheria', 'Immunization/i2:Pertussis', 'Immunization/i2:Tetanus']);
  for (const e of evals) {
    assert.equal(e.resourceType, 'ImmunizationEvaluation');
    assert.equal(e.patient.reference, 'Patient/p1');
    assert.equal(e.doseStatus.coding[0].code, 'valid');
    assert.equal(e.doseNumberPositiveInt, 1);
  }
  const recs = out.parameter.filter((p: { name: string }) => p.name === 'recommendation');
  assert.equal(recs.length, 1);
  const rec = recs[0].resource;
  assert.equal(rec.resourceType, 'ImmunizationRecommendation');
  const hepb = rec.recommendation.find((x: any) => x.targetDisease.text === 'HepB');
  assert.equal(hepb.vaccineCode[0].coding[0].code, '45');
  assert.equal(hepb.doseNumberPositiveInt, 2);
  const loinc = hepb.dateCriterion.map((d: any) => d.code.coding[0].code);
  // due, or overdue once the past-due date (59778-1) is reached on the assessment date
  const pastDue = hepb.dateCriterion.find((d: any) => d.code.coding[0].code === '59778-1')?.value;
  assert.equal(hepb.forecastStatus.coding[0].code, pastDue && pastDue <= '2025-06-01' ? 'overdue' : 'due');
  assert.ok(loinc.includes('30981-5') && loinc.includes('30980-7'), loinc.join());
  for (const d of hepb.dateCriterion) assert.match(d.value, /^\d{4}-\d{2}-\d{2}$/);
  assert.deepEqual(hepb.supportingImmunization, [{ reference: 'Immunization/i1' }]);
  // the groups are each there once
  const groups = rec.recommendation.map((x: any) => x.targetDisease.text);
  assert.equal(new Set(groups).size, groups.length);
});

test('FHIR $immds-forecast: bad input gets an OperationOutcome with a clear diagnostics text', async () => {
  const post = (payload: string) => app.inject({ method: 'POST', url: '/fhir/$immds-forecast', headers: { ...H, 'content-type': 'application/fhir+json' }, payload });
  const cases: [string, RegExp][] = [
    ['{not json', /the request body is not valid JSON/],
    [JSON.stringify({ resourceType: 'Patient' }), /must be a FHIR Parameters resource/],
    [JSON.stringify({ resourceType: 'Parameters', parameter: [] }), /exactly one assessmentDate/],
    [JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'assessmentDate', valueDate: '2025-06-01' }] }), /exactly one patient parameter/],
    [JSON.stringify(parameters([{ ...imm('i1', '08', '2025-01-01'), vaccineCode: { text: 'HepB' } }])), /immunization\[0\]: vaccineCode needs a coding with system http:\/\/hl7\.org\/fhir\/sid\/cvx/],
    [JSON.stringify(parameters([imm('i1', '08', 'yesterday')])), /immunization\[0\]\.occurrenceDateTime must be a FHIR date/],
  ];
  for (const [payload, diag] of cases) {
    const r = await post(payload);
    assert.equal(r.statusCode, 400, payload);
    const oo = r.json();
    assert.equal(oo.resourceType, 'OperationOutcome', r.body);
    assert.equal(oo.issue[0].severity, 'error');
    assert.match(oo.issue[0].diagnostics, diag);
  }
});

test('FHIR $immds-forecast: a CDSi observation (Condition) is taken into account', async () => {
  const cond = { name: 'condition', resource: { resourceType: 'Condition', code: { coding: [{ system: 'https://www.cdc.gov/iis/cdsi/observation', code: '023' }] }, onsetDateTime: '2025-04-01' } };
  const r = await app.inject({ method: 'POST', url: '/fhir/$immds-forecast', headers: { ...H, 'content-type': 'application/fhir+json' }, payload: JSON.stringify(parameters([], [cond])) });
  assert.equal(r.statusCode, 200, r.body);
  const rec = r.json().parameter.find((p: any) => p.name === 'recommendation').resource;
  const varicella = rec.recommendation.find((x: any) => x.targetDisease.text === 'Varicella');
  assert.equal(varicella.forecastStatus.coding[0].code, 'immune');
});
