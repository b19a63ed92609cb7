// The pure school compliance evaluator: student + doses (with their CDSi validity) + observations +
// exemptions + a requirement pack + an as-of date -> overall status and, per required vaccine, the
// doses that counted and why, what is missing and the earliest date it can be given.
// No I/O, no clock: `asOf` is always a parameter. Every rule comes from the pack.
import { addDays, addDuration, compareDates, isIsoDate, maxDate, type IsoDate } from './dates.ts';
import type { Applicability, DoseCondition, Pack, Path, Requirement, StatusName, Step } from './pack.ts';

export interface StudentInput {
  dob: IsoDate;
  sex?: string;
  grade: string;
  /** Pack-defined facts, e.g. { bornInUS: true, healthScience: false, fullTime: true }. */
  flags?: Record<string, boolean>;
}

export interface DoseInput {
  date: IsoDate;
  cvx: string;
  /** CDSi validity per antigen (from the engine). Absent: the caller vouches the dose is valid. */
  validFor?: Record<string, boolean>;
  /** Historical record (reported from another source) rather than administered here; carried to documents. */
  historical?: boolean;
}

export interface ObservationInput { code: string; date?: IsoDate }

export interface ExemptionInput {
  type: string;
  /** Vaccine the exemption covers (per-vaccine types); omitted = every vaccine. */
  vaccine?: string;
  /** Date signed. */
  date?: IsoDate;
  expires?: IsoDate;
  permanent?: boolean;
}

/** CDSi forecast per antigen: earliest date the next dose can be given and its past-due date. */
export type ForecastInput = Record<string, { earliest?: IsoDate; pastDue?: IsoDate; complete?: boolean }>;

export interface EvaluationInput {
  pack: Pack;
  asOf: IsoDate;
  student: StudentInput;
  doses: DoseInput[];
  observations?: ObservationInput[];
  exemptions?: ExemptionInput[];
  forecast?: ForecastInput;
}

export interface CountedDose { date: IsoDate; cvx: string; step?: string; position: number; reason: string; historical?: boolean }
export interface UncountedDose { date: IsoDate; cvx: string; reason: string }

export interface VaccineEvaluation {
  vaccine: string;
  name: string;
  status: StatusName;
  /** Why, in one sentence. */
  reason: string;
  path?: { id: string; label: string };
  counted: CountedDose[];
  notCounted: UncountedDose[];
  evidence?: string;
  exemption?: { type: string; label: string; expires?: IsoDate; permanent?: boolean };
  missing: string[];
  /** Earliest date the next missing dose can be given (pack conditions and CDSi forecast, no grace). */
  earliestNextDose?: IsoDate;
  pastDue?: IsoDate;
  notes: string[];
}

export interface Evaluation {
  pack: string;
  asOf: IsoDate;
  level: { id: string; name: string };
  status: StatusName;
  vaccines: VaccineEvaluation[];
  /** Exemption types in effect for at least one vaccine (for survey counting). */
  exemptionTypes: string[];
}

export class EvaluationInputError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid evaluation input: ${problems.join('; ')}`);
  }
}

export function checkInput(input: EvaluationInput): string[] {
  const p: string[] = [];
  const { pack, student } = input;
  if (!isIsoDate(input.asOf)) p.push(`asOf must be a date YYYY-MM-DD, got ${JSON.stringify(input.asOf)}`);
  if (!student || typeof student !== 'object') { p.push('student is required'); return p; }
  if (!isIsoDate(student.dob)) p.push(`student.dob must be a date YYYY-MM-DD, got ${JSON.stringify(student.dob)}`);
  const grade = String(student.grade ?? '');
  if (!pack.levels.some((l) => l.grades.includes(grade))) {
    p.push(`student.grade ${JSON.stringify(student.grade)} is not a grade of pack ${pack.id} (grades: ${pack.levels.flatMap((l) => l.grades).join(', ')})`);
  }
  if (isIsoDate(student.dob) && isIsoDate(input.asOf) && student.dob > input.asOf) p.push(`student.dob ${student.dob} is after asOf ${input.asOf}`);
  if (!Array.isArray(input.doses)) p.push('doses must be an array');
  else input.doses.forEach((d, i) => {
    if (!d || typeof d !== 'object') { p.push(`doses[${i}] must be an object`); return; }
    if (!isIsoDate(d.date)) p.push(`doses[${i}].date must be a date YYYY-MM-DD, got ${JSON.stringify(d.date)}`);
    else if (isIsoDate(student.dob) && d.date < student.dob) p.push(`doses[${i}].date ${d.date} is before the date of birth`);
    if (typeof d.cvx !== 'string' || !/^\d{1,3}$/.test(d.cvx)) p.push(`doses[${i}].cvx must be a CVX code (1-3 digits as a string), got ${JSON.stringify(d.cvx)}`);
  });
  (input.observations ?? []).forEach((o, i) => {
    if (!o || typeof o.code !== 'string' || !o.code) p.push(`observations[${i}].code is required`);
    if (o?.date !== undefined && !isIsoDate(o.date)) p.push(`observations[${i}].date must be a date YYYY-MM-DD`);
  });
  for (const [antigen, f] of Object.entries(input.forecast ?? {})) {
    for (const k of ['earliest', 'pastDue'] as const) if (f?.[k] !== undefined && !isIsoDate(f[k])) p.push(`forecast.${antigen}.${k} must be a date YYYY-MM-DD, got ${JSON.stringify(f[k])}`);
  }
  (input.exemptions ?? []).forEach((e, i) => {
    const rule = pack.exemptions.find((r) => r.type === e?.type);
    if (!rule) p.push(`exemptions[${i}].type ${JSON.stringify(e?.type)} is not accepted by pack ${pack.id} (accepted: ${pack.exemptions.map((r) => r.type).join(', ')})`);
    for (const k of ['date', 'expires'] as const) if (e?.[k] !== undefined && !isIsoDate(e[k])) p.push(`exemptions[${i}].${k} must be a date YYYY-MM-DD`);
    if (e?.vaccine !== undefined && !pack.levels.some((l) => l.requirements.some((r) => r.vaccine === e.vaccine))) {
      p.push(`exemptions[${i}].vaccine ${JSON.stringify(e.vaccine)} is not a vaccine of pack ${pack.id} (vaccines: ${[...new Set(pack.levels.flatMap((l) => l.requirements.map((r) => r.vaccine)))].join(', ')})`);
    }
  });
  return p;
}

/** Normalize a CVX code so '8' and '08' match. */
const cvxKeys = new Map<string, string>();
function cvxKey(c: string): string {
  let k = cvxKeys.get(c);
  if (k === undefined) {
    k = String(Number(c));
    if (cvxKeys.size < 10_000) cvxKeys.set(c, k);
  }
  return k;
}

// Per-pack lookups built once (packs are immutable once loaded).
const productSets = new WeakMap<object, Set<string>>();
function productSet(owner: { products?: string[] }): Set<string> | undefined {
  if (!owner.products) return undefined;
  let set = productSets.get(owner);
  if (!set) productSets.set(owner, set = new Set(owner.products.map(cvxKey)));
  return set;
}
const ruleMaps = new WeakMap<Requirement, Map<string, Requirement['productRules'][number]>>();
function ruleFor(req: Requirement, cvx: string) {
  let m = ruleMaps.get(req);
  if (!m) {
    ruleMaps.set(req, m = new Map());
    for (const r of req.productRules) for (const c of r.products) if (!m.has(cvxKey(c))) m.set(cvxKey(c), r);
  }
  return m.get(cvxKey(cvx));
}

function flagOk(flags: Record<string, boolean>, f: string): boolean {
  return f.startsWith('!') ? !flags[f.slice(1)] : !!flags[f];
}

function applies(a: Applicability | undefined, student: StudentInput, asOf: IsoDate): boolean {
  if (!a) return true;
  if (a.grades && !a.grades.includes(String(student.grade))) return false;
  if (a.minAge && asOf < threshold(student.dob, a.minAge, 0)) return false;
  if (a.maxAge && asOf >= threshold(student.dob, a.maxAge, 0)) return false;
  if (a.flags && !a.flags.every((f) => flagOk(student.flags ?? {}, f))) return false;
  if (a.anyFlags && !a.anyFlags.some((f) => flagOk(student.flags ?? {}, f))) return false;
  return true;
}

interface Eligible { date: IsoDate; cvx: string; historical?: boolean }

// Per step and dose position: the conditions that apply and the reason text of a dose counted there.
// Both depend on the pack alone, so they are built once (packs are immutable once loaded).
const stepPositions = new WeakMap<Step, { conds: DoseCondition[]; reason: string }[]>();
function positionOf(step: Step, k: number): { conds: DoseCondition[]; reason: string } {
  let a = stepPositions.get(step);
  if (!a) stepPositions.set(step, a = []);
  let p = a[k];
  if (!p) {
    const conds = step.conditions.filter((c) => c.dose === 'each' || c.dose === k || (c.dose === 'last' && k === step.doses));
    const desc = conds.map(describe).filter(Boolean).join('; ');
    a[k] = p = { conds, reason: `dose ${k} of ${step.doses}${step.label ? ` (${step.label})` : ''}: valid${desc ? `, ${desc}` : ''}` };
  }
  return p;
}

function conditionsAt(step: Step, k: number): DoseCondition[] {
  return positionOf(step, k).conds;
}

function describe(c: DoseCondition): string {
  const parts: string[] = [];
  if (c.minAge) parts.push(`on or after age ${c.minAge}`);
  if (c.maxAge) parts.push(`before age ${c.maxAge}`);
  if (c.minIntervalFromPrevious) parts.push(`at least ${c.minIntervalFromPrevious} after the previous dose`);
  if (c.minIntervalFromPreviousCounted) parts.push(`at least ${c.minIntervalFromPreviousCounted} after the previous counted dose`);
  return parts.join(', ');
}

// Birthday-and-interval thresholds repeat across doses, paths and students: memoize (bounded).
// Keyed by date, then by duration and grace, so a lookup builds no key string.
const thresholds = new Map<IsoDate, Map<string, IsoDate>[]>();
let thresholdCount = 0;
function threshold(from: IsoDate, dur: string, grace: number): IsoDate {
  let byGrace = thresholds.get(from);
  if (!byGrace) {
    if (thresholdCount > 200_000) { thresholds.clear(); thresholdCount = 0; }
    thresholds.set(from, byGrace = []);
  }
  let m = byGrace[grace];
  if (!m) byGrace[grace] = m = new Map();
  let t = m.get(dur);
  if (t === undefined) {
    t = addDays(addDuration(from, dur), -grace);
    m.set(dur, t);
    thresholdCount++;
  }
  return t;
}

/** Does a dose meet one condition? Returns a reason when it does not. */
function failsCondition(c: DoseCondition, d: Eligible, prevAny: Eligible | undefined, prevCounted: Eligible | undefined, dob: IsoDate, grace: number): string | undefined {
  const g = c.grace === false ? 0 : grace;
  if (c.minAge) {
    const t = threshold(dob, c.minAge, g);
    if (d.date < t) return `given before age ${c.minAge}${g ? ` (less the ${g}-day grace period: needed on or after ${t})` : ''}`;
  }
  if (c.maxAge && d.date >= threshold(dob, c.maxAge, 0)) return `given on or after age ${c.maxAge}`;
  if (c.minIntervalFromPrevious && prevAny) {
    const t = threshold(prevAny.date, c.minIntervalFromPrevious, g);
    if (d.date < t) return `given less than ${c.minIntervalFromPrevious} after the previous dose of ${prevAny.date}`;
  }
  if (c.minIntervalFromPreviousCounted && prevCounted) {
    const t = threshold(prevCounted.date, c.minIntervalFromPreviousCounted, g);
    if (d.date < t) return `given less than ${c.minIntervalFromPreviousCounted} after the counted dose of ${prevCounted.date}`;
  }
  return undefined;
}

interface StepResult {
  step: Step;
  selected: { dose: Eligible; position: number; reason: string }[];
  skipped: { dose: Eligible; reason: string }[];
  met: boolean;
  /** Earliest date the next position could be met (no grace), when not met. */
  earliest?: IsoDate;
  nextPosition?: number;
}

function selectStep(step: Step, eligible: Eligible[], dob: IsoDate, grace: number, asOf: IsoDate): StepResult {
  const allowed = productSet(step);
  const pool = eligible.filter((d) => !allowed || allowed.has(cvxKey(d.cvx)));
  const selected: StepResult['selected'] = [];
  const skipped: StepResult['skipped'] = [];
  let prevCounted: Eligible | undefined;
  for (let i = 0; i < pool.length && selected.length < step.doses; i++) {
    const d = pool[i];
    const k = selected.length + 1;
    const prevAny = i > 0 ? pool[i - 1] : undefined;
    const pos = positionOf(step, k);
    let why: string | undefined;
    for (const c of pos.conds) if ((why = failsCondition(c, d, prevAny, prevCounted, dob, grace))) break;
    if (why) { skipped.push({ dose: d, reason: `not counted as dose ${k}: ${why}` }); continue; }
    selected.push({ dose: d, position: k, reason: pos.reason });
    prevCounted = d;
  }
  const met = selected.length >= step.doses;
  let earliest: IsoDate | undefined;
  let nextPosition: number | undefined;
  if (!met) {
    nextPosition = selected.length + 1;
    const lastAny = pool.length ? pool[pool.length - 1] : undefined;
    const candidates: (IsoDate | undefined)[] = [];
    for (const c of conditionsAt(step, nextPosition)) {
      if (c.minAge) candidates.push(addDuration(dob, c.minAge));
      if (c.minIntervalFromPrevious && lastAny) candidates.push(addDuration(lastAny.date, c.minIntervalFromPrevious));
      if (c.minIntervalFromPreviousCounted && prevCounted) candidates.push(addDuration(prevCounted.date, c.minIntervalFromPreviousCounted));
    }
    earliest = maxDate(...candidates);
    // A dose already given on the as-of date cannot be repeated the same day.
    if (earliest && earliest < asOf && lastAny?.date === asOf) earliest = addDays(asOf, 1);
  }
  return { step, selected, skipped, met, earliest, nextPosition };
}

interface PathResult { path: Path; steps: StepResult[]; met: boolean; recencyOk: boolean; recencyDue?: IsoDate; score: number }

function evaluatePath(path: Path, eligible: Eligible[], dob: IsoDate, grace: number, asOf: IsoDate): PathResult {
  const steps = path.steps.map((s) => selectStep(s, eligible, dob, grace, asOf));
  let recencyOk = true;
  let recencyDue: IsoDate | undefined;
  if (path.recency) {
    const set = new Set(path.recency.products.map(cvxKey));
    const last = [...eligible].reverse().find((d) => set.has(cvxKey(d.cvx)));
    recencyDue = last ? addDuration(last.date, path.recency.within) : undefined;
    recencyOk = !!recencyDue && asOf < recencyDue;
  }
  const met = steps.every((s) => s.met) && recencyOk;
  const need = path.steps.reduce((n, s) => n + s.doses, 0);
  const have = steps.reduce((n, s) => n + Math.min(s.selected.length, s.step.doses), 0);
  return { path, steps, met, recencyOk, recencyDue, score: have / need - (recencyOk ? 0 : 0.01) };
}

function exemptionActive(pack: Pack, e: ExemptionInput, asOf: IsoDate): { active: boolean; why: string } {
  const rule = pack.exemptions.find((r) => r.type === e.type)!;
  if (e.date && e.date > asOf) return { active: false, why: `signed ${e.date}, after the as-of date` };
  if (e.expires) return asOf <= e.expires ? { active: true, why: `valid until ${e.expires}` } : { active: false, why: `expired ${e.expires}` };
  if (e.permanent) {
    return rule.permanentAllowed ? { active: true, why: 'permanent' } : { active: false, why: `${rule.type} exemptions cannot be permanent; renew every school year` };
  }
  if (rule.renewal === 'schoolYear' && e.date) {
    const { start, end } = pack.schoolYear;
    if (e.date < start) return { active: false, why: `signed ${e.date}, before school year ${pack.schoolYear.label}: must be renewed` };
    if (asOf > end) return { active: false, why: `school year ${pack.schoolYear.label} ended ${end}` };
  }
  return { active: true, why: rule.renewal === 'schoolYear' ? `for school year ${pack.schoolYear.label}` : 'on file' };
}

function findExemption(pack: Pack, req: Requirement, exemptions: ExemptionInput[], asOf: IsoDate, notes: string[]) {
  for (const e of exemptions) {
    const rule = pack.exemptions.find((r) => r.type === e.type);
    if (!rule) continue;
    if (rule.vaccines && !rule.vaccines.includes(req.vaccine)) continue;
    if (rule.onlyWhereListed && !req.extraExemptions.includes(rule.type)) continue;
    if (rule.perVaccine && e.vaccine && e.vaccine !== req.vaccine) continue;
    const a = exemptionActive(pack, e, asOf);
    if (!a.active) { notes.push(`${rule.label} not in effect: ${a.why}`); continue; }
    return { type: rule.type, label: rule.label, expires: e.expires, permanent: e.permanent || undefined, why: a.why };
  }
  return undefined;
}

function hasMedicalExemptionFor(pack: Pack, vaccines: string[], exemptions: ExemptionInput[], asOf: IsoDate): boolean {
  return exemptions.some((e) => e.type === 'medical' && (!e.vaccine || vaccines.includes(e.vaccine)) && pack.exemptions.some((r) => r.type === 'medical') && exemptionActive(pack, e, asOf).active);
}

function forecastFor(req: Requirement, forecast: ForecastInput | undefined) {
  const fs = req.antigens.map((a) => forecast?.[a]).filter((x): x is NonNullable<typeof x> => !!x);
  if (!fs.length) return undefined;
  const earliest = maxDate(...fs.map((f) => f.earliest));
  const pastDues = fs.map((f) => f.pastDue).filter((x): x is IsoDate => !!x).sort();
  return { earliest, pastDue: pastDues[0] };
}

type VaccineBase = Pick<VaccineEvaluation, 'vaccine' | 'name' | 'counted' | 'notCounted' | 'missing' | 'notes'>;

function withExemption(pack: Pack, req: Requirement, exemptions: ExemptionInput[], asOf: IsoDate, base: VaccineBase, why: string): VaccineEvaluation | undefined {
  const ex = findExemption(pack, req, exemptions, asOf, base.notes);
  if (!ex) return undefined;
  return { ...base, status: 'exempt', reason: `${ex.label} (${ex.why}); ${why}`, exemption: { type: ex.type, label: ex.label, expires: ex.expires, permanent: ex.permanent } };
}

function evaluateRequirement(input: EvaluationInput, req: Requirement): VaccineEvaluation {
  const { pack, asOf, student } = input;
  const grace = pack.gracePeriodDays;
  const notes: string[] = [...req.notes];
  const exemptions = input.exemptions ?? [];
  const observations = input.observations ?? [];
  const base = { vaccine: req.vaccine, name: req.name, counted: [] as CountedDose[], notCounted: [] as UncountedDose[], missing: [] as string[], notes };
  const fc = forecastFor(req, input.forecast);

  // Doses of the vaccine's products, in date order, each judged for CDSi validity and product rules.
  const products = productSet(req)!;
  const eligible: Eligible[] = [];
  // input.doses is in date order (evaluateStudent sorts once).
  const sorted = input.doses.filter((d) => products.has(cvxKey(d.cvx)));
  // Hot path (every dose of every requirement of every student): plain loops, no closures per dose.
  const antigens = req.antigens;
  for (const d of sorted) {
    let why: string | undefined;
    if (d.date > asOf) why = `dated after the as-of date ${asOf}`;
    else if (d.validFor) {
      let judged = 0, invalid: string[] | undefined;
      for (const a of antigens) {
        const v = d.validFor[a];
        if (v === undefined) continue;
        judged++;
        if (!v) (invalid ??= []).push(a);
      }
      if (invalid) why = `not valid under the CDSi evaluation for ${invalid.join(', ')}`;
      else if (!judged) why = `no CDSi evaluation for ${antigens.join(', ')}`;
    }
    if (why) { base.notCounted.push({ date: d.date, cvx: d.cvx, reason: why }); continue; }
    // No closure per dose here: tsx (esbuild keepNames) wraps each named arrow in a __name() call.
    const rule = req.productRules.length ? ruleFor(req, d.cvx) : undefined;
    if (rule) {
      if (rule.minAge && d.date < threshold(student.dob, rule.minAge, grace)) { base.notCounted.push({ date: d.date, cvx: d.cvx, reason: `CVX ${d.cvx} counts only from age ${rule.minAge}${rule.note ? ` (${rule.note})` : ''}` }); continue; }
      if (rule.onlyWithMedicalExemptionFor || rule.onlyWithObservation) {
        const byEx = rule.onlyWithMedicalExemptionFor ? hasMedicalExemptionFor(pack, rule.onlyWithMedicalExemptionFor, exemptions, asOf) : false;
        const byObs = rule.onlyWithObservation ? observations.some((o) => rule.onlyWithObservation!.includes(o.code)) : false;
        if (!byEx && !byObs) { base.notCounted.push({ date: d.date, cvx: d.cvx, reason: `CVX ${d.cvx} counts only with a documented contraindication${rule.note ? ` (${rule.note})` : ''}` }); continue; }
      }
    }
    if (eligible.length && eligible[eligible.length - 1].date === d.date) { base.notCounted.push({ date: d.date, cvx: d.cvx, reason: 'a second dose on the same day counts once' }); continue; }
    eligible.push({ date: d.date, cvx: d.cvx, historical: d.historical });
  }


  if (req.mode === 'ageAppropriate') {
    for (const d of eligible) base.counted.push({ date: d.date, cvx: d.cvx, position: base.counted.length + 1, reason: 'valid dose toward the age-appropriate schedule', historical: d.historical });
    if (!fc) {
      notes.push('no CDSi forecast supplied: no past-due date known');
      return { ...base, status: 'compliant', reason: 'age-appropriate: no dose known to be past due' };
    }
    if (fc.pastDue && fc.pastDue <= asOf) {
      base.missing.push(`the next dose was past due on ${fc.pastDue}`);
      const ex = withExemption(pack, req, exemptions, asOf, base, `next dose past due ${fc.pastDue}`);
      if (ex) return ex;
      return { ...base, status: 'not compliant', reason: `not age-appropriate: the next dose was past due on ${fc.pastDue}`, earliestNextDose: fc.earliest, pastDue: fc.pastDue };
    }
    return { ...base, status: 'compliant', reason: 'age-appropriate: no dose past due', earliestNextDose: fc.earliest, pastDue: fc.pastDue };
  }

  const results = req.paths.filter((p) => applies(p.appliesWhen, student, asOf)).map((p) => evaluatePath(p, eligible, student.dob, grace, asOf));
  const met = results.find((r) => r.met);
  const best = met ?? [...results].sort((a, b) => b.score - a.score)[0];
  if (best) {
    const used = new Set<string>();
    for (const s of best.steps) for (const x of s.selected) {
      base.counted.push({ date: x.dose.date, cvx: x.dose.cvx, step: s.step.label, position: x.position, reason: x.reason, historical: x.dose.historical });
      used.add(x.dose.date);
    }
    for (const s of best.steps) for (const x of s.skipped) if (!used.has(x.dose.date) && !base.notCounted.some((n) => n.date === x.dose.date && n.cvx === x.dose.cvx)) {
      base.notCounted.push({ date: x.dose.date, cvx: x.dose.cvx, reason: x.reason });
    }
    const c = base.counted;
    for (let i = 1; i < c.length; i++) if (c[i].date < c[i - 1].date) { c.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)); break; }
  }
  const path = best ? { id: best.path.id, label: best.path.label } : undefined;
  // Literals with base's keys in order, not `{ ...base, ... }`: a spread with added keys is slow in V8 and
  // this is the commonest return of the hottest function of a district run.
  if (met) return { vaccine: base.vaccine, name: base.name, counted: base.counted, notCounted: base.notCounted, missing: base.missing, notes, path, status: 'compliant', reason: `met: ${met.path.label}` };

  // Evidence of immunity instead of doses.
  for (const ev of req.evidence) {
    if (ev.notForFlags?.some((f) => student.flags?.[f])) continue;
    if (ev.kind === 'observation') {
      if (ev.allOf.every((g) => observations.some((o) => g.codes.includes(o.code) && (!o.date || o.date <= asOf)))) {
        return { ...base, path, status: 'compliant', reason: `evidence: ${ev.label}`, evidence: ev.label };
      }
    } else if (ev.kind === 'bornBefore') {
      if (student.dob < ev.date && (ev.requiresFlags ?? []).every((f) => student.flags?.[f])) {
        return { ...base, path, status: 'compliant', reason: `evidence: ${ev.label}`, evidence: ev.label };
      }
    }
  }

  // What is missing on the closest path, and when the next dose can be given.
  let earliest: IsoDate | undefined;
  if (best) {
    for (const s of best.steps) if (!s.met) {
      const more = s.step.doses - s.selected.length;
      base.missing.push(`${more} more dose${more > 1 ? 's' : ''}${s.step.label ? ` of ${s.step.label}` : ''} (dose ${s.nextPosition} of ${s.step.doses}) for: ${best.path.label}`);
      earliest = maxDate(earliest, s.earliest ?? student.dob);
    }
    if (!best.recencyOk) {
      base.missing.push(best.recencyDue ? `a booster: the last dose was due again on ${best.recencyDue}` : 'a recent dose');
      earliest = maxDate(earliest, student.dob);
    }
  } else {
    base.missing.push('no path of this requirement applies to the student');
  }
  if (fc?.earliest) earliest = maxDate(earliest, fc.earliest);
  const pastDue = fc?.pastDue;
  const ex = withExemption(pack, req, exemptions, asOf, base, `missing ${base.missing.join('; ')}`);
  if (ex) return { ...ex, path, earliestNextDose: earliest, pastDue };

  const begun = eligible.length > 0;
  const notYetDue = pack.inProcessUntil === 'earliest'
    ? !!earliest && earliest > asOf
    : !!(pastDue ?? earliest) && (pastDue ?? earliest)! > asOf;
  if (begun && notYetDue && best?.recencyOk !== false) {
    return { vaccine: base.vaccine, name: base.name, counted: base.counted, notCounted: base.notCounted, missing: base.missing, notes, path, status: 'in process', reason: `series begun; the next dose is not due until ${pack.inProcessUntil === 'earliest' ? earliest : pastDue ?? earliest}`, earliestNextDose: earliest, pastDue };
  }
  return { vaccine: base.vaccine, name: base.name, counted: base.counted, notCounted: base.notCounted, missing: base.missing, notes, path, status: 'not compliant', reason: `missing ${base.missing.join('; ')}`, earliestNextDose: earliest && earliest < asOf ? asOf : earliest, pastDue };
}

/** Evaluate one student against a pack on a date. Throws EvaluationInputError for bad input. */
export function evaluateStudent(input: EvaluationInput): Evaluation {
  const problems = checkInput(input);
  if (problems.length) throw new EvaluationInputError(problems);
  return evaluateChecked(input);
}

/** evaluateStudent for input already passed through checkInput. */
export function evaluateChecked(input: EvaluationInput): Evaluation {
  const { pack, student, asOf } = input;
  const level = pack.levels.find((l) => l.grades.includes(String(student.grade)))!;
  // Doses in date order (a copy only when they are not already: records are read in date order).
  let doses = input.doses;
  for (let i = 1; i < doses.length; i++) if (doses[i].date < doses[i - 1].date) { doses = [...doses].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)); break; }
  const sorted: EvaluationInput = { pack, asOf, student, doses, observations: input.observations, exemptions: input.exemptions, forecast: input.forecast };
  const vaccines = level.requirements.filter((r) => applies(r.appliesWhen, student, asOf)).map((r) => evaluateRequirement(sorted, r));
  const status = pack.statusPrecedence.find((s) => vaccines.some((v) => v.status === s)) ?? 'compliant';
  const exemptionTypes = [...new Set(vaccines.filter((v) => v.status === 'exempt').map((v) => v.exemption!.type))];
  return { pack: pack.id, asOf, level: { id: level.id, name: level.name }, status, vaccines, exemptionTypes };
}
