// The provider's path with the keyboard only: sign in, reach "Find a patient", search, open the record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createOrganization, createUser, e2eSkipReason, launchBrowser, screenshot, startRegistry, type Browser, type E2E } from './support.ts';

const skip = e2eSkipReason();
let e: E2E;
let b: Browser;

before(async () => {
  if (skip) return;
  e = await startRegistry();
  const org = await createOrganization(e, { name: 'Birch Family Clinic', code: 'BIRCH', kind: 'provider_organization' });
  await createUser(e, { organizationId: org, username: 'nurse.kim', roles: ['provider'], password: 'a long enough passphrase' });
  await e.db.pool.query(`INSERT INTO patient (family_name, given_name, birth_date, sex) VALUES ('Nguyen', 'Minh', '2021-09-14', 'M')`);
  b = await launchBrowser();
});
after(async () => { await b?.close(); await e?.close(); });

/** Press Tab until the focused element matches, at most `max` times. */
async function tabTo(page: Page, matches: (el: { tag: string; text: string; testid: string | null; id: string }) => boolean, max = 25): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const el = await page.evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      return { tag: a?.tagName ?? '', text: (a?.innerText ?? '').trim(), testid: a?.getAttribute('data-testid') ?? null, id: a?.id ?? '' };
    });
    if (matches(el)) return;
  }
  throw new Error('could not reach the element with Tab');
}

test('keyboard only: sign in, find a patient, open the record', { skip }, async () => {
  const { page } = b;
  await page.goto(e.baseUrl + '/');
  await page.waitForURL(/\/sign-in/);
  await page.getByLabel('Username').waitFor();
  // The username field has focus on arrival.
  await page.keyboard.type('nurse.kim');
  await page.keyboard.press('Tab');
  await page.keyboard.type('a long enough passphrase');
  await page.keyboard.press('Enter');
  await page.getByTestId('signed-in-user').waitFor();
  await tabTo(page, (el) => el.tag === 'A' && el.text === 'Find a patient');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/patients$/);
  await page.getByLabel(/^Name/).waitFor();
  // The name field has focus on arrival.
  await page.keyboard.type('Minh Nguyem');
  await page.keyboard.press('Enter');
  await page.getByTestId('patient-result').first().waitFor();
  await tabTo(page, (el) => el.testid === 'patient-result');
  await page.keyboard.press('Enter');
  await page.getByTestId('patient-name').waitFor();
  assert.match(await page.getByTestId('patient-name').innerText(), /NGUYEN, Minh/);
  // Focus moved to the page heading, so a screen reader announces the patient.
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1', undefined, { timeout: 10_000 });
  await screenshot(page, 'keyboard', '01-record-reached-by-keyboard');
});

test('a session that ends (idle timeout, revoked) leads to the sign-in page and back to where the person was', { skip }, async () => {
  const { page } = b;
  await page.getByTestId('patient-name').waitFor();
  await e.db.pool.query(`UPDATE session SET revoked_at = now() WHERE revoked_at IS NULL`);
  await page.getByRole('link', { name: 'Add a dose' }).click();
  await page.waitForURL(/\/sign-in\?next=/);
  await page.getByLabel('Username').fill('nurse.kim');
  await page.getByLabel('Password').fill('a long enough passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/patients\/\d+\/doses\/new$/);
  await page.getByRole('heading', { name: /Add a dose for NGUYEN, Minh/ }).waitFor();
  await screenshot(page, 'keyboard', '02-back-after-signing-in-again');
});
