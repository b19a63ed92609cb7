// Requirement packs: one JSON file per jurisdiction and school year (src/schools/packs/<ID>.json),
// validated here. Everything a state can change each year lives in the pack, not in the evaluator.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isDuration, isIsoDate } from './dates.ts';

const duration = z.string().refine(isDuration, { message: "a duration like '4y', '6m', '28d', '8w' or '4y 6m'" });
const isoDate = z.string().refine(isIsoDate, { message: 'a date YYYY-MM-DD' });
const code = z.string().min(1);

/** Who a requirement or path applies to, judged on the as-of date. All given conditions must hold. */
export const Applicability = z.object({
  grades: z.array(z.string()).optional(),
  /** Student at least this old on the as-of date. */
  minAge: duration.optional(),
  /** Student younger than this on the as-of date. */
  maxAge: duration.optional(),
  /** Student flags that must be true (e.g. fullTime) or must be false (prefixed '!'). */
  flags: z.array(z.string()).optional(),
  /** At least one of these student flags must be true (e.g. fullTime, healthScience, visa). */
  anyFlags: z.array(z.string()).min(1).optional(),
}).strict();

/** Exclusion of susceptible students after an exposure: from day `fromDay` through day `toDay` after it. */
export const OutbreakExclusion = z.object({
  disease: z.string(),
  vaccine: z.string(),
  fromDay: z.number().int().min(0),
  toDay: z.number().int().min(0),
  note: z.string().optional(),
}).strict();

/** A condition on the dose counted at one position of a path (or on every counted dose). */
export const DoseCondition = z.object({
  /** 1-based position in the path, 'last', or 'each'. */
  dose: z.union([z.number().int().positive(), z.literal('last'), z.literal('each')]),
  minAge: duration.optional(),
  /** The dose must be given before this age (e.g. '16y' = before the 16th birthday). */
  maxAge: duration.optional(),
  /** From the immediately previous valid dose of the vaccine, counted here or not (ACIP's meaning). */
  minIntervalFromPrevious: duration.optional(),
  /** From the previous dose counted in this path. */
  minIntervalFromPreviousCounted: duration.optional(),
  /** Apply the pack's grace period to this condition (default true). */
  grace: z.boolean().optional(),
  note: z.string().optional(),
}).strict();

/** One set of doses to select: `doses` doses of `products` (default: the requirement's products). */
export const Step = z.object({
  label: z.string().optional(),
  doses: z.number().int().positive(),
  products: z.array(code).optional(),
  conditions: z.array(DoseCondition).default([]),
}).strict();

/** An alternative way to satisfy a requirement: every step must be met. */
export const Path = z.object({
  id: z.string(),
  label: z.string(),
  appliesWhen: Applicability.optional(),
  steps: z.array(Step).min(1),
  /** The most recent dose of these products must be within this time before the as-of date. */
  recency: z.object({ products: z.array(code), within: duration }).strict().optional(),
}).strict();

/** Acceptable proof without doses. */
export const Evidence = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('observation'),
    label: z.string(),
    /** Every group must be matched by at least one observation code (e.g. measles AND mumps AND rubella). */
    allOf: z.array(z.object({ label: z.string(), codes: z.array(code).min(1) }).strict()).min(1),
    notForFlags: z.array(z.string()).optional(),
  }).strict(),
  z.object({
    kind: z.literal('bornBefore'),
    label: z.string(),
    date: isoDate,
    requiresFlags: z.array(z.string()).optional(),
    notForFlags: z.array(z.string()).optional(),
  }).strict(),
]);

/** A product that counts only under extra conditions (e.g. DT only with a pertussis contraindication). */
export const ProductRule = z.object({
  products: z.array(code).min(1),
  minAge: duration.optional(),
  /** Counts only if the student has an active medical exemption for one of these vaccines, or one of the observations. */
  onlyWithMedicalExemptionFor: z.array(z.string()).optional(),
  onlyWithObservation: z.array(code).optional(),
  note: z.string().optional(),
}).strict();

export const Requirement = z.object({
  /** The vaccine as schools name it; the key in results and surveys. */
  vaccine: z.string(),
  name: z.string(),
  /** CDSi antigens the dose must be valid for. */
  antigens: z.array(z.string()).min(1),
  /** CVX codes that count toward this requirement. */
  products: z.array(code).min(1),
  productRules: z.array(ProductRule).default([]),
  appliesWhen: Applicability.optional(),
  /** 'doses' = one of the paths must be met; 'ageAppropriate' = no dose past due per the CDSi forecast. */
  mode: z.enum(['doses', 'ageAppropriate']).default('doses'),
  paths: z.array(Path).default([]),
  evidence: z.array(Evidence).default([]),
  /** Exemption types (beyond medical/religious) accepted for this vaccine only, e.g. a signed waiver. */
  extraExemptions: z.array(z.string()).default([]),
  notes: z.array(z.string()).default([]),
}).strict().refine((r) => r.mode === 'ageAppropriate' || r.paths.length > 0, { message: "a 'doses' requirement needs at least one path" });

export const Level = z.object({
  id: z.string(),
  name: z.string(),
  grades: z.array(z.string()).min(1),
  requirements: z.array(Requirement),
}).strict();

export const ExemptionRule = z.object({
  type: z.string(),
  label: z.string(),
  perVaccine: z.boolean(),
  /** 'schoolYear': an exemption without an expiry is good only if dated within the school year (unless permanent). */
  renewal: z.enum(['schoolYear', 'none']),
  permanentAllowed: z.boolean().default(false),
  /** Only these vaccines (omit = all). */
  vaccines: z.array(z.string()).optional(),
  /** Accepted only by requirements that list the type in extraExemptions (e.g. a college waiver). */
  onlyWhereListed: z.boolean().default(false),
}).strict();

export const StatusName = z.enum(['compliant', 'in process', 'exempt', 'not compliant']);

export const Pack = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]+$/),
  jurisdiction: z.string(),
  schoolYear: z.object({ label: z.string(), start: isoDate, end: isoDate }).strict(),
  title: z.string(),
  sources: z.array(z.object({ title: z.string(), citation: z.string().optional(), url: z.string().optional() }).strict()).min(1),
  notes: z.array(z.string()).default([]),
  /** Items the sources disagree on or are thin about: kept as data, listed for review. */
  confirm: z.array(z.string()).default([]),
  gracePeriodDays: z.number().int().min(0),
  /** 'earliest': in process while the next dose is not yet due (before its earliest date);
   *  'pastDue': in process until the next dose's past-due date. */
  inProcessUntil: z.enum(['earliest', 'pastDue']),
  exemptions: z.array(ExemptionRule),
  /** Overall status: the first status in this list any vaccine has. */
  statusPrecedence: z.array(StatusName).length(4),
  /** Grades the annual survey asks about. */
  surveyGrades: z.array(z.string()).default([]),
  outbreakExclusions: z.array(OutbreakExclusion).default([]),
  levels: z.array(Level).min(1),
}).strict();

export type Pack = z.infer<typeof Pack>;
export type Requirement = z.infer<typeof Requirement>;
export type Path = z.infer<typeof Path>;
export type Step = z.infer<typeof Step>;
export type DoseCondition = z.infer<typeof DoseCondition>;
export type Evidence = z.infer<typeof Evidence>;
export type Applicability = z.infer<typeof Applicability>;
export type StatusName = z.infer<typeof StatusName>;
export type OutbreakExclusion = z.infer<typeof OutbreakExclusion>;

export class PackError extends Error {}

/** Validate a parsed pack; errors name the JSON path of each problem. */
export function parsePack(data: unknown): Pack {
  const r = Pack.safeParse(data);
  if (!r.success) {
    const msg = r.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new PackError(`invalid requirement pack: ${msg}`);
  }
  const p = r.data;
  const grades = new Set<string>();
  for (const l of p.levels) for (const g of l.grades) {
    if (grades.has(g)) throw new PackError(`invalid requirement pack: grade ${g} is in more than one level`);
    grades.add(g);
  }
  return p;
}

export const packsDir = path.join(import.meta.dirname, 'packs');

const cache = new Map<string, Pack>();

/** Load a pack by id (e.g. 'MA-2025-2026') from the packs directory. */
export function loadPack(id: string, dir = packsDir): Pack {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new PackError(`unknown requirement pack ${JSON.stringify(id)}`);
  const key = `${dir}\0${id}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const file = path.join(dir, `${id}.json`);
  if (!fs.existsSync(file)) throw new PackError(`unknown requirement pack ${JSON.stringify(id)} (known: ${listPacks(dir).join(', ') || 'none'})`);
  const pack = parsePack(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (pack.id !== id) throw new PackError(`pack file ${id}.json declares id ${pack.id}`);
  cache.set(key, pack);
  return pack;
}

export function listPacks(dir = packsDir): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

export function levelForGrade(pack: Pack, grade: string) {
  return pack.levels.find((l) => l.grades.includes(grade));
}

/** JSON Schema of the pack format, for editors and other tools. */
export function packJsonSchema(): unknown {
  return z.toJSONSchema(Pack, { io: 'input', unrepresentable: 'any' });
}
