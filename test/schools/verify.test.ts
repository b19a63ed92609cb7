// Issued certificates verify on the public /verify/<code> page; altered, revoked and unknown ones do not.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../support/postgres.ts';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/config.ts';
import { certificateKey, issueCertificate, revokeCertificate, verifyCertificate } from '../../src/documents/store.ts';
import type { CertificateData } from '../../src/documents/certificate.ts';

const db = await freshDatabase(3);
const app = await buildApp({ pool: db.pool, config: loadConfig() });
after(async () => { await app.close(); await db.close(); });

const content: CertificateData = {
  registryName: 'Test Registry', reportDate: '2025-10-01',
  student: { firstName: 'Avery', lastName: "O'Hara <b>", dob: '2020-03-15' },
  vaccines: [{ vaccine: 'MMR', name: 'Measles, mumps, rubella', doses: [{ date: '2021-03-15', cvx: '03' }, { date: '2024-04-01', cvx: '03', historical: true }] }],
  immunity: [{ vaccine: 'Varicella', evidence: 'history of chickenpox' }],
};

test('one key per registry, even when first used concurrently', async () => {
  const keys = await Promise.all([certificateKey(db.pool), certificateKey(db.pool), certificateKey(db.pool)]);
  assert.equal(keys[0].length, 32);
  assert.ok(keys.every((k) => k.equals(keys[0])));
});

test('issue, verify, alter, revoke', async () => {
  const code = await issueCertificate(db.pool, content);
  assert.equal(await issueCertificate(db.pool, content), code, 'idempotent');
  let res = await app.inject({ method: 'GET', url: `/verify/${code.toLowerCase()}` });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Genuine certificate issued by Test Registry/);
  assert.match(res.body, /O&#39;Hara &#60;b&#62;/, 'escaped');
  assert.match(res.body, /April 1, 2024<\/td><td>Historical/);

  const other = await issueCertificate(db.pool, { ...content, reportDate: '2025-10-02' });
  assert.notEqual(other, code);
  await db.pool.query(`UPDATE school_certificate SET content = jsonb_set(content, '{student,dob}', '"2019-03-15"') WHERE code = $1`, [other]);
  assert.equal((await verifyCertificate(db.pool, other)).status, 'altered');
  res = await app.inject({ method: 'GET', url: `/verify/${other}` });
  assert.match(res.body, /does not verify/);

  assert.ok(await revokeCertificate(db.pool, code, 'replaced by a newer certificate'));
  const v = await verifyCertificate(db.pool, code);
  assert.equal(v.status, 'revoked');
  res = await app.inject({ method: 'GET', url: `/verify/${code}` });
  assert.match(res.body, /withdrawn by the registry: replaced by a newer certificate/);

  res = await app.inject({ method: 'GET', url: '/verify/0000-0000-0000-0000' });
  assert.equal(res.statusCode, 404);
  res = await app.inject({ method: 'GET', url: '/verify/%3Cscript%3E' });
  assert.equal(res.statusCode, 404);
  assert.doesNotMatch(res.body, /<script>/);
});

test('a certificate issued for a registry patient verifies, and lists only that patient\'s live doses', async () => {
  const { issuePatientCertificate, CertificateError } = await import('../../src/documents/issue.ts');
  const { loadPack } = await import('../../src/schools/pack.ts');
  const p = await db.pool.query(`INSERT INTO patient (given_name, family_name, birth_date, sex) VALUES ('Rio', 'Banks', '2019-05-02', 'M') RETURNING id`);
  const id = p.rows[0].id;
  await db.pool.query(`INSERT INTO vaccination (patient_id, administered_date, cvx, historical, deleted) VALUES
    ($1, '2020-05-02', '03', true, false), ($1, '2023-06-01', '03', false, false), ($1, '2023-07-01', '21', false, true), ($1, '2027-01-01', '21', false, false)`, [id]);
  const { code, pdf } = await issuePatientCertificate(db.pool, { patientId: id, pack: loadPack('MA-2025-2026'), grade: 'K', registryName: 'Test Registry', reportDate: '2025-10-01', baseUrl: 'https://iis.example.org/' });
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const v = await verifyCertificate(db.pool, code);
  assert.equal(v.status, 'valid');
  if (v.status !== 'valid') return;
  assert.deepEqual(v.content.vaccines.find((x) => x.vaccine === 'MMR')!.doses, [{ date: '2020-05-02', cvx: '03', historical: true }, { date: '2023-06-01', cvx: '03', historical: false }]);
  assert.deepEqual(v.content.vaccines.find((x) => x.vaccine === 'Varicella')!.doses, []);
  assert.equal(v.content.compliance?.status, 'not compliant');
  await assert.rejects(issuePatientCertificate(db.pool, { patientId: 999999, pack: loadPack('MA-2025-2026'), grade: 'K', registryName: 'x', reportDate: '2025-10-01', baseUrl: 'x' }), CertificateError);
});
