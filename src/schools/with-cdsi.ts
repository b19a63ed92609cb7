// Adapter between the CDSi engine and the school evaluator: fills in, per dose, its CDSi validity per
// antigen and the forecast (earliest / past-due date of the next dose per antigen).
// The default engine is the registry's CDSi engine (src/cdsi, through cdsi-engine.ts) on the schedule of
// IIS_CDSI_DIR: a dose counts for school only when CDSi finds it valid. `minimalCdsi` is a stand-in that
// only knows each antigen's absolute minimum age for a first dose (less the 4-day grace period); it is
// used for antigens the CDSi schedule does not know (an invented pack), when no schedule can be loaded,
// or when IIS_SCHOOLS_ENGINE=stand-in (fast screening of very large districts).
import { addDays, addDuration, type IsoDate } from './dates.ts';
import { checkInput, evaluateChecked, EvaluationInputError, type DoseInput, type EvaluationInput, type ForecastInput } from './evaluate.ts';
import type { Pack } from './pack.ts';
import { cdsiEngineFor, defaultCdsiSchedule, levelOfGrade } from './cdsi-engine.ts';

export interface CdsiResult {
  /** validFor per antigen, one entry per input dose (same order). */
  doses: Record<string, boolean>[];
  forecast: ForecastInput;
}

/** What the adapter needs from a CDSi engine. */
export type CdsiEngine = (patient: { dob: IsoDate; sex?: string }, doses: { date: IsoDate; cvx: string }[], asOf: IsoDate) => CdsiResult;

/** CDSi minimum age of a first dose per antigen (supporting data 4.64), the stand-in's only knowledge. */
const FIRST_DOSE_MIN_AGE: Record<string, string> = {
  HepB: '0d', Diphtheria: '6w', Tetanus: '6w', Pertussis: '6w', Polio: '6w', Hib: '6w',
  Measles: '12m', Mumps: '12m', Rubella: '12m', Varicella: '12m', Meningococcal: '8w',
};

/** The stand-in engine: antigens of a dose are taken from the pack's requirements listing its CVX. */
const minimalByPack = new WeakMap<Pack, CdsiEngine>();

export function minimalCdsi(pack: Pack): CdsiEngine {
  let e = minimalByPack.get(pack);
  if (!e) minimalByPack.set(pack, e = buildMinimal(pack));
  return e;
}

function buildMinimal(pack: Pack): CdsiEngine {
  const antigensByCvx = new Map<string, Set<string>>();
  for (const l of pack.levels) for (const r of l.requirements) for (const c of r.products) {
    const k = String(Number(c));
    if (!antigensByCvx.has(k)) antigensByCvx.set(k, new Set());
    for (const a of r.antigens) antigensByCvx.get(k)!.add(a);
  }
  // Thresholds per birth date and antigen, shared across students born the same day (bounded).
  const byDob = new Map<string, Map<string, string>>();
  return (patient, doses) => {
    let threshold = byDob.get(patient.dob);
    if (!threshold) {
      if (byDob.size > 50_000) byDob.clear();
      byDob.set(patient.dob, threshold = new Map());
    }
    return {
      doses: doses.map((d) => {
        const out: Record<string, boolean> = {};
        for (const a of antigensByCvx.get(String(Number(d.cvx))) ?? []) {
          let t = threshold.get(a);
          if (!t) threshold.set(a, t = addDays(addDuration(patient.dob, FIRST_DOSE_MIN_AGE[a] ?? '0d'), -4));
          out[a] = d.date >= t;
        }
        return out;
      }),
      forecast: {},
    };
  };
}

const defaults = new WeakMap<Pack, Map<string, CdsiEngine>>();

/**
 * The engine used when none is given: CDSi, with the stand-in for antigens CDSi does not know. Given a
 * grade of the pack, the engine evaluates only what that grade's level requires.
 */
export function defaultEngine(pack: Pack, grade?: string): CdsiEngine {
  let m = defaults.get(pack);
  if (!m) defaults.set(pack, m = new Map());
  const level = levelOfGrade(pack, grade);
  const key = level?.id ?? '';
  let e = m.get(key);
  if (e) return e;
  e = buildDefault(pack, level);
  m.set(key, e);
  return e;
}

function buildDefault(pack: Pack, level?: Pack['levels'][number]): CdsiEngine {
  if (process.env.IIS_SCHOOLS_ENGINE === 'stand-in') return minimalCdsi(pack);
  let schedule;
  try { schedule = defaultCdsiSchedule(); } catch { return minimalCdsi(pack); }
  const real = cdsiEngineFor(pack, schedule, level);
  const unknown = [...new Set((level ? [level] : pack.levels).flatMap((l) => l.requirements.flatMap((r) => r.antigens)))].filter((a) => !schedule.antigens.has(a));
  if (!unknown.length) return real;
  const stand = minimalCdsi(pack);
  return (patient, doses, asOf) => {
    const r = real(patient, doses, asOf);
    const s = stand(patient, doses, asOf);
    r.doses.forEach((v, i) => { for (const a of unknown) if (a in s.doses[i]) v[a] = s.doses[i][a]; });
    return r;
  };
}

/**
 * Fill in validity and forecast from the engine; validity already supplied by the caller is kept. A dose the
 * caller declares not valid is left out of the engine run, so the forecast describes the history without it.
 */
export function withCdsi(input: EvaluationInput, engine: CdsiEngine = defaultEngine(input.pack, input.student?.grade)): EvaluationInput {
  // Plain loops: this runs for every student of a district.
  const src = input.doses;
  const kept: number[] = [];
  const engineDoses: { date: IsoDate; cvx: string }[] = [];
  for (let i = 0; i < src.length; i++) {
    const v = src[i].validFor;
    if (v && !Object.values(v).every(Boolean)) continue;
    kept.push(i);
    engineDoses.push({ date: src[i].date, cvx: src[i].cvx });
  }
  const r = engine({ dob: input.student.dob, sex: input.student.sex }, engineDoses, input.asOf);
  const verdict: (Record<string, boolean> | undefined)[] = new Array(src.length);
  for (let k = 0; k < kept.length; k++) verdict[kept[k]] = r.doses[k];
  // Object literals, not spreads: a spread with added keys is a slow path in V8 (most of this function's time).
  const doses: DoseInput[] = new Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const d = src[i];
    doses[i] = d.validFor ? d : d.historical === undefined
      ? { date: d.date, cvx: d.cvx, validFor: verdict[i] ?? {} }
      : { date: d.date, cvx: d.cvx, historical: d.historical, validFor: verdict[i] ?? {} };
  }
  return { pack: input.pack, asOf: input.asOf, student: input.student, doses, observations: input.observations, exemptions: input.exemptions, forecast: input.forecast ?? r.forecast };
}

/** Check the input, fill in CDSi validity and forecast, evaluate. Throws EvaluationInputError for bad input. */
export function evaluateWithCdsi(input: EvaluationInput, engine?: CdsiEngine) {
  const problems = checkInput(input);
  if (problems.length) throw new EvaluationInputError(problems);
  return evaluateChecked(withCdsi(input, engine));
}
