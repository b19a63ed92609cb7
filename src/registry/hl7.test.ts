// The registry's HL7 entry point against a real database: a VXU is stored (patient, doses, refusal, immunity,
// delete), a resend gets the same ACK and stores nothing twice, queries answer Z32 / Z31 / Z33.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../../test/support/postgres.ts';
import { loadConfig } from '../config.ts';
import { parseEr7 } from '../hl7v2/er7.ts';
import { TYPICAL_VXU } from '../hl7v2/samples.ts';
import { getRegistryContext, type RegistryContext } from './context.ts';
import { createFacility, authenticateSender, type Sender } from './senders.ts';
import { handleHl7Message, peekMsh } from './hl7.ts';

let db: TestDatabase;
let ctx: RegistryContext;
let sender: Sender;
let other: Sender;
before(async () => {
  db = await freshDatabase();
  ctx = { ...(await getRegistryContext(db.pool, loadConfig())), now: () => new Date('2026-11-25T15:00:00Z') };
  const f = await createFacility(db.pool, { name: 'Clinic', code: 'CLINIC' });
  sender = (await authenticateSender(db.pool, f.username, f.password))!;
  const g = await createFacility(db.pool, { name: 'Other clinic', code: 'OTHER' });
  other = (await authenticateSender(db.pool, g.username, g.password))!;
});
after(() => db?.close());

const count = async (sql: string, params: unknown[] = []) => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n;
const msa = (er7: string) => parseEr7(er7).get('MSA', 1);

test('credentials: wrong password or unknown user is refused', async () => {
  assert.equal(await authenticateSender(db.pool, 'clinic', 'wrong'), null);
  assert.equal(await authenticateSender(db.pool, 'nobody', 'x'), null);
  assert.equal(sender.facilityCode, 'CLINIC');
});

test('peekMsh reads type and control id without a parse', () => {
  assert.deepEqual(peekMsh(TYPICAL_VXU), { messageType: 'VXU', structure: 'VXU_V04', controlId: 'CTL-100' });
});

test('a VXU is stored, then its resend gets the same ACK and stores nothing twice', async () => {
  const a = await handleHl7Message(ctx, TYPICAL_VXU, sender, 'http');
  assert.equal(a.duplicate, false);
  assert.match(a.response, /^MSH\|/);
  assert.notEqual(a.ackCode, 'AR', a.response);
  assert.ok(a.patientId);
  const pid = a.patientId!;
  // given DTaP + historical HepB stored; MMR refusal in refusal; 998/NA not a dose; RXA-21 D deletes nothing stored yet
  assert.equal(await count(`vaccination WHERE patient_id = $1`, [pid]), 2);
  const v = (await db.pool.query(`SELECT cvx, historical, lot_number, funding_eligibility, mvx, route, site FROM vaccination WHERE patient_id = $1 ORDER BY administered_date`, [pid])).rows;
  assert.deepEqual(v.map((r) => [r.cvx, r.historical]), [['08', true], ['20', false]]);
  assert.equal(v[1].lot_number, 'LOT123');
  assert.equal(v[1].funding_eligibility, 'V02');
  assert.equal(await count(`refusal WHERE patient_id = $1 AND cvx = '03'`, [pid]), 1);
  assert.equal(await count(`observation WHERE patient_id = $1 AND kind = 'immunity' AND code = '38907003'`, [pid]), 1);
  assert.equal(await count(`patient_source_record WHERE patient_id = $1`, [pid]), 1);
  assert.equal(await count(`audit_event WHERE patient_id = $1 AND action = 'submit'`, [pid]), 1);
  const sub = (await db.pool.query(`SELECT raw, response, ack_code, channel FROM submission WHERE id = $1`, [a.submissionId])).rows[0];
  assert.equal(sub.response, a.response);
  assert.equal(sub.channel, 'http');

  const b = await handleHl7Message(ctx, TYPICAL_VXU, sender, 'mllp');
  assert.equal(b.duplicate, true);
  assert.equal(b.response, a.response);
  assert.equal(await count(`submission`), 1);
  assert.equal(await count(`vaccination WHERE patient_id = $1`, [pid]), 2);
  // The same MSH-10 from another facility is a different message.
  const c = await handleHl7Message(ctx, TYPICAL_VXU, other, 'http');
  assert.equal(c.duplicate, false);
  assert.equal(c.patientId, pid, 'the same child from another facility matches the same patient');
});

test('a full-history resend with new MSH-10 does not duplicate doses; RXA-21 D deletes a stored dose', async () => {
  const resend = TYPICAL_VXU.replace('|CTL-100|', '|CTL-101|');
  const a = await handleHl7Message(ctx, resend, sender, 'http');
  const pid = a.patientId!;
  assert.equal(await count(`vaccination WHERE patient_id = $1 AND organization_id = $2 AND NOT deleted`, [pid, sender.organizationId]), 2);
  const del = resend.replace('|CTL-101|', '|CTL-102|').replace('RXA|0|1|20261101||20^DTaP^CVX|0.5|mL^^UCUM||00^New record^NIP001|1234^Shot^Sam|^^^CLINIC||||LOT123|20271231|SKB^GSK^MVX|||CP|A',
    'RXA|0|1|20261101||20^DTaP^CVX|0.5|mL^^UCUM||00^New record^NIP001|1234^Shot^Sam|^^^CLINIC||||LOT123|20271231|SKB^GSK^MVX|||CP|D');
  assert.notEqual(del, resend);
  await handleHl7Message(ctx, del, sender, 'http');
  assert.equal(await count(`vaccination WHERE patient_id = $1 AND organization_id = $2 AND cvx = '20' AND deleted`, [pid, sender.organizationId]), 1);
  assert.equal(await count(`vaccination WHERE patient_id = $1 AND organization_id = $2 AND cvx = '20' AND NOT deleted`, [pid, sender.organizationId]), 0);
});

test('a message with a patient error is rejected whole and stores no patient', async () => {
  const bad = TYPICAL_VXU.replace('|CTL-100|', '|CTL-200|').replace('|20250115|F|', '|20300115|F|');
  const before = await count('patient');
  const a = await handleHl7Message(ctx, bad, sender, 'http');
  assert.notEqual(a.ackCode, 'AA');
  assert.match(a.response, /ERR\|/);
  assert.equal(await count('patient'), before);
  assert.ok(await count(`finding WHERE submission_id = $1`, [a.submissionId]) > 0);
});

test('garbage gets an AR ACK and is kept as a submission', async () => {
  const a = await handleHl7Message(ctx, 'hello, registry', sender, 'http');
  assert.equal(a.ackCode, 'AR');
  assert.match(a.response, /MSA\|AR/);
});

function qbp(o: { id: string; profile: 'Z34' | 'Z44'; family: string; given: string; dob: string; mrn?: string; limit?: number }) {
  return [
    `MSH|^~\\&|MYEHR|CLINIC|IIS|STATE|20261125||QBP^Q11^QBP_Q11|${o.id}|P|2.5.1|||ER|AL|||||${o.profile}^CDCPHINVS`,
    `QPD|${o.profile}^Request Immunization History^CDCPHINVS|${o.id}|${o.mrn ?? ''}^^^MYEHR^MR|${o.family}^${o.given}^^^^^L||${o.dob}|F`,
    `RCP|I|${o.limit ?? 10}^RD&Records&HL70126`,
  ].join('\r');
}

test('QBP Z34: one match gives Z32 with the doses; none gives Z33 NF; a query is audited', async () => {
  const a = await handleHl7Message(ctx, qbp({ id: 'Q1', profile: 'Z34', family: 'Doe', given: 'Jane', dob: '20250115', mrn: 'MRN-7' }), sender, 'http');
  const m = parseEr7(a.response);
  assert.equal(m.get('MSH', 21), 'Z32', a.response);
  assert.equal(msa(a.response), 'AA');
  assert.ok(a.response.includes('RXA|'), 'history returned');
  assert.ok(await count(`audit_event WHERE action = 'query' AND patient_id = $1`, [a.patientId]) >= 1);
  const none = await handleHl7Message(ctx, qbp({ id: 'Q2', profile: 'Z34', family: 'Nobody', given: 'Nemo', dob: '20010101' }), sender, 'http');
  assert.equal(parseEr7(none.response).get('MSH', 21), 'Z33');
  assert.equal(parseEr7(none.response).get('QAK', 2), 'NF');
});

test('QBP Z34: two different children with the same name and birth date give Z31 candidates, or TM over the limit', async () => {
  for (const [n, mrn, mother] of [[1, 'T-1', 'Alpha'], [2, 'T-2', 'Beta']] as const) {
    const msg = [
      `MSH|^~\\&|MYEHR|CLINIC|IIS|STATE|20261125||VXU^V04^VXU_V04|TW-${n}|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS`,
      `PID|1||${mrn}^^^MYEHR^MR||Smith^Alex^^^^^L|${mother}^^^^^^M|20240301|${n === 1 ? 'F' : 'M'}|||${n} Elm St^^Boston^MA^0211${n}^USA^L`,
      `ORC|RE||TW-DOSE-${n}^MYEHR`,
      `RXA|0|1|20240501||20^DTaP^CVX|0.5|mL^^UCUM||00^New^NIP001||||||L${n}||SKB^GSK^MVX|||CP|A`,
    ].join('\r');
    const r = await handleHl7Message(ctx, msg, sender, 'http');
    assert.notEqual(r.ackCode, 'AR', r.response);
  }
  const a = await handleHl7Message(ctx, qbp({ id: 'Q3', profile: 'Z34', family: 'Smith', given: 'Alex', dob: '20240301' }), sender, 'http');
  const m = parseEr7(a.response);
  assert.equal(m.get('MSH', 21), 'Z31', a.response);
  assert.equal(m.all('PID').length, 2);
  const tm = await handleHl7Message(ctx, qbp({ id: 'Q4', profile: 'Z34', family: 'Smith', given: 'Alex', dob: '20240301', limit: 1 }), sender, 'http');
  assert.equal(parseEr7(tm.response).get('QAK', 2), 'TM');
});

test('a failure while storing leaves nothing behind; the resend is then accepted', async () => {
  // A trigger makes the vaccination insert fail half-way through the submission's transaction.
  await db.pool.query(`CREATE FUNCTION fail_lot() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.lot_number = 'CRASH' THEN RAISE EXCEPTION 'simulated crash'; END IF; RETURN NEW; END $$`);
  await db.pool.query(`CREATE TRIGGER fail_lot BEFORE INSERT ON vaccination FOR EACH ROW EXECUTE FUNCTION fail_lot()`);
  const msg = [
    `MSH|^~\\&|MYEHR|CLINIC|IIS|STATE|20261125||VXU^V04^VXU_V04|CRASH-1|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS`,
    `PID|1||CR-1^^^MYEHR^MR||Crashley^Casey^^^^^L||20230202|F|||3 Oak St^^Worcester^MA^01608^USA^L`,
    `ORC|RE||CR-DOSE-1^MYEHR`,
    `RXA|0|1|20240501||20^DTaP^CVX|0.5|mL^^UCUM||00^New^NIP001||||||CRASH||SKB^GSK^MVX|||CP|A`,
  ].join('\r');
  const before = { p: await count('patient'), s: await count('submission'), r: await count('patient_source_record') };
  const a = await handleHl7Message(ctx, msg, sender, 'http');
  assert.equal(a.ackCode, 'AE');
  assert.match(a.response, /ERR\|.*207/);
  assert.deepEqual({ p: await count('patient'), s: await count('submission'), r: await count('patient_source_record') }, before);
  await db.pool.query(`DROP TRIGGER fail_lot ON vaccination`);
  const b = await handleHl7Message(ctx, msg, sender, 'http');
  assert.equal(b.duplicate, false);
  assert.notEqual(b.ackCode, 'AR');
  assert.equal(await count(`vaccination WHERE lot_number = 'CRASH'`), 1);
});

test('concurrent copies of one message store it once and all get the same answer', async () => {
  const msg = [
    `MSH|^~\\&|MYEHR|CLINIC|IIS|STATE|20261125||VXU^V04^VXU_V04|RACE-1|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS`,
    `PID|1||RC-1^^^MYEHR^MR||Racer^Robin^^^^^L||20220303|M|||4 Pine St^^Springfield^MA^01103^USA^L`,
    `ORC|RE||RC-DOSE-1^MYEHR`,
    `RXA|0|1|20240601||10^IPV^CVX|0.5|mL^^UCUM||00^New^NIP001||||||R1||SKB^GSK^MVX|||CP|A`,
  ].join('\r');
  const answers = await Promise.all(Array.from({ length: 6 }, () => handleHl7Message(ctx, msg, sender, 'http')));
  assert.equal(new Set(answers.map((x) => x.response)).size, 1);
  assert.equal(answers.filter((x) => !x.duplicate).length, 1);
  assert.equal(await count(`submission WHERE control_id = 'RACE-1'`), 1);
  assert.equal(await count(`vaccination WHERE lot_number = 'R1'`), 1);
});
