// Code sets (CVX, MVX, NDC, VIS, LOINC observation ids, HL7 tables, race, ethnicity ...) from the AIRA codebase
// (Compiled.xml), with fast lookups, and their round trip through the `code_value` table (0100_core.sql).
import { XMLParser } from 'fast-xml-parser';
import type { IsoDate } from '../pipeline/canonical.ts';

/** Short names for the AIRA codeset types the registry uses most. Any other AIRA type is kept under its own name. */
export const CODE_SET = {
  cvx: 'VACCINATION_CVX_CODE',
  mvx: 'VACCINATION_MANUFACTURER_CODE',
  ndcUse: 'VACCINATION_NDC_CODE_UNIT_OF_USE',
  ndcSale: 'VACCINATION_NDC_CODE_UNIT_OF_SALE',
  visDoc: 'VACCINATION_VIS_DOC_TYPE',
  visCvx: 'VACCINATION_VIS_CVX_CODE',
  observation: 'OBSERVATION_IDENTIFIER',
  sex: 'PATIENT_SEX',
  race: 'PATIENT_RACE',
  ethnicity: 'PATIENT_ETHNICITY',
  route: 'BODY_ROUTE',
  site: 'BODY_SITE',
  unit: 'ADMINISTRATION_UNIT',
  informationSource: 'VACCINATION_INFORMATION_SOURCE',
  completion: 'VACCINATION_COMPLETION',
  action: 'VACCINATION_ACTION_CODE',
  refusal: 'VACCINATION_REFUSAL',
  funding: 'FINANCIAL_STATUS_CODE',
  fundingSource: 'VACCINATION_FUNDING_SOURCE',
  relationship: 'PERSON_RELATIONSHIP',
  registryStatus: 'REGISTRY_STATUS',
  publicity: 'PATIENT_PUBLICITY',
  protection: 'PATIENT_PROTECTION',
  idType: 'ID_TYPE_CODE',
  immunity: 'EVIDENCE_OF_IMMUNITY',
  contraindication: 'CONTRAINDICATION_OR_PRECATION',
  indication: 'VACCINATION_SPECIAL_INDICATIONS',
  vaccineGroup: 'VACCINE_GROUP',
} as const;

/** AIRA code status: Valid, Deprecated (use newCode), Ignored, Invalid. */
export type CodeStatus = 'Valid' | 'Deprecated' | 'Ignored' | 'Invalid' | string;

export interface CodeEntry {
  set: string;
  code: string;
  label?: string;
  status: CodeStatus;
  /** For Deprecated codes: the code to use instead. */
  newCode?: string;
  /** use-date: the product was not used before / after these dates. */
  notBefore?: IsoDate;
  notAfter?: IsoDate;
  notExpectedBefore?: IsoDate;
  notExpectedAfter?: IsoDate;
  /** use-age in months. */
  ageMonthsMin?: number;
  ageMonthsMax?: number;
  /** Cross references, by target codeset: e.g. NDC -> { VACCINATION_CVX_CODE: ['305'], VACCINATION_MANUFACTURER_CODE: ['PFR'] }. */
  links: Record<string, string[]>;
  conceptType?: string;
}

export class CodeSets {
  private readonly sets = new Map<string, Map<string, CodeEntry>>();

  add(e: CodeEntry): void {
    let m = this.sets.get(e.set);
    if (!m) this.sets.set(e.set, (m = new Map()));
    m.set(e.code, e);
  }

  get(set: string, code: string | undefined): CodeEntry | undefined {
    if (!code) return undefined;
    return this.sets.get(set)?.get(code);
  }

  has(set: string): boolean {
    return (this.sets.get(set)?.size ?? 0) > 0;
  }

  setNames(): string[] {
    return [...this.sets.keys()];
  }

  entries(set?: string): CodeEntry[] {
    if (set) return [...(this.sets.get(set)?.values() ?? [])];
    const out: CodeEntry[] = [];
    for (const m of this.sets.values()) out.push(...m.values());
    return out;
  }

  get size(): number {
    let n = 0;
    for (const m of this.sets.values()) n += m.size;
    return n;
  }

  cvx(code: string | undefined): CodeEntry | undefined {
    return this.get(CODE_SET.cvx, code);
  }

  mvx(code: string | undefined): CodeEntry | undefined {
    return this.get(CODE_SET.mvx, code);
  }

  /** NDC lookup tolerant of format: 5-4-2 with dashes, 11 digits, or 10-digit forms. Unit of use first, then of sale. */
  ndc(code: string | undefined): CodeEntry | undefined {
    if (!code) return undefined;
    return this.get(CODE_SET.ndcUse, code) ?? this.get(CODE_SET.ndcSale, code) ?? this.ndcByDigits.get(code.replace(/\D/g, ''));
  }

  /** The CVX an NDC code maps to (following deprecation to the current code). */
  ndcToCvx(code: string | undefined): string | undefined {
    return this.linkOf(this.ndc(code), CODE_SET.cvx);
  }

  ndcToMvx(code: string | undefined): string | undefined {
    return this.linkOf(this.ndc(code), CODE_SET.mvx);
  }

  private linkOf(e: CodeEntry | undefined, target: string): string | undefined {
    for (let i = 0; e && i < 3; i++) {
      const l = e.links[target]?.[0];
      if (l) return l;
      if (!e.newCode) return undefined;
      e = this.get(e.set, e.newCode);
    }
    return undefined;
  }

  private _ndcDigits?: Map<string, CodeEntry>;
  private get ndcByDigits(): Map<string, CodeEntry> {
    if (!this._ndcDigits) {
      const m = new Map<string, CodeEntry>();
      for (const set of [CODE_SET.ndcSale, CODE_SET.ndcUse]) {
        for (const e of this.entries(set)) {
          if (e.status !== 'Valid' && m.has(e.code.replace(/\D/g, ''))) continue;
          m.set(e.code.replace(/\D/g, ''), e);
        }
      }
      this._ndcDigits = m;
    }
    return this._ndcDigits;
  }
}

// ---------------------------------------------------------------------------------------------- AIRA parsing

function yyyymmdd(v: unknown): IsoDate | undefined {
  const s = v === undefined || v === null ? '' : String(v).trim();
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m || +m[2] < 1 || +m[2] > 12) return undefined;
  // The codebase has a few impossible days (e.g. 20170360): clamp to the month's last day.
  const last = new Date(Date.UTC(+m[1], +m[2], 0)).getUTCDate();
  const day = Math.min(Math.max(+m[3], 1), last);
  return `${m[1]}-${m[2]}-${String(day).padStart(2, '0')}`;
}

function arr<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') return String((v as Record<string, unknown>)['#text'] ?? '').trim() || undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** Parse the AIRA codebase (Compiled.xml) into CodeSets. */
export function parseAiraCodebase(xmlText: string): CodeSets {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    isArray: (name) => ['codeset', 'code', 'link-to', 'status'].includes(name),
  });
  const doc = parser.parse(xmlText) as { codebase?: { codeset?: unknown[] } };
  const codesets = (doc.codebase?.codeset ?? []) as Record<string, any>[];
  if (codesets.length === 0) throw new Error('Not an AIRA codebase: no <codebase><codeset> elements');
  const out = new CodeSets();
  for (const cs of codesets) {
    const set = text(cs.type);
    if (!set) continue;
    for (const c of arr(cs.code) as Record<string, any>[]) {
      const code = text(c.value);
      if (!code) continue;
      const statuses = arr(c['code-status']?.status).map(text).filter(Boolean) as string[];
      const links: Record<string, string[]> = {};
      for (const l of arr(c.reference?.['link-to']) as any[]) {
        const target = l?.['@codeset'];
        const v = text(l);
        if (target && v) (links[target] ??= []).push(v);
      }
      const ud = c['use-date'] ?? {};
      const ua = c['use-age'] ?? {};
      const e: CodeEntry = {
        set,
        code,
        label: text(c.label),
        status: statuses[0] ?? 'Valid',
        newCode: text(c['code-status']?.deprecated?.['new-code-value']),
        notBefore: yyyymmdd(ud['not-before']),
        notAfter: yyyymmdd(ud['not-after']),
        notExpectedBefore: yyyymmdd(ud['not-expected-before']),
        notExpectedAfter: yyyymmdd(ud['not-expected-after']),
        ageMonthsMin: ua['not-before-month'] !== undefined ? Number(ua['not-before-month']) : undefined,
        ageMonthsMax: ua['not-after-month'] !== undefined ? Number(ua['not-after-month']) : undefined,
        links,
        conceptType: text(c['concept-type']),
      };
      for (const k of Object.keys(e) as (keyof CodeEntry)[]) if (e[k] === undefined) delete e[k];
      out.add(e);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- code_value rows

/** One row of the `code_value` table (0100_core.sql). */
export interface CodeValueRow {
  code_set: string;
  code: string;
  label: string | null;
  status: string | null;
  use_date: IsoDate | null;
  not_before: IsoDate | null;
  not_after: IsoDate | null;
  detail: Record<string, unknown> | null;
}

/** Rows for `code_value`: use_date carries not-expected-before (date the code came into routine use). */
export function codeSetsToRows(codes: CodeSets): CodeValueRow[] {
  return codes.entries().map((e) => {
    const detail: Record<string, unknown> = {};
    if (Object.keys(e.links).length) detail.links = e.links;
    if (e.newCode) detail.newCode = e.newCode;
    if (e.notExpectedAfter) detail.notExpectedAfter = e.notExpectedAfter;
    if (e.ageMonthsMin !== undefined) detail.ageMonthsMin = e.ageMonthsMin;
    if (e.ageMonthsMax !== undefined) detail.ageMonthsMax = e.ageMonthsMax;
    if (e.conceptType) detail.conceptType = e.conceptType;
    return {
      code_set: e.set,
      code: e.code,
      label: e.label ?? null,
      status: e.status ?? null,
      use_date: e.notExpectedBefore ?? null,
      not_before: e.notBefore ?? null,
      not_after: e.notAfter ?? null,
      detail: Object.keys(detail).length ? detail : null,
    };
  });
}

function isoOf(v: unknown): IsoDate | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) {
    // pg returns DATE as a local-midnight Date unless a type parser is set; use local parts.
    const p = (n: number) => String(n).padStart(2, '0');
    return `${v.getFullYear()}-${p(v.getMonth() + 1)}-${p(v.getDate())}`;
  }
  return String(v).slice(0, 10);
}

/** Rebuild CodeSets from `code_value` rows (as pg returns them: dates as Date or string, detail as object). */
export function codeSetsFromRows(rows: Iterable<Partial<CodeValueRow> & { code_set: string; code: string; use_date?: unknown; not_before?: unknown; not_after?: unknown; detail?: unknown }>): CodeSets {
  const out = new CodeSets();
  for (const r of rows) {
    const d = (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail ?? {}) as Record<string, any>;
    const e: CodeEntry = {
      set: r.code_set,
      code: r.code,
      label: r.label ?? undefined,
      status: r.status ?? 'Valid',
      newCode: d.newCode,
      notBefore: isoOf(r.not_before),
      notAfter: isoOf(r.not_after),
      notExpectedBefore: isoOf(r.use_date),
      notExpectedAfter: d.notExpectedAfter,
      ageMonthsMin: d.ageMonthsMin,
      ageMonthsMax: d.ageMonthsMax,
      links: d.links ?? {},
      conceptType: d.conceptType,
    };
    for (const k of Object.keys(e) as (keyof CodeEntry)[]) if (e[k] === undefined) delete e[k];
    out.add(e);
  }
  return out;
}

/** SQL + parameters that upsert a chunk of rows into `code_value` (run it in chunks of ~1000 rows). */
export function codeValueUpsert(rows: CodeValueRow[]): { text: string; values: unknown[] } {
  return {
    text: `INSERT INTO code_value (code_set, code, label, status, use_date, not_before, not_after, detail)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::date[], $7::date[], $8::jsonb[])
           ON CONFLICT (code_set, code) DO UPDATE SET label = EXCLUDED.label, status = EXCLUDED.status, use_date = EXCLUDED.use_date,
             not_before = EXCLUDED.not_before, not_after = EXCLUDED.not_after, detail = EXCLUDED.detail`,
    values: [
      rows.map((r) => r.code_set),
      rows.map((r) => r.code),
      rows.map((r) => r.label),
      rows.map((r) => r.status),
      rows.map((r) => r.use_date),
      rows.map((r) => r.not_before),
      rows.map((r) => r.not_after),
      rows.map((r) => (r.detail ? JSON.stringify(r.detail) : null)),
    ],
  };
}
