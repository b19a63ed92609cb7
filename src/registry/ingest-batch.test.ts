// The batch path (group commit) stores exactly what the one-message path stores: the same messages go one by one
// into one database and concurrently (so they form batches) into another, and every stored row is compared, with
// ids replaced by stable keys (the MSH-10 of the submission that created the row).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../../test/support/postgres.ts';
import { loadConfig } from '../config.ts';
import { getRegistryContext, type RegistryContext } from './context.ts';
import { createFacility, authenticateSender, type Sender } from './senders.ts';
import { handleHl7Message, type Hl7Answer } from './hl7.ts';
import { ingestBatchStats, textLiteral } from './ingest-batch.ts';

interface Dose { id: string; date: string; cvx: string; lot?: string; hist?: boolean; status?: string; action?: string; immunity?: string }
interface Msg { ctl: string; facility: 0 | 1; mrn: string; family: string; given: string; dob: string; sex: string; mother: string; street: string; doses: Dose[]; immunity?: string }

function vxu(m: Msg): string {
  const seg = [
    `MSH|^~\\&|EHR${m.facility}|FAC${m.facility}|IIS|STATE|20261120103000||VXU^V04^VXU_V04|${m.ctl}|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS`,
    `PID|1||${m.mrn}^^^FAC${m.facility}^MR||${m.family}^${m.given}^^^^^L|${m.mother}^^^^^^M|${m.dob}|${m.sex}|||${m.street}^^Boston^MA^02110^USA^L||^PRN^PH^^^617^5551234`,
    `NK1|1|${m.mother}^Mary|MTH^Mother^HL70063`,
  ];
  for (const d of m.doses) {
    seg.push(`ORC|RE||${d.id}^EHR${m.facility}`);
    if (d.status === 'RE') { seg.push(`RXA|0|1|${d.date}||${d.cvx}^x^CVX|999||||||||||||00^Parental decision^NIP002||RE|A`); continue; }
    seg.push(d.hist
      ? `RXA|0|1|${d.date}||${d.cvx}^x^CVX|999|||01^Historical^NIP001|||||||||||CP|${d.action ?? 'A'}`
      : `RXA|0|1|${d.date}||${d.cvx}^x^CVX|0.5|mL^^UCUM||00^New^NIP001||^^^FAC${m.facility}||||${d.lot ?? 'LOT' + d.id}|20281231|MSD^Merck^MVX|||CP|${d.action ?? 'A'}`);
    if (!d.hist) seg.push(`OBX|1|CE|64994-7^Eligibility^LN|1|V02^Medicaid^HL70064||||||F|||${d.date}|||VXC40^per visit^CDCPHINVS`);
    if (d.immunity) seg.push(`OBX|2|CE|59784-9^Disease with presumed immunity^LN|2|${d.immunity}^x^SCT||||||F|||20260101`);
  }
  if (m.immunity) {
    seg.push(`ORC|RE||IM-${m.ctl}^EHR${m.facility}`, `RXA|0|1|20260101||998^No vaccine administered^CVX|999||||||||||||||NA|A`,
      `OBX|1|CE|59784-9^Disease with presumed immunity^LN|1|${m.immunity}^x^SCT||||||F|||20260101`);
  }
  return seg.join('\r');
}

const child = (ctl: string, facility: 0 | 1, mrn: string, family: string, given: string, dob: string, doses: Dose[], extra: Partial<Msg> = {}): Msg =>
  ({ ctl, facility, mrn, family, given, dob, sex: 'F', mother: 'Jones', street: '1 Main St', doses, ...extra });

// Phase 1: new children (doses, a same-day duplicate, a refusal, immunity; two with one birth date; a resend).
const PHASE1: Msg[] = [
  child('P1-1', 0, 'A1', 'Alvarez', 'Ana', '20240105', [{ id: 'a1', date: '20240305', cvx: '20' }, { id: 'a2', date: '20240305', cvx: '10' }, { id: 'a3', date: '20240105', cvx: '08', hist: true }]),
  child('P1-2', 0, 'B1', 'Brown', 'Ben', '20230210', [{ id: 'b1', date: '20230410', cvx: '20' }, { id: 'b2', date: '20230410', cvx: '106', hist: true }, { id: 'b3', date: '20240210', cvx: '03', status: 'RE' }], { sex: 'M' }),
  child('P1-3', 1, 'C1', 'Chen', 'Cora', '20230210', [{ id: 'c1', date: '20230610', cvx: '49' }], { immunity: '38907003' }),
  child('P1-4', 1, 'D1', 'Dubois', 'Dana', '20220720', [{ id: 'd1', date: '20230720', cvx: '21', immunity: '409498004' }, { id: 'd2', date: '20230720', cvx: '03' }]),
  child('P1-5', 0, 'E1', 'Evans', 'Eli', '20210101', [{ id: 'e1', date: '20220101', cvx: '83' }], { sex: 'M', street: '9 Oak St' }),
  child('P1-1', 0, 'A1', 'Alvarez', 'Ana', '20240105', [{ id: 'a1', date: '20240305', cvx: '20' }, { id: 'a2', date: '20240305', cvx: '10' }, { id: 'a3', date: '20240105', cvx: '08', hist: true }]),
];

// Phase 2: the same children from the other facility (match, doses consolidated across facilities), a full-history
// resend from the same facility (nothing twice), an update by ORC-3 (supersedes), a look-alike (possible match),
// a brand new child, and a resend of a phase-2 message.
const PHASE2: Msg[] = [
  child('P2-1', 1, 'X-A1', 'Alvarez', 'Ana', '20240105', [{ id: 'xa1', date: '20240305', cvx: '20' }, { id: 'xa2', date: '20240505', cvx: '116' }]),
  child('P2-2', 0, 'B1', 'Brown', 'Ben', '20230210', [{ id: 'b1', date: '20230410', cvx: '20' }, { id: 'b2', date: '20230410', cvx: '106', hist: true }, { id: 'b4', date: '20230610', cvx: '20' }], { sex: 'M' }),
  child('P2-3', 1, 'C1', 'Chen', 'Cora', '20230210', [{ id: 'c1', date: '20230610', cvx: '49', lot: 'NEWLOT', action: 'U' }, { id: 'c2', date: '20230810', cvx: '49' }], { immunity: '38907003' }),
  child('P2-4', 0, 'X-D1', 'Dubois', 'Dana', '20220720', [{ id: 'xd1', date: '20230720', cvx: '94' }]),
  child('P2-5', 1, 'Z-E1', 'Evans', 'Eli', '20210101', [{ id: 'ze1', date: '20220301', cvx: '83' }], { sex: 'F', street: '4 Elm Rd', mother: 'Smith' }),
  child('P2-6', 1, 'F1', 'Fischer', 'Finn', '20250101', [{ id: 'f1', date: '20250301', cvx: '20' }, { id: 'f2', date: '20250302', cvx: '20', hist: true }]),
  child('P2-1', 1, 'X-A1', 'Alvarez', 'Ana', '20240105', [{ id: 'xa1', date: '20240305', cvx: '20' }, { id: 'xa2', date: '20240505', cvx: '116' }]),
  // The new child again from another facility with a birth date one day off: it must see the patient P2-6 creates.
  child('P2-8', 0, 'F9', 'Fischer', 'Finn', '20250102', [{ id: 'f9', date: '20250301', cvx: '20' }]),
];

// Phase 3: a child on file under the same MRN with the birth date a day off, updating a dose by ORC-3 (the batch reads
// doses on file only of candidates born on the record's birth date; this one is a possible match, as one by one).
const PHASE3: Msg[] = [
  child('P3-1', 0, 'E1', 'Evans', 'Eli', '20210102', [{ id: 'e1', date: '20220101', cvx: '83', lot: 'FIXEDLOT', action: 'U' }], { sex: 'M', street: '9 Oak St' }),
];

let single: TestDatabase, batched: TestDatabase;
const ctxs: RegistryContext[] = [];
const senders: Sender[][] = [];
before(async () => {
  single = await freshDatabase();
  batched = await freshDatabase();
  for (const db of [single, batched]) {
    ctxs.push({ ...(await getRegistryContext(db.pool, loadConfig())), now: () => new Date('2026-11-25T15:00:00Z') });
    const s: Sender[] = [];
    for (const code of ['FAC0', 'FAC1']) {
      const f = await createFacility(db.pool, { name: code, code });
      s.push((await authenticateSender(db.pool, f.username, f.password))!);
    }
    senders.push(s);
  }
});
after(async () => { await single?.close(); await batched?.close(); });

/** Every stored row of the ingest tables, ids replaced by keys that do not depend on id allocation. */
async function snapshot(db: TestDatabase): Promise<Record<string, string[]>> {
  await db.pool.query(`CREATE OR REPLACE FUNCTION sk(bigint) RETURNS text LANGUAGE sql AS $$ SELECT organization_id || ':' || control_id FROM submission WHERE id = $1 $$;
    CREATE OR REPLACE FUNCTION pk(bigint) RETURNS text LANGUAGE sql AS $$ SELECT min(sk(submission_id)) FROM patient_source_record WHERE patient_id = $1 $$;
    CREATE OR REPLACE FUNCTION vk(bigint) RETURNS text LANGUAGE sql AS $$
      SELECT sk(submission_id) || '#' || coalesce(sender_vaccination_id, '') || '#' || administered_date || '#' || coalesce(cvx, '') FROM vaccination WHERE id = $1 $$;`);
  const q = async (sql: string) => (await db.pool.query(`SELECT to_jsonb(x) AS j FROM (${sql}) x`)).rows.map((r) => JSON.stringify(r.j)).sort();
  return {
    patient: await q(`SELECT pk(id), family_name, given_name, middle_name, birth_date, sex, mother_maiden_name, address, phone, status, merged_into FROM patient`),
    source: await q(`SELECT pk(patient_id), sk(submission_id), organization_id, sender_patient_id, demographics FROM patient_source_record`),
    identifier: await q(`SELECT pk(patient_id), id_value, authority, id_type, (SELECT sk(submission_id) FROM patient_source_record r WHERE r.id = source_record_id) FROM patient_identifier`),
    submission: await q(`SELECT sk(id), channel, message_type, profile, raw, ack_code, finding_count, pk(patient_id) FROM submission`),
    finding: await q(`SELECT sk(submission_id), pk(patient_id), code, severity, location, hl7_error_code, application_code, message FROM finding`),
    audit: await q(`SELECT actor_kind, actor_id, organization_id, action, pk(patient_id), object_type, sk(object_id::bigint), detail FROM audit_event WHERE action = 'submit'`),
    refusal: await q(`SELECT pk(patient_id), sk(submission_id), organization_id, refusal_date, cvx, reason, vaccine_text, sender_vaccination_id FROM refusal`),
    vaccination: await q(`SELECT vk(id), pk(patient_id), (SELECT sk(submission_id) FROM patient_source_record r WHERE r.id = source_record_id) AS source, organization_id,
      sender_vaccination_id, administered_date, cvx, ndc, mvx, lot_number, expiration_date, amount, amount_unit, route, site, administering_facility, ordering_clinician,
      administering_clinician, entered_by, information_source, historical, completion_status, refusal_reason, funding_eligibility, funding_source, vis, action_code,
      vaccine_text, deleted, vk(superseded_by) AS superseded_by, vk(consolidated_into) AS consolidated_into FROM vaccination`),
    observation: await q(`SELECT pk(patient_id), sk(submission_id), organization_id, vk(vaccination_id), kind, identifier, code_system, code, cdsi_code, text, observed_date FROM observation`),
    review: await q(`SELECT pk(patient_id), pk(candidate_patient_id), score, reasons, status FROM match_review`),
  };
}

test('the batch path stores exactly what the one-message path stores', async () => {
  const answers: Hl7Answer[][] = [[], []];
  // One by one through the one-message path.
  process.env.IIS_INGEST_BATCH = '0';
  try {
    for (const m of [...PHASE1, ...PHASE2, ...PHASE3]) answers[0]!.push(await handleHl7Message(ctxs[0]!, vxu(m), senders[0]![m.facility]!, 'http'));
  } finally { delete process.env.IIS_INGEST_BATCH; }
  // All of a phase at once through the batcher.
  const before = { ...ingestBatchStats };
  for (const phase of [PHASE1, PHASE2, PHASE3]) {
    answers[1]!.push(...await Promise.all(phase.map((m) => handleHl7Message(ctxs[1]!, vxu(m), senders[1]![m.facility]!, 'http'))));
  }
  // Batches of several messages formed, some waited for a later batch, none failed.
  assert.equal(ingestBatchStats.failed, before.failed);
  assert.ok(ingestBatchStats.largest >= 3, `largest batch ${ingestBatchStats.largest}`);
  assert.ok(ingestBatchStats.deferred > before.deferred, 'a message waited for the next batch');
  assert.deepEqual(answers[1]!.map((a) => [a.ackCode, a.duplicate]), answers[0]!.map((a) => [a.ackCode, a.duplicate]));
  const [a, b] = [await snapshot(single), await snapshot(batched)];
  for (const table of Object.keys(a)) assert.deepEqual(b[table], a[table], table);
  // The cases the comparison is meant to cover are there.
  assert.ok(a.review!.length >= 1, 'a possible match (provisional patient + review item)');
  assert.ok(a.vaccination!.some((r) => JSON.parse(r).superseded_by), 'a dose superseded by ORC-3');
  assert.ok(a.vaccination!.some((r) => JSON.parse(r).consolidated_into), 'doses consolidated');
  assert.ok(a.refusal!.length >= 1 && a.observation!.length >= 2, 'refusals and observations');
  assert.equal(answers[0]!.filter((x) => x.duplicate).length, 2, 'two resends');
});

test('the batch literal carries any string unchanged (dollar quotes, backslashes, quotes, a tag inside)', async () => {
  const strings = ['', "it's", 'a\\b\\\\c', '$j$', 'ends with $j', '$j$ and $j1$', '$', 'x$$y', '{"raw":"MSH|^~\\\\&|\\r"}', "E'\\''"];
  const { rows } = await batched.pool.query(`SELECT ${strings.map((s, i) => `${textLiteral(s)} AS s${i}`).join(', ')}`);
  assert.deepEqual(strings.map((_, i) => rows[0][`s${i}`]), strings);
});
