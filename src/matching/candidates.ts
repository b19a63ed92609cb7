// Candidate selection in PostgreSQL: a handful of blocking keys, each served by an index (0400_matching.sql),
// so matching one record against millions of patients reads tens of rows, not millions.
//  1. any identifier value the record carries (patient_identifier_value index);
//  2. birth date exact or typo'd (day/month swapped, +-1 day, month or year) with the same double
//     metaphone of the surname OR of the given name;
//  3. same double metaphone of surname and given name (birth date wrong altogether): those born nearest the record.
// Key 2 joins each birth date variant to the patient: written as "birth_date = ANY(dates)" the planner walked the names
// index on the given name's metaphone alone (EXPLAIN: ~70 pages per record). The batch query probes the (birth_date,
// given metaphone) index once per date. With the surname the planner kept walking the names index (which the surname's
// metaphone leads) and filtering by date: "upper(dmetaphone(..))" matches only the index of 0190_ingest_candidates.sql.
import type { PoolClient, Pool } from 'pg';
import type { PatientRecord } from '../pipeline/canonical.ts';
import type { MatchPerson, MatchIdentifier } from './score.ts';
import { isPlaceholderName, isPlaceholderIdentifier, bestScoreIfBirthDateDisagrees, POSSIBLE_THRESHOLD } from './score.ts';

type Queryable = Pick<PoolClient | Pool, 'query'>;

/** Birth date variants a typo could produce: swapped day/month, +-1 day, +-1 month, +-1 year. */
export function birthDateVariants(iso: string): readonly string[] {
  let out = variants.get(iso);
  if (!out) {
    out = variantsUncached(iso);
    if (variants.size >= 50_000) variants.clear();
    variants.set(iso, out);
  }
  return out; // shared: callers only read it
}
const variants = new Map<string, readonly string[]>();

function variantsUncached(iso: string): string[] {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(iso);
  if (!m) return [];
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const out = new Set<string>();
  const push = (yy: number, mm: number, dd: number) => {
    const dt = new Date(Date.UTC(yy, mm - 1, dd));
    if (dt.getUTCFullYear() === yy && dt.getUTCMonth() === mm - 1 && dt.getUTCDate() === dd) {
      out.add(`${yy}-${String(mm).padStart(2, '0')}-${String(dd).padStart(2, '0')}`);
    }
  };
  push(y, mo, d);
  push(y, d, mo);
  push(y, mo, d - 1); push(y, mo, d + 1);
  push(y, mo - 1, d); push(y, mo + 1, d);
  push(y - 1, mo, d); push(y + 1, mo, d);
  return [...out];
}

export interface Candidate { patientId: number; person: MatchPerson; status: string }

function isoDob(s: string | undefined): string | undefined {
  const m = s ? /^(\d{4})-?(\d{2})-?(\d{2})/.exec(s) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** Patients taken per side by the same-names key (below). */
const NEAREST_BIRTH_DATES = 5;

/** Key 3, the same names whatever the birth date: the patients whose birth dates are nearest the record's, a few
 *  on each side (and a few without one), each side read in order from the index (0420). Common names are shared by
 *  hundreds of patients; the nearest are the likeliest to be the record's, and an arbitrary 50 (as before) cost a
 *  candidate load each. `dob` is the record's birth date (SQL, NULL when it has none: then any few); `from` joins `k`
 *  where it is a CTE rather than a lateral row. */
function sameNamesSql(k: string, dob: string, from = ''): string {
  const where = `FROM patient p${from} WHERE ${k}.fam IS NOT NULL AND ${k}.giv IS NOT NULL AND p.status IN ('active','provisional')`;
  const patients = `SELECT p.id ${where}`;
  const same = `${patients} AND dmetaphone(p.family_name) = ${k}.fam AND dmetaphone(p.given_name) = ${k}.giv`;
  const n = NEAREST_BIRTH_DATES;
  // Each side is a range of 0420's whole key, written as row comparisons (the same names from the record's birth date
  // to +-infinity), in that key's order: no other index can serve them, so no plan walks a birth-date index filtering
  // by names (as generic plans made on a young table's statistics did, reading every later patient).
  const key = `(dmetaphone(p.family_name), dmetaphone(p.given_name), p.birth_date)`;
  const at = (date: string) => `(${k}.fam, ${k}.giv, ${date})`;
  const order = (dir: string) => `ORDER BY dmetaphone(p.family_name) ${dir}, dmetaphone(p.given_name) ${dir}, p.birth_date ${dir}`;
  // \`prune\` (set when the record could not be listed beside a patient born on a date the scorer rates 'disagree':
  // score.ts bestScoreIfBirthDateDisagrees) keeps of the nearest only those born on a date it could be listed beside
  // (birth_dates_close, 0430): the others would be loaded and scored for nothing. Applied after the LIMIT: the same
  // candidates listed.
  const nearest = (cmp: string, bound: string, dir: string) => `(SELECT s.id FROM (SELECT p.id, p.birth_date, ${dob} AS dob, ${k}.prune ${where}
                   AND ${key} ${cmp} ${at(dob)} AND ${key} ${bound} ${order(dir)} LIMIT ${n}) s
                 WHERE s.prune IS NOT TRUE OR birth_dates_close(s.dob, s.birth_date))`;
  return `${nearest('>=', `<= ${at(`'infinity'::date`)}`, 'ASC')}
                 UNION
                 ${nearest('<', `>= ${at(`'-infinity'::date`)}`, 'DESC')}
                 UNION
                 (${same} AND p.birth_date IS NULL LIMIT ${n})
                 UNION
                 (${same} AND ${dob} IS NULL LIMIT ${2 * n})`;
}

const CANDIDATE_IDS_SQL = `WITH k AS (SELECT dmetaphone($3::text) AS fam, dmetaphone($4::text) AS giv, $6::boolean AS prune)
     SELECT id FROM (
       SELECT pi.patient_id AS id FROM patient_identifier pi WHERE pi.id_value = ANY($1::text[])
       UNION
       SELECT p.id FROM k, unnest($2::date[]) AS d(dt) JOIN patient p ON p.birth_date = d.dt WHERE k.fam IS NOT NULL
         AND upper(dmetaphone(p.family_name)) = k.fam AND p.status IN ('active','provisional')
       UNION
       SELECT p.id FROM k, unnest($2::date[]) AS d(dt) JOIN patient p ON p.birth_date = d.dt WHERE k.giv IS NOT NULL
         AND dmetaphone(p.given_name) = k.giv AND p.status IN ('active','provisional')
       UNION
       ${sameNamesSql('k', '($2::date[])[1]', ', k')}
     ) c LIMIT $5`;

export function blockingKeys(p: MatchPerson, limit: number): unknown[] {
  const ids = (p.identifiers ?? []).filter((i) => !isPlaceholderIdentifier(i.value)).map((i) => i.value.trim());
  const dob = isoDob(p.birthDate);
  const dates = dob ? birthDateVariants(dob) : [];
  const family = p.family?.trim() || null;
  const given = p.given && !isPlaceholderName(p.given) ? p.given.trim() : null;
  // The same-names key's filter (sameNamesSql): only for a record that could not be listed beside a patient whose
  // birth date disagrees with its own, and whose birth date is a real one (the SQL compares with dates[1], which is
  // then the record's own date; an impossible date has only variants).
  const prune = !!dob && dates[0] === dob && bestScoreIfBirthDateDisagrees(p) < POSSIBLE_THRESHOLD;
  return [ids, dates, family, given, limit, prune];
}

/** Ids of patients sharing a blocking key with the record (active or provisional only). */
export async function candidateIds(db: Queryable, p: MatchPerson, limit = 200): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(CANDIDATE_IDS_SQL, blockingKeys(p, limit));
  return rows.map((r) => r.id);
}

/** Only what scoring reads of patient p's source records (names, aliases, guardians): a fraction of each record, as
 *  [name, aliases, guardians] arrays (candidateFromRow). "id + 0": a patient's few records by patient_id, then sorted;
 *  ORDER BY id alone let the planner walk the primary key backwards through every patient's records (EXPLAIN: ~1,400
 *  rows filtered per candidate). */
export const CANDIDATE_SOURCES_SQL = `COALESCE((SELECT json_agg(s.d) FROM (SELECT json_build_array(demographics->'name', demographics->'aliases',
                        demographics->'guardians') AS d
                      FROM patient_source_record WHERE patient_id = p.id ORDER BY id + 0 DESC LIMIT 5) s), '[]')`;

// Identifiers and source records as JSON arrays, not objects: building an object per element (keys and all) was most of
// what these sub-selects cost PostgreSQL, and the keys doubled the text node parses (psql over 4,800 patients:
// identifiers 24 -> 17 ms, source records 90 -> 62 ms, of which ~13 and ~17 ms are the index scans; 2026-12-08).
const CANDIDATE_COLUMNS = `p.id, p.status, p.given_name, p.middle_name, p.family_name, p.suffix, p.birth_date, p.sex,
            p.mother_maiden_name, p.multiple_birth, p.birth_order, p.address, p.phone,
            COALESCE((SELECT json_agg(json_build_array(i.id_value, i.authority, i.id_type))
                      FROM patient_identifier i WHERE i.patient_id = p.id), '[]') AS identifiers,
            ${CANDIDATE_SOURCES_SQL} AS sources`;

/** candidateIds and loadCandidates in one statement (one round trip: the pipeline's hot path). */
export async function findCandidates(db: Queryable, p: MatchPerson, limit = 200): Promise<Candidate[]> {
  const { rows } = await db.query({
    name: 'matching.findCandidates',
    text: `WITH c AS (${CANDIDATE_IDS_SQL}) SELECT ${CANDIDATE_COLUMNS} FROM patient p
            WHERE p.id IN (SELECT id FROM c) AND p.status IN ('active','provisional')`,
    values: blockingKeys(p, limit),
  });
  return rows.map(candidateFromRow);
}

/** findCandidates for many records in one statement (the ingest batch): result[i] are record i's candidates, the
 *  same set findCandidates would return for it (each record's blocking keys and limit applied on their own). */
export async function findCandidatesBatch(db: Queryable, people: MatchPerson[], limit = 200): Promise<Candidate[][]> {
  if (!people.length) return [];
  const { rows } = await db.query({ name: `matching.findCandidatesBatch${limit}`, text: candidatesBatchSql('$1', limit), values: [candidateKeys(people, limit)] });
  return candidatesFromBatchRows(rows, people.length);
}

/** The blocking keys of many records, as the JSON findCandidatesBatch's statement reads. */
export function candidateKeys(people: MatchPerson[], limit = 200): string {
  return JSON.stringify(people.map((p, i) => { const [ids, dates, fam, giv, , prune] = blockingKeys(p, limit); return { i, ids, dates, fam, giv, prune }; }));
}

/** The blocking-key search for one record whose keys are columns of `k` (`ids` text[], `dates` date[], `fam` and `giv`
 *  already double-metaphoned): a subquery of at most `limit` candidate ids, each key probed by its own index once per
 *  birth-date variant. Shared by the ingest batch (candidatesBatchSql) and the Z34 look-up (src/registry/hl7-query.ts). */
export function candidateIdsSql(k: string, limit = 200): string {
  return `SELECT id FROM (
                 SELECT pi.patient_id AS id FROM patient_identifier pi WHERE pi.id_value = ANY(${k}.ids)
                 UNION
                 SELECT q.id FROM unnest(${k}.dates) AS d(dt) CROSS JOIN LATERAL (SELECT p.id FROM patient p WHERE p.birth_date = d.dt
                   AND upper(dmetaphone(p.family_name)) = ${k}.fam AND p.status IN ('active','provisional') OFFSET 0) q WHERE ${k}.fam IS NOT NULL
                 UNION
                 SELECT q.id FROM unnest(${k}.dates) AS d(dt) CROSS JOIN LATERAL (SELECT p.id FROM patient p WHERE p.birth_date = d.dt
                   AND dmetaphone(p.given_name) = ${k}.giv AND p.status IN ('active','provisional') OFFSET 0) q WHERE ${k}.giv IS NOT NULL
                 UNION
                 ${sameNamesSql(k, `${k}.dates[1]`)}
               ) u0 LIMIT ${Number(limit)}`;
}

/** The columns of a dose on file the ingest batch reads (earlier doses by ORC-3, de-duplication), in the order
 *  dosesOnFileSql sends them. */
export const DOSE_ON_FILE_COLUMNS = ['id', 'patient_id', 'organization_id', 'sender_vaccination_id', 'administered_date', 'cvx', 'ndc',
  'lot_number', 'historical', 'deleted', 'completion_status', 'consolidated_into'] as const;

/** A patient's doses on file as the ingest batch reads them: a JSON array of arrays of DOSE_ON_FILE_COLUMNS (arrays,
 *  not objects: json_build_object with its twelve keys cost PostgreSQL twice what json_build_array does, and the text
 *  was three times as long; psql over 4,800 patients' doses, 230 against 110 ms, 20 ms of it the scans; 2026-12-08). */
function dosesOnFileSql(patientId: string): string {
  return `COALESCE((SELECT json_agg(json_build_array(${DOSE_ON_FILE_COLUMNS.map((c) => `v.${c}`).join(', ')}) ORDER BY v.id)
                      FROM vaccination v WHERE v.patient_id = ${patientId}), '[]')`;
}

/** The batch candidate statement; `keys` is a parameter or a literal holding candidateKeys' JSON (a caller can then
 *  send it in one round trip with other statements). Rows: batch_index (the records it is a candidate of) + columns. */
export function candidatesBatchSql(keys: string, limit = 200, withDoses = false): string {
  // MATERIALIZED: each record's metaphones computed once, not again in each of the key's ~20 index probes.
  return `WITH k AS MATERIALIZED (SELECT x.i, x.ids, x.dates, dmetaphone(x.fam) AS fam, dmetaphone(x.giv) AS giv, x.prune
                       FROM json_to_recordset(${keys}::json) AS x(i int, ids text[], dates date[], fam text, giv text, prune boolean)),
         c AS (SELECT k.i, k.dates[1] AS dob, u.id FROM k CROSS JOIN LATERAL (${candidateIdsSql('k', limit)}) u),
         g AS (SELECT id, array_agg(i) AS batch_index, array_agg(dob) AS dobs FROM c GROUP BY id)
       -- Each candidate by its primary key (a join on g could plan a scan of every patient).
       SELECT g.batch_index, ${CANDIDATE_COLUMNS}${withDoses ? `,
              -- The ingest batch's view of the doses on file (earlier doses by ORC-3, de-duplication), saving a round trip:
              -- only of the candidates born on a record's own birth date, the only ones the scorer matches (rule
              -- birthDateNotExact); NULL (not read) for the others.
              CASE WHEN p.birth_date = ANY(g.dobs) THEN ${dosesOnFileSql('p.id')} END AS doses` : ''}
         FROM g CROSS JOIN LATERAL (SELECT * FROM patient p WHERE p.id = g.id OFFSET 0) p
        WHERE p.status IN ('active','provisional')`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function candidatesFromBatchRows(rows: any[], n: number): Candidate[][] {
  const out: Candidate[][] = Array.from({ length: n }, () => []);
  for (const r of rows) {
    const c = candidateFromRow(r);
    for (const i of r.batch_index as number[]) out[i]!.push(c);
  }
  return out;
}

/** The scorer's view of stored patients: consolidated row, identifiers and aliases from source records. */
export async function loadCandidates(db: Queryable, patientIds: number[]): Promise<Candidate[]> {
  if (!patientIds.length) return [];
  const { rows } = await db.query(
    `SELECT ${CANDIDATE_COLUMNS}
       FROM patient p
      WHERE p.id = ANY($1::bigint[]) AND p.status IN ('active','provisional')`,
    [patientIds],
  );
  return rows.map(candidateFromRow);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function candidateFromRow(r: any): Candidate {
  {
    // Source records as objects (the Z34 look-up's) or as [name, aliases, guardians] (CANDIDATE_SOURCES_SQL); identifiers
    // as objects or as [value, authority, type] (CANDIDATE_COLUMNS). Objects are read as they are, not copied.
    const ids = r.identifiers as MatchIdentifier[] | [string, string, string][];
    const identifiers = ids.length && Array.isArray(ids[0])
      ? (ids as [string, string, string][]).map((i) => ({ value: i[0], authority: i[1], type: i[2] })) : ids as MatchIdentifier[];
    const aliases: { given?: string; family?: string }[] = [];
    const guardians: { given?: string; family?: string }[] = [];
    for (const x of r.sources as (Partial<PatientRecord> | [PatientRecord['name'], PatientRecord['aliases'], PatientRecord['guardians']])[]) {
      const s: Partial<PatientRecord> = Array.isArray(x) ? { name: x[0], aliases: x[1], guardians: x[2] } : x;
      for (const a of s.aliases ?? []) aliases.push({ given: a.given, family: a.family });
      // Earlier names the same person was reported under count as aliases too.
      if (s.name && (s.name.family !== r.family_name || s.name.given !== r.given_name)) aliases.push({ given: s.name.given, family: s.name.family });
      for (const g of s.guardians ?? []) guardians.push({ given: g.name?.given, family: g.name?.family });
    }
    const addr = (r.address ?? {}) as { street?: string; city?: string; zip?: string };
    return {
      patientId: r.id, status: r.status,
      person: {
        given: r.given_name ?? undefined, middle: r.middle_name ?? undefined, family: r.family_name ?? undefined,
        suffix: r.suffix ?? undefined, birthDate: r.birth_date ?? undefined, sex: r.sex ?? undefined,
        motherMaidenName: r.mother_maiden_name ?? undefined, aliases, guardians,
        street: addr.street, city: addr.city, zip: addr.zip, phone: r.phone ?? undefined,
        identifiers, multipleBirth: (r.multiple_birth ?? '').toUpperCase() === 'Y',
        birthOrder: r.birth_order ?? undefined,
      },
    };
  }
}
