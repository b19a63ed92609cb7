// The evaluate contract and its case format, shared by POST /api/v1/schools/evaluate and
// `npm run schools:evaluate -- --cases FILE`: the request names the pack by id and carries plain data.
import { z } from 'zod';
import type { Evaluation } from './evaluate.ts';
import { loadPack, packsDir } from './pack.ts';
import { evaluateWithCdsi, type CdsiEngine } from './with-cdsi.ts';

export const EvaluateRequest = z.object({
  pack: z.string().min(1),
  asOf: z.string(),
  student: z.object({
    dob: z.string(),
    sex: z.string().optional(),
    grade: z.union([z.string(), z.number()]).transform(String),
    flags: z.record(z.string(), z.boolean()).optional(),
  }),
  doses: z.array(z.object({
    date: z.string(),
    cvx: z.union([z.string(), z.number()]).transform(String),
    validFor: z.record(z.string(), z.boolean()).optional(),
    historical: z.boolean().optional(),
  })).default([]),
  observations: z.array(z.object({ code: z.union([z.string(), z.number()]).transform(String), date: z.string().optional() })).default([]),
  exemptions: z.array(z.object({
    type: z.string(), vaccine: z.string().optional(), date: z.string().optional(), expires: z.string().optional(), permanent: z.boolean().optional(),
  })).default([]),
  forecast: z.record(z.string(), z.object({ earliest: z.string().optional(), pastDue: z.string().optional(), complete: z.boolean().optional() })).optional(),
});
export type EvaluateRequest = z.input<typeof EvaluateRequest>;

export class RequestError extends Error {}

/** Parse and run one evaluate request; RequestError / PackError / EvaluationInputError carry clear messages. */
export function runEvaluateRequest(body: unknown, opts: { packsDir?: string; engine?: CdsiEngine } = {}): Evaluation {
  const r = EvaluateRequest.safeParse(body);
  if (!r.success) throw new RequestError(r.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  const req = r.data;
  const pack = loadPack(req.pack, opts.packsDir ?? packsDir);
  return evaluateWithCdsi({ pack, asOf: req.asOf, student: req.student, doses: req.doses, observations: req.observations, exemptions: req.exemptions, forecast: req.forecast }, opts.engine);
}

export interface CaseOutcome { index: number; name?: string; passed: boolean; problems: string[]; evaluation?: Evaluation }

/** Run cases (evaluate requests with `expected: {status, vaccines: {<vaccine>: status}}`). */
export function runCases(cases: unknown, opts: { packsDir?: string; engine?: CdsiEngine } = {}): { cases: number; passed: number; outcomes: CaseOutcome[] } {
  if (!Array.isArray(cases)) throw new RequestError('the cases file must hold a JSON array of cases');
  const outcomes = cases.map((c: any, index): CaseOutcome => {
    const name = typeof c?.name === 'string' ? c.name : undefined;
    const exp = c?.expected;
    if (!exp || typeof exp.status !== 'string') return { index, name, passed: false, problems: ['case has no expected.status'] };
    let evaluation: Evaluation;
    try {
      evaluation = runEvaluateRequest(c, opts);
    } catch (e) {
      return { index, name, passed: false, problems: [`error: ${(e as Error).message}`] };
    }
    const problems: string[] = [];
    if (evaluation.status !== exp.status) problems.push(`status: expected ${exp.status}, got ${evaluation.status}`);
    const got = new Map(evaluation.vaccines.map((v) => [v.vaccine, v]));
    for (const [vac, st] of Object.entries(exp.vaccines ?? {})) {
      const v = got.get(vac);
      if (!v) problems.push(`${vac}: expected ${st}, not evaluated`);
      else if (v.status !== st) problems.push(`${vac}: expected ${st}, got ${v.status} (${v.reason})`);
    }
    if (exp.vaccines) for (const v of evaluation.vaccines) if (!(v.vaccine in exp.vaccines)) problems.push(`${v.vaccine}: evaluated (${v.status}) but not expected`);
    for (const [vac, d] of Object.entries(exp.earliestNextDose ?? {})) {
      const v = got.get(vac);
      if (v?.earliestNextDose !== d) problems.push(`${vac}: expected earliest next dose ${d}, got ${v?.earliestNextDose}`);
    }
    return { index, name, passed: problems.length === 0, problems, evaluation };
  });
  return { cases: outcomes.length, passed: outcomes.filter((o) => o.passed).length, outcomes };
}
