// The school walk in a real browser: a district Access Administrator adds a school nurse; the nurse sets a
// password from the invitation, signs in, imports a roster of 500 students (most already in the registry),
// sees the school's compliance (whole school, one grade, filtered by status), a student's requirements,
// prints a class's certificates and the survey, and lists students for an outbreak. Screenshots and the
// first certificate page (PDF -> PNG with pdftoppm) go to test-results/screenshots/school/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createOrganization, e2eSkipReason, launchBrowser, root, screenshot, signIn, startRegistry, type Browser, type E2E } from './support.ts';
import { createUserForTest, SESSION_COOKIE } from '../../src/access/guard.ts';
import { seedSchoolChildren } from '../../src/schools/roster-seed.ts';

const skip = e2eSkipReason();
const T = 'school';
const shots = path.join(root, 'test-results', 'screenshots', T);
let e: E2E;
let b: Browser;
let district: number;
let school: number;
let csv: string;

before(async () => {
  if (skip) return;
  e = await startRegistry();
  district = await createOrganization(e, { name: 'Riverside Public Schools', code: 'RPS', kind: 'district' });
  school = await createOrganization(e, { name: 'Maple Street Elementary', code: 'RPS-MAPLE', kind: 'school', parentId: district });
  await createOrganization(e, { name: 'Cedar Hill Middle', code: 'RPS-CEDAR', kind: 'school', parentId: district });
  // 500 children of kindergarten to grade 5; about 9 in 10 already in the registry with their doses.
  ({ csv } = await seedSchoolChildren(e.db.pool, { count: 500, grades: ['K', '1', '2', '3', '4', '5'], schoolYear: '2025-2026', seed: 7 }));
  b = await launchBrowser();
  fs.mkdirSync(shots, { recursive: true });
});
after(async () => { await b?.close(); await e?.close(); });

function renderPdfPage(pdf: Buffer, name: string): string {
  const file = path.join(shots, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, path.join(shots, name)]);
  return path.join(shots, `${name}.png`);
}

test('school: a district administrator adds a nurse; the nurse imports 500 students, sees compliance, prints certificates and the survey', { skip, timeout: 600_000 }, async () => {
  const { page, context } = b;
  const base = e.baseUrl;

  // The district's Access Administrator (TOTP taken as enrolled) works in the browser with a session cookie.
  const aa = await createUserForTest(e.db.pool, { organizationId: district, username: 'aa.riverside', roles: ['access_admin'] });
  await e.db.pool.query(`UPDATE app_user SET totp_enabled = true WHERE username = 'aa.riverside'`);
  await context.addCookies([{ name: SESSION_COOKIE, value: aa.cookie.split('=').slice(1).join('='), url: base }]);
  await page.goto(`${base}/schools`);
  await page.getByTestId('school-link').first().waitFor();
  assert.equal(await page.getByTestId('school-link').count(), 2, 'the district administrator sees both district schools');
  await screenshot(page, T, '01-district-admin-schools');

  // Adds the school nurse through the user-management API (an invitation with a password link is mailed).
  const created = await page.request.post(`${base}/api/v1/users`, {
    headers: { 'x-csrf-token': aa.csrfToken },
    data: { username: 'nurse.maple', email: 'nurse.maple@riverside.example', displayName: 'Pat Maple (school nurse)', organizationId: school, roles: ['school'] },
  });
  assert.equal(created.status(), 201, await created.text());
  const mail = await e.db.pool.query(`SELECT body FROM mail_outbox WHERE to_address = 'nurse.maple@riverside.example' ORDER BY id DESC LIMIT 1`);
  const token = /token=([A-Za-z0-9_-]+)/.exec(mail.rows[0]?.body ?? '')?.[1] ?? /\/([A-Za-z0-9_-]{30,})\b/.exec(mail.rows[0]?.body ?? '')?.[1];
  assert.ok(token, `no link token in the invitation: ${mail.rows[0]?.body}`);
  const set = await fetch(`${base}/api/v1/auth/password/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, password: 'maple leaves in october 2025' }) });
  assert.equal(set.status, 200, await set.text());
  await context.clearCookies();

  // The nurse signs in and sees only her school.
  await signIn(page, base, 'nurse.maple', 'maple leaves in october 2025');
  await page.getByRole('link', { name: 'Schools', exact: true }).first().click();
  await page.getByTestId('school-link').first().waitFor();
  assert.equal(await page.getByTestId('school-link').count(), 1);
  await screenshot(page, T, '02-nurse-schools');

  // Roster import: 500 students for 2025-2026.
  await page.getByRole('link', { name: 'Upload roster' }).click();
  await page.getByLabel('School year').selectOption('2025-2026');
  await page.getByLabel('Enrolled from').fill('2025-08-27');
  await page.getByLabel('Roster file (CSV)').setInputFiles({ name: 'maple-roster-2025-2026.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Import roster' }).click();
  const result = page.getByTestId('roster-result');
  await result.waitFor({ timeout: 300_000 });
  const importSeconds = (Date.now() - t0) / 1000;
  const text = await result.innerText();
  assert.match(text, /500 students read for 2025-2026/);
  await screenshot(page, T, '03-roster-imported');
  const enrolled = await e.db.pool.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE needs_history)::int AS h FROM enrollment WHERE school_org_id = $1 AND active`, [school]);
  assert.equal(enrolled.rows[0].n, 500);
  const outcomes = await e.db.pool.query(`SELECT summary FROM roster_import WHERE school_org_id = $1`, [school]);
  console.log(`roster import: ${importSeconds.toFixed(1)} s in the browser; ${JSON.stringify(outcomes.rows[0].summary)}`);
  assert.ok(outcomes.rows[0].summary.match >= 400, JSON.stringify(outcomes.rows[0].summary));

  // The school's compliance: counts and the list, then one grade, then only the students not compliant.
  await page.getByTestId('to-compliance').click();
  const counts = page.getByTestId('counts');
  await counts.waitFor({ timeout: 60_000 });
  assert.match(await counts.innerText(), /Enrolled: 500/);
  await screenshot(page, T, '04-school-compliance');
  await page.getByLabel('Grade', { exact: true }).selectOption('K');
  await page.getByRole('heading', { name: /students in Kindergarten/ }).waitFor();
  await screenshot(page, T, '05-kindergarten');
  await page.getByLabel('Status', { exact: true }).selectOption('not compliant');
  await page.getByRole('heading', { name: /in Kindergarten, not compliant/ }).waitFor();
  const rows = await page.getByTestId('student-list').locator('tbody tr').count();
  assert.ok(rows > 0, 'some kindergarten students are not compliant');
  await screenshot(page, T, '06-kindergarten-not-compliant');

  // One student's requirements in plain words.
  await page.getByTestId('student-list').locator('tbody tr a').first().click();
  await page.getByTestId('requirements').waitFor();
  assert.match(await page.getByTestId('student-summary').innerText(), /Not compliant as of/);
  await screenshot(page, T, '07-student-requirements');
  await page.goBack();

  // Print the class's certificates (one PDF) and the survey (CSV and PDF).
  await page.getByLabel('Status', { exact: true }).selectOption('');
  const certHref = await page.getByTestId('class-certificates').getAttribute('href');
  assert.ok(certHref);
  const cert = await page.request.get(base + certHref);
  assert.equal(cert.status(), 200);
  assert.equal(cert.headers()['content-type'], 'application/pdf');
  const certPdf = Buffer.from(await cert.body());
  const pages = (certPdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
  const kCount = (await e.db.pool.query(`SELECT count(*)::int AS n FROM enrollment WHERE school_org_id = $1 AND grade = 'K' AND active`, [school])).rows[0].n;
  assert.ok(pages >= kCount, `${pages} pages for ${kCount} kindergarten students`);
  const certPng = renderPdfPage(certPdf, '08-class-certificates-K');
  assert.ok(fs.statSync(certPng).size > 5000);
  const survey = await page.request.get(base + (await page.getByTestId('survey-csv').getAttribute('href')));
  assert.equal(survey.status(), 200);
  const surveyCsv = await survey.text();
  assert.match(surveyCsv, /^grade,vaccine,enrolled,compliant,in_process,medical_exemption,religious_exemption,other_exemption,not_compliant\r\n/);
  fs.writeFileSync(path.join(shots, '09-survey.csv'), surveyCsv);
  const surveyPdf = await page.request.get(base + (await page.getByTestId('survey-pdf').getAttribute('href')));
  assert.equal(surveyPdf.status(), 200);
  renderPdfPage(Buffer.from(await surveyPdf.body()), '09-survey');

  // Outbreak list for measles with an exposure date.
  await page.getByRole('link', { name: 'Outbreak list' }).click();
  await page.getByLabel('Disease').selectOption('measles');
  await page.getByLabel(/Exposure date/).fill('2025-10-06');
  await page.getByRole('button', { name: 'List students' }).click();
  await page.getByTestId('outbreak-list').waitFor({ timeout: 60_000 });
  await screenshot(page, T, '10-outbreak-measles');

  // Every read and export of student data is in the audit log, under the nurse's name.
  const audits = await e.db.pool.query(`SELECT action, object_type, count(*)::int AS n FROM audit_event WHERE actor_id = 'nurse.maple' GROUP BY 1, 2 ORDER BY 1, 2`);
  const kinds = audits.rows.map((r) => `${r.action}:${r.object_type}`);
  for (const k of ['create:roster_import', 'view:school_compliance', 'view:school_student', 'export:school_certificate', 'export:school_survey', 'export:outbreak_list']) assert.ok(kinds.includes(k), `${k} audited (${kinds.join(', ')})`);
});
