// QBP^Q11 Z34 (history) and Z44 (evaluated history and forecast) answered from the stored, consolidated record.
// handleHl7Message (hl7.ts) routes QBP here.
import type { PoolClient } from 'pg';
import { processQbpText } from '../hl7v2/process.ts';
import { buildRspZ31, buildRspZ32, buildRspZ33, buildRspZ42, type RspOptions, type RspPatient } from '../hl7v2/rsp.ts';
import type { Finding, PatientRecord } from '../pipeline/canonical.ts';
import { matchPerson } from '../matching/matcher.ts';
import { personFromRecord } from '../matching/score.ts';
import type { RegistryContext } from './context.ts';
import type { Sender } from './senders.ts';
import { loadPatientHistory, loadPatientRecord } from './patients.ts';
import { responseControlId, type Hl7Answer } from './hl7.ts';

const isoToday = (d: Date) => d.toISOString().slice(0, 10);


/** Patients answering a query: by identifier first, then through the matcher's candidates and scores. */
export async function findPatientsForQuery(db: Pick<PoolClient, 'query'>, q: PatientRecord): Promise<{ exact?: number; candidates: number[] }> {
  const ids = q.identifiers.filter((i) => i.value?.trim());
  if (ids.length) {
    // Identifier hits followed through merges to the surviving patients, with their birth dates: one round trip.
    const { rows } = await db.query<{ id: number; birth_date: string | null }>({
      name: 'hl7.queryByIdentifier',
      text: `WITH RECURSIVE hit AS (
               SELECT DISTINCT pi.patient_id AS id FROM patient_identifier pi
                WHERE pi.id_value = ANY($1) AND (pi.authority = '' OR pi.authority = ANY($2) OR $3)),
             chain AS (
               SELECT p.id, p.merged_into, p.birth_date, 0 AS depth FROM hit JOIN patient p ON p.id = hit.id
               UNION ALL
               SELECT p.id, p.merged_into, p.birth_date, c.depth + 1 FROM chain c JOIN patient p ON p.id = c.merged_into WHERE c.depth < 10)
           SELECT DISTINCT id, birth_date FROM chain WHERE merged_into IS NULL OR depth = 10`,
      values: [ids.map((i) => i.value.trim()), ids.map((i) => i.authority ?? ''), ids.every((i) => !i.authority)],
    });
    if (rows.length === 1) {
      // An identifier hit still has to agree on the birth date when the query gives one.
      const p = rows[0]!;
      if (!q.birthDate || !p.birth_date || p.birth_date === q.birthDate) return { exact: p.id, candidates: [] };
    }
  }
  // The matcher only proposes active or provisional patients, never merged ones: no merge chains to follow.
  const decision = await matchPerson(db, personFromRecord(q));
  const candidateIds = [...new Set(decision.candidates.map((c) => c.patientId))];
  if (decision.outcome === 'match' && decision.patientId) return { exact: decision.patientId, candidates: candidateIds };
  return { candidates: candidateIds };
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
  const client = await ctx.pool.connect();
  try {
    if (query.profile === 'Z44' && !ctx.forecast) {
      const findings: Finding[] = [...q.findings, { code: 'query.z44.unavailable', severity: 'E', hl7ErrorCode: '200', message: 'Evaluated history and forecast (Z44) is not available: the registry has no CDSi schedule loaded. Query with profile Z34 for the history.', scope: { kind: 'message' } }];
      return { response: buildRspZ33({ ...opts, findings }, 'AE'), ackCode: 'AE', duplicate: false };
    }
    const found = await findPatientsForQuery(client, query.patient);
    let response: string;
    let shown: number[] = [];
    if (found.exact) {
      shown = [found.exact];
      const history = await loadPatientHistory(client, found.exact);
      const patient: RspPatient = { patient: history.patient, registryId: String(found.exact) };
      const vaccinations = history.vaccinations;
      if (query.profile === 'Z44') {
        const data = await ctx.forecast!(client, found.exact, vaccinations, isoToday(now));
        response = buildRspZ42(opts, patient, vaccinations, data);
      } else {
        response = buildRspZ32(opts, patient, vaccinations);
      }
    } else if (found.candidates.length === 0) {
      response = buildRspZ33(opts, 'NF');
    } else if (found.candidates.length > limit) {
      response = buildRspZ33(opts, 'TM');
    } else {
      shown = found.candidates;
      // One connection runs one query at a time (pg 9 will refuse overlapping calls): read the candidates in turn.
      const patients: RspPatient[] = [];
      for (const id of shown) patients.push(await rspPatient(client, id));
      response = buildRspZ31(opts, patients, limit);
    }
    if (shown.length) {
      // The audit event of a read is committed without waiting for the WAL flush (the answer does not depend on it;
      // only a server crash in the next ~200 ms could lose it): the query's latency is not one disk flush longer.
      // One round trip, so literals: escaped by the driver, numbers checked.
      const lit = (v: string | null | undefined) => (v == null ? 'NULL' : client.escapeLiteral(v));
      const patientIds = shown.filter((x) => Number.isSafeInteger(x));
      await client.query(`BEGIN; SET LOCAL synchronous_commit TO off;
        INSERT INTO audit_event (actor_kind, actor_id, organization_id, action, patient_id, object_type, object_id, detail)
        SELECT 'sender', ${lit(sender.username)}, ${Number(sender.organizationId) || 'NULL'}, 'query', p, 'qbp', ${lit(query.controlId)}, ${lit(JSON.stringify({ profile: query.profile }))}::jsonb
          FROM unnest(ARRAY[${patientIds.join(',')}]::bigint[]) AS p;
        COMMIT`);
    }
    return { response, ackCode: 'AA', duplicate: false, patientId: found.exact };
  } catch (e) {
    // The audit statement opens a transaction of its own: never hand the connection back inside a failed one.
    await client.query('ROLLBACK').catch(() => {});
    console.error('QBP failed:', (e as Error).message);
    const findings: Finding[] = [...q.findings, { code: 'message.processing.error', severity: 'E', hl7ErrorCode: '207', message: 'The registry could not answer this query; please try again later.', scope: { kind: 'message' } }];
    return { response: buildRspZ33({ ...opts, findings }, 'AR'), ackCode: 'AR', duplicate: false };
  } finally {
    client.release();
  }
}

async function rspPatient(db: Pick<PoolClient, 'query'>, patientId: number): Promise<RspPatient> {
  return { patient: await loadPatientRecord(db, patientId), registryId: String(patientId) };
}
