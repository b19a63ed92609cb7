// Persistence for matching: recording an incoming patient record by its match outcome, the review queue,
// merge and unmerge (with a merge log exact enough to reverse), and applying vaccination de-duplication.
import type { PoolClient, Pool } from 'pg';
import type { PatientRecord, MatchDecision } from '../pipeline/canonical.ts';
import { matchPatient, type PatientMatcher } from './matcher.ts';
import { consolidateDoses, DEFAULT_DEDUP_OPTIONS, type DedupOptions, type VaccineGroupMap } from './dedup.ts';

type Q = Pick<PoolClient, 'query'>;

/** Who acts on a merge or review: a username, or the signed-in user with their organization (written to audit_event). */
export type MatchingActor = string | { username: string; organizationId: number | null; remoteAddr?: string };
const actorName = (a: MatchingActor) => (typeof a === 'string' ? a : a.username);
const actorOrg = (a: MatchingActor) => (typeof a === 'string' ? null : a.organizationId);
const actorAddr = (a: MatchingActor) => (typeof a === 'string' ? null : a.remoteAddr ?? null);

export class MatchingError extends Error {
  constructor(message: string, readonly status = 400) { super(message); }
}

const PATIENT_COLUMNS = ['family_name', 'given_name', 'middle_name', 'suffix', 'birth_date', 'sex', 'mother_maiden_name',
  'multiple_birth', 'birth_order', 'death_date', 'address', 'phone', 'status', 'merged_into'] as const;

/** Inserts a patient row (and its identifiers) from a record. */
export async function insertPatient(db: Q, r: PatientRecord, status: 'active' | 'provisional' = 'active'): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO patient (family_name, given_name, middle_name, suffix, birth_date, sex, mother_maiden_name,
       multiple_birth, birth_order, death_date, address, phone, status)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id`,
    [r.name.family ?? null, r.name.given ?? null, r.name.middle ?? null, r.name.suffix ?? null, r.birthDate ?? null,
      r.sex ?? null, r.motherMaidenName ?? null, r.multipleBirth ?? null, r.birthOrder ?? null, r.deathDate ?? null,
      r.address ? JSON.stringify(r.address) : null, r.phone ?? null, status],
  );
  return rows[0]!.id;
}

async function addIdentifiers(db: Q, patientId: number, r: PatientRecord, sourceRecordId: number | null) {
  for (const i of r.identifiers) {
    if (!i.value?.trim()) continue;
    await db.query(
      `INSERT INTO patient_identifier (patient_id, id_value, authority, id_type, source_record_id) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT DO NOTHING`, [patientId, i.value.trim(), i.authority ?? '', i.type ?? '', sourceRecordId]);
  }
}

export interface RecordedPatient { patientId: number; sourceRecordId: number; decision: MatchDecision; reviewId?: number }

/**
 * Match, then store: Match attaches the source record to the patient; Possible creates a provisional patient
 * and a review item; Not a Match creates a patient. Call inside the submission's transaction.
 */
/** The transaction-scoped lock recordPatient takes: SQL a caller can fold into an earlier statement (one round trip
 *  less), then pass `birthDateLockHeld`. Parameter: the record's birth date or ''. */
export const BIRTH_DATE_LOCK_SQL = (param: string) => `pg_advisory_xact_lock(727400, hashtext(${param}))`;

export async function recordPatient(client: PoolClient, r: PatientRecord, ctx: { organizationId: number | null; submissionId?: number | null; senderPatientId?: string; birthDateLockHeld?: boolean },
  matcher: PatientMatcher = matchPatient): Promise<RecordedPatient> {
  // Two submissions about the same new child arriving at once must not both create a patient: serialize
  // matching per birth date (a transaction-scoped lock, released at commit).
  if (!ctx.birthDateLockHeld) await client.query(`SELECT ${BIRTH_DATE_LOCK_SQL('$1')}`, [r.birthDate ?? '']);
  const decision = await matcher(client, r, { organizationId: ctx.organizationId ?? 0 });
  const matched = decision.outcome === 'match' && !!decision.patientId;
  // Patient (when new), source record and identifiers in one statement: this is the ingest hot path.
  const ids = r.identifiers.filter((i) => i.value?.trim());
  const { rows } = await client.query<{ patient_id: number; id: number }>({
    name: matched ? 'matching.recordSource' : 'matching.recordNewPatient',
    text: `WITH p AS (${matched ? 'SELECT $6::bigint AS id' : `INSERT INTO patient (family_name, given_name, middle_name, suffix, birth_date, sex, mother_maiden_name,
              multiple_birth, birth_order, death_date, address, phone, status)
            VALUES ($6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18) RETURNING id`}),
       sr AS (INSERT INTO patient_source_record (patient_id, submission_id, organization_id, sender_patient_id, demographics)
              SELECT p.id, $1, $2, $3, $4 FROM p RETURNING id, patient_id),
       ids AS (INSERT INTO patient_identifier (patient_id, id_value, authority, id_type, source_record_id)
               SELECT sr.patient_id, x.v, x.a, x.t, sr.id FROM sr, jsonb_to_recordset($5::jsonb) AS x(v text, a text, t text)
               ON CONFLICT DO NOTHING)
     SELECT patient_id, id FROM sr`,
    values: [ctx.submissionId ?? null, ctx.organizationId ?? null, ctx.senderPatientId ?? r.identifiers[0]?.value ?? null, JSON.stringify(r),
      JSON.stringify(ids.map((i) => ({ v: i.value.trim(), a: i.authority ?? '', t: i.type ?? '' }))),
      ...(matched ? [decision.patientId] : [r.name.family ?? null, r.name.given ?? null, r.name.middle ?? null, r.name.suffix ?? null, r.birthDate ?? null,
        r.sex ?? null, r.motherMaidenName ?? null, r.multipleBirth ?? null, r.birthOrder ?? null, r.deathDate ?? null,
        r.address ? JSON.stringify(r.address) : null, r.phone ?? null, decision.outcome === 'possible' ? 'provisional' : 'active'])],
  });
  const patientId = rows[0]!.patient_id;
  const sourceRecordId = rows[0]!.id;
  let reviewId: number | undefined;
  if (decision.outcome === 'possible' && decision.patientId) {
    const best = decision.candidates.find((c) => c.patientId === decision.patientId);
    const rv = await client.query<{ id: number }>(
      `INSERT INTO match_review (patient_id, candidate_patient_id, score, reasons) VALUES ($1,$2,$3,$4) RETURNING id`,
      [patientId, decision.patientId, best?.score ?? 0, JSON.stringify(decision.reasons)]);
    reviewId = rv.rows[0]!.id;
  }
  return { patientId, sourceRecordId, decision, reviewId };
}

// ---- Review queue ----

export interface ReviewItem {
  id: number; status: string; score: number; reasons: string[]; createdAt: string;
  decidedAt?: string | null; decidedBy?: string | null;
  patient: Record<string, unknown>; candidate: Record<string, unknown>;
}

const patientJson = (alias: string) => `json_build_object('id', ${alias}.id, 'familyName', ${alias}.family_name, 'givenName', ${alias}.given_name,
  'middleName', ${alias}.middle_name, 'suffix', ${alias}.suffix, 'birthDate', ${alias}.birth_date, 'sex', ${alias}.sex,
  'motherMaidenName', ${alias}.mother_maiden_name, 'multipleBirth', ${alias}.multiple_birth, 'birthOrder', ${alias}.birth_order,
  'address', ${alias}.address, 'phone', ${alias}.phone, 'status', ${alias}.status,
  'identifiers', COALESCE((SELECT json_agg(json_build_object('value', i.id_value, 'authority', i.authority, 'type', i.id_type)) FROM patient_identifier i WHERE i.patient_id = ${alias}.id), '[]'),
  'vaccinationCount', (SELECT count(*) FROM vaccination v WHERE v.patient_id = ${alias}.id AND NOT v.deleted))`;

export async function listReviews(db: Q, opts: { status?: string; limit?: number; offset?: number } = {}): Promise<ReviewItem[]> {
  const { rows } = await db.query(
    `SELECT r.id, r.status, r.score, r.reasons, r.created_at, r.decided_at, r.decided_by, ${patientJson('p')} AS patient, ${patientJson('c')} AS candidate
       FROM match_review r JOIN patient p ON p.id = r.patient_id JOIN patient c ON c.id = r.candidate_patient_id
      WHERE r.status = $1 ORDER BY r.created_at, r.id LIMIT $2 OFFSET $3`,
    [opts.status ?? 'open', Math.min(opts.limit ?? 50, 500), opts.offset ?? 0]);
  return rows.map((r) => ({ id: r.id, status: r.status, score: r.score, reasons: r.reasons, createdAt: r.created_at,
    decidedAt: r.decided_at, decidedBy: r.decided_by, patient: r.patient, candidate: r.candidate }));
}

export async function getReview(db: Q, id: number): Promise<ReviewItem | undefined> {
  const { rows } = await db.query(
    `SELECT r.id, r.status, r.score, r.reasons, r.created_at, r.decided_at, r.decided_by, ${patientJson('p')} AS patient, ${patientJson('c')} AS candidate
       FROM match_review r JOIN patient p ON p.id = r.patient_id JOIN patient c ON c.id = r.candidate_patient_id WHERE r.id = $1`, [id]);
  const r = rows[0];
  return r && { id: r.id, status: r.status, score: r.score, reasons: r.reasons, createdAt: r.created_at,
    decidedAt: r.decided_at, decidedBy: r.decided_by, patient: r.patient, candidate: r.candidate };
}

/** Staff decision on a review item: merge the provisional record into the candidate, or keep them apart. */
export async function decideReview(client: PoolClient, id: number, decision: 'merge' | 'keep_apart', actor: MatchingActor, opts: { note?: string; groups?: VaccineGroupMap } = {}): Promise<{ mergeId?: number }> {
  const { rows } = await client.query(`SELECT * FROM match_review WHERE id = $1 FOR UPDATE`, [id]);
  const r = rows[0];
  if (!r) throw new MatchingError(`review item ${id} does not exist`, 404);
  if (r.status !== 'open') throw new MatchingError(`review item ${id} was already decided (${r.status})`, 409);
  let mergeId: number | undefined;
  if (decision === 'merge') {
    mergeId = await mergePatients(client, r.candidate_patient_id, r.patient_id, { actor, reviewId: id, groups: opts.groups });
  } else {
    await client.query(`UPDATE patient SET status = 'active', updated_at = now() WHERE id = $1 AND status = 'provisional'`, [r.patient_id]);
  }
  await client.query(`UPDATE match_review SET status = $2, decided_at = now(), decided_by = $3, note = $4 WHERE id = $1`,
    [id, decision === 'merge' ? 'merged' : 'kept_apart', actorName(actor), opts.note ?? null]);
  if (decision === 'keep_apart') {
    // Keeping apart turns the provisional record into a patient of its own: a change to both people's records.
    for (const pid of [r.patient_id, r.candidate_patient_id]) {
      await client.query(`INSERT INTO audit_event (actor_kind, actor_id, organization_id, action, patient_id, object_type, object_id, remote_addr, detail)
                          VALUES ('user', $1, $2, 'update', $3, 'match_review', $4, $5, $6)`,
        [actorName(actor), actorOrg(actor), pid, String(id), actorAddr(actor), JSON.stringify({ decision: 'keep_apart', patientId: r.patient_id, candidatePatientId: r.candidate_patient_id })]);
    }
  }
  return { mergeId };
}

// ---- Merge / unmerge ----

interface MergeLog {
  survivorBefore: Record<string, unknown>;
  mergedBefore: Record<string, unknown>;
  sourceRecords: number[]; vaccinations: number[]; observations: number[]; refusals: number[];
  identifiersMoved: { id_value: string; authority: string; id_type: string }[];
  identifiersDropped: { id_value: string; authority: string; id_type: string; source_record_id: number | null }[];
  consolidation: { id: number; before: number | null }[];
  /** Open review items about the merged patient, withdrawn by the merge (reopened by an unmerge). */
  reviewsWithdrawn?: number[];
  /** School enrollments and exemptions moved to the survivor (a school keeps seeing its student's whole record). */
  enrollments?: number[]; exemptions?: number[];
  /** Current enrollments left on the merged record: the survivor is already enrolled somewhere that school year. */
  enrollmentsLeft?: number[];
}

async function patientRow(db: Q, id: number, lock = false) {
  const { rows } = await db.query(`SELECT id, ${PATIENT_COLUMNS.join(', ')} FROM patient WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] as Record<string, unknown> | undefined;
}

async function moveIds(db: Q, table: string, from: number, to: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(`UPDATE ${table} SET patient_id = $2 WHERE patient_id = $1 RETURNING id`, [from, to]);
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/** Moves everything of `mergedId` onto `survivorId`; returns the patient_merge id. */
export async function mergePatients(client: PoolClient, survivorId: number, mergedId: number, opts: { actor: MatchingActor; reviewId?: number; groups?: VaccineGroupMap; dedup?: DedupOptions }): Promise<number> {
  if (survivorId === mergedId) throw new MatchingError('cannot merge a patient into itself');
  // Lock in id order so two concurrent merges of the same pair cannot deadlock.
  const [lo, hi] = survivorId < mergedId ? [survivorId, mergedId] : [mergedId, survivorId];
  await patientRow(client, lo, true); await patientRow(client, hi, true);
  const survivor = await patientRow(client, survivorId), merged = await patientRow(client, mergedId);
  if (!survivor || !merged) throw new MatchingError(`patient ${!survivor ? survivorId : mergedId} does not exist`, 404);
  if (survivor.status === 'merged' || merged.status === 'merged') throw new MatchingError('one of the patients is already merged into another', 409);
  const log: MergeLog = {
    survivorBefore: survivor, mergedBefore: merged,
    sourceRecords: await moveIds(client, 'patient_source_record', mergedId, survivorId),
    vaccinations: await moveIds(client, 'vaccination', mergedId, survivorId),
    observations: await moveIds(client, 'observation', mergedId, survivorId),
    refusals: await moveIds(client, 'refusal', mergedId, survivorId),
    identifiersMoved: [], identifiersDropped: [], consolidation: [],
    exemptions: await moveIds(client, 'school_exemption', mergedId, survivorId),
  };
  // Enrollments follow the student, except a current one for a school year in which the survivor is already
  // enrolled (one current enrollment per patient and year): that one stays, listed in the log, for a person to end.
  const moved = await client.query<{ id: number }>(
    `UPDATE enrollment e SET patient_id = $2, updated_at = now() WHERE e.patient_id = $1
        AND NOT (e.active AND EXISTS (SELECT 1 FROM enrollment s WHERE s.patient_id = $2 AND s.school_year = e.school_year AND s.active))
      RETURNING id`, [mergedId, survivorId]);
  log.enrollments = moved.rows.map((r) => r.id).sort((a, b) => a - b);
  const left = await client.query<{ id: number }>(`SELECT id FROM enrollment WHERE patient_id = $1 AND active ORDER BY id`, [mergedId]);
  log.enrollmentsLeft = left.rows.map((r) => r.id);
  const ids = await client.query(`SELECT id_value, authority, id_type, source_record_id FROM patient_identifier WHERE patient_id = $1`, [mergedId]);
  for (const i of ids.rows) {
    const dup = await client.query(`SELECT 1 FROM patient_identifier WHERE patient_id = $1 AND id_value = $2 AND authority = $3 AND id_type = $4`, [survivorId, i.id_value, i.authority, i.id_type]);
    if (dup.rowCount) {
      await client.query(`DELETE FROM patient_identifier WHERE patient_id = $1 AND id_value = $2 AND authority = $3 AND id_type = $4`, [mergedId, i.id_value, i.authority, i.id_type]);
      log.identifiersDropped.push(i);
    } else {
      await client.query(`UPDATE patient_identifier SET patient_id = $1 WHERE patient_id = $2 AND id_value = $3 AND authority = $4 AND id_type = $5`, [survivorId, mergedId, i.id_value, i.authority, i.id_type]);
      log.identifiersMoved.push({ id_value: i.id_value, authority: i.authority, id_type: i.id_type });
    }
  }
  // The survivor keeps its demographics; gaps are filled from the merged record.
  const fill = ['family_name', 'given_name', 'middle_name', 'suffix', 'birth_date', 'sex', 'mother_maiden_name', 'multiple_birth', 'birth_order', 'address', 'phone'];
  await client.query(`UPDATE patient s SET ${fill.map((c) => `${c} = COALESCE(s.${c}, m.${c})`).join(', ')}, status = 'active', updated_at = now()
                        FROM patient m WHERE s.id = $1 AND m.id = $2`, [survivorId, mergedId]);
  await client.query(`UPDATE patient SET status = 'merged', merged_into = $2, updated_at = now() WHERE id = $1`, [mergedId, survivorId]);
  if (opts.groups) log.consolidation = await applyVaccinationDedup(client, survivorId, opts.groups, opts.dedup);
  // Other open questions about the merged record no longer make sense: it is now part of the survivor.
  const withdrawn = await client.query<{ id: number }>(
    `UPDATE match_review SET status = 'withdrawn', decided_at = now(), decided_by = $2, note = 'patient merged'
      WHERE status = 'open' AND (patient_id = $1 OR candidate_patient_id = $1) AND id IS DISTINCT FROM $3 RETURNING id`,
    [mergedId, actorName(opts.actor), opts.reviewId ?? null]);
  log.reviewsWithdrawn = withdrawn.rows.map((r) => r.id);
  const { rows } = await client.query<{ id: number }>(
    `INSERT INTO patient_merge (survivor_id, merged_id, review_id, merged_by, log) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
    [survivorId, mergedId, opts.reviewId ?? null, actorName(opts.actor), JSON.stringify(log)]);
  // One row per person: "who touched this record" is searched by patient id, and both records changed.
  for (const pid of [survivorId, mergedId]) {
    await client.query(`INSERT INTO audit_event (actor_kind, actor_id, organization_id, action, patient_id, object_type, object_id, remote_addr, detail)
                        VALUES ('user', $1, $2, 'merge', $3, 'patient', $4, $5, $6)`,
      [actorName(opts.actor), actorOrg(opts.actor), pid, String(pid === survivorId ? mergedId : survivorId), actorAddr(opts.actor),
        JSON.stringify({ mergeId: rows[0]!.id, survivorId, mergedId, reviewId: opts.reviewId ?? null })]);
  }
  return rows[0]!.id;
}

/** Reverses a merge: both patients, their source records, doses, observations, refusals and identifiers as they were. */
export async function unmergePatients(client: PoolClient, mergeId: number, actor: MatchingActor): Promise<{ survivorId: number; mergedId: number }> {
  const { rows } = await client.query(`SELECT * FROM patient_merge WHERE id = $1 FOR UPDATE`, [mergeId]);
  const m = rows[0];
  if (!m) throw new MatchingError(`merge ${mergeId} does not exist`, 404);
  if (m.unmerged_at) throw new MatchingError(`merge ${mergeId} was already undone`, 409);
  const survivor = await patientRow(client, m.survivor_id, true);
  if (survivor?.status === 'merged') throw new MatchingError(`patient ${m.survivor_id} was since merged into ${String(survivor.merged_into)}: undo that merge first`, 409);
  const log = m.log as MergeLog;
  for (const c of log.consolidation) await client.query(`UPDATE vaccination SET consolidated_into = $2 WHERE id = $1`, [c.id, c.before]);
  // Doses that moved back must not stay consolidated into the survivor's doses (or vice versa).
  for (const [table, ids] of [['patient_source_record', log.sourceRecords], ['vaccination', log.vaccinations], ['observation', log.observations], ['refusal', log.refusals],
    ['enrollment', log.enrollments ?? []], ['school_exemption', log.exemptions ?? []]] as const) {
    if (ids.length) await client.query(`UPDATE ${table} SET patient_id = $1 WHERE id = ANY($2::bigint[])`, [m.merged_id, ids]);
  }
  // A dose that arrived after the merge may have absorbed a dose that now goes back: never point across patients.
  await client.query(`UPDATE vaccination v SET consolidated_into = NULL FROM vaccination t
                       WHERE v.consolidated_into = t.id AND v.patient_id <> t.patient_id AND v.patient_id = ANY($1::bigint[])`,
    [[m.survivor_id, m.merged_id]]);
  for (const i of log.identifiersMoved) {
    await client.query(`UPDATE patient_identifier SET patient_id = $1 WHERE patient_id = $2 AND id_value = $3 AND authority = $4 AND id_type = $5`, [m.merged_id, m.survivor_id, i.id_value, i.authority, i.id_type]);
  }
  for (const i of log.identifiersDropped) {
    await client.query(`INSERT INTO patient_identifier (patient_id, id_value, authority, id_type, source_record_id) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING`,
      [m.merged_id, i.id_value, i.authority, i.id_type, i.source_record_id]);
  }
  for (const [id, before] of [[m.survivor_id, log.survivorBefore], [m.merged_id, log.mergedBefore]] as const) {
    await client.query(`UPDATE patient SET ${PATIENT_COLUMNS.map((c, k) => `${c} = $${k + 2}`).join(', ')}, updated_at = now() WHERE id = $1`,
      [id, ...PATIENT_COLUMNS.map((c) => (c === 'address' && before[c] != null ? JSON.stringify(before[c]) : before[c]))]);
  }
  await client.query(`UPDATE patient_merge SET unmerged_at = now(), unmerged_by = $2 WHERE id = $1`, [mergeId, actorName(actor)]);
  if (log.reviewsWithdrawn?.length) {
    await client.query(`UPDATE match_review SET status = 'open', decided_at = NULL, decided_by = NULL, note = NULL WHERE id = ANY($1::bigint[]) AND status = 'withdrawn'`, [log.reviewsWithdrawn]);
  }
  if (m.review_id) await client.query(`UPDATE match_review SET status = 'open', decided_at = NULL, decided_by = NULL WHERE id = $1`, [m.review_id]);
  for (const pid of [m.survivor_id, m.merged_id]) {
    await client.query(`INSERT INTO audit_event (actor_kind, actor_id, organization_id, action, patient_id, object_type, object_id, remote_addr, detail)
                        VALUES ('user', $1, $2, 'unmerge', $3, 'patient', $4, $5, $6)`,
      [actorName(actor), actorOrg(actor), pid, String(pid === m.survivor_id ? m.merged_id : m.survivor_id), actorAddr(actor),
        JSON.stringify({ mergeId, survivorId: m.survivor_id, mergedId: m.merged_id })]);
  }
  return { survivorId: m.survivor_id, mergedId: m.merged_id };
}

export interface MergeSummary { id: number; survivorId: number; mergedId: number; reviewId: number | null; mergedBy: string | null; mergedAt: string; unmergedAt: string | null; unmergedBy: string | null; moved: { sourceRecords: number; vaccinations: number; observations: number; refusals: number; identifiers: number } }

/** Merges a patient took part in (as survivor or merged record), newest first. */
export async function listMerges(db: Q, patientId: number): Promise<MergeSummary[]> {
  const { rows } = await db.query(`SELECT * FROM patient_merge WHERE survivor_id = $1 OR merged_id = $1 ORDER BY id DESC`, [patientId]);
  return rows.map((m) => {
    const log = m.log as MergeLog;
    return { id: m.id, survivorId: m.survivor_id, mergedId: m.merged_id, reviewId: m.review_id, mergedBy: m.merged_by, mergedAt: m.merged_at,
      unmergedAt: m.unmerged_at, unmergedBy: m.unmerged_by,
      moved: { sourceRecords: log.sourceRecords.length, vaccinations: log.vaccinations.length, observations: log.observations.length,
        refusals: log.refusals.length, identifiers: log.identifiersMoved.length + log.identifiersDropped.length } };
  });
}

// ---- Vaccination de-duplication applied ----

/** Recomputes consolidated_into for a patient's doses; returns what changed (for the merge log). */
export async function applyVaccinationDedup(db: Q, patientId: number, groups: VaccineGroupMap, opts: DedupOptions = DEFAULT_DEDUP_OPTIONS): Promise<{ id: number; before: number | null }[]> {
  const { rows } = await db.query(
    `SELECT id, administered_date, cvx, historical, lot_number, deleted, completion_status, consolidated_into
       FROM vaccination WHERE patient_id = $1 ORDER BY id`, [patientId]);
  const plan = consolidateDoses(rows.map((r) => ({
    id: r.id, date: r.administered_date, cvx: r.cvx ?? undefined, historical: r.historical, lotNumber: r.lot_number ?? undefined,
    deleted: r.deleted, notGiven: ['RE', 'NA'].includes(r.completion_status ?? ''),
  })), groups, opts);
  const changes: { id: number; before: number | null }[] = [];
  const targets: (number | null)[] = [];
  for (const r of rows) {
    const target = plan.get(r.id) ?? null;
    if ((r.consolidated_into ?? null) !== target) {
      changes.push({ id: r.id, before: r.consolidated_into ?? null });
      targets.push(target);
    }
  }
  // All changes in one statement (a dose reported again by another facility changes several at once).
  if (changes.length) {
    await db.query(`UPDATE vaccination v SET consolidated_into = x.target FROM unnest($1::bigint[], $2::bigint[]) AS x(id, target) WHERE v.id = x.id`,
      [changes.map((c) => c.id), targets]);
  }
  return changes;
}

export type { Pool };
