// What vaccine did the person mean? A typed name (CDC CVX name, a US trade name from the AIRA code base, or a
// foreign trade name from foreign-vaccines.json) mapped to the CVX codes of the vaccines it contains.
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { distance } from 'fastest-levenshtein';

type Queryable = Pick<pg.Pool, 'query'>;

export interface ForeignVaccine { tradeName: string; aliases?: string[]; manufacturer?: string; countries: string[]; contains: string; cvx: string[] }
export interface VaccineMatch {
  source: 'cvx' | 'trade_name' | 'foreign_trade_name';
  name: string;
  contains?: string;
  countries?: string[];
  manufacturer?: string;
  cvx: { code: string; label: string | null }[];
  score: number;
}

let foreign: ForeignVaccine[] | undefined;
export function foreignVaccines(): ForeignVaccine[] {
  foreign ??= (JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'foreign-vaccines.json'), 'utf8')) as { vaccines: ForeignVaccine[] }).vaccines;
  return foreign;
}

const norm = (s: string) => s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]/g, '');

/** How well a typed text names a product: 1 exact, 0.9 prefix, 0.7 contained, 0.5-0.6 one or two typos. */
export function nameScore(typed: string, name: string): number {
  const a = norm(typed), b = norm(name);
  if (!a || !b) return 0;
  if (a === b) return 1;
  if (b.startsWith(a) && a.length >= 3) return 0.9;
  if (b.includes(a) && a.length >= 4) return 0.7;
  const d = distance(a, b);
  if (a.length >= 5 && d <= 1) return 0.6;
  if (a.length >= 7 && d <= 2) return 0.5;
  // a typo in the prefix of a longer name ("infanrx hexa" vs "infanrix hexa")
  const pre = b.slice(0, a.length);
  if (a.length >= 6 && distance(a, pre) <= 1) return 0.45;
  return 0;
}

export function lookupForeign(q: string): VaccineMatch[] {
  const out: VaccineMatch[] = [];
  for (const v of foreignVaccines()) {
    const score = Math.max(...[v.tradeName, ...(v.aliases ?? [])].map((n) => nameScore(q, n)));
    if (score > 0) out.push({ source: 'foreign_trade_name', name: v.tradeName, contains: v.contains, countries: v.countries, manufacturer: v.manufacturer, cvx: v.cvx.map((code) => ({ code, label: null })), score });
  }
  return out;
}

export async function lookupVaccines(db: Queryable, qRaw: string, limit = 15): Promise<VaccineMatch[]> {
  const q = qRaw.trim().slice(0, 100);
  if (!q) return [];
  const out: VaccineMatch[] = lookupForeign(q);
  const { rows } = await db.query(
    `SELECT code_set, code, label, detail, status,
            GREATEST(similarity(lower(coalesce(label,'')), lower($1)), similarity(lower(code), lower($1))) AS sim
       FROM code_value
      WHERE code_set IN ('VACCINATION_CVX_CODE', 'VACCINATION_TRADE_NAME')
        AND (lower(code) = lower($1) OR lower(label) LIKE '%' || lower($1) || '%' OR lower(code) LIKE '%' || lower($1) || '%'
             OR similarity(lower(coalesce(label,'')), lower($1)) > 0.35 OR similarity(lower(code), lower($1)) > 0.35)
      ORDER BY sim DESC LIMIT 60`, [q]);
  const cvxCodes = new Set<string>();
  for (const r of rows) {
    if (r.code_set === 'VACCINATION_CVX_CODE') {
      const exact = r.code === q || r.code === q.padStart(2, '0');
      out.push({ source: 'cvx', name: r.label ?? r.code, cvx: [{ code: r.code, label: r.label }], score: exact ? 1 : Math.max(nameScore(q, r.label ?? ''), Number(r.sim)) });
      cvxCodes.add(r.code);
    } else {
      const links = ((r.detail?.links ?? {}) as Record<string, string[]>).VACCINATION_CVX_CODE ?? [];
      out.push({ source: 'trade_name', name: r.code, contains: r.label ?? undefined, cvx: links.map((code) => ({ code, label: null })), score: Math.max(nameScore(q, r.code), Number(r.sim)) });
    }
  }
  // Labels for every CVX code mentioned.
  const all = new Set(out.flatMap((m) => m.cvx.map((c) => c.code)));
  if (all.size) {
    const l = await db.query(`SELECT code, label FROM code_value WHERE code_set = 'VACCINATION_CVX_CODE' AND code = ANY($1::text[])`, [[...all]]);
    const label = new Map(l.rows.map((r) => [r.code as string, r.label as string]));
    for (const m of out) for (const c of m.cvx) c.label ??= label.get(c.code) ?? null;
  }
  // The same product can appear as an AIRA trade name and a foreign entry: keep the best of each name.
  const seen = new Map<string, VaccineMatch>();
  for (const m of out.sort((a, b) => b.score - a.score)) {
    const k = norm(m.name) + '|' + m.cvx.map((c) => c.code).join(',');
    if (!seen.has(k)) seen.set(k, m);
  }
  return [...seen.values()].slice(0, limit);
}
