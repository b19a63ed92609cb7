// The CDSi engine (CDC logic spec 4.6, chapters 4-9): one pure function from a patient's history to per-antigen
// evaluation, best-series selection and per-vaccine-group forecast. No clock: assessmentDate is a parameter.
// Section numbers in comments refer to the specification.
import { addOffset, formatDate, parseDate, type DayNum, type Offset } from './dates.ts';
import { normCvx, type Antigen, type ConditionalSkip, type Interval, type Schedule, type Series, type TargetDose, type AgeRow, type VaccineGroup } from './schedule.ts';

export interface EngineInput {
  patient: { birthDate: string; gender?: string | null; birthCountry?: string | null };
  /** `condition` marks a dose that cannot be evaluated (expired, sub-potent, recalled: 6.1) */
  doses: { id?: string; date: string; cvx: string; mvx?: string | null; condition?: string | null }[];
  observations?: { code: string; date?: string | null }[];
  assessmentDate: string;
}
export type EvaluationStatus = 'valid' | 'not_valid' | 'extraneous' | 'sub_standard';
export type SeriesStatus = 'not_complete' | 'complete' | 'immune' | 'contraindicated' | 'aged_out' | 'not_recommended';
export interface DoseEvaluation {
  doseIndex: number; id?: string; date: string; cvx: string; antigen: string; series: string;
  targetDose?: string; status: EvaluationStatus;
  /** the first reason in the specification's order (age, interval, conflict, vaccine); `reasons` lists every failed rule */
  reason?: string; reasons?: string[]; explanation: string;
}
export interface Forecast {
  doseNumber: number; earliestDate: string; recommendedDate: string; pastDueDate?: string; latestDate?: string;
  vaccineTypes: string[]; cvx?: string[]; seriesType?: string; explanation: string;
}
export interface AntigenResult {
  antigen: string; vaccineGroup: string; status: SeriesStatus; selectedSeries?: string; seriesType?: string;
  seriesConsidered: { name: string; group: string; type: string; status: SeriesStatus; validDoses: number; score?: number; best: boolean }[];
  selectionReason: string; evaluations: DoseEvaluation[]; forecast?: Forecast; explanation: string;
  /** further best series (non-equivalent series groups, e.g. a risk series beside the standard one) */
  otherBest?: { series: string; seriesType: string; status: SeriesStatus; forecast?: Forecast; evaluations: { doseIndex: number; status: EvaluationStatus; reason?: string; targetDose?: string }[] }[];
}
export interface VaccineGroupResult {
  vaccineGroup: string; status: SeriesStatus; antigens: string[];
  /** per input dose (index into input.doses) touching this group: combined evaluation across its antigens */
  doses: { doseIndex: number; status: EvaluationStatus; reason?: string; reasons?: string[]; seriesType?: string; explanation?: string }[];
  forecast?: Forecast; explanation: string;
}
export interface EngineResult { scheduleVersion: string; assessmentDate: string; antigens: AntigenResult[]; vaccineGroups: VaccineGroupResult[] }

// ---------------------------------------------------------------------------------------------------------------
interface Dose { i: number; id?: string; date: DayNum; dateText: string; cvx: string; mvx?: string; condition?: string }
interface Eval { dose: Dose; k: number; status: EvaluationStatus; reason?: string; reasons?: string[]; target?: number; inadvertent: boolean; explanation: string }
type TargetStatus = 'not_satisfied' | 'satisfied' | 'skipped';
interface Target { td: TargetDose; status: TargetStatus; dose?: Dose; note?: string }
interface SeriesForecast {
  doseNumber: number; target: number; earliest: DayNum; unadjRec: DayNum; rec: DayNum; unadjPastDue?: DayNum; pastDue?: DayNum; latest?: DayNum;
  types: string[]; cvx: string[]; priority: boolean;
  /** SELECTB-12 / SELECTB-3, computed only when series are scored (see finishOf) */
  finish?: DayNum; completable?: boolean;
  td: TargetDose; basis: string; basisRef: DayNum; recBasis: string;
}
/** The human-readable reason of a forecast's dates (built only for forecasts that are reported). */
function forecastWhy(f: SeriesForecast, s: Series): string {
  const basis = f.basis.endsWith(' ') ? f.basis + fmt(f.basisRef) : f.basis;
  return `${f.td.doseNumber} of '${s.name}': earliest ${fmt(f.earliest)}${basis ? ` (${basis})` : ''}; recommended ${fmt(f.rec)}${f.recBasis ? ` (${f.recBasis})` : ''}${f.pastDue !== undefined ? `; past due after ${fmt(f.pastDue)}` : ''}`;
}
interface PatientSeries {
  series: Series; targets: Target[]; evals: Eval[]; status: SeriesStatus; forecast?: SeriesForecast; satisfied: number;
  allValid: boolean; firstValid?: DayNum; notes: string[]; score?: number;
}
interface Ctx {
  dob: DayNum; gender: string; /** first letter of the gender, lower case ('' when unknown) */ genderKey: string; asOf: DayNum; obs: Map<string, DayNum | null>; schedule: Schedule; all: Dose[];
  /** memo generation of this evaluation (see ageDate) */
  stamp: number;
  // per-antigen state, indexed by Antigen.index
  antigenResults: (AntigenResult | undefined)[];
  /** best patient series per antigen, the primary one first */
  bestByAntigen: (PatientSeries[] | undefined)[];
  prioritizedByAntigen: (PatientSeries[] | undefined)[];
  inProgress: Uint8Array;
  /** the patient's doses per antigen (chapter 4, by CVX association age), filled once per evaluation */
  dosesByAntigen: Dose[][];
  /** some dose is the earlier dose of a live virus conflict */
  liveVirusDoses: boolean;
}

const NEVER = 1e9, EVER = -1e9;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
// dob + offset memoized per evaluation: slots indexed by offset id, valid while their stamp equals the current run
let runStamp = 0;
let memoStamp = new Int32Array(8192), memoValue = new Float64Array(8192);
function ageDate(c: Ctx, o: Offset | undefined, dflt: DayNum): DayNum {
  if (!o) return dflt;
  const id = o.id;
  if (id >= memoStamp.length) {
    const n = Math.max(id + 1, memoStamp.length * 2);
    const st = new Int32Array(n), va = new Float64Array(n); st.set(memoStamp); va.set(memoValue); memoStamp = st; memoValue = va;
  }
  if (memoStamp[id] === c.stamp) return memoValue[id]!;
  const v = addOffset(c.dob, o);
  memoStamp[id] = c.stamp; memoValue[id] = v;
  return v;
}
const inEffect = (x: { effective?: DayNum; cessation?: DayNum }, on: DayNum) => (x.effective === undefined || on >= x.effective) && (x.cessation === undefined || on <= x.cessation);
function ageRow(td: TargetDose, on: DayNum): AgeRow | undefined {
  for (const a of td.ages) if (inEffect(a, on)) return a;
  return undefined;
}
const fmt = formatDate;

// ---- 6.2 / 7.1 conditional skip -------------------------------------------------------------------------------
/** completeGroups: series group -> date the group's first complete series was completed (its last satisfying dose) */
interface SkipState { ps: PatientSeries; doses: Dose[]; upTo: number; completeGroups: Map<string, DayNum>; forecast: boolean }
function skipReason(c: Ctx, skips: ConditionalSkip[], context: 'Evaluation' | 'Forecast', ref: DayNum, st: SkipState): string | undefined {
  for (const sk of skips) {
    if (sk.context !== 'Both' && sk.context !== context) continue;
    let met = 0, metDesc: string | undefined;
    const sets = sk.sets;
    for (const set of sets) {
      if (!inEffect(set, ref)) continue;
      let n = 0;
      for (const cd of set.conditions) if (conditionMet(c, cd, ref, st)) n++;
      const ok = set.conditionLogic === 'OR' ? n > 0 : n === set.conditions.length && n > 0;
      if (ok) { met++; metDesc ??= set.description; }
    }
    if (sk.setLogic === 'AND' ? met === sets.length && met > 0 : met > 0) return metDesc ?? 'conditional skip';
  }
  return undefined;
}
function conditionMet(c: Ctx, cd: ConditionalSkip['sets'][number]['conditions'][number], ref: DayNum, st: SkipState): boolean {
  switch (cd.kind) {
    case 1: return ref >= ageDate(c, cd.beginAge, EVER) && ref < ageDate(c, cd.endAge, NEVER);
    case 2: {
      // from the immediate previous dose administered (CALCDTSKIP-5)
      const prev = st.upTo > 0 ? st.doses[st.upTo - 1] : undefined;
      return prev !== undefined && cd.interval !== undefined && ref >= addOffset(prev.date, cd.interval);
    }
    // complete as of the reference date: when evaluating a dose, only a series completed by earlier doses counts
    case 3: {
      for (const g of cd.seriesGroups) { const on = st.completeGroups.get(g); if (on !== undefined && (st.forecast ? on <= ref : on < ref)) return true; }
      return false;
    }
    case 4: {
      const byAge = cd.countByAge, byDate = cd.countByDate;
      const lo = byAge ? ageDate(c, cd.beginAge, EVER) : EVER, hi = byAge ? ageDate(c, cd.endAge, NEVER) : NEVER;
      const sd = byDate ? cd.startDate ?? EVER : EVER, ed = byDate ? cd.endDate ?? NEVER : NEVER;
      let n = 0;
      // CONDSKIP-1: doses evaluated so far (before the dose being evaluated / all doses when forecasting)
      for (let k = 0; k < st.upTo; k++) {
        const d = st.doses[k]!;
        if (cd.vaccineTypes && !cd.vaccineTypes.has(d.cvx)) continue;
        if (d.date < lo || d.date >= hi || d.date < sd || d.date >= ed) continue;
        if (cd.doseType === 'valid' && st.ps.evals[k]?.status !== 'valid') continue;
        n++;
      }
      const want = cd.doseCount ?? 0;
      return cd.countLogic === 1 ? n > want : cd.countLogic === -1 ? n < want : n === want;
    }
    default: return false;
  }
}

// ---- interval reference dates (CALCDTINT-1, -2, -8, -9) --------------------------------------------------------
function intervalRef(c: Ctx, iv: Interval, ps: PatientSeries, doses: Dose[], upTo: number): DayNum | undefined {
  if (iv.fromPrevious) {
    for (let k = upTo - 1; k >= 0; k--) { const e = ps.evals[k]!; if ((e.status === 'valid' || e.status === 'not_valid') && !e.inadvertent) return e.dose.date; }
    return undefined;
  }
  if (iv.fromTargetDose !== undefined) {
    for (const t of ps.targets) if (t.td.index === iv.fromTargetDose - 1 && t.status === 'satisfied') return t.dose!.date;
    return undefined;
  }
  if (iv.fromMostRecent) {
    for (let k = upTo - 1; k >= 0; k--) { const e = ps.evals[k]; const d = doses[k]!; if (iv.fromMostRecent.has(d.cvx) && !e?.inadvertent) return d.date; }
    return undefined;
  }
  if (iv.fromRelevantObs) return c.obs.get(iv.fromRelevantObs) ?? undefined;
  return undefined;
}

// ---- live virus conflicts (6.7) --------------------------------------------------------------------------------
function previousDoseStatus(c: Ctx, p: Dose, ps: PatientSeries, antigen: string, doses: Dose[]): EvaluationStatus | undefined {
  const k = doses.indexOf(p);
  if (k >= 0) return ps.evals[k]?.status;
  const assoc = c.schedule.cvx.get(p.cvx)?.associations ?? [];
  for (const a of assoc) {
    if (a.antigen === antigen || a.antigenIndex < 0 || c.inProgress[a.antigenIndex]) continue;
    const st = ensureAntigen(c, a.antigenIndex, p.i);
    if (st) return st;
  }
  return undefined;
}
function liveVirusConflict(c: Ctx, d: Dose, ps: PatientSeries, antigen: string, doses: Dose[]): string | undefined {
  if (!c.liveVirusDoses) return undefined;
  const rules = c.schedule.liveVirusByCurrent.get(d.cvx);
  if (!rules) return undefined;
  for (const p of c.all) {
    if (p === d || p.date > d.date) continue;
    for (const r of rules) {
      if (r.previous !== p.cvx) continue;
      if (d.date < addOffset(p.date, r.begin)) continue;
      const st = previousDoseStatus(c, p, ps, antigen, doses);
      const end = addOffset(p.date, st === undefined || st === 'valid' ? r.minEnd : r.end);
      if (d.date < end) return `live virus conflict: CVX ${d.cvx} within ${st === undefined || st === 'valid' ? r.minEnd.text : r.end.text} of CVX ${p.cvx} given ${fmt(p.date)}`;
    }
  }
  return undefined;
}

// ---- chapter 6: evaluate one patient series ---------------------------------------------------------------------
function addEval(ps: PatientSeries, dose: Dose, k: number, status: EvaluationStatus, reason: string | undefined, explanation: string, target?: number, inadvertent = false): void {
  ps.evals.push({ dose, k, status, reason, target, inadvertent, explanation });
  if (status !== 'valid') ps.allValid = false;
}

function evaluateSeries(c: Ctx, s: Series, antigen: string, doses: Dose[], completeGroups: Map<string, DayNum>): PatientSeries {
  const targets: Target[] = new Array(s.doses.length);
  for (let i = 0; i < targets.length; i++) targets[i] = { td: s.doses[i]!, status: 'not_satisfied', dose: undefined, note: undefined };
  const ps: PatientSeries = { series: s, targets, evals: [], status: 'not_complete', forecast: undefined, satisfied: 0, allValid: true, firstValid: undefined, notes: [], score: undefined };
  let t = 0;
  const st: SkipState = { ps, doses, upTo: 0, completeGroups, forecast: false };
  for (let k = 0; k < doses.length; k++) {
    const d = doses[k]!;
    st.upTo = k;
    while (t < targets.length) {
      const why = skipReason(c, targets[t]!.td.skips, 'Evaluation', d.date, st);
      if (!why) break;
      targets[t]!.status = 'skipped'; targets[t]!.note = why; ps.notes.push(`${targets[t]!.td.doseNumber} skipped: ${why}`); t++;
    }
    if (t >= targets.length) { addEval(ps, d, k, 'extraneous', 'series_already_complete', `'${s.name}' already complete: no target dose left`); continue; }
    const td = targets[t]!.td;
    const where = `${td.doseNumber} of '${s.name}'`;
    if (d.condition) { addEval(ps, d, k, 'sub_standard', 'dose_condition', `${where}: dose cannot be evaluated (${d.condition})`, t); continue; }
    if (td.inadvertent.has(d.cvx)) { addEval(ps, d, k, 'not_valid', 'inadvertent_vaccine', `${where}: CVX ${d.cvx} is an inadvertent vaccine for this dose`, t, true); continue; }
    // 6.4 age
    const ar = ageRow(td, d.date);
    const absMin = ageDate(c, ar?.absMinAge, EVER), maxA = ageDate(c, ar?.maxAge, NEVER);
    if (d.date >= maxA) { addEval(ps, d, k, 'extraneous', 'age_too_old', `${where}: given on or after the maximum age (${ar?.maxAge?.text})`, t); continue; }
    // every rule is checked: the dose carries all the reasons it is not valid (Table 6-31)
    const reasons: string[] = [], texts: string[] = [];
    if (d.date < absMin) { reasons.push('age_too_young'); texts.push(`given before the absolute minimum age (${ar?.absMinAge?.text}, ${fmt(absMin)})`); }
    const grace = d.date < ageDate(c, ar?.minAge, EVER);
    // 6.5 preferable intervals (all must be met), 6.6 allowable intervals when they are not
    let intervalFail: string | undefined;
    for (const iv of td.intervals) {
      if (!inEffect(iv, d.date)) continue;
      const ref = intervalRef(c, iv, ps, doses, k);
      if (ref === undefined || !iv.absMinInt) continue;
      const due = addOffset(ref, iv.absMinInt);
      if (d.date < due) { intervalFail = `given before the absolute minimum interval (${iv.absMinInt.text} from ${fmt(ref)}, ${fmt(due)})`; break; }
    }
    if (intervalFail) {
      const allow = td.allowableIntervals.filter((iv) => inEffect(iv, d.date));
      let ok = allow.length > 0;
      for (const iv of allow) {
        const ref = intervalRef(c, iv, ps, doses, k);
        if (ref !== undefined && iv.absMinInt && d.date < addOffset(ref, iv.absMinInt)) { ok = false; break; }
      }
      if (ok) intervalFail = undefined;
    }
    if (intervalFail) { reasons.push('interval_too_soon'); texts.push(intervalFail); }
    // 6.7 live virus conflict
    const conflict = liveVirusConflict(c, d, ps, antigen, doses);
    if (conflict) { reasons.push('live_virus_conflict'); texts.push(conflict); }
    // 6.8 / 6.9 preferable or allowable vaccine
    let kind: string | undefined;
    for (const v of td.preferable) if (v.cvx === d.cvx && d.date >= ageDate(c, v.beginAge, EVER) && d.date < ageDate(c, v.endAge, NEVER) && (!v.mvx || !d.mvx || v.mvx === d.mvx)) { kind = 'preferable'; break; }
    if (!kind) for (const v of td.allowable) if (v.cvx === d.cvx && d.date >= ageDate(c, v.beginAge, EVER) && d.date < ageDate(c, v.endAge, NEVER)) { kind = 'allowable'; break; }
    if (!kind) { reasons.push('not_preferable_or_allowable_vaccine'); texts.push(`CVX ${d.cvx} is neither a preferable nor an allowable vaccine at this age`); }
    if (reasons.length) { addEval(ps, d, k, 'not_valid', reasons[0], `${where}: ${texts.join('; ')}`, t); ps.evals[ps.evals.length - 1]!.reasons = reasons; continue; }
    // 6.10 satisfied
    addEval(ps, d, k, 'valid', undefined, `${where} satisfied (${kind} vaccine${grace ? ', within the 4-day grace period' : ''})`, t);
    targets[t]!.status = 'satisfied'; targets[t]!.dose = d; ps.satisfied++;
    ps.firstValid ??= d.date;
    if (td.recurring) targets.splice(t + 1, 0, { td, status: 'not_satisfied' });
    t++;
  }
  return ps;
}

// ---- chapter 7: forecast one patient series ---------------------------------------------------------------------
interface AntigenFacts { immune?: string; contraindication?: string; vaccineCi: Map<string, string> }
function forecastSeries(c: Ctx, ps: PatientSeries, doses: Dose[], facts: AntigenFacts, completeGroups: Map<string, DayNum>): void {
  const s = ps.series, targets = ps.targets;
  const st: SkipState = { ps, doses, upTo: doses.length, completeGroups, forecast: true };
  let t = 0;
  while (t < targets.length && targets[t]!.status !== 'not_satisfied') t++;
  if (facts.immune) { ps.status = 'immune'; ps.notes.push(`immune: ${facts.immune}`); return; }
  let ref = c.asOf;
  for (;;) {
    // 7.1 conditional skip at the assessment date (7.6: again at the earliest date)
    while (t < targets.length && targets[t]!.status === 'not_satisfied') {
      const why = skipReason(c, targets[t]!.td.skips, 'Forecast', ref, st);
      if (!why) break;
      targets[t]!.status = 'skipped'; targets[t]!.note = why; ps.notes.push(`${targets[t]!.td.doseNumber} skipped (forecast): ${why}`); t++;
    }
    while (t < targets.length && targets[t]!.status !== 'not_satisfied') t++;
    if (t >= targets.length) {
      if (facts.contraindication) { ps.status = 'contraindicated'; ps.notes.push(facts.contraindication); return; }
      ps.status = ps.satisfied > 0 || targets.some((x) => x.status === 'satisfied') ? 'complete' : 'not_recommended';
      ps.notes.push(ps.status === 'complete' ? 'patient series is complete' : 'not recommended at this time due to past immunization history');
      return;
    }
    const td = targets[t]!.td;
    // 7.3 contraindications: antigen-level, or every preferable vaccine of the next dose contraindicated
    if (facts.contraindication) { ps.status = 'contraindicated'; ps.notes.push(facts.contraindication); return; }
    // Table 7-7: contraindicated when every preferable vaccine of the series (any of its target doses) is contraindicated
    if (facts.vaccineCi.size && s.doses.every((x) => x.preferable.every((v) => facts.vaccineCi.has(v.cvx)))) {
      ps.status = 'contraindicated'; ps.notes.push(`contraindicated: every preferable vaccine of the series is (${[...new Set(td.preferable.map((v) => facts.vaccineCi.get(v.cvx)))].join(', ')})`); return;
    }
    if (td.season && c.asOf > td.season.end) { ps.status = 'not_recommended'; ps.notes.push(`past the seasonal recommendation end date ${fmt(td.season.end)}`); return; }
    const ar = ageRow(td, c.asOf);
    const maxA = ageDate(c, ar?.maxAge, NEVER);
    if (c.asOf >= maxA) { ps.status = 'aged_out'; ps.notes.push(`${td.doseNumber}: assessment date on or after the maximum age (${ar?.maxAge?.text})`); return; }
    // 7.5 dates (the governing component is kept as raw data; its text is only built for reported forecasts)
    // FORECASTDTCAN-1: with no minimum age, interval, conflict, season or earlier dose the candidate earliest date is
    // empty, i.e. 12/31/2999, and the patient cannot finish the series (Table 7-10)
    let earliest = EVER, basis = '', basisRef = 0;
    if (ar?.minAge) { earliest = ageDate(c, ar.minAge, EVER); basis = `minimum age ${ar.minAge.text}`; }
    let recInt: DayNum | undefined, pastInt: DayNum | undefined, priority = td.intervals.length > 0;
    for (const iv of td.intervals) {
      if (!inEffect(iv, c.asOf)) continue;
      if (!iv.priorityOverride) priority = false;
      const r = intervalRef(c, iv, ps, doses, doses.length);
      if (r === undefined) continue;
      if (iv.minInt) { const x = addOffset(r, iv.minInt); if (x > earliest) { earliest = x; basis = `minimum interval ${iv.minInt.text} from `; basisRef = r; } }
      if (iv.earliestRecInt) { const x = addOffset(r, iv.earliestRecInt); if (recInt === undefined || x > recInt) recInt = x; }
      if (iv.latestRecInt) { const x = addOffset(r, iv.latestRecInt); if (pastInt === undefined || x > pastInt) pastInt = x; }
    }
    // CALCDTCONFLICT-3: live virus conflict end dates for the preferable vaccines of the next dose
    if (c.liveVirusDoses) for (const { rules, previous } of td.preferableLiveRules) {
      for (const p of c.all) if (previous.has(p.cvx)) for (const r of rules) if (r.previous === p.cvx) { const x = addOffset(p.date, r.end); if (x > earliest) { earliest = x; basis = `live virus conflict (${r.end.text}) with CVX ${p.cvx} given `; basisRef = p.date; } }
    }
    if (td.season && td.season.start > earliest) { earliest = td.season.start; basis = 'season start'; }
    for (const e of ps.evals) if ((e.inadvertent || e.status === 'valid' || e.status === 'not_valid') && e.dose.date > earliest) { earliest = e.dose.date; basis = 'date of the most recent dose'; }
    const latest = ar?.maxAge ? maxA - 1 : undefined;
    if (earliest === EVER) { ps.status = 'aged_out'; ps.notes.push(`${td.doseNumber}: no date from which it could be given (no minimum age, interval or earlier dose)`); return; }
    if (earliest >= maxA) { ps.status = 'aged_out'; ps.notes.push(`${td.doseNumber}: cannot be given before the maximum age (${ar?.maxAge?.text})`); return; }
    // 7.6 validate: would the dose be skipped on its earliest date? then forecast the next one
    if (ref !== earliest && skipReason(c, td.skips, 'Forecast', earliest, st)) { ref = earliest; continue; }
    const unadjRec = ar?.earliestRecAge ? ageDate(c, ar.earliestRecAge, c.dob) : recInt ?? earliest;
    const unadjPastDue = ar?.latestRecAge ? ageDate(c, ar.latestRecAge, c.dob) - 1 : pastInt !== undefined ? pastInt - 1 : undefined;
    const rec = unadjRec > earliest ? unadjRec : earliest;
    const pastDue = unadjPastDue === undefined ? undefined : unadjPastDue > earliest ? unadjPastDue : earliest;
    // FORECASTRECVAC-1
    const types: string[] = [], cvx: string[] = [];
    for (const v of td.preferable) {
      if (!v.forecastVaccineType || facts.vaccineCi.has(v.cvx)) continue;
      const b = ageDate(c, v.beginAge, EVER), e = ageDate(c, v.endAge, NEVER);
      if ((earliest >= b && earliest < e) || (rec >= b && rec < e)) { types.push(v.vaccineType); cvx.push(v.cvx); }
    }
    // FORECASTDN-1
    let doseNumber = 1;
    for (const x of targets) if (x.status === 'satisfied' && (!x.td.season || x.dose!.date >= x.td.season.start)) doseNumber++;
    ps.status = 'not_complete';
    ps.forecast = { doseNumber, target: t, earliest, unadjRec, rec, unadjPastDue, pastDue, latest, types, cvx, priority,
      td, basis, basisRef, recBasis: ar?.earliestRecAge ? `age ${ar.earliestRecAge.text}` : recInt !== undefined ? 'recommended interval' : '' };
    return;
  }
}

// ---- chapter 5: relevant patient series ------------------------------------------------------------------------
function genderOk(c: Ctx, s: Series): boolean {
  const keys = s.genderKeys;
  if (!keys.length) return true;
  const g = c.genderKey;
  for (const k of keys) if (k === 'u' ? g === '' || g === 'u' : k === g) return true;
  return false;
}
/** Table 5-4; `future` also accepts an indication whose begin age is still ahead (the series is forecast from then). */
function indicationApplies(c: Ctx, s: Series, future = false): string | undefined {
  for (const i of s.indications) if (c.obs.has(i.code) && (future || c.asOf >= ageDate(c, i.beginAge, EVER)) && c.asOf < ageDate(c, i.endAge, NEVER)) return i.code;
  return undefined;
}

// ---- chapter 8: best patient series ------------------------------------------------------------------------------
const PRIORITY = (p: string) => p.toUpperCase().charCodeAt(0) || 65;
/** SELECTB-12: forecast finish date = earliest date + minimum intervals of the remaining target doses;
 *  SELECTB-3: completable when it falls before the maximum age of the last target dose. */
function completable(c: Ctx, r: PatientSeries): boolean {
  const f = r.forecast;
  if (!f) return false;
  if (f.completable === undefined) {
    let finish = f.earliest;
    const targets = r.targets;
    for (let j = f.target + 1; j < targets.length; j++) { let m: Offset | undefined; for (const iv of targets[j]!.td.intervals) if (iv.fromPrevious && iv.minInt) m = iv.minInt; if (m) finish = addOffset(finish, m); }
    f.finish = finish;
    f.completable = finish < ageDate(c, ageRow(targets[targets.length - 1]!.td, c.asOf)?.maxAge, NEVER);
  }
  return f.completable;
}
function isCandidate(r: PatientSeries, allCi: boolean): boolean { return r.status !== 'contraindicated' || allCi; }
function remainingTargets(r: PatientSeries): number { let n = 0; for (const x of r.targets) if (x.status === 'not_satisfied') n++; return n; }
/** Award +p to the single series meeting the condition, 0 to each of several (when `tieZero`), `neg` to the others. */
function award(scored: PatientSeries[], holds: boolean[], p: number, tieZero: boolean, neg: number): void {
  let n = 0;
  for (const h of holds) if (h) n++;
  for (let i = 0; i < scored.length; i++) scored[i]!.score! += holds[i] ? (tieZero && n > 1 ? 0 : p) : neg;
}
function prioritizeGroup(c: Ctx, list: PatientSeries[]): { chosen?: PatientSeries; why: string } {
  if (list.length === 1) {
    // a lone series is scorable or the group's default; it is prioritized either way unless it cannot be scored at all
    const r = list[0]!;
    if (r.series.isDefault || r.series.kind === 'risk' || (r.series.kind === 'standard' && (r.satisfied === 0 || r.firstValid! < ageDate(c, r.series.maxAgeToStart, NEVER))) || r.status === 'complete')
      return { chosen: r, why: 'only relevant series' };
    return { why: 'no scorable series' };
  }
  let allCi = true, noneValid = true, hasDefault = false, riskValid = false;
  for (const r of list) {
    if (r.status !== 'contraindicated') allCi = false;
    if (r.satisfied > 0) { noneValid = false; if (r.series.kind === 'risk') riskValid = true; }
    if (r.series.isDefault) hasDefault = true;
  }
  // priority is compared among the series the patient can still follow (an aged-out series does not block a lower priority)
  // and, when some risk series already has valid doses, among those (the patient is on that path)
  let bestPri = 999, anyViable = false;
  for (const r of list) if (r.status !== 'aged_out' && (!riskValid || r.satisfied > 0 || r.series.kind !== 'risk')) { anyViable = true; bestPri = Math.min(bestPri, PRIORITY(r.series.priority)); }
  if (!anyViable) for (const r of list) bestPri = Math.min(bestPri, PRIORITY(r.series.priority));
  const scorable: PatientSeries[] = [], complete: PatientSeries[] = [], inProcess: PatientSeries[] = [], def: PatientSeries[] = [];
  for (const r of list) {
    if (r.series.isDefault) def.push(r);
    const k = r.series.kind;
    let ok: boolean;
    if (k === 'risk') ok = PRIORITY(r.series.priority) === bestPri && isCandidate(r, allCi);
    else if (k === 'standard') ok = r.satisfied > 0 ? r.firstValid! < ageDate(c, r.series.maxAgeToStart, NEVER) && isCandidate(r, allCi) : noneValid && !hasDefault && isCandidate(r, allCi);
    else ok = r.status === 'complete';
    if (!ok) continue;
    scorable.push(r);
    if (r.status === 'complete') complete.push(r); else if (r.satisfied > 0) inProcess.push(r);
  }
  if (scorable.length === 0) return def.length === 1 ? { chosen: def[0], why: 'no scorable series: default series' } : { why: 'no scorable series' };
  if (scorable.length === 1) return { chosen: scorable[0], why: 'only scorable series' };
  if (complete.length === 1) return { chosen: complete[0], why: 'only complete series' };
  if (complete.length === 0 && inProcess.length === 1) return { chosen: inProcess[0], why: 'only in-process series' };
  if (complete.length === 0 && inProcess.length === 0 && def.length === 1 && scorable.includes(def[0]!)) return { chosen: def[0], why: 'default series' };
  let scored: PatientSeries[], kind: string;
  if (complete.length >= 2) { scored = complete; kind = 'complete'; }
  else if (inProcess.length >= 2) { scored = inProcess; kind = 'in-process'; }
  else { scored = scorable.filter((r) => r.satisfied === 0); if (!scored.length) scored = scorable; kind = 'no valid doses'; }
  for (const r of scored) r.score = 0;
  let maxValid = 0;
  for (const r of scored) if (r.satisfied > maxValid) maxValid = r.satisfied;
  if (kind === 'complete') award(scored, scored.map((r) => r.satisfied === maxValid), 1, true, -1);
  else if (kind === 'in-process') {
    let minRemaining = 1e9, minFinish = NEVER;
    for (const r of scored) { minRemaining = Math.min(minRemaining, remainingTargets(r)); if (completable(c, r)) minFinish = Math.min(minFinish, r.forecast!.finish!); }
    award(scored, scored.map((r) => r.series.productPath && r.allValid), 2, false, -2);
    award(scored, scored.map((r) => completable(c, r)), 3, false, -3);
    award(scored, scored.map((r) => r.satisfied === maxValid), 2, true, -2);
    award(scored, scored.map((r) => remainingTargets(r) === minRemaining), 2, true, -2);
    award(scored, scored.map((r) => completable(c, r) && r.forecast!.finish! <= minFinish), 1, true, -1);
  } else {
    let minStart = NEVER;
    for (const r of scored) if (r.forecast && r.forecast.earliest < minStart) minStart = r.forecast.earliest;
    award(scored, scored.map((r) => minStart < NEVER && r.forecast?.earliest === minStart), 1, true, -1);
    award(scored, scored.map((r) => completable(c, r)), 1, false, -1);
    award(scored, scored.map((r) => r.series.productPath), -1, false, 1);
  }
  let chosen = scored[0]!;
  for (const b of scored) if (b.score! > chosen.score! || (b.score === chosen.score && b.series.preference < chosen.series.preference)) chosen = b;
  return { chosen, why: `highest score ${chosen.score} among ${scored.length} ${kind} series` };
}
/** 8.8 equivalence is read as declared: a series naming group N may be replaced by group N's series (a risk series that
 *  names no equivalent group is never made redundant by a complete standard series). */
function namesGroup(p: Series, o: Series): boolean { return o.group !== p.group && p.equivalentGroups.includes(o.group); }
function selectBest(c: Ctx, runs: PatientSeries[]): { best: PatientSeries[]; prioritized: PatientSeries[]; reason: string } {
  const prioritized: PatientSeries[] = [];
  let reason = '';
  // runs come sorted by series group: walk each group's contiguous run
  for (let i = 0; i < runs.length;) {
    let j = i + 1;
    while (j < runs.length && runs[j]!.series.group === runs[i]!.series.group) j++;
    const { chosen, why } = prioritizeGroup(c, i === 0 && j === runs.length ? runs : runs.slice(i, j));
    if (chosen) { prioritized.push(chosen); reason += `${reason ? '; ' : ''}group ${chosen.series.group}: '${chosen.series.name}' (${why})`; }
    i = j;
  }
  if (prioritized.length <= 1) return { best: prioritized, prioritized, reason };
  const best: PatientSeries[] = [];
  for (const p of prioritized) {
    if (p.status === 'complete') { best.push(p); continue; }
    let eqComplete = false, eqRisk = false;
    for (const o of prioritized) if (o !== p && namesGroup(p.series, o.series)) { if (o.status === 'complete') eqComplete = true; if (o.series.kind === 'risk') eqRisk = true; }
    if (eqComplete || p.series.kind === 'evaluation') continue;
    if (p.series.kind === 'risk' || !eqRisk) best.push(p);
  }
  return { best, prioritized, reason };
}

// ---- chapters 4-8 for one antigen -------------------------------------------------------------------------------
const NO_DOSES: Dose[] = [];
/** Chapter 4: each dose goes to every antigen its CVX is associated with at the patient's age on that date. */
function splitDoses(c: Ctx): void {
  const by = c.dosesByAntigen;
  for (const d of c.all) {
    if (c.schedule.liveVirusPrevious.has(d.cvx)) c.liveVirusDoses = true;
    const m = c.schedule.cvx.get(d.cvx);
    if (!m) continue;
    for (const a of m.associations) {
      const k = a.antigenIndex;
      if (k < 0 || !(d.date >= ageDate(c, a.beginAge, EVER) && d.date < ageDate(c, a.endAge, NEVER))) continue;
      const list = by[k]!;
      if (list === NO_DOSES) by[k] = [d];
      else if (list[list.length - 1] !== d) list.push(d);
    }
  }
}

/** The evaluation status of dose `i` in antigen `an`'s primary best series (evaluating that antigen if needed). */
function ensureAntigen(c: Ctx, k: number, i: number): EvaluationStatus | undefined {
  if (c.bestByAntigen[k] === undefined) {
    const a = c.schedule.antigenList[k]!;
    evaluateAntigen(c, a, c.schedule.antigenToGroup.get(a.name) ?? a.name);
  }
  const p = c.bestByAntigen[k]?.[0];
  if (p) for (const e of p.evals) if (e.dose.i === i) return e.status;
  return undefined;
}

const NO_CI: Map<string, string> = new Map();
/** no observation and no birth-date immunity: nothing to know (shared, never written) */
const NO_FACTS: AntigenFacts = { vaccineCi: NO_CI };
function antigenFacts(c: Ctx, a: Antigen): AntigenFacts {
  if (c.obs.size === 0 && a.immunity.birthDateBefore === undefined) return NO_FACTS;
  const facts: AntigenFacts = { vaccineCi: c.obs.size ? new Map() : NO_CI };
  for (const code of a.immunity.codes) if (c.obs.has(code)) { facts.immune = `evidence of immunity: observation ${code}`; break; }
  if (!facts.immune && a.immunity.birthDateBefore !== undefined && c.dob < a.immunity.birthDateBefore) {
    const excluded = [...a.immunity.exclusions].find((x) => c.obs.has(x));
    if (!excluded) facts.immune = `born before ${fmt(a.immunity.birthDateBefore)}`;
  }
  for (const ci of a.groupContraindications) if (c.obs.has(ci.code) && c.asOf >= ageDate(c, ci.beginAge, EVER) && c.asOf < ageDate(c, ci.endAge, NEVER)) { facts.contraindication = `contraindicated: observation ${ci.code} ${ci.title}`; break; }
  for (const ci of a.vaccineContraindications) if (c.obs.has(ci.code) && c.asOf >= ageDate(c, ci.beginAge, EVER) && c.asOf < ageDate(c, ci.endAge, NEVER)) for (const x of ci.cvx ?? []) facts.vaccineCi.set(x, `${ci.code} ${ci.title}`);
  return facts;
}

function toForecast(f: SeriesForecast, s: Series): Forecast {
  return { doseNumber: f.doseNumber, earliestDate: fmt(f.earliest), recommendedDate: fmt(f.rec), pastDueDate: f.pastDue !== undefined ? fmt(f.pastDue) : undefined,
    latestDate: f.latest !== undefined ? fmt(f.latest) : undefined, vaccineTypes: f.types, cvx: f.cvx, seriesType: s.type, explanation: forecastWhy(f, s) };
}

/** Ordering of an antigen's best series, the primary one first: a series the patient may follow now before one they are
 *  too young to start (e.g. the 50+ pneumococcal series for a child), a risk series (not aged out) before a standard one,
 *  then an actionable status before a settled one, then the earliest forecast. */
function seriesOrderKey(c: Ctx, p: PatientSeries): number {
  const notYet = p.satisfied === 0 && !!p.series.minAgeToStart && c.asOf < ageDate(c, p.series.minAgeToStart, EVER);
  const risk = p.series.kind === 'risk' && p.status !== 'aged_out';
  const st = p.status === 'not_complete' ? 0 : p.status === 'contraindicated' ? 1 : p.status === 'immune' ? 2 : p.status === 'complete' ? 3 : p.status === 'not_recommended' ? 4 : 5;
  return (notYet ? 1000 : 0) + (risk ? 0 : 100) + st * 10;
}

const NO_EVALS: DoseEvaluation[] = [];
const NO_SERIES: PatientSeries[] = [], NO_EVAL_LIST: Eval[] = [];
/** shared empty "complete series groups" (never written: a map is made once a series completes) */
const NO_GROUPS: Map<string, DayNum> = new Map();
function evaluateAntigen(c: Ctx, a: Antigen, group: string): AntigenResult {
  const cached = c.antigenResults[a.index];
  if (cached) return cached;
  c.inProgress[a.index] = 1;
  const doses = c.dosesByAntigen[a.index]!;
  const facts = antigenFacts(c, a);
  const hasObs = c.obs.size > 0;
  const relevant: Series[] = [];
  let relevanceNotes = '';
  for (const s of a.series) {
    if (!genderOk(c, s)) continue;
    if (s.kind === 'risk') {
      if (!hasObs) continue;
      const code = indicationApplies(c, s);
      if (!code) continue;
      relevanceNotes += `${relevanceNotes ? '; ' : ''}'${s.name}' indicated by observation ${code}`;
    }
    relevant.push(s);
  }
  if (hasObs) {
    // a risk series group with no indication applying yet takes the series whose indication begins later in life, so
    // the patient is forecast from that age (e.g. dengue from 9 years) instead of getting nothing
    let added = false;
    for (const s of a.series) {
      if (s.kind !== 'risk' || relevant.includes(s) || !genderOk(c, s)) continue;
      if (relevant.some((r) => r.group === s.group && r.kind === 'risk')) continue;
      const code = indicationApplies(c, s, true);
      if (code && !a.series.some((r) => r !== s && r.group === s.group && r.kind === 'risk' && indicationApplies(c, r))) {
        relevant.push(s); added = true; relevanceNotes += `${relevanceNotes ? '; ' : ''}'${s.name}' indicated by observation ${code} from a later age`;
      }
    }
    if (added) relevant.sort((x, y) => Number(x.group) - Number(y.group));
  }
  // Without any dose of the antigen no standard series has a valid dose, so in a series group with a default series
  // none of the other standard series is scorable and the default one is prioritized (Table 8-3): skip evaluating them.
  let toRun = relevant;
  if (doses.length === 0) {
    toRun = [];
    for (let i = 0; i < relevant.length;) {
      let j = i, defaults = 0;
      while (j < relevant.length && relevant[j]!.group === relevant[i]!.group) { if (relevant[j]!.isDefault && relevant[j]!.kind === 'standard') defaults++; j++; }
      for (let k = i; k < j; k++) { const s = relevant[k]!; if (s.kind !== 'standard' || s.isDefault || defaults !== 1) toRun.push(s); }
      i = j;
    }
  }
  let completeGroups = NO_GROUPS;
  const runs: PatientSeries[] = [];
  for (const s of toRun) {
    const ps = evaluateSeries(c, s, a.name, doses, completeGroups);
    forecastSeries(c, ps, doses, facts, completeGroups);
    if (ps.status === 'complete') {
      let on = EVER;
      for (const t of ps.targets) if (t.status === 'satisfied' && t.dose!.date > on) on = t.dose!.date;
      if (completeGroups === NO_GROUPS) completeGroups = new Map();
      const prev = completeGroups.get(s.group);
      if (prev === undefined || on < prev) completeGroups.set(s.group, on);
    }
    runs.push(ps);
  }
  const { best, prioritized, reason } = selectBest(c, runs);
  let ordered = best;
  if (best.length > 1) {
    const keyed = best.map((p) => ({ p, k: seriesOrderKey(c, p), e: p.forecast?.earliest ?? 0 }));
    keyed.sort((x, y) => x.k - y.k || x.e - y.e);
    ordered = keyed.map((x) => x.p);
  }
  const primary = ordered[0];
  let evaluations = NO_EVALS;
  if (primary && primary.evals.length) {
    evaluations = [];
    for (const e of primary.evals) evaluations.push({ doseIndex: e.dose.i, id: e.dose.id, date: e.dose.dateText, cvx: e.dose.cvx, antigen: a.name, series: primary.series.name,
      targetDose: e.target !== undefined ? primary.targets[e.target]?.td.doseNumber : undefined, status: e.status, reason: e.reason, reasons: e.reasons ?? (e.reason ? [e.reason] : undefined), explanation: e.explanation });
  }
  const status: SeriesStatus = primary?.status ?? (facts.immune ? 'immune' : facts.contraindication ? 'contraindicated' : 'not_recommended');
  let explanation = relevanceNotes;
  if (primary) for (const n of primary.notes) explanation += (explanation ? '; ' : '') + n;
  if (facts.immune && !primary) explanation += (explanation ? '; ' : '') + facts.immune;
  const res: AntigenResult = {
    antigen: a.name, vaccineGroup: group, status, selectedSeries: primary?.series.name, seriesType: primary?.series.type,
    seriesConsidered: runs.map((r) => ({ name: r.series.name, group: r.series.group, type: r.series.type, status: r.status, validDoses: r.satisfied, score: r.score, best: best.includes(r) })),
    selectionReason: primary ? `best series '${primary.series.name}' (${primary.series.type}): ${reason}` : `no relevant series${relevant.length ? '' : ' for this patient'}`,
    evaluations, forecast: primary?.status === 'not_complete' && primary.forecast ? toForecast(primary.forecast, primary.series) : undefined,
    explanation,
    otherBest: ordered.length > 1 ? ordered.slice(1).map((p) => ({ series: p.series.name, seriesType: p.series.type, status: p.status, forecast: p.status === 'not_complete' && p.forecast ? toForecast(p.forecast, p.series) : undefined,
      evaluations: p.evals.map((e) => ({ doseIndex: e.dose.i, status: e.status, reason: e.reason, targetDose: e.target !== undefined ? p.targets[e.target]?.td.doseNumber : undefined })) })) : undefined,
  };
  c.bestByAntigen[a.index] = ordered;
  c.prioritizedByAntigen[a.index] = prioritized;
  c.antigenResults[a.index] = res;
  c.inProgress[a.index] = 0;
  return res;
}

// ---- chapter 9: vaccine groups ----------------------------------------------------------------------------------
const RANK: Record<EvaluationStatus, number> = { valid: 0, extraneous: 1, sub_standard: 2, not_valid: 3 };
function isActiveRisk(p: PatientSeries): boolean { return p.series.kind === 'risk' && p.status !== 'aged_out'; }
type GroupDose = VaccineGroupResult['doses'][number];
interface GroupPart { r: AntigenResult; k: number; p?: PatientSeries; nValid: number }
function findDose(doses: GroupDose[], i: number): number { for (let j = 0; j < doses.length; j++) if (doses[j]!.doseIndex === i) return j; return -1; }
function hasEvalOf(evals: Eval[], i: number): boolean { for (const e of evals) if (e.dose.i === i) return true; return false; }
function groupResult(c: Ctx, vg: VaccineGroup, refs: readonly Antigen[], res: AntigenResult[]): VaccineGroupResult {
  // chapter 9 blends best series of one series type only: the risk series when any antigen of the group has one
  let hasRisk = false;
  for (const a of refs) for (const p of c.bestByAntigen[a.index] ?? NO_SERIES) if (isActiveRisk(p)) hasRisk = true;
  const chosen: GroupPart[] = [];
  for (let i = 0; i < res.length; i++) {
    const best = c.bestByAntigen[refs[i]!.index] ?? NO_SERIES;
    let p: PatientSeries | undefined;
    if (hasRisk) { for (const x of best) if (isActiveRisk(x)) { p = x; break; } } else p = best[0];
    if (p || !hasRisk) chosen.push({ r: res[i]!, k: refs[i]!.index, p, nValid: 0 });
  }
  // one entry per input dose, kept in doseIndex order at the end
  const doses: GroupDose[] = [];
  // with a risk series, a dose not valid there but valid in the antigen's standard prioritized series keeps its standard
  // evaluation: the history is read as one path (routine doses first, then the risk doses)
  for (const part of chosen) {
    const { r, p } = part;
    if (!p?.evals.length && !hasRisk) continue;
    let nValid = 0;
    let std: PatientSeries | undefined;
    if (hasRisk) for (const x of c.prioritizedByAntigen[part.k] ?? NO_SERIES) if (x.series.kind === 'standard') { std = x; break; }
    const pEvals = p?.evals ?? NO_EVAL_LIST;
    for (const e of pEvals) {
      let use = e, from = p!;
      if (std) for (const se of std.evals) if (se.dose.i === e.dose.i) { if (se.status === 'valid' && e.status !== 'valid') { use = se; from = std; } break; }
      if (use.status === 'valid') nValid++;
      const j = findDose(doses, e.dose.i);
      if (j < 0 || RANK[use.status] > RANK[doses[j]!.status]) {
        const d: GroupDose = { doseIndex: e.dose.i, status: use.status, reason: use.reason, reasons: use.reasons ?? (use.reason ? [use.reason] : undefined), seriesType: from.series.kind, explanation: `${r.antigen}: ${use.explanation}` };
        if (j < 0) doses.push(d); else doses[j] = d;
      }
    }
    if (std) for (const se of std.evals) if (findDose(doses, se.dose.i) < 0 && !hasEvalOf(pEvals, se.dose.i)) doses.push({ doseIndex: se.dose.i, status: se.status, reason: se.reason, reasons: se.reasons, seriesType: 'standard', explanation: `${r.antigen}: ${se.explanation}` });
    part.nValid = nValid;
  }
  let status: SeriesStatus;
  if (!chosen.length) status = 'not_recommended';
  else if (chosen.length === 1) status = chosen[0]!.p?.status ?? chosen[0]!.r.status;
  else {
    let ci = false, aged = false, notRec = false, notComplete = false, allImmune = true;
    for (const { r, p } of chosen) {
      const st = p?.status ?? r.status;
      if (st === 'contraindicated') ci = true; else if (st === 'aged_out') aged = true; else if (st === 'not_recommended') notRec = true; else if (st === 'not_complete') notComplete = true;
      if (st !== 'immune') allImmune = false;
    }
    status = ci ? 'contraindicated' : aged ? 'aged_out' : notRec ? 'not_recommended' : notComplete ? 'not_complete' : allImmune ? 'immune' : 'complete';
  }
  let forecast: Forecast | undefined;
  if (status === 'not_complete') {
    const parts: GroupPart[] = [];
    for (const x of chosen) if (x.p?.status === 'not_complete' && x.p.forecast) parts.push(x);
    const p0 = parts[0];
    if (parts.length === 1 && p0!.r.forecast && c.bestByAntigen[p0!.k]?.[0] === p0!.p && (!hasRisk || p0!.nValid + 1 <= p0!.p!.forecast!.doseNumber)) {
      forecast = p0!.r.forecast; // the antigen's own forecast, already formatted
    } else if (parts.length) {
      let earliest: DayNum;
      let minE = NEVER, maxE = EVER, anyPriority = false, minRec = NEVER, minPd: number | undefined, minLate: number | undefined;
      let doseNumber = 0;
      const types: string[] = [], cvx: string[] = [];
      let explanation = '';
      for (let i = 0; i < parts.length; i++) {
        const x = parts[i]!, f = x.p!.forecast!;
        if (f.earliest < minE) minE = f.earliest;
        if (f.earliest > maxE) maxE = f.earliest;
        if (f.priority) anyPriority = true;
        if (f.rec < minRec) minRec = f.rec;
        if (f.pastDue !== undefined && (minPd === undefined || f.pastDue < minPd)) minPd = f.pastDue;
        if (f.latest !== undefined && (minLate === undefined || f.latest < minLate)) minLate = f.latest;
        // with routine doses carried into a risk forecast, the dose number counts them too
        const n = Math.max(f.doseNumber, hasRisk ? x.nValid + 1 : 0);
        doseNumber = i === 0 ? n : vg.administerFullVaccineGroup ? Math.min(doseNumber, n) : Math.max(doseNumber, n);
        for (const t of f.types) if (!types.includes(t)) types.push(t);
        for (const t of f.cvx) if (!cvx.includes(t)) cvx.push(t);
        explanation += (i ? ' | ' : '') + x.r.antigen + ': ' + forecastWhy(f, x.p!.series);
      }
      if (parts.length === 1) earliest = minE;
      else if (anyPriority) {
        // MULTIANTVG-1: a priority forecast anchors on the latest dose of any vaccine in the group
        earliest = minE;
        for (const d of c.all) if (d.date > earliest && c.schedule.cvx.get(d.cvx)?.associations.some((a) => vg.antigens.includes(a.antigen))) earliest = d.date;
      } else earliest = maxE;
      const rec = Math.max(minRec, earliest);
      const pastDue = minPd !== undefined ? Math.max(minPd, earliest) : undefined;
      forecast = { doseNumber, earliestDate: fmt(earliest), recommendedDate: fmt(rec), pastDueDate: pastDue !== undefined ? fmt(pastDue) : undefined,
        latestDate: minLate !== undefined ? fmt(minLate) : undefined, vaccineTypes: types, cvx, seriesType: p0!.p!.series.type, explanation };
    }
  }
  if (doses.length > 1) doses.sort((a, b) => a.doseIndex - b.doseIndex);
  const antigens: string[] = new Array(res.length);
  for (let i = 0; i < res.length; i++) antigens[i] = res[i]!.antigen;
  return { vaccineGroup: vg.name, status, antigens, doses, forecast, explanation: groupExplanation(hasRisk, res) };
}
/** Built with + (cheap rope strings), not join, which would copy every antigen's text per vaccine group. */
function groupExplanation(hasRisk: boolean, res: AntigenResult[]): string {
  let out = hasRisk ? 'risk series forecast; ' : '';
  for (let i = 0; i < res.length; i++) {
    const r = res[i]!;
    out += (i ? ' | ' : '') + r.antigen + ': ' + r.status + '; ' + r.selectionReason + (r.explanation ? '; ' + r.explanation : '');
  }
  return out;
}

/** Evaluate every dose and forecast every vaccine group (or only `onlyGroups`) as of input.assessmentDate. */
export function evaluateAndForecast(input: EngineInput, schedule: Schedule, onlyGroups?: ReadonlySet<string>): EngineResult {
  const dob = parseDate(input.patient.birthDate), asOf = parseDate(input.assessmentDate);
  const obs = new Map<string, DayNum | null>();
  for (const o of input.observations ?? []) {
    const d = o.date ? parseDate(o.date) : null;
    const code = /^\d{1,2}$/.test(o.code) ? o.code.padStart(3, '0') : o.code; // CDSi codes are 3 digits ('7' is '007')
    const prev = obs.get(code);
    if (prev === undefined || (d !== null && (prev === null || d > prev))) obs.set(code, d);
  }
  const all: Dose[] = input.doses.map((d, i) => ({ i, id: d.id, date: parseDate(d.date), dateText: '', cvx: normCvx(d.cvx), mvx: d.mvx ?? undefined, condition: d.condition ?? undefined }))
    .filter((d) => d.date <= asOf).sort((a, b) => a.date - b.date || a.i - b.i);
  for (const d of all) d.dateText = ISO_DATE.test(input.doses[d.i]!.date) ? input.doses[d.i]!.date : fmt(d.date);
  const nAntigens = schedule.antigenList.length;
  const c: Ctx = { dob, asOf, gender: input.patient.gender ?? '', genderKey: (input.patient.gender ?? '').trim().toLowerCase().slice(0, 1), obs, schedule, all, stamp: ++runStamp, antigenResults: new Array(nAntigens).fill(undefined), bestByAntigen: new Array(nAntigens).fill(undefined),
    prioritizedByAntigen: new Array(nAntigens).fill(undefined), inProgress: new Uint8Array(nAntigens), dosesByAntigen: new Array(nAntigens).fill(NO_DOSES), liveVirusDoses: false };
  splitDoses(c);
  const antigens: AntigenResult[] = [];
  const groups: VaccineGroupResult[] = [];
  for (const g of schedule.vaccineGroups.values()) {
    if (onlyGroups && !onlyGroups.has(g.name)) continue;
    const refs = g.antigenRefs;
    const res: AntigenResult[] = new Array(refs.length);
    for (let i = 0; i < refs.length; i++) { const r = evaluateAntigen(c, refs[i]!, g.name); res[i] = r; antigens.push(r); }
    groups.push(groupResult(c, g, refs, res));
  }
  return { scheduleVersion: schedule.version, assessmentDate: input.assessmentDate, antigens, vaccineGroups: groups };
}
