// Access in the browser: a district asks for access on the public form, a registry administrator (password +
// TOTP) approves it, the district's new Access Administrator sets a password from the mailed link, enrols an
// authenticator, adds a school nurse and suspends another user; the registry administrator then searches the
// audit trail for who has looked at a child's record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { createOrganization, e2eSkipReason, launchBrowser, screenshot, startRegistry, type Browser, type E2E } from './support.ts';
import { createUserForTest } from '../../src/access/guard.ts';

const skip = e2eSkipReason();
const T = 'access';
const PASSWORD = 'correct horse battery staple';
const ADMIN_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
let e: E2E;
let b: Browser;
let patientId: number;

before(async () => {
  if (skip) return;
  e = await startRegistry();
  const registry = await createOrganization(e, { name: 'State Immunization Registry', code: 'REG', kind: 'registry' });
  await createUserForTest(e.db.pool, { organizationId: registry, username: 'reg.admin', roles: ['registry_admin'], password: PASSWORD, totpSecret: ADMIN_SECRET });
  // A clinic whose provider opens a child's record (through the API), so the trail has something to show.
  const clinic = await createOrganization(e, { name: 'Harbor Pediatrics', code: 'HARBOR', kind: 'provider_organization' });
  const doc = await createUserForTest(e.db.pool, { organizationId: clinic, username: 'dr.okafor', roles: ['provider'] });
  const p = await e.db.pool.query(`INSERT INTO patient (family_name, given_name, birth_date, sex) VALUES ('Lindqvist', 'Maja', '2020-06-01', 'F') RETURNING id`);
  patientId = Number(p.rows[0].id);
  const r = await fetch(`${e.baseUrl}/api/v1/patients/${patientId}`, { headers: { cookie: doc.cookie } });
  assert.equal(r.status, 200);
  const state = await createOrganization(e, { name: 'State Epidemiology', code: 'EPI', kind: 'state' });
  await createUserForTest(e.db.pool, { organizationId: state, username: 'epi.chen', roles: ['analyst'] });
  b = await launchBrowser();
});
after(async () => { await b?.close(); await e?.close(); });

const code = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) });

/** Follow a link of the header navigation (the home page lists the same pages). */
const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

async function signInWithCode(page: Page, username: string, secret: string) {
  await page.goto(e.baseUrl + '/sign-in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const totp = page.getByLabel('Code from your authenticator app');
  await totp.waitFor();
  await screenshot(page, T, `${username}-asked-for-code`);
  await totp.fill(await code(secret));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').waitFor();
}

test('access: request, approval, invitation, TOTP enrolment, an Access Administrator manages users, audit search', { skip }, async () => {
  const { page, context } = b;

  // 1. The district asks for access (no session).
  await page.goto(e.baseUrl + '/sign-in');
  await page.getByRole('link', { name: 'Your organization has no access yet?' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Lakeside School District');
  await page.getByLabel('Kind').selectOption('district');
  await page.getByLabel('Full name').fill('Dana Reyes');
  await page.getByLabel('E-mail address').fill('dana@lakeside.example');
  await page.getByLabel('User name wished').fill('dreyes');
  await screenshot(page, T, '01-request-form');
  await page.getByRole('button', { name: 'Send the request' }).click();
  await page.getByTestId('request-sent').waitFor();
  await screenshot(page, T, '02-request-sent');

  // 2. A registry administrator signs in with password and TOTP and approves it.
  await signInWithCode(page, 'reg.admin', ADMIN_SECRET);
  await nav(page, 'Access requests');
  const row = page.getByTestId('request-row').filter({ hasText: 'Lakeside School District' });
  await row.waitFor();
  await screenshot(page, T, '03-requests-to-approve');
  await row.getByRole('button', { name: 'Approve Lakeside School District' }).click();
  await page.getByText('Lakeside School District approved.').waitFor();
  const district = Number((await e.db.pool.query(`SELECT id FROM organization WHERE name = 'Lakeside School District'`)).rows[0].id);
  await createOrganization(e, { name: 'Elm Street Elementary', code: 'ELM', kind: 'school', parentId: district });
  await createOrganization(e, { name: 'Oak Middle School', code: 'OAK', kind: 'school', parentId: district });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('Not signed in').waitFor();

  // 3. The new Access Administrator opens the mailed link, sets a password, signs in and must enrol TOTP.
  const mail = (await e.db.pool.query(`SELECT body FROM mail_outbox WHERE to_address = 'dana@lakeside.example' ORDER BY id DESC LIMIT 1`)).rows[0].body as string;
  const link = /\/reset-password#token=[A-Za-z0-9_-]+/.exec(mail)![0];
  await page.goto(e.baseUrl + link);
  await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('New password again').fill(PASSWORD);
  await screenshot(page, T, '04-set-password');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByText('Your password is set.').waitFor();
  assert.ok(!page.url().includes('token='), 'the used token leaves the address bar');
  await page.getByRole('link', { name: 'Sign in' }).last().click();
  await page.getByLabel('Username').fill('dreyes');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/account\/two-factor/);
  const secret = (await page.getByTestId('totp-secret').innerText()).trim();
  await screenshot(page, T, '05-enrol-authenticator');
  await page.getByLabel('Code from your authenticator app').fill(await code(secret));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByTestId('totp-enabled').waitFor();
  await page.getByRole('button', { name: 'Continue' }).click();

  // 4. She adds a school nurse to one of her schools, and suspends a user who left.
  await createUserForTest(e.db.pool, { organizationId: district, username: 'former.nurse', roles: ['school'] });
  await nav(page, 'Users');
  await page.getByLabel('Organization', { exact: true }).first().selectOption({ label: 'Elm Street Elementary' });
  await page.getByLabel('Full name').fill('Robin Nurse');
  await page.getByLabel('E-mail address').fill('robin@elm.example');
  await page.getByLabel('User name').fill('robin.nurse');
  await page.getByLabel('School (students of its schools)').check();
  await screenshot(page, T, '06-add-user-form');
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.getByTestId('users-message').filter({ hasText: 'robin.nurse added to Elm Street Elementary' }).waitFor();
  const robin = page.locator('[data-testid="user-row"][data-username="robin.nurse"]');
  await robin.waitFor();
  assert.match(await robin.innerText(), /School/);
  await page.getByRole('button', { name: 'Suspend former.nurse' }).click();
  await page.locator('[data-testid="user-row"][data-username="former.nurse"] [data-testid="user-status"]').filter({ hasText: 'Suspended' }).waitFor();
  await screenshot(page, T, '07-users-after-changes');
  const stored = await e.db.pool.query(
    `SELECT u.status, o.name, array_agg(r.role) AS roles FROM app_user u JOIN organization o ON o.id = u.organization_id
       JOIN user_role r ON r.user_id = u.id WHERE u.username = 'robin.nurse' GROUP BY u.status, o.name`);
  assert.deepEqual(stored.rows[0], { status: 'active', name: 'Elm Street Elementary', roles: ['school'] });
  assert.equal((await e.db.pool.query(`SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = 'robin@elm.example'`)).rows[0].n, 1);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('Not signed in').waitFor();

  // 5. The registry administrator asks who has looked at Maja's record. (A fresh code: each is accepted once.)
  await context.clearCookies();
  await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() % 30_000)) + 200));
  await signInWithCode(page, 'reg.admin', ADMIN_SECRET);
  await nav(page, 'Audit');
  await page.getByLabel('Patient id').fill(String(patientId));
  await page.getByRole('button', { name: 'Search' }).click();
  const accessors = page.getByTestId('accessors-table');
  await accessors.waitFor();
  assert.match(await accessors.innerText(), /dr\.okafor\s+Harbor Pediatrics\s+view/);
  await page.getByTestId('audit-table').waitFor();
  await screenshot(page, T, '08-who-looked-at-this-record');
  await page.getByLabel('Patient id').fill('');
  await page.getByLabel('User name').fill('dreyes');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByTestId('audit-row').filter({ hasText: 'create user' }).first().waitFor();
  await screenshot(page, T, '09-what-an-administrator-did');

  // 6. An analyst gets access to this one record for a case investigation.
  await nav(page, 'Analyst access');
  await page.getByLabel('Analyst').selectOption({ label: 'epi.chen (State Epidemiology)' });
  await page.getByLabel('Patient id').fill(String(patientId));
  await page.getByLabel(/^Reason/).fill('measles case 2026-0042');
  await page.getByRole('button', { name: 'Grant' }).click();
  await page.getByText(`Access to patient ${patientId} granted.`).waitFor();
  await page.getByRole('button', { name: `Revoke access of epi.chen to patient ${patientId}` }).waitFor();
  await screenshot(page, T, '10-analyst-granted-one-record');
  const g = await e.db.pool.query(`SELECT g.reason FROM patient_access_grant g JOIN app_user u ON u.id = g.user_id WHERE u.username = 'epi.chen' AND g.patient_id = $1 AND g.revoked_at IS NULL`, [patientId]);
  assert.equal(g.rows[0]?.reason, 'measles case 2026-0042');
});
