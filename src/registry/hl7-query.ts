// QBP^Q11 Z34 (history) and Z44 (evaluated history and forecast) answered from the stored, consolidated record.
// handleHl7Message (hl7.ts) routes QBP here.
import type { Pool } from 'pg';
import { processQbpText } from '../hl7v2/process.ts';
import { buildRspZ31, buildRspZ32, buildRspZ33, buildRspZ42, type RspOptions, type RspPatient } from '../hl7v2/rsp.ts';
import type { Finding, PatientRecord } from '../pipeline/canonical.ts';
import { decideMatch } from '../matching/matcher.ts';
import { personFromRecord, type MatchPerson } from '../matching/score.ts';
import { blockingKeys, candidateFromRow, candidateIdsSql, type Candidate } from '../matching/candidates.ts';
import type { RegistryContext } from './context.ts';
import type { Sender } from './senders.ts';
import { PATIENT_COLUMNS, PATIENT_SQL, PATIENT_IDS_SQL, VACCINATIONS_SQL, recordFromRow, vaccinationFromRow, type StoredVaccination } from './patients.ts';
import { responseControlId, type Hl7Answer } from './hl7.ts';
import { createBatcher } from './batcher.ts';
import { writeBehind } from './write-behind.ts';

const isoToday = (d: Date) => d.toISOString().slice(0, 10);


// ------------------------------------------------------------------------------------------------ Z34, batched
// A Z34 is answered with one statement for the look-up (identifier, merge chain, history and audit event; or the
// matcher's candidates with their records), shared by the queries that arrive while the database is busy (batcher.ts):
// the per-statement cost is paid once per batch. A Z31's audit events follow in a write-behind batch; the matcher's
// one match takes a second statement for its history and audit event. Identifier hits come first (followed through merges,
// agreeing on the birth date), then the matcher's candidates and scores.

interface Resolved {
  /** The one patient an identifier (followed through merges) points to, agreeing on the birth date, with its history. */
  exact?: { id: number; patient: PatientRecord; vaccinations: StoredVaccination[] };
  /** Otherwise the matcher's candidates (what scoring reads)... */
  candidates: Candidate[];
  /** ...and their rows, for the records a Z31 shows (recordFromRow). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  rows: Map<number, any>;
}

const CANDIDATE_LIMIT = 200; // as matchPerson's findCandidates

/** The audit event of each record a query shows (`row` has actor, org, ctl and detail), committed without waiting for
 *  the WAL flush: set_config(..., true) is SET LOCAL for the statement's own transaction, so only a server crash in the
 *  next ~200 ms could lose it. */
function auditQuerySql(row: string, patientId: string, from: string): string {
  return `INSERT INTO audit_event (actor_kind, actor_id, organization_id, action, patient_id, object_type, object_id, detail)
              SELECT 'sender', ${row}.actor, ${row}.org, 'query', ${patientId}, 'qbp', ${row}.ctl, ${row}.detail FROM ${from}
               WHERE set_config('synchronous_commit', 'off', true) = 'off'`;
}

const RESOLVE_SQL = `WITH RECURSIVE q AS (
    SELECT * FROM json_to_recordset($1::json) AS q(k int, ids text[], auths text[], any_auth boolean, dob_given boolean, dob date,
                                                      cids text[], dates text, fam text, giv text, prune boolean, actor text, org bigint, ctl text, detail jsonb)),
  hit AS (SELECT DISTINCT q.k, pi.patient_id AS id FROM q JOIN patient_identifier pi ON pi.id_value = ANY(q.ids)
           WHERE pi.authority = '' OR pi.authority = ANY(q.auths) OR q.any_auth),
  -- LIMIT 1 keeps each step an index look-up: the planner, guessing 100 queries per batch, would hash the whole table.
  chain AS (SELECT hit.k, p.id, p.merged_into, p.birth_date, 0 AS depth
              FROM hit CROSS JOIN LATERAL (SELECT id, merged_into, birth_date FROM patient WHERE id = hit.id LIMIT 1) p
            UNION ALL
            SELECT c.k, p.id, p.merged_into, p.birth_date, c.depth + 1
              FROM chain c CROSS JOIN LATERAL (SELECT id, merged_into, birth_date FROM patient WHERE id = c.merged_into LIMIT 1) p
             WHERE c.depth < 10),
  surviving AS (SELECT DISTINCT k, id, birth_date FROM chain WHERE merged_into IS NULL OR depth = 10),
  exact AS (SELECT s.k, min(s.id) AS id FROM surviving s JOIN q ON q.k = s.k GROUP BY s.k, q.dob_given, q.dob
             HAVING count(*) = 1 AND (NOT q.dob_given OR min(s.birth_date) IS NULL OR min(s.birth_date) = q.dob)),
  -- The record shown is audited in the same statement (auditQuerySql).
  audited AS (${auditQuerySql('q', 'e.id', 'exact e JOIN q ON q.k = e.k')}),
  -- MATERIALIZED: each query's metaphones computed once, not again in each of the blocking key's ~20 index probes. The
  -- birth-date variants arrive as text and are read here, only for the queries no identifier answered.
  open AS MATERIALIZED (SELECT q.k, q.cids AS ids, q.dates::date[] AS dates, dmetaphone(q.fam) AS fam, dmetaphone(q.giv) AS giv, q.prune FROM q
            WHERE NOT EXISTS (SELECT 1 FROM exact e WHERE e.k = q.k)),
  cand AS (SELECT o.k, u.id FROM open o CROSS JOIN LATERAL (${candidateIdsSql('o', CANDIDATE_LIMIT)}) u)
  SELECT e.k, true AS exact, x.*, ${VACCINATIONS_SQL} AS vaccinations, NULL::json AS sources
    FROM exact e JOIN LATERAL (${PATIENT_SQL} FROM patient p WHERE p.id = e.id) x ON true JOIN patient p ON p.id = e.id
  UNION ALL
  -- Candidates carry what scoring reads and what a Z31 shows (identifiers; the newest source records, whose first is
  -- the record's latest), so a candidate list is answered without a second look-up.
  SELECT c.k, false, ${PATIENT_COLUMNS}, ${PATIENT_IDS_SQL} AS ids, NULL::jsonb AS latest, NULL::json AS vaccinations,
         -- Of each source record only what scoring and a PID read (the whole record would double the bytes parsed).
         COALESCE((SELECT json_agg(jsonb_build_object('name', d->'name', 'aliases', d->'aliases', 'guardians', d->'guardians',
                     'race', d->'race', 'ethnicity', d->'ethnicity') ORDER BY s.received_at DESC, s.id DESC)
                     FROM (SELECT demographics AS d, received_at, id FROM patient_source_record WHERE patient_id = p.id
                            ORDER BY received_at DESC, id DESC LIMIT 5) s), '[]') AS sources
    FROM cand c CROSS JOIN LATERAL (SELECT * FROM patient p WHERE p.id = c.id AND p.status IN ('active','provisional') OFFSET 0) p`;

/** The record a query shows after scoring when the look-up did not read it whole (the matcher's one match, with its
 *  history), audited in the same statement (committed without waiting for the WAL flush, as above). */
const SHOW_SQL = `WITH s AS (SELECT * FROM json_to_recordset($1::json) AS s(k int, id bigint, history boolean, actor text, org bigint, ctl text, detail jsonb)),
  audited AS (${auditQuerySql('s', 's.id', 's')})
  SELECT s.k, x.*, CASE WHEN s.history THEN ${VACCINATIONS_SQL} END AS vaccinations
    FROM s CROSS JOIN LATERAL (${PATIENT_SQL} FROM patient p WHERE p.id = s.id OFFSET 0) x JOIN patient p ON p.id = s.id`;

/** A real calendar date in ISO form, or undefined. */
function isoDate(s: string | undefined): string | undefined {
  const m = s ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(s) : null;
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? s : undefined;
}

/** `person` is the scorer's view of `record`, made once: its normal forms are remembered with it (score.ts). */
interface Lookup { record: PatientRecord; person: MatchPerson; audit: Omit<QueryAudit, 'patientIds'> }

function resolveKeys(lookups: Lookup[]) {
  return lookups.map(({ record: q, person, audit }, k) => {
    const ids = q.identifiers.filter((i) => i.value?.trim());
    const [cids, dates, fam, giv, , prune] = blockingKeys(person, CANDIDATE_LIMIT);
    return { k, ids: ids.map((i) => i.value.trim()), auths: ids.map((i) => i.authority ?? ''), any_auth: ids.every((i) => !i.authority),
      dob_given: !!q.birthDate, dob: isoDate(q.birthDate) ?? null, cids, dates: `{${(dates as string[]).join(',')}}`, fam, giv, prune,
      actor: audit.sender.username, org: audit.sender.organizationId || null, ctl: audit.controlId ?? null, detail: { profile: audit.profile } };
  });
}

/** Diagnosis (bench:query --explain): PostgreSQL's plan of one batched look-up, with timings and buffers. */
export async function explainZ34Batch(pool: Pool, records: PatientRecord[], sender: Sender): Promise<string> {
  const lookups = records.map((record) => ({ record, person: personFromRecord(record), audit: { sender, controlId: 'EXPLAIN', profile: 'Z34' } }));
  // The generic plan: what a prepared statement runs after its first executions.
  const client = await pool.connect();
  try {
    await client.query(`SET plan_cache_mode = force_generic_plan; PREPARE explain_z34 AS ${RESOLVE_SQL}`);
    // Twice: the first execution fills this backend's caches (catalog, type output functions); the second is typical.
    const explain = `EXPLAIN (ANALYZE, BUFFERS) EXECUTE explain_z34(${client.escapeLiteral(JSON.stringify(resolveKeys(lookups)))})`;
    await client.query(explain);
    const { rows } = await client.query(explain);
    await client.query('DEALLOCATE explain_z34; RESET plan_cache_mode');
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    client.release();
  }
}

async function resolveBatch(pool: Pool, lookups: Lookup[]): Promise<Resolved[]> {
  const keys = resolveKeys(lookups);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const { rows } = await pool.query<any>({ name: 'hl7.resolveZ34', text: RESOLVE_SQL, values: [JSON.stringify(keys)] });
  const out: Resolved[] = lookups.map(() => ({ candidates: [], rows: new Map() }));
  for (const r of rows) {
    const slot = out[r.k]!;
    if (r.exact) slot.exact = { id: r.id, patient: recordFromRow(r), vaccinations: (r.vaccinations as unknown[]).map(vaccinationFromRow) };
    else {
      // The scorer compares identifiers only when the query has some too.
      r.identifiers = (r.ids as { id_value: string; authority: string; id_type: string }[]).map((i) => ({ value: i.id_value, authority: i.authority, type: i.id_type }));
      slot.candidates.push(candidateFromRow(r));
      slot.rows.set(r.id, r);
    }
  }
  return out;
}

interface QueryAudit { sender: Sender; controlId?: string; profile: string; patientIds: number[]; history?: boolean }

interface Shown { patient: PatientRecord; vaccinations?: StoredVaccination[] }

async function showBatch(pool: Pool, items: QueryAudit[]): Promise<Map<number, Shown>[]> {
  const rowsIn = items.flatMap((a, k) => a.patientIds.map((id) => ({ k, id, history: !!a.history, actor: a.sender.username,
    org: a.sender.organizationId || null, ctl: a.controlId ?? null, detail: { profile: a.profile } })));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const { rows } = await pool.query<any>({ name: 'hl7.showZ34', text: SHOW_SQL, values: [JSON.stringify(rowsIn)] });
  const out = items.map(() => new Map<number, Shown>());
  for (const r of rows) out[r.k]!.set(r.id, { patient: recordFromRow(r), vaccinations: r.vaccinations ? (r.vaccinations as unknown[]).map(vaccinationFromRow) : undefined });
  return out;
}

/** The audit events of records shown without a look-up of their own (a Z31's candidates, read by the look-up). */
const AUDIT_SQL = auditQuerySql('a', 'a.id', 'json_to_recordset($1::json) AS a(id bigint, actor text, org bigint, ctl text, detail jsonb)');

async function auditBatch(pool: Pool, items: QueryAudit[]): Promise<void[]> {
  const rowsIn = items.flatMap((a) => a.patientIds.map((id) => ({ id, actor: a.sender.username, org: a.sender.organizationId || null,
    ctl: a.controlId ?? null, detail: { profile: a.profile } })));
  await pool.query({ name: 'hl7.auditZ31', text: AUDIT_SQL, values: [JSON.stringify(rowsIn)] });
  return items.map(() => undefined);
}

interface QueryBatchers { resolve: (l: Lookup) => Promise<Resolved>; show: (a: QueryAudit) => Promise<Map<number, Shown>>; audit: (a: QueryAudit) => Promise<void> }
const batchers = new WeakMap<Pool, QueryBatchers>();
function batchersFor(pool: Pool): QueryBatchers {
  let b = batchers.get(pool);
  if (!b) {
    // Two look-ups in flight: PostgreSQL executes one while the registry builds the other's answers, so concurrent
    // clients settle into two groups that alternate between the two cores; at most 25 per batch keeps the groups even
    // at 50 clients and a batch's answers from holding the event loop long. bench:query, 100,000 patients, 50 clients,
    // 6 interleaved runs each (2026-12-07): 25/2 p99 21.2-36.7 ms (median ~24), 32/3 26.3-39.5 ms (median ~29), 16/4
    // and 18/3 no better than 32/3 (earlier, 30,000 patients: 64/2 and 16/3 worse than 32/3).
    // IIS_QUERY_BATCH, IIS_QUERY_IN_FLIGHT and IIS_AUDIT_IN_FLIGHT (the show batches) override them (for tuning on other machines).
    b = { resolve: createBatcher((rs) => resolveBatch(pool, rs), { maxBatch: Number(process.env.IIS_QUERY_BATCH) || 25, maxInFlight: Number(process.env.IIS_QUERY_IN_FLIGHT) || 2 }),
      show: createBatcher((as) => showBatch(pool, as), { maxBatch: 32, maxInFlight: Number(process.env.IIS_AUDIT_IN_FLIGHT) || 2 }),
      audit: createBatcher((as) => auditBatch(pool, as), { maxBatch: 256, maxInFlight: 1 }) };
    batchers.set(pool, b);
  }
  return b;
}

/** Z34 (history, RSP Z32) and Z44 (evaluated history and forecast, RSP Z42) share the look-up; Z44 adds the forecast. */
async function answerHistory(ctx: RegistryContext, query: NonNullable<ReturnType<typeof processQbpText>['query']>, opts: RspOptions, limit: number, sender: Sender): Promise<Hl7Answer> {
  const b = batchersFor(ctx.pool);
  const history = async (id: number, patient: PatientRecord, vaccinations: StoredVaccination[]) => {
    const rsp: RspPatient = { patient, registryId: String(id) };
    if (query.profile !== 'Z44') return buildRspZ32(opts, rsp, vaccinations);
    return buildRspZ42(opts, rsp, vaccinations, await ctx.forecast!(ctx.pool, id, vaccinations, isoToday(opts.now)));
  };
  const person = personFromRecord(query.patient);
  const r = await b.resolve({ record: query.patient, person, audit: { sender, controlId: query.controlId, profile: query.profile } });
  let response: string;
  let exactId: number | undefined;
  if (r.exact) {
    exactId = r.exact.id;
    response = await history(exactId, r.exact.patient, r.exact.vaccinations);
  } else {
    const decision = decideMatch(person, r.candidates);
    const ids = [...new Set(decision.candidates.map((c) => c.patientId))];
    const audit = { sender, controlId: query.controlId, profile: query.profile };
    if (decision.outcome === 'match' && decision.patientId) {
      exactId = decision.patientId;
      const shown = (await b.show({ ...audit, patientIds: [exactId], history: true })).get(exactId);
      if (!shown?.vaccinations) throw new Error(`patient ${exactId} not found`);
      response = await history(exactId, shown.patient, shown.vaccinations);
    } else if (!ids.length) {
      response = buildRspZ33(opts, 'NF');
    } else if (ids.length > limit) {
      response = buildRspZ33(opts, 'TM');
    } else {
      // The look-up read these records; their audit events are written behind the answer (as asynchronously committed
      // as the others: a crash in the next moment could lose them, never a write), which spares a Z31 a second round trip.
      const shown = ids.filter((id) => r.rows.has(id));
      writeBehind(ctx.pool, `audit of query ${query.controlId ?? ''} by ${sender.username} (patients ${shown.join(', ')})`, () => b.audit({ ...audit, patientIds: shown }));
      response = buildRspZ31(opts, shown.map((id) => ({ patient: recordFromRow({ ...r.rows.get(id), latest: r.rows.get(id).sources[0] ?? null }), registryId: String(id) })), limit);
    }
  }
  return { response, ackCode: 'AA', duplicate: false, patientId: exactId };
}

export async function answerQuery(ctx: RegistryContext, text: string, sender: Sender): Promise<Hl7Answer> {
  const now = ctx.now();
  const controlId = responseControlId(now);
  const q = processQbpText(text, { now, responseControlId: controlId, receivingApplication: ctx.receivingApplication, receivingFacility: ctx.receivingFacility });
  if (q.rejection || !q.query) {
    const r = q.rejection ?? '';
    return { response: r, ackCode: /MSA\|AR/.test(r) ? 'AR' : 'AE', duplicate: false };
  }
  const query = q.query;
  const opts: RspOptions = { request: q.request, now, controlId, receivingApplication: ctx.receivingApplication, receivingFacility: ctx.receivingFacility, findings: q.findings };
  const limit = query.quantityLimit && query.quantityLimit > 0 ? query.quantityLimit : 10;
  if (query.profile === 'Z44' && !ctx.forecast) {
    const findings: Finding[] = [...q.findings, { code: 'query.z44.unavailable', severity: 'E', hl7ErrorCode: '200', message: 'Evaluated history and forecast (Z44) is not available: the registry has no CDSi schedule loaded. Query with profile Z34 for the history.', scope: { kind: 'message' } }];
    return { response: buildRspZ33({ ...opts, findings }, 'AE'), ackCode: 'AE', duplicate: false };
  }
  try {
    return await answerHistory(ctx, query, opts, limit, sender);
  } catch (e) {
    console.error('QBP failed:', (e as Error).message);
    const findings: Finding[] = [...q.findings, { code: 'message.processing.error', severity: 'E', hl7ErrorCode: '207', message: 'The registry could not answer this query; please try again later.', scope: { kind: 'message' } }];
    return { response: buildRspZ33({ ...opts, findings }, 'AR'), ackCode: 'AR', duplicate: false };
  }
}
