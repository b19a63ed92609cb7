// Adapter between the CDSi engine and the school evaluator: fills in, per dose, its CDSi validity per
// antigen and the forecast (earliest / past-due date of the next dose per antigen).
// Until the engine in src/cdsi lands, `minimalCdsi` stands in: a dose is valid for an antigen when it
// was given on or after the antigen's absolute minimum age for a first dose (minimum age less the
// 4-day grace period). It knows nothing of intervals, so it over-counts; callers can pass the real
// engine through the `engine` parameter.
import { addDays, addDuration, type IsoDate } from './dates.ts';
import { checkInput, evaluateChecked, EvaluationInputError, type DoseInput, type EvaluationInput, type ForecastInput } from './evaluate.ts';
import type { Pack } from './pack.ts';

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
  return (patient, doses) => {
    const threshold = new Map<string, string>();
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

/** Fill in validity and forecast from the engine; validity already supplied by the caller is kept. */
export function withCdsi(input: EvaluationInput, engine: CdsiEngine = minimalCdsi(input.pack)): EvaluationInput {
  const r = engine({ dob: input.student.dob, sex: input.student.sex }, input.doses.map((d) => ({ date: d.date, cvx: d.cvx })), input.asOf);
  const doses: DoseInput[] = input.doses.map((d, i) => (d.validFor ? d : { ...d, validFor: r.doses[i] }));
  return { ...input, doses, forecast: input.forecast ?? r.forecast };
}

/** Check the input, fill in CDSi validity and forecast, evaluate. Throws EvaluationInputError for bad input. */
export function evaluateWithCdsi(input: EvaluationInput, engine?: CdsiEngine) {
  const problems = checkInput(input);
  if (problems.length) throw new EvaluationInputError(problems);
  return evaluateChecked(withCdsi(input, engine));
}
