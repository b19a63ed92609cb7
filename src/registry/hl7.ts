// The registry's one HL7 v2 entry point for every transport (SOAP, HTTP, MLLP, file import): VXU is parsed and
// checked by the pure cores, the patient goes through the matcher, everything is stored in one transaction, and
// only then is the ACK returned. QBP Z34/Z44 are answered from the stored, consolidated record.
import type { PoolClient } from 'pg';
import { processVxuText, type ProcessVxuResult } from '../hl7v2/process.ts';
import { buildAck } from '../hl7v2/ack.ts';
import type { CanonicalSubmission, Finding, ObservationRecord, VaccinationRecord } from '../pipeline/canonical.ts';
import { recordPatient, BIRTH_DATE_LOCK_SQL } from '../matching/store.ts';
import { consolidateDoses, DEFAULT_DEDUP_OPTIONS } from '../matching/dedup.ts';
import { applyVaccinationDedup } from '../matching/store.ts';
import type { RegistryContext } from './context.ts';
import type { Sender } from './senders.ts';
import { answerQuery } from './hl7-query.ts';
import { ingestBatcher, batchable, STORED_OBSERVATION_KINDS } from './ingest-batch.ts';

export type Hl7Channel = 'soap' | 'http' | 'mllp' | 'file';

export interface Hl7Answer {
  /** ACK or RSP, ER7 text. */
  response: string;
  ackCode: 'AA' | 'AE' | 'AR';
  submissionId?: number;
  /** True when this exact message (same sender, same MSH-10) was already processed: the stored answer is returned. */
  duplicate: boolean;
  patientId?: number;
}

let seq = 0;
/** Unique MSH-10 for the registry's answers. */
export function responseControlId(now: Date): string {
  seq = (seq + 1) % 1_000_000;
  return `IIS${now.getTime().toString(36).toUpperCase()}${process.pid.toString(36).toUpperCase()}${seq.toString().padStart(6, '0')}`;
}

/** MSH-9 and MSH-10 read without a full parse (to route the message and find a resend). */
export function peekMsh(text: string): { messageType?: string; controlId?: string; structure?: string } {
  const start = text.indexOf('MSH');
  if (start < 0 || text.length < start + 8) return {};
  const sep = text[start + 3]!;
  const line = text.slice(start).split(/\r\n|\r|\n/, 1)[0]!;
  const f = line.split(sep);
  const compSep = f[1]?.[0] ?? '^';
  const msh9 = (f[8] ?? '').split(compSep);
  return { messageType: msh9[0]?.trim().toUpperCase() || undefined, structure: msh9[2], controlId: f[9]?.trim() || undefined };
}

const isoToday = (d: Date) => d.toISOString().slice(0, 10);

/** Handles one HL7 v2 message from an authenticated sender; never throws for bad input. */
export async function handleHl7Message(ctx: RegistryContext, text: string, sender: Sender, channel: Hl7Channel): Promise<Hl7Answer> {
  const { messageType } = peekMsh(text);
  if (messageType === 'QBP') return answerQuery(ctx, text, sender);
  return ingestVxu(ctx, text, sender, channel, messageType);
}

// ------------------------------------------------------------------------------------------------ VXU

async function storedAnswer(db: Pick<PoolClient, 'query'>, orgId: number, controlId: string): Promise<Hl7Answer | undefined> {
  const { rows } = await db.query<{ id: number; response: string | null; ack_code: string; patient_id: number | null }>(
    `SELECT id, response, ack_code, patient_id FROM submission WHERE organization_id = $1 AND control_id = $2`, [orgId, controlId]);
  const r = rows[0];
  if (!r || r.response === null) return undefined;
  return { response: r.response, ackCode: r.ack_code as Hl7Answer['ackCode'], submissionId: r.id, duplicate: true, patientId: r.patient_id ?? undefined };
}

async function ingestVxu(ctx: RegistryContext, text: string, sender: Sender, channel: Hl7Channel, messageType: string | undefined): Promise<Hl7Answer> {
  const t0 = performance.now();
  const now = ctx.now();
  const { controlId } = peekMsh(text);
  // A resend is found by the submission INSERT below (unique sender + MSH-10): no look-up round trip for every message.
  const result = processVxuText(text, {
    channel, codes: ctx.codes, today: isoToday(now), now, ackControlId: responseControlId(now),
    receivingApplication: ctx.receivingApplication, receivingFacility: ctx.receivingFacility, cdsiLookup: ctx.cdsiLookup,
    maxLength: ctx.config.maxMessageBytes,
  });
  if (messageType && messageType !== 'VXU' && result.ackCode !== 'AR') {
    // processVxuText reports unsupported types itself; this guards against a type it let through.
    const findings: Finding[] = [{ code: 'message.type.unsupported', severity: 'E', hl7ErrorCode: '200', message: `Message type ${messageType} is not accepted: send VXU^V04 or QBP^Q11`, scope: { kind: 'message' } }];
    result.findings = findings;
    result.ackCode = 'AR';
    result.submission = undefined;
    result.ack = buildAck({ request: result.request, ackCode: 'AR', findings, controlId: responseControlId(now), now, receivingApplication: ctx.receivingApplication, receivingFacility: ctx.receivingFacility });
  }

  const sub = result.submission;
  const patientRejected = result.findings.some((f) => f.severity === 'E' && (f.scope.kind === 'patient' || f.scope.kind === 'message'));
  const stored: SubmissionRow = { sender, channel, messageType: result.submission?.messageType ?? messageType ?? null, profile: result.submission?.profile ?? null,
    controlId: controlId ?? null, raw: text, ackCode: result.ackCode, ack: result.ack, findings: result.findings, t0 };
  const single = () => storeOne(ctx, sub && !patientRejected ? sub : undefined, stored, result.request, now);
  // The hot path: an accepted patient is stored with whatever else is queued, in one transaction (group commit).
  if (sub && !patientRejected && batchable(sub)) return ingestBatcher(ctx.pool).submit({ ctx, sub, stored, fallback: single });
  return single();
}

/** The one-message path: its own transaction. Also the batch's fallback for anything unusual or a failed batch. */
async function storeOne(ctx: RegistryContext, sub: CanonicalSubmission | undefined, stored: SubmissionRow, request: ProcessVxuResult['request'], now: Date): Promise<Hl7Answer> {
  const { sender, controlId: cid } = stored;
  const controlId = cid ?? undefined;
  const client = await ctx.pool.connect();
  try {
    if (!sub) {
      // Nothing but the submission and its findings: one statement, its own transaction.
      const { rows } = await client.query(storeStatement(stored, undefined));
      if (rows[0]?.submission_id == null) return await resendAnswer(client, sender, controlId);
      return { response: stored.ack, ackCode: stored.ackCode as Hl7Answer['ackCode'], submissionId: rows[0].submission_id, duplicate: false };
    }
    // BEGIN, the submission id and the matcher's per-birth-date lock in one round trip (the date is a validated ISO date,
    // so it is safe as a literal). The lock comes before the candidate query, a later statement that therefore sees
    // every patient committed before the lock was granted.
    const dob = /^\d{4}-\d{2}-\d{2}$/.test(sub.patient.birthDate ?? '') ? sub.patient.birthDate! : '';
    const begun = await client.query(`BEGIN; SELECT nextval('submission_id_seq')::bigint AS id, ${BIRTH_DATE_LOCK_SQL(`'${dob}'`)}`) as unknown as { rows: { id: number }[] }[];
    const submissionId = Number(begun[1]!.rows[0]!.id);
    const patientId = await storeSubmission(ctx, client, sub, stored, submissionId);
    if (patientId === undefined) {
      // The same message (sender, MSH-10) was stored meanwhile by a concurrent request: answer as it did.
      await client.query('ROLLBACK');
      return await resendAnswer(client, sender, controlId);
    }
    await client.query('COMMIT');
    return { response: stored.ack, ackCode: stored.ackCode as Hl7Answer['ackCode'], submissionId, duplicate: false, patientId };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    // Nothing was kept: the sender may resend. Answer in HL7's terms.
    const findings: Finding[] = [{ code: 'message.processing.error', severity: 'E', hl7ErrorCode: '207', message: 'The registry could not store this message; nothing was saved. Please resend it later.', scope: { kind: 'message' } }];
    console.error('VXU storage failed:', (e as Error).message);
    return { response: buildAck({ request, ackCode: 'AE', findings, controlId: responseControlId(now), now, receivingApplication: ctx.receivingApplication, receivingFacility: ctx.receivingFacility }), ackCode: 'AE', duplicate: false };
  } finally {
    client.release();
  }
}

/** On the connection already held (a second one from a small pool could wait on requests that wait on this one). */
async function resendAnswer(db: Pick<PoolClient, 'query'>, sender: Sender, controlId: string | undefined): Promise<Hl7Answer> {
  const prior = controlId ? await storedAnswer(db, sender.organizationId, controlId) : undefined;
  if (prior) return prior;
  throw new Error('duplicate submission without a stored answer');
}

/** A dose's own columns of the vaccination table (both storage paths write them alike). */
export function vaccinationColumns(v: VaccinationRecord) {
  return {
    sender_vaccination_id: v.senderId ?? null, administered_date: v.administeredDate, cvx: v.cvx ?? null, ndc: v.ndc ?? null,
    mvx: v.mvx ?? null, lot_number: v.lotNumber ?? null, expiration_date: v.expirationDate ?? null,
    amount: v.amount ?? null, amount_unit: v.amountUnit ?? null, route: v.route ?? null, site: v.site ?? null,
    administering_facility: v.administeringFacility ?? null, ordering_clinician: v.orderingClinician ?? null,
    administering_clinician: v.administeringClinician ?? null, entered_by: v.enteredBy ?? null,
    information_source: v.informationSource ?? null, historical: v.historical, completion_status: v.completionStatus ?? null,
    refusal_reason: v.refusalReason ?? null, funding_eligibility: v.fundingEligibility ?? null, funding_source: v.fundingSource ?? null,
    vis: v.vis.length ? v.vis : null, action_code: v.actionCode ?? null, vaccine_text: v.vaccineText ?? null,
  };
}

/** What the submission row records (its answer is known before anything is stored). */
export interface SubmissionRow {
  sender: Sender; channel: Hl7Channel; messageType: string | null; profile: string | null; controlId: string | null; raw: string;
  ackCode: string; ack: string; findings: Finding[]; t0: number;
}

interface StoredPart {
  submissionId: number; patientId: number; sourceRecordId: number;
  vaccinations: VaccinationRecord[]; refusals: VaccinationRecord[];
}

/** The submission row with its answer, findings and audit event, and the doses and refusals of the patient: one
 *  statement (the hot path). Without `part`, the submission alone. Returns submission_id null when this sender's
 *  MSH-10 is already on file (a resend). */
function storeStatement(s: SubmissionRow, part: StoredPart | undefined) {
  const f = s.findings;
  const values: unknown[] = [part?.submissionId ?? null, s.sender.organizationId, s.sender.credentialId || null, s.channel, s.messageType, s.profile,
    s.controlId, s.raw, s.ackCode, f.length, s.ack, part?.patientId ?? null, performance.now() - s.t0,
    f.map((x) => x.code), f.map((x) => x.severity), f.map((x) => x.location ?? null), f.map((x) => x.hl7ErrorCode),
    f.map((x) => x.applicationErrorCode ?? null), f.map((x) => x.message)];
  let text = `WITH s AS (
      INSERT INTO submission (id, organization_id, sender_credential_id, channel, message_type, profile, control_id, raw, ack_code, finding_count,
                              response, patient_id, processed_ms)
      VALUES (COALESCE($1::bigint, nextval('submission_id_seq')), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
      ON CONFLICT (organization_id, control_id) WHERE control_id IS NOT NULL DO NOTHING RETURNING id),
    f AS (INSERT INTO finding (submission_id, patient_id, code, severity, location, hl7_error_code, application_code, message)
      SELECT s.id, $12, x.* FROM s, unnest($14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[]) AS x)`;
  let name = 'hl7.storeSubmission';
  if (part) {
    name = 'hl7.storeSubmissionWithDoses';
    values.push(s.sender.username, JSON.stringify({ channel: s.channel, ackCode: s.ackCode }), part.sourceRecordId,
      JSON.stringify(part.vaccinations.map(vaccinationColumns)),
      JSON.stringify(part.refusals.map((v) => ({ refusal_date: v.administeredDate ?? null, cvx: v.cvx ?? null, reason: v.refusalReason ?? null,
        vaccine_text: v.vaccineText ?? null, sender_vaccination_id: v.senderId ?? null }))));
    text += `,
    a AS (INSERT INTO audit_event (actor_kind, actor_id, organization_id, action, patient_id, object_type, object_id, detail)
      SELECT 'sender', $20, $2, 'submit', $12, 'submission', s.id::text, $21 FROM s),
    r AS (INSERT INTO refusal (patient_id, submission_id, organization_id, refusal_date, cvx, reason, vaccine_text, sender_vaccination_id)
      SELECT $12, s.id, $2, x.refusal_date, x.cvx, x.reason, x.vaccine_text, x.sender_vaccination_id
        FROM s, jsonb_to_recordset($24::jsonb) AS x(refusal_date date, cvx text, reason text, vaccine_text text, sender_vaccination_id text)),
    v AS (INSERT INTO vaccination (patient_id, source_record_id, submission_id, organization_id, sender_vaccination_id, administered_date, cvx, ndc, mvx,
         lot_number, expiration_date, amount, amount_unit, route, site, administering_facility, ordering_clinician, administering_clinician,
         entered_by, information_source, historical, completion_status, refusal_reason, funding_eligibility, funding_source, vis, action_code, vaccine_text)
       SELECT $12, $22, s.id, $2, x.sender_vaccination_id, x.administered_date, x.cvx, x.ndc, x.mvx, x.lot_number, x.expiration_date, x.amount,
         x.amount_unit, x.route, x.site, x.administering_facility, x.ordering_clinician, x.administering_clinician, x.entered_by,
         x.information_source, x.historical, x.completion_status, x.refusal_reason, x.funding_eligibility, x.funding_source, x.vis,
         x.action_code, x.vaccine_text
         FROM s, jsonb_array_elements($23::jsonb) WITH ORDINALITY AS e(j, ord)
         CROSS JOIN LATERAL jsonb_to_record(e.j) AS x(sender_vaccination_id text, administered_date date, cvx text, ndc text, mvx text,
           lot_number text, expiration_date date, amount numeric, amount_unit text, route text, site text, administering_facility text,
           ordering_clinician jsonb, administering_clinician jsonb, entered_by jsonb, information_source text, historical boolean,
           completion_status text, refusal_reason text, funding_eligibility text, funding_source text, vis jsonb, action_code text,
           vaccine_text text)
        ORDER BY e.ord
       RETURNING id)
    SELECT (SELECT id FROM s) AS submission_id, ARRAY(SELECT id FROM v ORDER BY id) AS vaccination_ids`;
  } else {
    text += `
    SELECT (SELECT id FROM s) AS submission_id`;
  }
  return { name, text, values };
}


/** Patient (through the matcher), the submission row, vaccinations, refusals, deletes and observations of one
 *  accepted submission. Returns undefined when the submission turns out to be a resend (caller rolls back). */
async function storeSubmission(ctx: RegistryContext, client: PoolClient, sub: CanonicalSubmission, stored: SubmissionRow, submissionId: number): Promise<number | undefined> {
  const findings = stored.findings;
  const orgId = stored.sender.organizationId;
  const senderPatientId = sub.patient.identifiers.find((i) => i.type === 'MR')?.value ?? sub.patient.identifiers[0]?.value;
  // The matcher plugs in here: Match attaches, Possible creates a provisional patient and a review item, else a new patient.
  const recorded = await recordPatient(client, sub.patient, { organizationId: orgId, submissionId, senderPatientId, birthDateLockHeld: true });
  const patientId = recorded.patientId;
  const sourceRecordId = recorded.sourceRecordId;
  // A patient created just now has no doses on file: no look-ups of earlier doses, and de-duplication only
  // among this message's doses.
  const newPatient = recorded.decision.outcome !== 'match';

  const rejected = new Set(findings.filter((f) => f.severity === 'E' && f.scope.kind === 'vaccination').map((f) => (f.scope as { index: number }).index));
  const doses = sub.vaccinations.map((v, index) => ({ v, index })).filter((d) => !rejected.has(d.index));

  // Doses this sender already reported (by ORC-3) for this patient: deletes, updates and full-history resends.
  const senderIds = doses.map((d) => d.v.senderId).filter((x): x is string => !!x);
  const existing = new Map<string, { id: number; date: string; cvx: string | null; ndc: string | null; lot: string | null }>();
  if (senderIds.length && !newPatient) {
    const { rows } = await client.query<{ id: number; sender_vaccination_id: string; administered_date: string; cvx: string | null; ndc: string | null; lot_number: string | null }>({
      name: 'hl7.senderDoses',
      text: `SELECT id, sender_vaccination_id, administered_date, cvx, ndc, lot_number FROM vaccination
        WHERE patient_id = $1 AND organization_id = $2 AND sender_vaccination_id = ANY($3) AND NOT deleted`,
      values: [patientId, orgId, senderIds],
    });
    for (const r of rows) existing.set(r.sender_vaccination_id, { id: r.id, date: r.administered_date, cvx: r.cvx, ndc: r.ndc, lot: r.lot_number });
  }

  const toInsert: { v: VaccinationRecord; supersedes?: number }[] = [];
  const refusals: VaccinationRecord[] = [];
  let changed = false;
  for (const { v } of doses) {
    const prior = v.senderId ? existing.get(v.senderId) : undefined;
    if (v.actionCode === 'D') {
      if (prior) {
        await client.query(`UPDATE vaccination SET deleted = true WHERE id = $1`, [prior.id]);
        changed = true;
      } else if (!newPatient) {
        // A delete without ORC-3: the same sender's dose of that vaccine on that day.
        const r = await client.query(`UPDATE vaccination SET deleted = true WHERE patient_id = $1 AND organization_id = $2 AND administered_date = $3
            AND coalesce(cvx,'') = coalesce($4,'') AND NOT deleted`, [patientId, orgId, v.administeredDate ?? null, v.cvx ?? null]);
        changed ||= (r.rowCount ?? 0) > 0;
      }
      continue;
    }
    if (v.completionStatus === 'RE') {
      refusals.push(v);
      continue;
    }
    if (!v.administeredDate) continue; // rejected by quality rules already; never store a dose without a date
    if (v.completionStatus === 'NA' || v.cvx === '998') {
      // "No vaccine administered": nothing to store as a dose; its observations (immunity, contraindication) are kept below.
      continue;
    }
    if (prior && prior.date === v.administeredDate && prior.cvx === (v.cvx ?? null) && prior.ndc === (v.ndc ?? null) && prior.lot === (v.lotNumber ?? null) && v.actionCode !== 'U') {
      continue; // the same dose resent with the full history: already stored
    }
    toInsert.push({ v, supersedes: prior?.id });
  }

  const { rows: [row] } = await client.query<{ submission_id: number | null; vaccination_ids: number[] }>(
    storeStatement(stored, { submissionId, patientId, sourceRecordId, vaccinations: toInsert.map((t) => t.v), refusals }));
  if (row?.submission_id == null) return undefined;
  const insertedIds = row.vaccination_ids;
  if (toInsert.length) {
    changed = true;
    const supersede: [number, number][] = [];
    const obs: { vaccinationId: number | null; o: ObservationRecord }[] = [];
    toInsert.forEach(({ v, supersedes }, i) => {
      const id = insertedIds[i]!;
      if (supersedes) supersede.push([supersedes, id]);
      for (const o of v.observations) if (STORED_OBSERVATION_KINDS.has(o.kind) && o.kind !== 'other') obs.push({ vaccinationId: id, o });
    });
    if (supersede.length) {
      await client.query(`UPDATE vaccination v SET deleted = true, superseded_by = x.new_id FROM unnest($1::bigint[], $2::bigint[]) AS x(old_id, new_id) WHERE v.id = x.old_id`,
        [supersede.map((x) => x[0]), supersede.map((x) => x[1])]);
    }
    await insertObservations(client, patientId, submissionId, orgId, obs);
  }
  // Dose-level immunity/contraindication observations of doses that were not inserted (e.g. resends) still count once.
  const patientObs = sub.observations.filter((o) => STORED_OBSERVATION_KINDS.has(o.kind)).map((o) => ({ vaccinationId: null, o }));
  for (const { v } of doses) {
    if (toInsert.some((t) => t.v === v)) continue;
    for (const o of v.observations) if (o.kind === 'immunity' || o.kind === 'contraindication' || o.kind === 'indication') patientObs.push({ vaccinationId: null, o });
  }
  await insertObservations(client, patientId, submissionId, orgId, patientObs);
  if (changed && !newPatient) await applyVaccinationDedup(client, patientId, ctx.vaccineGroups);
  else if (changed) {
    // Only this message's doses: the same plan applyVaccinationDedup would make, without reading them back.
    const plan = consolidateDoses(toInsert.map(({ v }, i) => ({
      id: insertedIds[i]!, date: v.administeredDate!, cvx: v.cvx, historical: v.historical, lotNumber: v.lotNumber, deleted: false,
      notGiven: ['RE', 'NA'].includes(v.completionStatus ?? ''),
    })), ctx.vaccineGroups, DEFAULT_DEDUP_OPTIONS);
    const pairs = [...plan.entries()].filter(([, target]) => target !== null && target !== undefined) as [number, number][];
    if (pairs.length) {
      await client.query(`UPDATE vaccination v SET consolidated_into = x.target FROM unnest($1::bigint[], $2::bigint[]) AS x(id, target) WHERE v.id = x.id`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
    }
  }
  return patientId;
}

async function insertObservations(client: PoolClient, patientId: number, submissionId: number, orgId: number, list: { vaccinationId: number | null; o: ObservationRecord }[]) {
  const seen = new Set<string>();
  list = list.filter(({ o }) => { const k = `${o.kind}|${o.code ?? o.identifier}|${o.date ?? ''}`; if (seen.has(k)) return false; seen.add(k); return true; });
  if (!list.length) return;
  // The same observation already on file for this patient (a resend) is not stored twice.
  await client.query(
    `INSERT INTO observation (patient_id, submission_id, organization_id, vaccination_id, kind, identifier, code_system, code, cdsi_code, text, observed_date)
     SELECT $1, $2, $3, x.vaccination_id, x.kind, x.identifier, x.code_system, x.code, x.cdsi_code, x.text, x.observed_date
       FROM jsonb_to_recordset($4::jsonb) AS x(vaccination_id bigint, kind text, identifier text, code_system text, code text, cdsi_code text, text text, observed_date date)
      WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE o.patient_id = $1 AND o.kind = x.kind AND o.code = x.code
                          AND o.observed_date IS NOT DISTINCT FROM x.observed_date)`,
    [patientId, submissionId, orgId, JSON.stringify(list.map(({ vaccinationId, o }) => ({
      vaccination_id: vaccinationId, kind: o.kind === 'indication' ? 'indication' : o.kind, identifier: o.identifier,
      code_system: o.codeSystem ?? null, code: o.code ?? o.identifier, cdsi_code: o.cdsiCode ?? null, text: o.text ?? null, observed_date: o.date ?? null,
    })))]);
}
