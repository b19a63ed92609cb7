// The CDSi engine (logic spec 4.6, chapters 4-9): one pure function from patient history to per-antigen
// evaluation, series selection and per-vaccine-group forecast. No clock: assessmentDate is a parameter.
import { addOffset, formatDate, parseDate, type DayNum, type Offset } from './dates.ts';
import { normCvx, type Antigen, type ConditionalSkip, type Interval, type Schedule, type Series, type TargetDose, type AgeRow } from './schedule.ts';

export interface EngineInput {
  patient: { birthDate: string; gender?: string | null };
  doses: { id?: string; date: string; cvx: string; mvx?: string | null }[];
  observations?: { code: string; date?: string | null }[];
  assessmentDate: string;
}
export type EvaluationStatus = 'valid' | 'not_valid' | 'extraneous' | 'sub_standard';
export type SeriesStatus = 'not_complete' | 'complete' | 'immune' | 'contraindicated' | 'aged_out' | 'not_recommended';
export interface DoseEvaluation {
  doseIndex: number; id?: string; date: string; cvx: string; antigen: string; series: string;
  targetDose?: string; status: EvaluationStatus; reason?: string; explanation: string;
}
export interface Forecast { doseNumber: number; earliestDate: string; recommendedDate: string; pastDueDate?: string; latestDate?: string; vaccineTypes: string[]; explanation: string }
export interface AntigenResult {
  antigen: string; vaccineGroup: string; status: SeriesStatus; selectedSeries?: string; seriesType?: string;
  seriesConsidered: { name: string; status: SeriesStatus; validDoses: number }[]; selectionReason: string;
  evaluations: DoseEvaluation[]; forecast?: Forecast; explanation: string;
}
export interface VaccineGroupResult {
  vaccineGroup: string; status: SeriesStatus; antigens: string[];
  /** per input dose (index into input.doses) touching this group: combined evaluation across its antigens */
  doses: { doseIndex: number; status: EvaluationStatus; reason?: string; seriesType?: string }[];
  forecast?: Forecast; explanation: string;
}
export interface EngineResult { scheduleVersion: string; assessmentDate: string; antigens: AntigenResult[]; vaccineGroups: VaccineGroupResult[] }

interface Ctx { dob: DayNum; gender: string; asOf: DayNum; obs: Map<string, DayNum | undefined>; schedule: Schedule }
interface Dose { i: number; id?: string; date: DayNum; cvx: string; mvx?: string }
interface Eval { dose: Dose; status: EvaluationStatus; reason?: string; target?: number; explanation: string }
interface SeriesRun { series: Series; evals: Eval[]; satisfied: (Dose | undefined)[]; next: number; status: SeriesStatus; forecast?: Forecast; validCount: number; skipNote: string }

const age = (c: Ctx, o: Offset | undefined, dflt: DayNum): DayNum => (o ? addOffset(c.dob, o) : dflt);
const NEVER = 1e9, EVER = -1e9;

function ageRow(td: TargetDose, on: DayNum): AgeRow | undefined {
  for (const a of td.ages) if ((a.effective === undefined || on >= a.effective) && (a.cessation === undefined || on < a.cessation)) return a;
  return td.ages[0];
}
function activeIntervals(list: Interval[], on: DayNum): Interval[] {
  return list.filter((i) => (i.effective === undefined || on >= i.effective) && (i.cessation === undefined || on < i.cessation));
}

/** Reference date of an interval (from previous dose, from a target dose, from most recent of given vaccines, from an observation). */
function intervalRef(c: Ctx, iv: Interval, run: SeriesRun, prior: Eval[], all: Dose[], before: DayNum): DayNum | undefined {
  if (iv.fromPrevious) {
    for (let k = prior.length - 1; k >= 0; k--) { const e = prior[k]!; if (e.status === 'valid' || (e.status === 'not_valid' && e.reason !== 'inadvertent_vaccine')) return e.dose.date; }
    return undefined;
  }
  if (iv.fromTargetDose !== undefined) return run.satisfied[iv.fromTargetDose - 1]?.date;
  if (iv.fromMostRecent) { let r: DayNum | undefined; for (const d of all) if (d.date < before && iv.fromMostRecent.has(d.cvx) && (r === undefined || d.date > r)) r = d.date; return r; }
  if (iv.fromRelevantObs) return c.obs.get(iv.fromRelevantObs);
  return undefined;
}

function skipMet(c: Ctx, skips: ConditionalSkip[], context: 'Evaluation' | 'Forecast', ref: DayNum, run: SeriesRun, prior: Eval[], all: Dose[]): string | undefined {
  for (const sk of skips) {
    if (sk.context !== 'Both' && sk.context !== context) continue;
    const setResults = sk.sets.map((set) => {
      if ((set.effective !== undefined && ref < set.effective) || (set.cessation !== undefined && ref >= set.cessation)) return false;
      const rs = set.conditions.map((cd) => {
        switch (cd.type) {
          case 'age': return ref >= age(c, cd.beginAge, EVER) && ref < age(c, cd.endAge, NEVER);
          case 'interval': {
            const prev = prior.length ? prior[prior.length - 1]!.dose.date : undefined;
            return prev !== undefined && cd.interval !== undefined && ref >= addOffset(prev, cd.interval);
          }
          case 'completed series': return false; // needs cross-series state; treated as not met
          default: {
            if (!cd.type.startsWith('vaccine count')) return false;
            const byAge = cd.type.includes('age'), byDate = cd.type.includes('date');
            const lo = byAge ? age(c, cd.beginAge, EVER) : EVER, hi = byAge ? age(c, cd.endAge, NEVER) : NEVER;
            const sd = byDate ? cd.startDate ?? EVER : EVER, ed = byDate ? cd.endDate ?? NEVER : NEVER;
            let n = 0;
            const pool = cd.doseType === 'valid' ? prior.filter((e) => e.status === 'valid').map((e) => e.dose) : all.filter((d) => d.date < ref || (context === 'Forecast' && d.date <= ref));
            for (const d of pool) if ((!cd.vaccineTypes || cd.vaccineTypes.has(d.cvx)) && d.date >= lo && d.date < hi && d.date >= sd && d.date < ed) n++;
            const want = cd.doseCount ?? 0;
            return cd.doseCountLogic.startsWith('greater') ? n > want : cd.doseCountLogic.startsWith('less') ? n < want : n === want;
          }
        }
      });
      return set.conditionLogic === 'OR' ? rs.some(Boolean) : rs.every(Boolean);
    });
    const hit = sk.setLogic === 'AND' ? setResults.length > 0 && setResults.every(Boolean) : setResults.some(Boolean);
    if (hit) return sk.sets.find((_, k) => setResults[k])?.description ?? 'conditional skip';
  }
  return undefined;
}

function runSeries(c: Ctx, s: Series, doses: Dose[]): SeriesRun {
  const run: SeriesRun = { series: s, evals: [], satisfied: [], next: 0, status: 'not_complete', validCount: 0, skipNote: '' };
  const sched = c.schedule;
  for (const d of doses) {
    if (run.next >= s.doses.length) { run.evals.push({ dose: d, status: 'extraneous', reason: 'series_already_complete', explanation: `series '${s.name}' already complete` }); continue; }
    // conditional skip (evaluation context): skip target doses until one applies
    while (run.next < s.doses.length) {
      const why = skipMet(c, s.doses[run.next]!.skips, 'Evaluation', d.date, run, run.evals, doses);
      if (!why) break;
      run.skipNote += `${s.doses[run.next]!.doseNumber} skipped: ${why}. `;
      run.satisfied[run.next] = undefined; run.next++;
    }
    if (run.next >= s.doses.length) { run.evals.push({ dose: d, status: 'extraneous', reason: 'series_already_complete', explanation: `series '${s.name}' complete (remaining doses skipped)` }); continue; }
    const td = s.doses[run.next]!;
    const prior = run.evals;
    const prevValid = prior.length === 0 || prior[prior.length - 1]!.status === 'valid';
    const fail = (status: EvaluationStatus, reason: string, explanation: string) => { run.evals.push({ dose: d, status, reason, target: run.next, explanation: `${td.doseNumber} of '${s.name}': ${explanation}` }); };
    if (td.inadvertent.has(d.cvx)) { fail('not_valid', 'inadvertent_vaccine', `CVX ${d.cvx} is an inadvertent vaccine`); continue; }
    const ar = ageRow(td, d.date);
    const absMin = age(c, ar?.absMinAge, EVER), minA = age(c, ar?.minAge, EVER), maxA = age(c, ar?.maxAge, NEVER);
    if (d.date < absMin || (d.date < minA && !prevValid)) { fail('not_valid', 'age_too_young', `given before ${d.date < absMin ? 'absolute minimum' : 'minimum'} age (${(d.date < absMin ? ar?.absMinAge : ar?.minAge)?.text})`); continue; }
    if (d.date >= maxA) { fail('extraneous', 'age_too_old', `given at or after maximum age (${ar?.maxAge?.text})`); continue; }
    // preferable intervals, then allowable intervals
    let intervalFail: string | undefined;
    for (const iv of activeIntervals(td.intervals, d.date)) {
      const ref = intervalRef(c, iv, run, prior, doses, d.date);
      if (ref === undefined) continue;
      const absMinD = iv.absMinInt ? addOffset(ref, iv.absMinInt) : ref, minD = iv.minInt ? addOffset(ref, iv.minInt) : absMinD;
      if (d.date < absMinD || (d.date < minD && !prevValid)) { intervalFail = `given before the minimum interval (${(d.date < absMinD ? iv.absMinInt : iv.minInt)?.text}) from ${formatDate(ref)}`; break; }
    }
    if (intervalFail && td.allowableIntervals.length) {
      let ok = true;
      for (const iv of activeIntervals(td.allowableIntervals, d.date)) {
        const ref = intervalRef(c, iv, run, prior, doses, d.date);
        if (ref !== undefined && iv.absMinInt && d.date < addOffset(ref, iv.absMinInt)) ok = false;
      }
      if (ok) intervalFail = undefined;
    }
    if (intervalFail) { fail('not_valid', 'interval_too_soon', intervalFail); continue; }
    // live virus conflict with earlier live doses of any antigen
    const lv = sched.liveVirusByCurrent.get(d.cvx);
    if (lv) {
      let conflict: string | undefined;
      for (const p of c.allDoses) {
        if (p.date >= d.date) continue;
        const rule = lv.find((r) => r.previous === p.cvx);
        if (!rule) continue;
        const valid = c.validLive.get(p.i) !== false;
        const end = addOffset(p.date, valid ? rule.minEnd : rule.end);
        if (d.date >= addOffset(p.date, rule.begin) && d.date < end) { conflict = `live virus conflict with CVX ${p.cvx} given ${formatDate(p.date)}`; break; }
      }
      if (conflict) { fail('not_valid', 'live_virus_conflict', conflict); continue; }
    }
    if (td.requiredGender.length && !td.requiredGender.some((g) => g.toLowerCase().startsWith(c.gender.toLowerCase() || '?'))) { fail('not_valid', 'gender', 'patient gender does not match the required gender'); continue; }
    const inRange = (v: { beginAge?: Offset; endAge?: Offset }) => d.date >= age(c, v.beginAge, EVER) && d.date < age(c, v.endAge, NEVER);
    const pref = td.preferable.find((v) => v.cvx === d.cvx && inRange(v) && (!v.mvx || !d.mvx || v.mvx === d.mvx));
    const allow = pref ? undefined : td.allowable.find((v) => v.cvx === d.cvx && inRange(v));
    if (!pref && !allow) { fail('not_valid', 'not_preferable_or_allowable_vaccine', `CVX ${d.cvx} is neither a preferable nor an allowable vaccine for this target dose at this age`); continue; }
    run.evals.push({ dose: d, status: 'valid', target: run.next, explanation: `${td.doseNumber} of '${s.name}' satisfied (${pref ? 'preferable' : 'allowable'} vaccine, age and intervals met)` });
    run.satisfied[run.next] = d; run.validCount++;
    if (!td.recurring) run.next++;
  }
  forecastSeries(c, run, doses);
  return run;
}

function forecastSeries(c: Ctx, run: SeriesRun, doses: Dose[]): void {
  const s = run.series;
  // forecast-context conditional skips at the assessment date
  while (run.next < s.doses.length) {
    const why = skipMet(c, s.doses[run.next]!.skips, 'Forecast', c.asOf, run, run.evals, doses);
    if (!why) break;
    run.skipNote += `${s.doses[run.next]!.doseNumber} skipped: ${why}. `;
    run.next++;
  }
  if (run.next >= s.doses.length) { run.status = 'complete'; return; }
  const td = s.doses[run.next]!;
  const ar = ageRow(td, c.asOf);
  const maxA = age(c, ar?.maxAge, NEVER);
  if (c.asOf >= maxA) { run.status = 'aged_out'; return; }
  let earliest = age(c, ar?.minAge, c.dob);
  let rec = ar?.earliestRecAge ? addOffset(c.dob, ar.earliestRecAge) : undefined;
  let pastDue = ar?.latestRecAge ? addOffset(c.dob, ar.latestRecAge) - 1 : undefined;
  const why: string[] = [`${td.doseNumber} of '${s.name}'`];
  for (const iv of activeIntervals(td.intervals, c.asOf)) {
    const ref = intervalRef(c, iv, run, run.evals, doses, NEVER);
    if (ref === undefined) continue;
    if (iv.minInt) { const e = addOffset(ref, iv.minInt); if (e > earliest) { earliest = e; why.push(`earliest from interval ${iv.minInt.text}`); } }
    if (iv.earliestRecInt) { const r = addOffset(ref, iv.earliestRecInt); if (rec === undefined || r > rec) rec = r; }
    if (iv.latestRecInt) { const p = addOffset(ref, iv.latestRecInt) - 1; if (pastDue === undefined || p > pastDue) pastDue = p; }
  }
  // live virus: the next dose must wait out the conflict window of earlier live doses
  for (const v of td.preferable) {
    const lv = c.schedule.liveVirusByCurrent.get(v.cvx);
    if (!lv) continue;
    for (const p of c.allDoses) { const r = lv.find((x) => x.previous === p.cvx); if (r) { const e = addOffset(p.date, r.end); if (e > earliest && p.date <= c.asOf) earliest = e; } }
    break;
  }
  if (td.season) { if (earliest < td.season.start) earliest = td.season.start; }
  if (rec === undefined || rec < earliest) rec = earliest;
  if (td.season && rec < td.season.start) rec = td.season.start;
  const latest = ar?.maxAge ? maxA - 1 : undefined;
  if (latest !== undefined && earliest > latest) { run.status = 'aged_out'; return; }
  const types = td.preferable.filter((v) => v.forecastVaccineType).map((v) => v.vaccineType);
  run.forecast = { doseNumber: run.next + 1, earliestDate: formatDate(earliest), recommendedDate: formatDate(rec), pastDueDate: pastDue !== undefined ? formatDate(pastDue) : undefined,
    latestDate: latest !== undefined ? formatDate(latest) : undefined, vaccineTypes: types.length ? types : td.preferable.map((v) => v.vaccineType), explanation: why.join('; ') };
}

function relevantSeries(c: Ctx, a: Antigen): Series[] {
  return a.series.filter((s) => {
    if (s.requiredGender.length && !s.requiredGender.some((g) => g.toLowerCase().startsWith((c.gender || '?').toLowerCase()))) return false;
    if (s.type === 'Risk') return s.indications.some((i) => c.obs.has(i.code) && c.asOf >= age(c, i.beginAge, EVER) && c.asOf < age(c, i.endAge, NEVER));
    return true;
  });
}

/** Chapter 8 (simplified scoring): complete beats in-progress; then most valid doses; then a startable series; then default/preference. */
function selectSeries(c: Ctx, runs: SeriesRun[]): { run?: SeriesRun; reason: string } {
  if (!runs.length) return { reason: 'no relevant series' };
  const startable = (r: SeriesRun) => c.asOf >= age(c, r.series.minAgeToStart, EVER) && c.asOf < age(c, r.series.maxAgeToStart, NEVER);
  const risk = runs.filter((r) => r.series.type === 'Risk');
  const pool = risk.length ? risk.concat(runs.filter((r) => r.series.type !== 'Risk')) : runs;
  const score = (r: SeriesRun) => (r.status === 'complete' ? 1e6 : 0) + r.validCount * 1000 + (r.validCount === 0 && startable(r) ? 100 : 0) + (r.series.isDefault ? 10 : 0) + (r.series.type === 'Risk' ? 50 : 0) - r.series.preference;
  let best = pool[0]!; let bs = score(best);
  for (const r of pool) { const sc = score(r); if (sc > bs) { best = r; bs = sc; } }
  return { run: best, reason: `selected '${best.series.name}': ${best.status === 'complete' ? 'complete' : `${best.validCount} valid dose(s)`}${best.series.type === 'Risk' ? ', risk series indicated by observation' : ''}${best.series.isDefault ? ', default series' : ''}` };
}

interface Ctx { allDoses: Dose[]; validLive: Map<number, boolean> }

export function evaluateAndForecast(input: EngineInput, schedule: Schedule, onlyGroups?: ReadonlySet<string>): EngineResult {
  const dob = parseDate(input.patient.birthDate), asOf = parseDate(input.assessmentDate);
  const obs = new Map<string, DayNum | undefined>();
  for (const o of input.observations ?? []) obs.set(o.code, o.date ? parseDate(o.date) : undefined);
  const all: Dose[] = input.doses.map((d, i) => ({ i, id: d.id, date: parseDate(d.date), cvx: normCvx(d.cvx), mvx: d.mvx ?? undefined }))
    .filter((d) => d.date <= asOf).sort((a, b) => a.date - b.date || a.i - b.i);
  const c: Ctx = { dob, asOf, gender: input.patient.gender ?? '', obs, schedule, allDoses: all, validLive: new Map() };
  const antigens: AntigenResult[] = [];
  const groups: VaccineGroupResult[] = [];
  for (const g of schedule.vaccineGroups.values()) {
    if (onlyGroups && !onlyGroups.has(g.name)) continue;
    const res: AntigenResult[] = [];
    for (const an of g.antigens) {
      const a = schedule.antigens.get(an);
      if (!a) continue;
      const doses = all.filter((d) => schedule.cvx.get(d.cvx)?.associations.some((x) => x.antigen === an && d.date >= age(c, x.beginAge, EVER) && d.date < age(c, x.endAge, NEVER)));
      res.push(evaluateAntigen(c, a, g.name, doses));
    }
    antigens.push(...res);
    groups.push(groupResult(g.name, res, input));
  }
  return { scheduleVersion: schedule.version, assessmentDate: input.assessmentDate, antigens, vaccineGroups: groups };
}

function evaluateAntigen(c: Ctx, a: Antigen, group: string, doses: Dose[]): AntigenResult {
  const base = { antigen: a.name, vaccineGroup: group };
  // evidence of immunity (chapter 4 immunity)
  for (const code of a.immunity.codes) if (c.obs.has(code)) return { ...base, status: 'immune', seriesConsidered: [], selectionReason: '', evaluations: [], explanation: `immune: observation ${code}` };
  const series = relevantSeries(c, a);
  const runs = series.map((s) => runSeries(c, s, doses));
  const { run, reason } = selectSeries(c, runs);
  const evaluations: DoseEvaluation[] = (run?.evals ?? []).map((e) => ({ doseIndex: e.dose.i, id: e.dose.id, date: formatDate(e.dose.date), cvx: e.dose.cvx, antigen: a.name, series: run!.series.name,
    targetDose: e.target !== undefined ? run!.series.doses[e.target]?.doseNumber : undefined, status: e.status, reason: e.reason, explanation: e.explanation }));
  let status: SeriesStatus = run?.status ?? 'not_recommended';
  let forecast = run?.forecast;
  let explanation = reason + (run?.skipNote ? `; ${run.skipNote}` : '');
  const ci = a.groupContraindications.find((x) => c.obs.has(x.code) && c.asOf >= age(c, x.beginAge, EVER) && c.asOf < age(c, x.endAge, NEVER));
  if (ci && status !== 'complete') { status = 'contraindicated'; forecast = undefined; explanation += `; contraindicated: ${ci.code} ${ci.title}`; }
  if (status !== 'not_complete') forecast = undefined;
  return { ...base, status, selectedSeries: run?.series.name, seriesType: run?.series.type, seriesConsidered: runs.map((r) => ({ name: r.series.name, status: r.status, validDoses: r.validCount })),
    selectionReason: reason, evaluations, forecast, explanation };
}

const RANK: Record<EvaluationStatus, number> = { valid: 0, extraneous: 1, sub_standard: 2, not_valid: 3 };
function groupResult(name: string, res: AntigenResult[], input: EngineInput): VaccineGroupResult {
  const byDose = new Map<number, { status: EvaluationStatus; reason?: string; seriesType?: string }>();
  for (const r of res) for (const e of r.evaluations) {
    const cur = byDose.get(e.doseIndex);
    if (!cur || RANK[e.status] > RANK[cur.status]) byDose.set(e.doseIndex, { status: e.status, reason: e.reason, seriesType: r.seriesType });
  }
  const statuses = res.map((r) => r.status);
  let status: SeriesStatus;
  if (!res.length) status = 'not_recommended';
  else if (statuses.includes('contraindicated')) status = 'contraindicated';
  else if (statuses.includes('not_complete')) status = 'not_complete';
  else if (statuses.every((s) => s === 'immune')) status = 'immune';
  else if (statuses.every((s) => s === 'complete' || s === 'immune')) status = 'complete';
  else if (statuses.includes('aged_out')) status = 'aged_out';
  else status = statuses[0]!;
  let forecast: Forecast | undefined;
  if (status === 'not_complete') {
    const fs = res.map((r) => r.forecast).filter((f): f is Forecast => !!f);
    if (fs.length) {
      const first = fs.reduce((a, b) => (b.doseNumber < a.doseNumber ? b : a));
      const maxOf = (k: 'earliestDate' | 'recommendedDate') => fs.map((f) => f[k]).sort().at(-1)!;
      const pds = fs.map((f) => f.pastDueDate).filter((x): x is string => !!x).sort();
      forecast = { ...first, earliestDate: maxOf('earliestDate'), recommendedDate: maxOf('recommendedDate'), pastDueDate: pds[0], explanation: fs.map((f) => f.explanation).join(' | ') };
    }
  }
  return { vaccineGroup: name, status, antigens: res.map((r) => r.antigen), doses: [...byDose.entries()].sort((a, b) => a[0] - b[0]).map(([doseIndex, v]) => ({ doseIndex, ...v })),
    forecast, explanation: res.map((r) => `${r.antigen}: ${r.status}; ${r.explanation}`).join(' | ') };
  void input;
}

/** Would a proposed dose be valid and needed? Runs the engine with the dose appended (on its date as assessment date). */
export function checkProposedDose(input: EngineInput, proposed: { date: string; cvx: string }, schedule: Schedule) {
  const idx = input.doses.length;
  const r = evaluateAndForecast({ ...input, doses: [...input.doses, { date: proposed.date, cvx: proposed.cvx }], assessmentDate: proposed.date > input.assessmentDate ? proposed.date : input.assessmentDate }, schedule);
  const per = r.antigens.flatMap((a) => a.evaluations.filter((e) => e.doseIndex === idx).map((e) => ({ antigen: a.antigen, vaccineGroup: a.vaccineGroup, status: e.status, reason: e.reason, explanation: e.explanation })));
  const contraindicated = r.antigens.filter((a) => a.status === 'contraindicated' && schedule.cvx.get(normCvx(proposed.cvx))?.associations.some((x) => x.antigen === a.antigen)).map((a) => a.antigen);
  const verdict = !per.length ? 'not_applicable' : contraindicated.length ? 'contraindicated' : per.every((p) => p.status === 'valid') ? 'valid' : per.some((p) => p.status === 'extraneous') ? 'extraneous' : per.some((p) => p.reason === 'age_too_young' || p.reason === 'interval_too_soon') ? 'too_early' : 'not_valid';
  return { verdict, antigens: per, contraindicated, scheduleVersion: r.scheduleVersion };
}
