// The school nurse's and district's routes through the whole app (Fastify inject, real database, real access
// guard): roster import, compliance, a student's requirements, exemptions, historical doses, certificates,
// letters, survey and outbreak lists; school scoping and audit.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../support/postgres.ts';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createUserForTest } from '../../src/access/guard.ts';
import { insertPatient } from '../../src/matching/store.ts';

const db = await freshDatabase(4);
const app = await buildApp({ pool: db.pool, config: loadConfig() });
after(async () => { await app.close(); await db.close(); });

const q = (sql: string, p: unknown[] = []) => db.pool.query(sql, p);
const district = (await q(`INSERT INTO organization (kind, name) VALUES ('district', 'Riverside Public Schools') RETURNING id`)).rows[0].id;
const schoolA = (await q(`INSERT INTO organization (kind, name, parent_id) VALUES ('school', 'Maple Elementary', $1) RETURNING id`, [district])).rows[0].id;
const schoolB = (await q(`INSERT INTO organization (kind, name, parent_id) VALUES ('school', 'Cedar Middle', $1) RETURNING id`, [district])).rows[0].id;
const nurseA = await createUserForTest(db.pool, { organizationId: schoolA, username: 'nurse.a', roles: ['school'] });
const nurseB = await createUserForTest(db.pool, { organizationId: schoolB, username: 'nurse.b', roles: ['school'] });
const aa = await createUserForTest(db.pool, { organizationId: district, username: 'district.aa', roles: ['access_admin'] });
// Administrators sign in with TOTP; this one is taken as enrolled.
await q(`UPDATE app_user SET totp_enabled = true WHERE username = 'district.aa'`);

type Who = { cookie: string; csrfToken: string };
const call = (who: Who | null, o: { method?: string; url: string; payload?: unknown; headers?: Record<string, string> }) =>
  app.inject({ method: (o.method ?? 'GET') as 'GET', url: o.url, payload: o.payload as string,
    headers: { ...(who ? { cookie: who.cookie, 'x-csrf-token': who.csrfToken } : {}), ...o.headers } });

// A child already in the registry with a complete kindergarten record, and one with nothing.
const ava = await insertPatient(db.pool, { identifiers: [], aliases: [], guardians: [], name: { family: 'Brooks', given: 'Ava' }, birthDate: '2020-03-10', sex: 'F',
  address: { street: '5 River Rd', city: 'Riverside', state: 'MA', zip: '01001' } });
const avaDoses: [string, string][] = [
  ['2020-03-11', '08'], ['2020-05-12', '08'], ['2020-09-15', '08'],
  ['2020-05-12', '20'], ['2020-07-14', '20'], ['2020-09-15', '20'], ['2021-06-15', '20'], ['2024-03-20', '20'],
  ['2020-05-12', '10'], ['2020-07-14', '10'], ['2020-09-15', '10'], ['2024-03-20', '10'],
  ['2021-03-15', '03'], ['2024-03-20', '03'], ['2021-03-15', '21'], ['2024-03-20', '21'],
];
for (const [d, c] of avaDoses) await q(`INSERT INTO vaccination (patient_id, administered_date, cvx) VALUES ($1, $2, $3)`, [ava, d, c]);

const roster = 'student_id,first_name,last_name,birth_date,sex,grade,address,city,state,zip\n'
  + 'M1,Ava,Brooks,2020-03-10,F,K,5 River Rd,Riverside,MA,01001\n'
  + 'M2,Ben,Ortiz,2020-06-01,M,K,,,,\n'
  + 'M3,Cara,Ng,2019-01-32,F,K,,,,\n';
const Q = 'schoolYear=2025-2026&asOf=2025-10-01';

test('roster import: needs a session, a school role, a school in scope; clear per-row errors', async () => {
  assert.equal((await call(null, { method: 'POST', url: `/api/v1/schools/${schoolA}/roster`, payload: roster, headers: { 'content-type': 'text/csv' } })).statusCode, 401);
  assert.equal((await call(nurseB, { method: 'POST', url: `/api/v1/schools/${schoolA}/roster?schoolYear=2025-2026&startDate=2025-08-27`, payload: roster, headers: { 'content-type': 'text/csv' } })).statusCode, 404);
  const res = await call(nurseA, { method: 'POST', url: `/api/v1/schools/${schoolA}/roster?schoolYear=2025-2026&startDate=2025-08-27`, payload: roster, headers: { 'content-type': 'text/csv' } });
  assert.equal(res.statusCode, 200, res.body);
  const r = res.json();
  assert.equal(r.rows, 2);
  assert.deepEqual(r.errors, [{ line: 4, field: 'birth_date', message: '"2019-01-32" is not a date (use YYYY-MM-DD or MM/DD/YYYY)' }]);
  assert.equal(r.students.find((s: any) => s.studentId === 'M1').patientId, ava);
  assert.equal(r.counts.needsHistory, 1);
  const audits = await q(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'create' AND object_type = 'roster_import' AND actor_id = 'nurse.a'`);
  assert.equal(audits.rows[0].n, 2);
});

test('compliance list: counts and a list filterable by grade and status, audited per student', async () => {
  const res = await call(nurseA, { url: `/api/v1/schools/${schoolA}/compliance?${Q}` });
  assert.equal(res.statusCode, 200, res.body);
  const c = res.json();
  assert.equal(c.counts.enrolled, 2);
  assert.equal(c.counts.compliant, 1);
  assert.equal(c.counts['not compliant'], 1);
  assert.equal(c.counts.needsHistory, 1);
  const only = (await call(nurseA, { url: `/api/v1/schools/${schoolA}/compliance?${Q}&status=not%20compliant` })).json();
  assert.deepEqual(only.students.map((s: any) => s.studentId), ['M2']);
  assert.ok(only.students[0].open.some((v: any) => v.vaccine === 'MMR'));
  assert.equal((await call(nurseA, { url: `/api/v1/schools/${schoolA}/compliance?${Q}&status=bogus` })).statusCode, 400);
  // The district's access administrator sees the school; the other school's nurse does not.
  assert.equal((await call(aa, { url: `/api/v1/schools/${schoolA}/compliance?${Q}` })).statusCode, 200);
  assert.equal((await call(nurseB, { url: `/api/v1/schools/${schoolA}/compliance?${Q}` })).statusCode, 404);
  const list = (await call(nurseB, { url: '/api/v1/schools' })).json();
  assert.deepEqual(list.items.map((s: any) => s.id), [schoolB]);
  const audits = await q(`SELECT count(DISTINCT patient_id)::int AS n FROM audit_event WHERE object_type = 'school_compliance' AND actor_id = 'nurse.a'`);
  assert.equal(audits.rows[0].n, 2);
});

test('a student in plain words; historical doses and exemptions change the evaluation', async () => {
  const ben = (await q(`SELECT patient_id FROM enrollment WHERE student_id = 'M2'`)).rows[0].patient_id;
  let s = (await call(nurseA, { url: `/api/v1/schools/${schoolA}/students/${ben}?${Q}` })).json();
  assert.equal(s.status, 'not compliant');
  assert.match(s.plain.summary, /^Not compliant as of October 1, 2025/);
  assert.ok(s.plain.requirements.every((r: any) => typeof r.sentence === 'string' && r.sentence.length > 10));
  assert.equal(s.student.needsHistory, true);
  // Not Ben's school: 404 for the other nurse.
  assert.equal((await call(nurseB, { url: `/api/v1/schools/${schoolA}/students/${ben}?${Q}` })).statusCode, 404);
  assert.equal((await call(nurseB, { url: `/api/v1/schools/${schoolB}/students/${ben}?${Q}` })).statusCode, 404);

  const bad = await call(nurseA, { method: 'POST', url: `/api/v1/schools/${schoolA}/students/${ben}/historical-doses?${Q}`, payload: { doses: [{ date: '2019-01-01', cvx: '03' }] } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().detail, /before the birth date/);
  const hd = await call(nurseA, { method: 'POST', url: `/api/v1/schools/${schoolA}/students/${ben}/historical-doses?${Q}`, payload: { doses: [{ date: '2021-06-02', cvx: '03' }, { date: '2024-06-03', cvx: '03' }] } });
  assert.equal(hd.statusCode, 200, hd.body);
  s = (await call(nurseA, { url: `/api/v1/schools/${schoolA}/students/${ben}?${Q}` })).json();
  assert.equal(s.evaluation.vaccines.find((v: any) => v.vaccine === 'MMR').status, 'compliant');
  assert.equal(s.student.needsHistory, false);

  const ex = await call(nurseA, { method: 'POST', url: `/api/v1/schools/${schoolA}/students/${ben}/exemptions?${Q}`, payload: { type: 'religious', signedDate: '2025-08-20' } });
  assert.equal(ex.statusCode, 201, ex.body);
  s = (await call(nurseA, { url: `/api/v1/schools/${schoolA}/students/${ben}?${Q}` })).json();
  assert.equal(s.status, 'exempt');
  assert.equal(s.exemptions.length, 1);
  const wrong = await call(nurseA, { method: 'POST', url: `/api/v1/schools/${schoolA}/students/${ben}/exemptions?${Q}`, payload: { type: 'medical', vaccine: 'Nope', expires: 'soon' } });
  assert.equal(wrong.statusCode, 400);
  assert.equal(wrong.json().problems.length, 2);
  const del = await call(nurseA, { method: 'DELETE', url: `/api/v1/schools/${schoolA}/students/${ben}/exemptions/${ex.json().id}?${Q}` });
  assert.equal(del.statusCode, 204);
  s = (await call(nurseA, { url: `/api/v1/schools/${schoolA}/students/${ben}?${Q}` })).json();
  assert.equal(s.exemptions.length, 0);
  assert.notEqual(s.status, 'exempt');
});

test('certificates for a student and a class, letters, survey CSV/PDF, outbreak list', async () => {
  const one = await call(nurseA, { url: `/api/v1/schools/${schoolA}/students/${ava}/certificate.pdf?${Q}` });
  assert.equal(one.statusCode, 200, one.body);
  assert.equal(one.headers['content-type'], 'application/pdf');
  assert.match(String(one.headers['x-verification-code']), /^[0-9A-Z]{4}-/);
  const verify = await call(null, { url: `/verify/${one.headers['x-verification-code']}` });
  assert.equal(verify.statusCode, 200);
  const cls = await call(nurseA, { url: `/api/v1/schools/${schoolA}/certificates.pdf?${Q}&grade=K` });
  assert.equal(cls.statusCode, 200);
  assert.equal((cls.rawPayload.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length >= 2, true);
  assert.equal((await call(nurseA, { url: `/api/v1/schools/${schoolA}/certificates.pdf?${Q}` })).statusCode, 400);
  const letters = await call(nurseA, { url: `/api/v1/schools/${schoolA}/letters.pdf?${Q}&grade=K` });
  assert.equal(letters.statusCode, 200);

  const csv = await call(nurseA, { url: `/api/v1/schools/${schoolA}/survey.csv?${Q}` });
  assert.equal(csv.statusCode, 200);
  assert.match(csv.body, /^grade,vaccine,enrolled,compliant/);
  assert.match(csv.body, /\r\nK,ALL,2,/);
  const pdf = await call(aa, { url: `/api/v1/districts/${district}/survey.pdf?${Q}` });
  assert.equal(pdf.statusCode, 200);
  assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
  // A school nurse cannot pull the district's survey.
  assert.equal((await call(nurseA, { url: `/api/v1/districts/${district}/survey.csv?${Q}` })).statusCode, 404);

  const ob = await call(nurseA, { url: `/api/v1/schools/${schoolA}/outbreak?${Q}&disease=pertussis&exposureDate=2025-09-29` });
  assert.equal(ob.statusCode, 200, ob.body);
  const list = ob.json();
  assert.equal(list.enrolled, 2);
  assert.ok(list.students.every((s: any) => s.patientId && s.school === 'Maple Elementary'));
  assert.equal((await call(nurseA, { url: `/api/v1/schools/${schoolA}/outbreak?${Q}&disease=plague` })).statusCode, 400);
  const exports = await q(`SELECT object_type, count(*)::int AS n FROM audit_event WHERE action = 'export' GROUP BY 1 ORDER BY 1`);
  assert.ok(exports.rows.some((r) => r.object_type === 'school_certificate' && r.n >= 3), JSON.stringify(exports.rows));
});
