// A provider's main task in the browser: sign in, find a patient despite a typo, read the record and the
// forecast, add a dose (seeing the over-immunization warning first), record a contraindication.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { unlabelledControls, createOrganization, createUser, e2eSkipReason, launchBrowser, screenshot, signIn, startRegistry, type Browser, type E2E } from './support.ts';

const skip = e2eSkipReason();
const T = 'provider';
let e: E2E;
let b: Browser;
let patientId: number;

before(async () => {
  if (skip) return;
  e = await startRegistry();
  const org = await createOrganization(e, { name: 'Maple Street Pediatrics', code: 'MAPLE', kind: 'provider_organization' });
  await createUser(e, { organizationId: org, username: 'dr.rivera', roles: ['provider'], password: 'correct horse battery staple' });
  const p = await e.db.pool.query(
    `INSERT INTO patient (family_name, given_name, birth_date, sex, address) VALUES ('Thompson', 'Katherine', '2024-03-05', 'F', '{"city":"Springfield"}') RETURNING id`);
  patientId = Number(p.rows[0].id);
  await e.db.pool.query(`INSERT INTO patient (family_name, given_name, birth_date, sex) VALUES ('Thomas', 'Kevin', '2019-07-01', 'M'), ('Tompkins', 'Karen', '1984-02-11', 'F')`);
  await e.db.pool.query(`INSERT INTO patient_identifier (patient_id, id_value, authority, id_type) VALUES ($1, 'MRN-4711', 'MAPLE', 'MR')`, [patientId]);
  // Two MMR doses after the first birthday: the MMR series is complete, so a third is over-immunization.
  await e.db.pool.query(
    `INSERT INTO vaccination (patient_id, organization_id, administered_date, cvx, historical, information_source)
     VALUES ($1, $2, '2024-05-06', '110', false, '00'), ($1, $2, '2024-05-06', '48', false, '00'),
            ($1, $2, '2025-03-05', '03', false, '00'), ($1, $2, '2025-04-10', '03', false, '00')`, [patientId, org]);
  b = await launchBrowser();
});
after(async () => { await b?.close(); await e?.close(); });

test('provider: find a patient with a typo, see the forecast, add a dose past the warning, record a contraindication and a refusal', { skip }, async () => {
  const { page } = b;
  await signIn(page, e.baseUrl, 'dr.rivera', 'correct horse battery staple');
  assert.match(await page.getByTestId('signed-in-org').innerText(), /Maple Street Pediatrics/);
  await screenshot(page, T, '01-signed-in');

  // Find: "Katherin Tomson" (two typos) finds Katherine Thompson.
  await page.getByRole('link', { name: 'Find a patient' }).first().click();
  await page.getByLabel(/^Name/).fill('Katherin Tomson');
  await page.keyboard.press('Enter');
  const result = page.getByTestId('patient-result').first();
  await result.waitFor();
  assert.match(await result.innerText(), /THOMPSON, Katherine/);
  await screenshot(page, T, '02-search-results');
  assert.deepEqual(await unlabelledControls(page), []);
  await result.click();

  // Record and forecast.
  await page.getByTestId('patient-name').waitFor();
  assert.match(await page.getByTestId('patient-name').innerText(), /THOMPSON, Katherine/);
  const forecast = page.getByTestId('forecast-table');
  await forecast.waitFor();
  assert.match(await forecast.locator('tr[data-group="MMR"]').innerText(), /Complete/);
  const doses = page.getByTestId('dose-table');
  assert.match(await doses.innerText(), /Valid/);
  await screenshot(page, T, '03-record-and-forecast');

  // Add a dose: Priorix (a foreign trade name for MMR) today -> over-immunization warning before saving.
  await page.getByRole('link', { name: 'Add a dose' }).click();
  await page.getByLabel(/Type the vaccine name/).fill('Priorix');
  await page.getByTestId('vaccine-choice-0').check();
  assert.match(await page.getByTestId('vaccine-chosen').innerText(), /CVX 03/);
  await page.getByRole('button', { name: 'Check and save the dose' }).click();
  const warning = page.getByTestId('dose-warning');
  await warning.waitFor();
  assert.match(await warning.innerText(), /Over-immunization/);
  await screenshot(page, T, '04-over-immunization-warning');
  assert.deepEqual(await unlabelledControls(page), []);
  const before = await e.db.pool.query(`SELECT count(*)::int AS n FROM vaccination WHERE patient_id = $1`, [patientId]);
  assert.equal(before.rows[0].n, 4, 'nothing stored before confirming');
  await page.getByRole('button', { name: 'Save this dose anyway' }).click();
  await page.getByText('The dose was saved.').waitFor();
  const stored = await e.db.pool.query(
    `SELECT v.cvx, v.vaccine_text, s.channel FROM vaccination v JOIN submission s ON s.id = v.submission_id WHERE v.patient_id = $1 ORDER BY v.id DESC LIMIT 1`, [patientId]);
  assert.deepEqual(stored.rows[0], { cvx: '03', vaccine_text: 'Priorix', channel: 'web' });
  await page.getByTestId('forecast-table').waitFor();
  assert.match(await page.getByTestId('dose-table').innerText(), /Entered as Priorix/);
  await screenshot(page, T, '05-dose-saved');

  // Record a contraindication.
  await page.getByRole('link', { name: /Record refusal, contraindication/ }).click();
  await page.getByLabel('Contraindication', { exact: false }).first().check();
  await page.locator('#obs-code option', { hasText: 'Severe allergic reaction after previous dose of Rotavirus' }).waitFor({ state: 'attached' });
  await page.locator('#obs-code').selectOption({ label: 'Severe allergic reaction after previous dose of Rotavirus' });
  await screenshot(page, T, '06-contraindication-form');
  assert.deepEqual(await unlabelledControls(page), []);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('observation-table').waitFor();
  assert.match(await page.getByTestId('observation-table').innerText(), /Rotavirus/);
  await page.getByTestId('forecast-table').waitFor();
  await screenshot(page, T, '07-contraindication-recorded');

  // Record a refusal (influenza, parental decision).
  await page.getByRole('link', { name: /Record refusal, contraindication/ }).click();
  await page.getByLabel(/Refusal of a vaccine/).check();
  await page.getByLabel(/Type the vaccine name/).fill('influenza, unspecified');
  await page.getByTestId('vaccine-choice-0').check();
  await page.getByLabel('Reason').selectOption({ label: 'Parental decision' });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('The refusal was saved.').waitFor();
  assert.match(await page.getByRole('table').filter({ hasText: 'Parental decision' }).innerText(), /nfluenza/);

  // Printable: the print stylesheet hides navigation and buttons.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.getByRole('button', { name: 'Print' }).isVisible(), false);
  await screenshot(page, T, '08-print-view');
  await page.emulateMedia({ media: 'screen' });

  const audit = await e.db.pool.query(`SELECT action, count(*)::int AS n FROM audit_event WHERE patient_id = $1 AND actor_id = 'dr.rivera' GROUP BY action ORDER BY action`, [patientId]);
  const byAction = Object.fromEntries(audit.rows.map((r) => [r.action, r.n]));
  assert.ok(byAction.search >= 1 && byAction.view >= 1 && byAction.create >= 2, JSON.stringify(byAction));
});
