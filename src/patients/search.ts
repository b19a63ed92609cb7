// Find a patient from what a person types: a name with typos, a birth date that may have day and month swapped,
// an identifier. Candidates come from indexed keys (trigram similarity, double metaphone, birth-date variants
// from the matcher's blocking), then are ranked by name similarity and birth-date agreement.
import type pg from 'pg';
import { birthDateVariants } from '../matching/candidates.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface PatientSearch { name?: string; birthDate?: string; identifier?: string; limit?: number }
export interface PatientHit {
  id: number; familyName: string | null; givenName: string | null; middleName: string | null; birthDate: string | null;
  sex: string | null; status: string; city: string | null; identifiers: { value: string; authority: string; type: string }[];
  score: number; birthDateMatch: 'exact' | 'close' | 'none' | 'not_given';
}

/** "Family, Given" or "Given Family" (or one word): the tokens to try in both orders. */
export function nameTokens(name: string): { first?: string; second?: string; comma: boolean } {
  const clean = name.replace(/[^\p{L}\p{M}' ,-]/gu, ' ').trim();
  if (!clean) return { comma: false };
  if (clean.includes(',')) {
    const [fam, giv] = clean.split(',', 2).map((s) => s.trim());
    return { first: fam || undefined, second: giv?.split(/\s+/)[0] || undefined, comma: true };
  }
  const parts = clean.split(/\s+/).filter(Boolean);
  if (parts.length === 1) return { first: parts[0], comma: false };
  return { first: parts[0], second: parts[parts.length - 1], comma: false };
}

/** Accepts YYYY-MM-DD, YYYYMMDD, MM/DD/YYYY (US order) and DD.MM.YYYY. */
export function parseBirthDate(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = s.trim();
  let m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(t);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  if (m) return `${m[3]}-${m[1].padStart(2, '0')}-${m[2].padStart(2, '0')}`;
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(t);
  if (m) return `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  return undefined;
}

export async function searchPatients(db: Queryable, q: PatientSearch): Promise<PatientHit[]> {
  const limit = Math.min(Math.max(q.limit ?? 25, 1), 100);
  const dob = parseBirthDate(q.birthDate);
  const dates = dob ? birthDateVariants(dob) : [];
  const ident = q.identifier?.trim() || null;
  const { first, second, comma } = nameTokens(q.name ?? '');
  if (!ident && !first && !dob) return [];
  // Name similarity of a stored name to a typed token: the best of trigram similarity, edit-distance ratio, and
  // 0.8 when they sound alike (double metaphone).
  const sim = (col: string, tok: string) =>
    `CASE WHEN ${tok} IS NULL OR p.${col} IS NULL THEN 0 ELSE GREATEST(similarity(lower(p.${col}), lower(${tok})),
       1 - levenshtein(lower(left(p.${col}, 100)), lower(left(${tok}, 100)))::real / GREATEST(length(p.${col}), length(${tok}), 1),
       CASE WHEN dmetaphone(p.${col}) = dmetaphone(${tok}) AND dmetaphone(${tok}) <> '' THEN 0.8 ELSE 0 END) END`;
  const { rows } = await db.query(
    `WITH q AS (SELECT $1::text AS a, $2::text AS b, $3::date AS dob, $4::date[] AS dates, $5::text AS ident, $6::boolean AS comma),
     -- candidates by indexed keys (parameters inline so the planner can use the trigram and metaphone indexes)
     c AS (
       SELECT pi.patient_id AS id FROM patient_identifier pi WHERE $5::text IS NOT NULL AND pi.id_value = $5::text
       UNION
       -- a birth date was typed: only patients born on it or on a typo of it (the final filter requires that anyway)
       SELECT p.id FROM patient p WHERE p.birth_date = ANY($4::date[]) AND p.status IN ('active','provisional')
       UNION
       -- name only: exact surnames, similar names (trigram, GIN index) and same-sounding surnames, each capped so a
       -- very common name stays fast (add a birth date to narrow it)
       (SELECT p.id FROM patient p WHERE $3::date IS NULL AND upper(p.family_name) IN (upper($1::text), upper(coalesce($2::text, $1::text))) LIMIT 300)
       UNION
       -- (OFFSET 0 keeps the planner from trading the trigram index for a sequential scan because of the LIMIT)
       (SELECT id FROM (SELECT p.id FROM patient p WHERE $3::date IS NULL AND p.status IN ('active','provisional')
         AND (lower(p.family_name) % lower($1::text) OR lower(p.family_name) % lower(coalesce($2::text, $1::text))) OFFSET 0) f LIMIT 500)
       UNION
       (SELECT id FROM (SELECT p.id FROM patient p WHERE $3::date IS NULL AND $2::text IS NOT NULL AND p.status IN ('active','provisional')
         AND (lower(p.given_name) % lower($1::text) OR lower(p.given_name) % lower($2::text)) OFFSET 0) g LIMIT 500)
       UNION
       (SELECT p.id FROM patient p WHERE $3::date IS NULL AND p.status IN ('active','provisional')
         AND dmetaphone(p.family_name) IN (dmetaphone($1::text), dmetaphone(coalesce($2::text, $1::text))) LIMIT 300)
     ),
     s AS (
       SELECT p.*, q.*,
         -- family = a, given = b ("Family, Given" or one word) / given = a, family = b ("Given Family")
         (${sim('family_name', 'q.a')}) AS fa, (${sim('given_name', 'q.b')}) AS gb,
         (${sim('family_name', 'q.b')}) AS fb, (${sim('given_name', 'q.a')}) AS ga
       FROM patient p JOIN c ON c.id = p.id, q
       WHERE p.status IN ('active','provisional')
     ),
     r AS (
       SELECT s.*,
         CASE WHEN s.a IS NULL THEN 0
              WHEN s.b IS NULL THEN GREATEST(s.fa, s.ga)
              WHEN s.comma THEN LEAST(s.fa, s.gb)
              ELSE GREATEST(LEAST(s.fa, s.gb), LEAST(s.fb, s.ga)) END AS name_score,
         CASE WHEN s.dob IS NULL THEN 'not_given' WHEN s.birth_date = s.dob THEN 'exact'
              WHEN s.birth_date = ANY(s.dates) THEN 'close' ELSE 'none' END AS dob_match,
         EXISTS (SELECT 1 FROM patient_identifier i WHERE i.patient_id = s.id AND i.id_value = s.ident) AS ident_match
       FROM s
     )
     SELECT r.id, r.family_name, r.given_name, r.middle_name, r.birth_date, r.sex, r.status, r.address->>'city' AS city,
            r.name_score, r.dob_match, r.ident_match,
            COALESCE((SELECT json_agg(json_build_object('value', i.id_value, 'authority', i.authority, 'type', i.id_type))
                        FROM patient_identifier i WHERE i.patient_id = r.id), '[]') AS identifiers
       FROM r
      WHERE r.ident_match
         OR ((r.a IS NULL OR r.name_score >= 0.3) AND (r.dob IS NULL OR r.dob_match IN ('exact','close')) AND (r.a IS NOT NULL OR r.dob IS NOT NULL))
      ORDER BY (CASE WHEN r.ident_match THEN 2 ELSE 0 END) + r.name_score
               + (CASE r.dob_match WHEN 'exact' THEN 1 WHEN 'close' THEN 0.5 ELSE 0 END) DESC, r.family_name, r.given_name, r.id
      LIMIT $7`,
    [first ?? null, second ?? null, dob ?? null, dates, ident, comma, limit]);
  return rows.map((r) => ({
    id: Number(r.id), familyName: r.family_name, givenName: r.given_name, middleName: r.middle_name, birthDate: r.birth_date,
    sex: r.sex, status: r.status, city: r.city, identifiers: r.identifiers,
    score: Math.round(((r.ident_match ? 2 : 0) + Number(r.name_score) + (r.dob_match === 'exact' ? 1 : r.dob_match === 'close' ? 0.5 : 0)) * 100) / 100,
    birthDateMatch: r.dob_match,
  }));
}
