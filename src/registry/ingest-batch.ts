// Group commit for VXU ingest. Messages are parsed and checked at once (pure cores, in hl7.ts); an accepted one is
// queued here, and a batcher stores whatever is queued (up to MAX_BATCH) in ONE transaction with set-based
// statements: the batch's birth-date locks (sorted: no deadlock between batches), one resend check, one candidate
// query for every record, scoring in node, the doses on file of matched patients, then one statement inserting
// patients, source records, identifiers, submissions, findings, audit events, refusals, vaccinations, observations
// and review items. Each message's ACK is returned only after that COMMIT: durability and the resend rule are those
// of the one-message path, one fsync serves the batch.
// What the batch stores for a message is what the one-message path (storeSubmission in hl7.ts) would store; it only
// takes messages whose effect does not depend on another message of the same batch: never two with the same birth
// date or the same sender + MSH-10, never two touching the same stored patient, never one that could match a patient
// created by an earlier message of the batch (those wait for the next batch). Anything unusual (deletes by RXA-21,
// a failed batch) goes through the one-message path, message by message, so one bad message never fails others.
import type { Pool, PoolClient } from 'pg';
import type { CanonicalSubmission, ObservationRecord, VaccinationRecord, MatchDecision } from '../pipeline/canonical.ts';
import { candidatesBatchSql, candidateKeys, candidatesFromBatchRows, birthDateVariants, DOSE_ON_FILE_COLUMNS, type Candidate } from '../matching/candidates.ts';
import { decideMatch } from '../matching/matcher.ts';
import { personFromRecord, scorePair, type MatchPerson } from '../matching/score.ts';
import { consolidateDoses, DEFAULT_DEDUP_OPTIONS, type DoseForDedup } from '../matching/dedup.ts';
import type { RegistryContext } from './context.ts';
import { vaccinationColumns, type Hl7Answer, type SubmissionRow } from './hl7.ts';

export const STORED_OBSERVATION_KINDS = new Set<ObservationRecord['kind']>(['immunity', 'contraindication', 'indication', 'other']);

/** Largest batch (messages per transaction) and batches in flight at once (one fills while another commits). */
const MAX_BATCH = Number(process.env.IIS_INGEST_BATCH_MAX ?? 64);
const MAX_INFLIGHT = Number(process.env.IIS_INGEST_BATCHES ?? 2);
const MIN_SECOND = Number(process.env.IIS_INGEST_BATCH_MIN ?? 8);

export interface IngestJob {
  ctx: RegistryContext;
  sub: CanonicalSubmission;
  stored: SubmissionRow;
  /** The one-message path for this message. */
  fallback: () => Promise<Hl7Answer>;
}

/** Messages the batch can take: deletes (RXA-21 D) change doses on file by other rules, so they go one by one. */
export function batchable(sub: CanonicalSubmission): boolean {
  return process.env.IIS_INGEST_BATCH !== '0' && !sub.vaccinations.some((v) => v.actionCode === 'D');
}

/** Counters (bench and tests): batches committed, messages they stored or answered as resends, the largest batch,
 *  messages deferred to a later batch, batches that failed and went one by one, candidates read for scoring. */
export const ingestBatchStats = { batches: 0, messages: 0, largest: 0, deferred: 0, failed: 0, candidates: 0 };

/** IIS_INGEST_EXPLAIN=N (diagnosis): EXPLAIN ANALYZE the candidate and store statements once, after N batches. */
const explained = { candidates: false, store: false };

interface Queued extends IngestJob { dob: string; key: string | undefined; resolve: (a: Hl7Answer) => void }

const batchers = new WeakMap<Pool, IngestBatcher>();
export function ingestBatcher(pool: Pool): IngestBatcher {
  let b = batchers.get(pool);
  if (!b) batchers.set(pool, (b = new IngestBatcher(pool)));
  return b;
}

const validDob = (d: string | undefined) => (d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : '');

export class IngestBatcher {
  private queue: Queued[] = [];
  private inflight = 0;
  /** Birth dates and resend keys of the batches in flight (a message sharing one waits for them to commit). */
  private busyDobs = new Map<string, number>();
  private busyKeys = new Set<string>();
  constructor(private readonly pool: Pool) {}

  submit(job: IngestJob): Promise<Hl7Answer> {
    return new Promise((resolve) => {
      const key = job.stored.controlId ? `${job.stored.sender.organizationId}|${job.stored.controlId}` : undefined;
      this.queue.push({ ...job, dob: validDob(job.sub.patient.birthDate), key, resolve });
      this.kick();
    });
  }

  private kick() {
    // A second batch starts beside a running one only when enough is waiting: small batches cost more per message
    // (round trips, planning, a commit each), and the running batch's commit frees the queue soon anyway.
    while (this.inflight < MAX_INFLIGHT && this.queue.length >= (this.inflight ? MIN_SECOND : 1)) {
      const batch = this.take();
      if (!batch.length) return;
      this.inflight++;
      for (const q of batch) { this.busyDobs.set(q.dob, (this.busyDobs.get(q.dob) ?? 0) + 1); if (q.key) this.busyKeys.add(q.key); }
      void this.run(batch).finally(() => {
        this.inflight--;
        for (const q of batch) {
          const n = this.busyDobs.get(q.dob)! - 1;
          if (n) this.busyDobs.set(q.dob, n); else this.busyDobs.delete(q.dob);
          if (q.key) this.busyKeys.delete(q.key);
        }
        this.kick();
      });
    }
  }

  /** Up to MAX_BATCH queued messages in arrival order, at most one per birth date and per resend key. */
  private take(): Queued[] {
    const out: Queued[] = [], rest: Queued[] = [];
    const dobs = new Set<string>(), keys = new Set<string>();
    for (const q of this.queue) {
      if (out.length < MAX_BATCH && !dobs.has(q.dob) && !this.busyDobs.has(q.dob) && !(q.key && (keys.has(q.key) || this.busyKeys.has(q.key)))) {
        out.push(q); dobs.add(q.dob); if (q.key) keys.add(q.key);
      } else rest.push(q);
    }
    this.queue = rest;
    return out;
  }

  private async run(batch: Queued[]) {
    let deferred: Queued[] = [];
    try {
      deferred = await storeBatch(this.pool, batch);
    } catch (e) {
      // Nothing of the batch was kept: each message on its own, so one bad message fails only itself.
      ingestBatchStats.failed++;
      if (process.env.IIS_INGEST_DEBUG) console.error('ingest batch failed, retrying one by one:', (e as Error).message);
      await Promise.all(batch.map(async (q) => q.resolve(await q.fallback())));
      return;
    }
    ingestBatchStats.batches++;
    ingestBatchStats.messages += batch.length - deferred.length;
    ingestBatchStats.largest = Math.max(ingestBatchStats.largest, batch.length - deferred.length);
    ingestBatchStats.deferred += deferred.length;
    // Waiting messages go first in the next batch, in their order.
    if (deferred.length) this.queue = [...deferred, ...this.queue];
  }
}

interface Item {
  q: Queued;
  person: MatchPerson;
  candidates: Candidate[];
  decision: MatchDecision;
  submissionId: number;
  patientId: number;
  sourceRecordId: number;
  newPatient: boolean;
}

/** The two records could be one person (cheap test before scoring): a shared identifier, a birth date one typo
 *  apart, or the same names. */
function related(a: MatchPerson, b: MatchPerson): boolean {
  const ids = new Set((a.identifiers ?? []).map((i) => i.value.trim()));
  if ((b.identifiers ?? []).some((i) => ids.has(i.value.trim()))) return true;
  if (a.birthDate && b.birthDate && birthDateVariants(a.birthDate).includes(b.birthDate)) return true;
  const n = (s: string | undefined) => (s ?? '').trim().toUpperCase();
  return !!n(a.family) && n(a.family) === n(b.family) && n(a.given) === n(b.given);
}

/** A null member after the first of an object (`,"key":null`): json_to_recordset reads a missing key as NULL too, and
 *  a dose's row is half nulls, which PostgreSQL would otherwise parse and look up column by column. It cannot match
 *  inside a JSON string, where every quote is escaped. Nested objects (address, clinicians) come from canonical
 *  records, which leave what is absent undefined (not written), never null, so what is stored in them is unchanged. */
const NULL_MEMBER = /,"[A-Za-z_]+":null/g;

const preparedStatements = new WeakMap<PoolClient, { n: number; uses: number }>();

/** A string as an SQL literal: dollar-quoted, so taken as it is whatever standard_conforming_strings says, with a tag
 *  the string neither contains nor ends with (its last characters and the closing tag would read as the tag). Not E''
 *  with escapes: the batch's JSON is full of backslashes (every \r of a raw message), and escaping it cost the registry
 *  two copies of ~100 KB per batch (~35 us per 27 KB against ~2 us) and PostgreSQL's lexer an escape at a time. */
export function textLiteral(s: string): string {
  let tag = 'j';
  for (let n = 1; s.includes(`$${tag}$`) || s.endsWith(`$${tag}`); n++) tag = `j${n}`;
  return `$${tag}$${s}$${tag}$`;
}
const jsonLiteral = (v: unknown) => textLiteral(JSON.stringify(v));
let prepareSeq = 0;
const REPREPARE_AFTER = 256;

/** A dose on file as the candidate statement sends it (an array of DOSE_ON_FILE_COLUMNS) as an object. */
function doseOnFile(a: unknown[]): ExistingDose {
  const d: Record<string, unknown> = {};
  DOSE_ON_FILE_COLUMNS.forEach((c, i) => { d[c] = a[i]; });
  return d as unknown as ExistingDose;
}

interface ExistingDose { id: number; patient_id: number; organization_id: number | null; sender_vaccination_id: string | null; administered_date: string;
  cvx: string | null; ndc: string | null; lot_number: string | null; historical: boolean; deleted: boolean; completion_status: string | null; consolidated_into: number | null }

/** Stores the batch in one transaction; resolves every message it stored or found to be a resend; returns those
 *  that must wait for the next batch. Throws (after ROLLBACK) when the batch could not be stored. */
async function storeBatch(pool: Pool, batch: Queued[]): Promise<Queued[]> {
  const client = await pool.connect();
  const answers: [Queued, Hl7Answer][] = [];
  const deferred: Queued[] = [];
  try {
    // One round trip: BEGIN; the birth-date locks of recordPatient (BIRTH_DATE_LOCK_SQL), taken in key order; resends
    // (sender + MSH-10 on file) and the ids this batch may need; the candidates of every record. The candidate query is
    // a later statement than the locks, so it sees every patient committed before they were granted. Dates are validated;
    // the rest goes in as escaped JSON literals.
    const dobs = [...new Set(batch.map((q) => q.dob))];
    const nDoses = batch.reduce((n, q) => n + q.sub.vaccinations.length, 0);
    const people = batch.map((q) => personFromRecord(q.sub.patient));
    // The candidate query is prepared once per connection and re-prepared now and then, so its plan follows the
    // statistics of growing tables without being planned for every batch.
    let prep = preparedStatements.get(client);
    let prefix = '';
    if (!prep || prep.uses >= REPREPARE_AFTER) {
      const n = ++prepareSeq;
      prefix = `${prep ? `DEALLOCATE ingest_locks_${prep.n}; DEALLOCATE ingest_pre_${prep.n}; DEALLOCATE ingest_candidates_${prep.n}; DEALLOCATE ingest_store_${prep.n};` : ''}
        PREPARE ingest_locks_${n}(text[]) AS ${LOCKS_SQL};
        PREPARE ingest_pre_${n}(json, int, int) AS ${PRE_SQL};
        PREPARE ingest_candidates_${n}(json) AS ${candidatesBatchSql('$1', 200, true)};
        PREPARE ingest_store_${n}(json, json, json, json, json, json, json, json, json, json, json) AS ${STORE_SQL};`;
      preparedStatements.set(client, (prep = { n, uses: 0 }));
    }
    prep.uses++;
    const candidatesStatement = `ingest_candidates_${prep.n}`, storeStatement = `ingest_store_${prep.n}`;
    // Index nested loops only: each statement touches a few rows per message, found by index. Generic plans cached from
    // the statistics of a young database (guessing 100 rows per JSON input) would otherwise scan or hash whole tables
    // of doses and identifiers for every batch (EXPLAIN under plan_cache_mode = force_generic_plan). Generic plans
    // always: the plan cache kept planning ingest_pre anew for every batch (its custom plans, knowing how many ids to
    // draw, looked cheaper), ~4% of PostgreSQL's CPU per VXU (perf), for the same index look-ups.
    const results = await client.query(`BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;
      SET LOCAL plan_cache_mode = force_generic_plan; ${prefix}
      EXECUTE ingest_locks_${prep.n}(ARRAY[${dobs.map((d) => `'${d}'`).join(',')}]::text[]);
      EXECUTE ingest_pre_${prep.n}(${jsonLiteral(batch.map((q, i) => ({ i, o: q.stored.sender.organizationId, c: q.stored.controlId })))}, ${batch.length}, ${nDoses});
      EXECUTE ${candidatesStatement}(${textLiteral(candidateKeys(people))})`) as unknown as { rows: any[] }[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (process.env.IIS_INGEST_EXPLAIN && !explained.candidates && ingestBatchStats.batches >= Number(process.env.IIS_INGEST_EXPLAIN)) {
      explained.candidates = true;
      // The generic plan, as the batches run it (plan_cache_mode is set for the transaction).
      const { rows: plan } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE ${candidatesStatement}(${textLiteral(candidateKeys(people))})`);
      console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
    }
    const pre = results[results.length - 2]!.rows[0] as { resends: { i: number; id: number; response: string | null; ack_code: string; patient_id: number | null }[]; submission_ids: string[]; patient_ids: string[]; source_ids: string[]; vaccination_ids: string[] };
    const allCandidates = candidatesFromBatchRows(results[results.length - 1]!.rows, batch.length);
    for (const c of allCandidates) ingestBatchStats.candidates += c.length;
    const resent = new Map(pre.resends.map((r) => [r.i, r]));
    const live: number[] = [];
    batch.forEach((q, i) => {
      const r = resent.get(i);
      if (!r) return live.push(i);
      if (r.response === null) throw new Error('resend without a stored answer');
      answers.push([q, { response: r.response, ackCode: r.ack_code as Hl7Answer['ackCode'], submissionId: r.id, duplicate: true, patientId: r.patient_id ?? undefined }]);
    });

    // Matching: scored here.
    const items: Item[] = [];
    const touched = new Set<number>();
    const created: MatchPerson[] = [];
    const ids = { sub: pre.submission_ids, pat: pre.patient_ids, src: pre.source_ids, vac: pre.vaccination_ids };
    let k = 0;
    live.forEach((i) => {
      const q = batch[i]!, person = people[i]!, cands = allCandidates[i]!;
      // Its outcome could depend on a message stored earlier in this batch: it waits for the next batch, which sees it.
      if (cands.some((c) => touched.has(c.patientId)) || created.some((p) => related(person, p) && scorePair(person, p).outcome !== 'new')) {
        deferred.push(q);
        return;
      }
      const decision = decideMatch(person, cands);
      const matched = decision.outcome === 'match' && !!decision.patientId;
      if (matched) touched.add(decision.patientId!); else created.push(person);
      items.push({ q, person, candidates: cands, decision, submissionId: Number(ids.sub[k]), patientId: matched ? decision.patientId! : Number(ids.pat[k]),
        sourceRecordId: Number(ids.src[k]), newPatient: !matched });
      k++;
    });

    // Doses on file of the matched patients (earlier doses of the same sender by ORC-3, and de-duplication): read with
    // the candidates, after the locks.
    const onFile = new Map<number, ExistingDose[]>();
    for (const r of results[results.length - 1]!.rows) if (r.doses) onFile.set(r.id, (r.doses as unknown[][]).map(doseOnFile));
    // The scorer matches only a candidate born on the record's birth date (its safety rule), and those are the ones
    // whose doses were read. Should that rule change, a match without them fails the batch, which then goes message
    // by message (the one-message path reads the doses of whatever it matches).
    if (items.some((it) => !it.newPatient && !onFile.has(it.patientId))) throw new Error('a match born on another day than its record: doses not read');

    const rows = buildRows(items, onFile, ids.vac.map(Number));
    if (items.length && process.env.IIS_INGEST_EXPLAIN && !explained.store && ingestBatchStats.batches >= Number(process.env.IIS_INGEST_EXPLAIN)) {
      explained.store = true;
      // The prepared statement's generic plan, as the batches run it.
      const { rows: plan } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE ${storeStatement}(${(rows as string[]).map(textLiteral).join(',')})`);
      console.log(`batch of ${items.length}:\n` + plan.map((r) => r['QUERY PLAN']).join('\n'));
      await client.query('COMMIT');
    } else if (items.length) {
      // The store and COMMIT in one round trip; the answers are given only once it returns.
      await client.query(`EXECUTE ${storeStatement}(${(rows as string[]).map(textLiteral).join(',')}); COMMIT`);
    } else await client.query('COMMIT');
    for (const it of items) {
      const s = it.q.stored;
      answers.push([it.q, { response: s.ack, ackCode: s.ackCode as Hl7Answer['ackCode'], submissionId: it.submissionId, duplicate: false, patientId: it.patientId }]);
    }
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    preparedStatements.delete(client); // whether its PREPARE survived is unknown: prepare under a new name
    throw e;
  } finally {
    client.release();
  }
  for (const [q, a] of answers) q.resolve(a);
  return deferred;

  function buildRows(items: Item[], onFile: Map<number, ExistingDose[]>, vaccinationIds: number[]): unknown[] {
    const patients: unknown[] = [], sources: unknown[] = [], identifiers: unknown[] = [], submissions: unknown[] = [], findings: unknown[] = [];
    const audits: unknown[] = [], refusals: unknown[] = [], vaccinations: Record<string, unknown>[] = [], observations: unknown[] = [], reviews: unknown[] = [];
    const updates = new Map<number, { id: number; deleted: boolean; superseded_by: number | null; set_consolidated: boolean; consolidated_into: number | null }>();
    const update = (id: number) => { let u = updates.get(id); if (!u) updates.set(id, (u = { id, deleted: false, superseded_by: null, set_consolidated: false, consolidated_into: null })); return u; };
    let nv = 0;
    for (const it of items) {
      const { sub, stored } = it.q;
      const r = sub.patient;
      const orgId = stored.sender.organizationId;
      const { patientId, submissionId, sourceRecordId } = it;
      // Patient (recordPatient), source record and identifiers.
      if (it.newPatient) {
        patients.push({ id: patientId, family_name: r.name.family ?? null, given_name: r.name.given ?? null, middle_name: r.name.middle ?? null, suffix: r.name.suffix ?? null,
          birth_date: r.birthDate ?? null, sex: r.sex ?? null, mother_maiden_name: r.motherMaidenName ?? null, multiple_birth: r.multipleBirth ?? null,
          birth_order: r.birthOrder ?? null, death_date: r.deathDate ?? null, address: r.address ?? null, phone: r.phone ?? null,
          status: it.decision.outcome === 'possible' ? 'provisional' : 'active' });
      }
      const senderPatientId = r.identifiers.find((i) => i.type === 'MR')?.value ?? r.identifiers[0]?.value;
      sources.push({ id: sourceRecordId, patient_id: patientId, submission_id: submissionId, organization_id: orgId, sender_patient_id: senderPatientId ?? r.identifiers[0]?.value ?? null, demographics: r });
      for (const i of r.identifiers) if (i.value?.trim()) identifiers.push({ patient_id: patientId, v: i.value.trim(), a: i.authority ?? '', t: i.type ?? '', source_record_id: sourceRecordId });
      if (it.decision.outcome === 'possible' && it.decision.patientId) {
        const best = it.decision.candidates.find((c) => c.patientId === it.decision.patientId);
        reviews.push({ patient_id: patientId, candidate_patient_id: it.decision.patientId, score: best?.score ?? 0, reasons: it.decision.reasons });
      }
      // The submission with its answer, findings and audit event (storeStatement).
      const f = stored.findings;
      submissions.push({ id: submissionId, organization_id: orgId, sender_credential_id: stored.sender.credentialId || null, channel: stored.channel,
        message_type: stored.messageType, profile: stored.profile, control_id: stored.controlId, raw: stored.raw, ack_code: stored.ackCode, finding_count: f.length,
        response: stored.ack, patient_id: patientId, processed_ms: performance.now() - stored.t0 });
      for (const x of f) findings.push({ submission_id: submissionId, patient_id: patientId, code: x.code, severity: x.severity, location: x.location ?? null,
        hl7_error_code: x.hl7ErrorCode, application_code: x.applicationErrorCode ?? null, message: x.message });
      audits.push({ actor_id: stored.sender.username, organization_id: orgId, patient_id: patientId, object_id: String(submissionId), detail: { channel: stored.channel, ackCode: stored.ackCode } });

      // Doses (storeSubmission): the same decisions, on the doses on file read for the whole batch.
      const rejected = new Set(f.filter((x) => x.severity === 'E' && x.scope.kind === 'vaccination').map((x) => (x.scope as { index: number }).index));
      const doses = sub.vaccinations.filter((_, index) => !rejected.has(index));
      const mine = it.newPatient ? [] : onFile.get(patientId) ?? [];
      const senderIds = new Set(doses.map((v) => v.senderId).filter((x): x is string => !!x));
      const existing = new Map<string, ExistingDose>();
      for (const e of mine) if (e.organization_id === orgId && e.sender_vaccination_id && senderIds.has(e.sender_vaccination_id) && !e.deleted) existing.set(e.sender_vaccination_id, e);
      const toInsert: { v: VaccinationRecord; id: number; supersedes?: number }[] = [];
      for (const v of doses) {
        const prior = v.senderId ? existing.get(v.senderId) : undefined;
        if (v.actionCode === 'D') continue; // not batchable (see batchable); never reached
        if (v.completionStatus === 'RE') {
          refusals.push({ patient_id: patientId, submission_id: submissionId, organization_id: orgId, refusal_date: v.administeredDate ?? null, cvx: v.cvx ?? null,
            reason: v.refusalReason ?? null, vaccine_text: v.vaccineText ?? null, sender_vaccination_id: v.senderId ?? null });
          continue;
        }
        if (!v.administeredDate) continue;
        if (v.completionStatus === 'NA' || v.cvx === '998') continue;
        if (prior && prior.administered_date === v.administeredDate && prior.cvx === (v.cvx ?? null) && prior.ndc === (v.ndc ?? null) && prior.lot_number === (v.lotNumber ?? null) && v.actionCode !== 'U') continue;
        toInsert.push({ v, id: vaccinationIds[nv++]!, supersedes: prior?.id });
      }
      const rowsOf = new Map<number, Record<string, unknown>>();
      for (const { v, id } of toInsert) {
        const row = { id, patient_id: patientId, source_record_id: sourceRecordId, submission_id: submissionId, organization_id: orgId,
          ...vaccinationColumns(v), consolidated_into: null as number | null };
        rowsOf.set(id, row);
        vaccinations.push(row);
      }
      for (const t of toInsert) if (t.supersedes) { const u = update(t.supersedes); u.deleted = true; u.superseded_by = t.id; }

      // Observations (insertObservations, called for the inserted doses' observations, then for the patient's).
      const key = (o: ObservationRecord) => `${o.kind}|${o.code ?? o.identifier}|${o.date ?? ''}`;
      const first = new Set<string>();
      const obsRow = (o: ObservationRecord, vaccinationId: number | null) => ({ patient_id: patientId, submission_id: submissionId, organization_id: orgId,
        vaccination_id: vaccinationId, kind: o.kind, identifier: o.identifier, code_system: o.codeSystem ?? null, code: o.code ?? o.identifier,
        cdsi_code: o.cdsiCode ?? null, text: o.text ?? null, observed_date: o.date ?? null });
      for (const { v, id } of toInsert) for (const o of v.observations) {
        if (!STORED_OBSERVATION_KINDS.has(o.kind) || o.kind === 'other' || first.has(key(o))) continue;
        first.add(key(o)); observations.push(obsRow(o, id));
      }
      const inserted = new Set(toInsert.map((t) => t.v));
      const second = sub.observations.filter((o) => STORED_OBSERVATION_KINDS.has(o.kind));
      for (const v of doses) if (!inserted.has(v)) for (const o of v.observations) if (o.kind === 'immunity' || o.kind === 'contraindication' || o.kind === 'indication') second.push(o);
      const seen = new Set<string>();
      for (const o of second) {
        // The second call's NOT EXISTS saw the first call's rows; in one statement that is done here.
        if (seen.has(key(o))) continue;
        seen.add(key(o));
        if (!first.has(key(o))) observations.push(obsRow(o, null));
      }

      // De-duplication (applyVaccinationDedup for a matched patient; this message's doses alone for a new one).
      if (!toInsert.length) continue;
      const dedupRows: (DoseForDedup & { before: number | null })[] = [];
      for (const e of mine) {
        const u = updates.get(e.id);
        dedupRows.push({ id: e.id, date: e.administered_date, cvx: e.cvx ?? undefined, historical: e.historical, lotNumber: e.lot_number ?? undefined,
          deleted: e.deleted || !!u?.deleted, notGiven: ['RE', 'NA'].includes(e.completion_status ?? ''), before: e.consolidated_into ?? null });
      }
      for (const { v, id } of toInsert) {
        dedupRows.push({ id, date: v.administeredDate!, cvx: v.cvx, historical: v.historical, lotNumber: v.lotNumber, deleted: false,
          notGiven: ['RE', 'NA'].includes(v.completionStatus ?? ''), before: null });
      }
      dedupRows.sort((a, b) => a.id - b.id);
      const plan = consolidateDoses(dedupRows, it.q.ctx.vaccineGroups, DEFAULT_DEDUP_OPTIONS);
      for (const d of dedupRows) {
        const target = plan.get(d.id) ?? null;
        if (target === d.before) continue;
        const row = rowsOf.get(d.id);
        if (row) row.consolidated_into = target;
        else { const u = update(d.id); u.set_consolidated = true; u.consolidated_into = target; }
      }
    }
    const j = JSON.stringify;
    return [j(patients).replace(NULL_MEMBER, ''), j(sources), j(identifiers), j(submissions), j(findings), j(audits), j(refusals),
      j(vaccinations).replace(NULL_MEMBER, ''), j(observations), j(reviews), j([...updates.values()])];
  }
}

// The birth-date locks of recordPatient (BIRTH_DATE_LOCK_SQL), taken in key order.
const LOCKS_SQL = `SELECT count(pg_advisory_xact_lock(727400, h)) FROM (SELECT DISTINCT hashtext(d) AS h FROM unnest($1::text[]) AS d ORDER BY 1) x`;

// Resends (sender + MSH-10 on file) and the ids the batch may need: $2 messages, $3 doses.
const PRE_SQL = `SELECT (SELECT coalesce(json_agg(json_build_object('i', x.i, 'id', s.id, 'response', s.response, 'ack_code', s.ack_code, 'patient_id', s.patient_id)), '[]')
                FROM json_to_recordset($1::json) AS x(i int, o bigint, c text)
                JOIN submission s ON s.organization_id = x.o AND s.control_id = x.c) AS resends,
              ARRAY(SELECT nextval('submission_id_seq') FROM generate_series(1, $2)) AS submission_ids,
              ARRAY(SELECT nextval('patient_id_seq') FROM generate_series(1, $2)) AS patient_ids,
              ARRAY(SELECT nextval('patient_source_record_id_seq') FROM generate_series(1, $2)) AS source_ids,
              ARRAY(SELECT nextval('vaccination_id_seq') FROM generate_series(1, $3)) AS vaccination_ids`;

// Every table of a batch in one statement (ids were allocated beforehand, so no CTE waits on another's RETURNING;
// foreign keys are checked at the end of the statement).
const STORE_SQL = `WITH
  p AS (INSERT INTO patient (id, family_name, given_name, middle_name, suffix, birth_date, sex, mother_maiden_name, multiple_birth, birth_order, death_date, address, phone, status)
        SELECT x.* FROM json_to_recordset($1::json) AS x(id bigint, family_name text, given_name text, middle_name text, suffix text, birth_date date, sex text,
          mother_maiden_name text, multiple_birth text, birth_order int, death_date date, address jsonb, phone text, status text)),
  sr AS (INSERT INTO patient_source_record (id, patient_id, submission_id, organization_id, sender_patient_id, demographics)
        SELECT x.* FROM json_to_recordset($2::json) AS x(id bigint, patient_id bigint, submission_id bigint, organization_id bigint, sender_patient_id text, demographics jsonb)),
  pi AS (INSERT INTO patient_identifier (patient_id, id_value, authority, id_type, source_record_id)
        SELECT x.patient_id, x.v, x.a, x.t, x.source_record_id FROM json_to_recordset($3::json) AS x(patient_id bigint, v text, a text, t text, source_record_id bigint)
        ON CONFLICT DO NOTHING),
  s AS (INSERT INTO submission (id, organization_id, sender_credential_id, channel, message_type, profile, control_id, raw, ack_code, finding_count, response, patient_id, processed_ms)
        SELECT x.* FROM json_to_recordset($4::json) AS x(id bigint, organization_id bigint, sender_credential_id bigint, channel text, message_type text, profile text,
          control_id text, raw text, ack_code text, finding_count int, response text, patient_id bigint, processed_ms double precision)),
  f AS (INSERT INTO finding (submission_id, patient_id, code, severity, location, hl7_error_code, application_code, message)
        SELECT x.* FROM json_to_recordset($5::json) AS x(submission_id bigint, patient_id bigint, code text, severity text, location text, hl7_error_code text,
          application_code text, message text)),
  a AS (INSERT INTO audit_event (actor_kind, actor_id, organization_id, action, patient_id, object_type, object_id, detail)
        SELECT 'sender', x.actor_id, x.organization_id, 'submit', x.patient_id, 'submission', x.object_id, x.detail
          FROM json_to_recordset($6::json) AS x(actor_id text, organization_id bigint, patient_id bigint, object_id text, detail jsonb)),
  r AS (INSERT INTO refusal (patient_id, submission_id, organization_id, refusal_date, cvx, reason, vaccine_text, sender_vaccination_id)
        SELECT x.* FROM json_to_recordset($7::json) AS x(patient_id bigint, submission_id bigint, organization_id bigint, refusal_date date, cvx text, reason text,
          vaccine_text text, sender_vaccination_id text)),
  v AS (INSERT INTO vaccination (id, patient_id, source_record_id, submission_id, organization_id, sender_vaccination_id, administered_date, cvx, ndc, mvx,
          lot_number, expiration_date, amount, amount_unit, route, site, administering_facility, ordering_clinician, administering_clinician,
          entered_by, information_source, historical, completion_status, refusal_reason, funding_eligibility, funding_source, vis, action_code, vaccine_text, consolidated_into)
        SELECT x.* FROM json_to_recordset($8::json) AS x(id bigint, patient_id bigint, source_record_id bigint, submission_id bigint, organization_id bigint,
          sender_vaccination_id text, administered_date date, cvx text, ndc text, mvx text, lot_number text, expiration_date date, amount numeric, amount_unit text,
          route text, site text, administering_facility text, ordering_clinician jsonb, administering_clinician jsonb, entered_by jsonb, information_source text,
          historical boolean, completion_status text, refusal_reason text, funding_eligibility text, funding_source text, vis jsonb, action_code text,
          vaccine_text text, consolidated_into bigint)),
  o AS (INSERT INTO observation (patient_id, submission_id, organization_id, vaccination_id, kind, identifier, code_system, code, cdsi_code, text, observed_date)
        SELECT x.* FROM json_to_recordset($9::json) AS x(patient_id bigint, submission_id bigint, organization_id bigint, vaccination_id bigint, kind text,
          identifier text, code_system text, code text, cdsi_code text, text text, observed_date date)
         WHERE NOT EXISTS (SELECT 1 FROM observation e WHERE e.patient_id = x.patient_id AND e.kind = x.kind AND e.code = x.code
                             AND e.observed_date IS NOT DISTINCT FROM x.observed_date)),
  mr AS (INSERT INTO match_review (patient_id, candidate_patient_id, score, reasons)
        SELECT x.* FROM json_to_recordset($10::json) AS x(patient_id bigint, candidate_patient_id bigint, score double precision, reasons jsonb)),
  u AS (UPDATE vaccination t SET deleted = t.deleted OR x.deleted, superseded_by = COALESCE(x.superseded_by, t.superseded_by),
          consolidated_into = CASE WHEN x.set_consolidated THEN x.consolidated_into ELSE t.consolidated_into END
         FROM json_to_recordset($11::json) AS x(id bigint, deleted boolean, superseded_by bigint, set_consolidated boolean, consolidated_into bigint)
        WHERE t.id = x.id)
SELECT 1`;

