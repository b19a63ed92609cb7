// The two reading roles in the browser. A public-health analyst sees no individual record until a registry
// administrator grants it, then only that one (audited); a read-only user reads records and forecasts but
// has no way to change them: no buttons, the add-dose page refused, and the API answers a direct POST with 404.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { unlabelledControls, createOrganization, createUser, e2eSkipReason, launchBrowser, screenshot, signIn, startRegistry, type Browser, type E2E } from './support.ts';
import { createUserForTest } from '../../src/access/guard.ts';

const skip = e2eSkipReason();
const PASSWORD = 'correct horse battery staple';
let e: E2E;
let b: Browser;
let katherineId: number;
let kevinId: number;
let analystUserId: number;
let admin: { cookie: string; csrfToken: string };

before(async () => {
  if (skip) return;
  e = await startRegistry();
  const registry = await createOrganization(e, { name: 'State Immunization Registry', code: 'REG', kind: 'registry' });
  const health = await createOrganization(e, { name: 'State Department of Health', code: 'DOH', kind: 'state' });
  const clinic = await createOrganization(e, { name: 'Springfield Family Clinic', code: 'SFC', kind: 'provider_organization' });
  admin = await createUserForTest(e.db.pool, { organizationId: registry, username: 'reg.admin', roles: ['registry_admin'], password: PASSWORD });
  analystUserId = (await createUser(e, { organizationId: health, username: 'epi.nguyen', roles: ['analyst'], password: PASSWORD })).userId;
  await createUser(e, { organizationId: clinic, username: 'desk.oconnor', roles: ['read_only'], password: PASSWORD });

  const p = await e.db.pool.query(
    `INSERT INTO patient (family_name, given_name, birth_date, sex, address) VALUES ('Thompson', 'Katherine', '2024-03-05', 'F', '{"city":"Springfield"}') RETURNING id`);
  katherineId = Number(p.rows[0].id);
  const k = await e.db.pool.query(`INSERT INTO patient (family_name, given_name, birth_date, sex) VALUES ('Thompson', 'Kevin', '2019-07-01', 'M') RETURNING id`);
  kevinId = Number(k.rows[0].id);
  await e.db.pool.query(
    `INSERT INTO vaccination (patient_id, organization_id, administered_date, cvx, historical, information_source)
     VALUES ($1, $2, '2024-05-06', '110', false, '00'), ($1, $2, '2025-03-05', '03', false, '00')`, [katherineId, clinic]);
  b = await launchBrowser();
});
after(async () => { await b?.close(); await e?.close(); });

async function search(page: Page, name: string) {
  await page.getByRole('link', { name: 'Find a patient' }).first().click();
  await page.getByLabel(/^Name/).fill(name);
  await page.keyboard.press('Enter');
  await page.locator('#results-heading').waitFor();
}

async function signOut(page: Page) {
  await page.context().clearCookies();
}

test('analyst: no records until granted, then only the granted record and its forecast, audited', { skip }, async () => {
  const { page } = b;
  const T = 'analyst';
  await signIn(page, e.baseUrl, 'epi.nguyen', PASSWORD);
  assert.match(await page.getByTestId('signed-in-org').innerText(), /Department of Health/);
  await screenshot(page, T, '01-signed-in');

  // Not granted: the search finds nothing (not even a hint that the Thompsons exist).
  await search(page, 'Thompson');
  assert.match(await page.locator('#results-heading').innerText(), /No patient found/);
  assert.equal(await page.getByTestId('patient-result').count(), 0);
  await screenshot(page, T, '02-search-nothing-granted');

  // A registry administrator grants Katherine's record (through the grants API, with the admin's session).
  const res = await fetch(`${e.baseUrl}/api/v1/patient-access-grants`, {
    method: 'POST',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: analystUserId, patientId: katherineId, reason: 'Measles case investigation 2026-114' }),
  });
  assert.equal(res.status, 201, await res.text());

  // Now exactly that record is found; Kevin (same family name, not granted) still is not.
  await search(page, 'Thompson');
  const results = page.getByTestId('patient-result');
  await results.first().waitFor();
  assert.equal(await results.count(), 1);
  assert.match(await results.first().innerText(), /THOMPSON, Katherine/);
  await screenshot(page, T, '03-search-one-granted');
  await results.first().click();

  await page.getByTestId('patient-name').waitFor();
  assert.match(await page.getByTestId('patient-name').innerText(), /THOMPSON, Katherine/);
  await page.getByTestId('forecast-table').waitFor();
  assert.match(await page.getByTestId('dose-table').innerText(), /Valid/);
  // Analysts read only: no actions that change the record.
  assert.equal(await page.getByRole('link', { name: 'Add a dose' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: /Record refusal/ }).count(), 0);
  await screenshot(page, T, '04-granted-record-and-forecast');
  assert.deepEqual(await unlabelledControls(page), []);

  // Another patient's address: the same answer as for a record that does not exist.
  await page.goto(`${e.baseUrl}/patients/${kevinId}`);
  await page.getByText('Not found, or you do not have access to it.').waitFor();
  assert.equal(await page.getByTestId('patient-name').count(), 0);
  await screenshot(page, T, '05-other-patient-not-found');

  const audit = await e.db.pool.query(
    `SELECT action, object_type, patient_id FROM audit_event WHERE actor_id = 'epi.nguyen' AND action IN ('view', 'search') ORDER BY id`);
  const views = audit.rows.filter((r) => r.action === 'view');
  assert.ok(views.some((r) => r.object_type === 'patient' && Number(r.patient_id) === katherineId), JSON.stringify(audit.rows));
  assert.ok(views.some((r) => r.object_type === 'forecast' && Number(r.patient_id) === katherineId), JSON.stringify(audit.rows));
  assert.ok(audit.rows.every((r) => r.patient_id === null || Number(r.patient_id) === katherineId), 'nothing about Kevin was shown');
  const grant = await e.db.pool.query(`SELECT actor_id FROM audit_event WHERE action = 'grant_access' AND patient_id = $1`, [katherineId]);
  assert.deepEqual(grant.rows, [{ actor_id: 'reg.admin' }]);
  await signOut(page);
});

test('read-only user: finds and reads a record and forecast, cannot add a dose in the page or the API', { skip }, async () => {
  const { page } = b;
  const T = 'read-only';
  await signIn(page, e.baseUrl, 'desk.oconnor', PASSWORD);
  assert.match(await page.getByTestId('signed-in-org').innerText(), /Springfield Family Clinic/);
  await screenshot(page, T, '01-signed-in');

  await search(page, 'Katherine Thompson');
  const result = page.getByTestId('patient-result').filter({ hasText: 'Katherine' });
  await result.waitFor();
  await screenshot(page, T, '02-search-results');
  await result.click();

  await page.getByTestId('patient-name').waitFor();
  assert.match(await page.getByTestId('patient-name').innerText(), /THOMPSON, Katherine/);
  await page.getByTestId('forecast-table').waitFor();
  assert.match(await page.getByTestId('dose-table').innerText(), /Valid/);
  assert.equal(await page.getByRole('link', { name: 'Add a dose' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: /Record refusal/ }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Print' }).isVisible(), true);
  await screenshot(page, T, '03-record-and-forecast-no-actions');

  // Typing the add-dose address: the page says so rather than offering a form that would fail.
  await page.goto(`${e.baseUrl}/patients/${katherineId}/doses/new`);
  await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Check and save the dose' }).count(), 0);
  await screenshot(page, T, '04-add-dose-not-allowed');

  // A direct POST with the user's own session and CSRF token: refused with problem JSON, nothing stored.
  const answer = await page.evaluate(async (id) => {
    const s = await (await fetch('/api/v1/auth/session')).json();
    const r = await fetch(`/api/v1/patients/${id}/vaccinations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
      body: JSON.stringify({ date: '2026-01-15', cvx: '03', override: true }),
    });
    return { status: r.status, type: r.headers.get('content-type'), body: await r.json() };
  }, katherineId);
  assert.ok(answer.status === 403 || answer.status === 404, JSON.stringify(answer));
  assert.match(answer.type ?? '', /application\/problem\+json/);
  assert.equal(answer.body.status, answer.status);
  assert.ok(answer.body.title, JSON.stringify(answer.body));
  const n = await e.db.pool.query(`SELECT count(*)::int AS n FROM vaccination WHERE patient_id = $1`, [katherineId]);
  assert.equal(n.rows[0].n, 2, 'no dose stored');

  const audit = await e.db.pool.query(
    `SELECT DISTINCT action, object_type FROM audit_event WHERE actor_id = 'desk.oconnor' AND patient_id = $1 ORDER BY 1, 2`, [katherineId]);
  assert.deepEqual(audit.rows, [
    { action: 'search', object_type: 'patient' }, { action: 'view', object_type: 'forecast' }, { action: 'view', object_type: 'patient' }]);
});
