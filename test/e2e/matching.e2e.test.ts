// Match review in the browser: two clinics report the same child, the second with day and month of the birth
// date swapped, so the registry cannot decide alone and opens a review item. A registry administrator (password +
// TOTP) opens the queue, compares the two records side by side, merges them (confirming, by keyboard), sees one
// record with both clinics' doses, then undoes the merge from the patient's merges and sees two records again;
// the reopened review item is then kept apart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { createOrganization, e2eSkipReason, launchBrowser, screenshot, startRegistry, unlabelledControls, type Browser, type E2E } from './support.ts';
import { createUserForTest } from '../../src/access/guard.ts';
import { loadConfig } from '../../src/config.ts';
import { getRegistryContext } from '../../src/registry/context.ts';
import { authenticateSender, createFacility } from '../../src/registry/senders.ts';
import { handleHl7Message } from '../../src/registry/hl7.ts';

const skip = e2eSkipReason();
const T = 'matching';
const PASSWORD = 'correct horse battery staple';
const ADMIN_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
let e: E2E;
let b: Browser;
let reviewId: number;
let incomingId: number;
let existingId: number;

/** A VXU from one facility about Lucas Gabriel Ferreira with one dose. */
function vxu(o: { facility: string; controlId: string; mrn: string; birth: string; doseDate: string; cvx: string; vaccine: string; lot: string }) {
  return [
    `MSH|^~\\&|EHR|${o.facility}|IIS|STATE|20251120103000-0500||VXU^V04^VXU_V04|${o.controlId}|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS|${o.facility}`,
    `PID|1||${o.mrn}^^^${o.facility}^MR||Ferreira^Lucas^Gabriel^^^^L|Costa^Ana^^^^^M|${o.birth}|M|||14 Harbor Rd^^Portland^ME^04101^USA^L||^PRN^PH^^^207^5550142`,
    `NK1|1|Ferreira^Ana|MTH^Mother^HL70063|14 Harbor Rd^^Portland^ME^04101|^PRN^PH^^^207^5550142`,
    `ORC|RE||${o.controlId}-1^EHR`,
    `RXA|0|1|${o.doseDate}||${o.cvx}^${o.vaccine}^CVX|0.5|mL^^UCUM||00^New record^NIP001||^^^${o.facility}||||${o.lot}|20271231||||CP|A`,
  ].join('\r');
}

before(async () => {
  if (skip) return;
  e = await startRegistry();
  const registry = await createOrganization(e, { name: 'State Immunization Registry', code: 'REG', kind: 'registry' });
  await createUserForTest(e.db.pool, { organizationId: registry, username: 'reg.admin', roles: ['registry_admin'], password: PASSWORD, totpSecret: ADMIN_SECRET });
  const ctx = await getRegistryContext(e.db.pool, loadConfig());
  const send = async (name: string, code: string, msg: (facility: string) => string) => {
    const f = await createFacility(e.db.pool, { name, code });
    const sender = (await authenticateSender(e.db.pool, f.username, f.password))!;
    const a = await handleHl7Message(ctx, msg(code), sender, 'http');
    assert.notEqual(a.ackCode, 'AR', a.response);
    return a;
  };
  // Birth hospital clinic: 4 March 2025, DTaP at two months.
  await send('Harbor Pediatrics', 'HARBOR', (f) => vxu({ facility: f, controlId: 'H-1', mrn: 'H-501', birth: '20250304', doseDate: '20250506', cvx: '20', vaccine: 'DTaP', lot: 'DT1001' }));
  // Pharmacy across town: same child, birth date written 3 April 2025 (day and month swapped), PCV13.
  await send('Bayside Pharmacy', 'BAYSIDE', (f) => vxu({ facility: f, controlId: 'B-1', mrn: 'B-77', birth: '20250403', doseDate: '20250610', cvx: '133', vaccine: 'PCV13', lot: 'PC2002' }));
  const r = await e.db.pool.query(`SELECT id, patient_id, candidate_patient_id FROM match_review WHERE status = 'open'`);
  assert.equal(r.rows.length, 1, 'the swapped birth date gives one review item');
  reviewId = Number(r.rows[0].id); incomingId = Number(r.rows[0].patient_id); existingId = Number(r.rows[0].candidate_patient_id);
  b = await launchBrowser();
});
after(async () => { await b?.close(); await e?.close(); });

const code = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) });

async function signInWithCode(page: Page, username: string, secret: string) {
  await page.goto(e.baseUrl + '/sign-in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const totp = page.getByLabel('Code from your authenticator app');
  await totp.waitFor();
  await totp.fill(await code(secret));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').waitFor();
}

/** The cells of the dose table(s) on a patient record page, as "date vaccine" lines. */
async function doseLines(page: Page): Promise<string[]> {
  const rows = page.getByTestId('dose-table').locator('tbody tr');
  await rows.first().waitFor();
  return (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

test('matching: review queue, side-by-side comparison, merge with confirmation, one record with both doses, undo merge', { skip }, async () => {
  const { page } = b;
  await signInWithCode(page, 'reg.admin', ADMIN_SECRET);

  // 1. The queue: one item, its score and reasons in words (colour + text).
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Match review', exact: true }).click();
  const row = page.getByTestId('review-row');
  await row.first().waitFor();
  assert.equal(await row.count(), 1);
  const rowText = await row.innerText();
  assert.match(rowText, /FERREIRA, Lucas Gabriel/);
  assert.match(rowText, /Birth date: day and month swapped/);
  assert.match(rowText, /Agrees/);
  assert.deepEqual(await unlabelledControls(page), []);
  await screenshot(page, T, '01-review-queue');

  // 2. Compare: both records side by side, with the clinic each came from and their doses.
  await row.getByRole('link', { name: /^Compare/ }).click();
  const cmp = page.getByTestId('comparison');
  await cmp.waitFor();
  const birthRow = cmp.getByRole('row', { name: /Birth date/ });
  assert.match(await birthRow.innerText(), /3 Apr 2025[\s\S]*4 Mar 2025[\s\S]*Close/);
  assert.match(await cmp.getByRole('row', { name: /First name/ }).innerText(), /Lucas[\s\S]*Lucas[\s\S]*Same/);
  await page.getByText('from Bayside Pharmacy').waitFor();
  await page.getByText('from Harbor Pediatrics').waitFor();
  const doseTables = page.getByTestId('compare-doses');
  await doseTables.nth(0).getByText('(CVX 133)').waitFor();
  await doseTables.nth(1).getByText('(CVX 20)').waitFor();
  assert.match(await doseTables.nth(0).innerText(), /10 Jun 2025[\s\S]*Bayside Pharmacy/);
  assert.match(await doseTables.nth(1).innerText(), /6 May 2025[\s\S]*Harbor Pediatrics/);
  assert.match(await page.getByText('The birth dates are not exactly the same, so a person must decide.').innerText(), /birth dates/);
  assert.deepEqual(await unlabelledControls(page), []);
  await screenshot(page, T, '02-side-by-side');

  // 3. Merge: a confirmation first (Cancel has focus: Enter alone changes nothing), confirmed by keyboard.
  await page.getByRole('button', { name: 'Same person — merge' }).click();
  const dialog = page.getByRole('dialog', { name: 'Merge these two records?' });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
  await screenshot(page, T, '03-confirm-merge');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Yes, merge');
  await page.keyboard.press('Enter');
  const done = page.getByTestId('decision-result');
  await done.waitFor();
  assert.match(await done.innerText(), new RegExp(`Merged: record ${incomingId} is now part of record ${existingId}`));
  await screenshot(page, T, '04-merged');

  // 4. One record with both doses (the pharmacy's record now opens the merged one).
  await done.getByRole('link', { name: 'Open the merged record' }).click();
  await page.getByTestId('patient-name').waitFor();
  let doses = await doseLines(page);
  assert.equal(doses.length, 2, doses.join('\n'));
  assert.ok(doses.some((d) => /CVX 20\b/.test(d) && /Harbor Pediatrics/.test(d)), doses.join('\n'));
  assert.ok(doses.some((d) => /CVX 133/.test(d) && /Bayside Pharmacy/.test(d)), doses.join('\n'));
  await screenshot(page, T, '05-one-record-both-doses');
  await page.goto(`${e.baseUrl}/patients/${incomingId}`);
  await page.getByText(`Record ${incomingId} was merged into this one.`).waitFor();

  // 5. Undo the merge from the patient's merges.
  await page.goto(`${e.baseUrl}/admin/matching/patients/${existingId}/merges`);
  const mergeRow = page.getByTestId('merge-row');
  await mergeRow.first().waitFor();
  assert.match(await mergeRow.innerText(), new RegExp(`Record ${incomingId} merged into record ${existingId}[\\s\\S]*1 dose[\\s\\S]*reg.admin[\\s\\S]*In effect`));
  await screenshot(page, T, '06-merges-of-patient');
  await mergeRow.getByRole('button', { name: /^Undo merge/ }).click();
  const undo = page.getByRole('dialog', { name: 'Undo this merge?' });
  await undo.waitFor();
  await screenshot(page, T, '07-confirm-undo');
  await undo.getByRole('button', { name: 'Yes, undo the merge' }).click();
  const undone = page.getByTestId('unmerge-result');
  await undone.waitFor();
  assert.match(await undone.innerText(), /are two records again/);
  await mergeRow.getByText(/^Undone /).waitFor();
  assert.match(await mergeRow.innerText(), /Undone .* by reg\.admin/);
  assert.equal(await mergeRow.getByRole('button', { name: /^Undo merge/ }).count(), 0);
  await screenshot(page, T, '08-merge-undone');

  // 6. Two records again, each with its own dose; the review item is open again.
  await undone.getByRole('link', { name: `record ${existingId}` }).click();
  await page.getByTestId('patient-name').waitFor();
  doses = await doseLines(page);
  assert.equal(doses.length, 1, doses.join('\n'));
  assert.match(doses[0], /CVX 20\b/);
  await screenshot(page, T, '09-harbor-record-alone');
  await page.goto(`${e.baseUrl}/patients/${incomingId}`);
  await page.getByTestId('patient-name').waitFor();
  doses = await doseLines(page);
  assert.equal(doses.length, 1, doses.join('\n'));
  assert.match(doses[0], /Bayside Pharmacy/);
  assert.equal(await page.getByText(`was merged into this one`).count(), 0);
  await screenshot(page, T, '10-pharmacy-record-alone');
  const st = await e.db.pool.query(`SELECT status FROM match_review WHERE id = $1`, [reviewId]);
  assert.equal(st.rows[0].status, 'open');

  // 7. The reopened item, decided the other way: keep apart (confirmed), and the queue is empty.
  await page.goto(`${e.baseUrl}/admin/matching/reviews/${reviewId}`);
  await page.getByRole('button', { name: 'Different people — keep apart' }).click();
  const keep = page.getByRole('dialog', { name: 'Keep these records apart?' });
  await keep.waitFor();
  await keep.getByRole('button', { name: 'Yes, keep apart' }).click();
  await page.getByTestId('decision-result').getByText(`Kept apart: records ${incomingId} and ${existingId} stay two people.`).waitFor();
  await page.getByText('Decided: kept apart by reg.admin').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Same person — merge' }).count(), 0);
  await screenshot(page, T, '11-kept-apart');
  await page.getByRole('link', { name: 'Back to the queue' }).click();
  await page.getByTestId('queue-empty').waitFor();
  await screenshot(page, T, '12-queue-empty');
  const after = await e.db.pool.query(`SELECT r.status, p.status AS patient_status FROM match_review r JOIN patient p ON p.id = r.patient_id WHERE r.id = $1`, [reviewId]);
  assert.deepEqual(after.rows[0], { status: 'kept_apart', patient_status: 'active' });

  // 8. The trail: who looked at both children's data and who merged and unmerged, for which organization.
  const trail = await e.db.pool.query(
    `SELECT action, object_type, count(DISTINCT patient_id)::int AS people, bool_and(organization_id IS NOT NULL) AS with_org
       FROM audit_event WHERE actor_id = 'reg.admin' AND action IN ('view', 'merge', 'unmerge', 'update') AND object_type IN ('match_review', 'patient', 'patient_merge')
      GROUP BY 1, 2 ORDER BY 1, 2`);
  const by = Object.fromEntries(trail.rows.map((r) => [`${r.action}/${r.object_type}`, r]));
  for (const k of ['view/match_review', 'merge/patient', 'unmerge/patient', 'update/match_review']) {
    assert.equal(by[k]?.people, 2, `${k}: ${JSON.stringify(trail.rows)}`);
    assert.equal(by[k]?.with_org, true);
  }
});
