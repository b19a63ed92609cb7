// Runs CDC test cases (the JSON format of ../shared/cdsi/testcases) through the engine and compares every expected field.
// Shared by scripts/cdsi-conformance.ts and test/cdsi/conformance.test.ts so both count the same way.
import fs from 'node:fs';
import path from 'node:path';
import { evaluateAndForecast, type EngineInput, type EngineResult } from './engine.ts';
import { normCvx, type Schedule } from './schedule.ts';

export interface TestCase {
  id: string; name: string; vaccineGroup: string; vaccineGroupCdsi: string;
  patient: { dob: string; gender: string | null }; assessmentDate: string;
  observations?: { position: number; code: string; text?: string | null; date?: string | null }[];
  doses: { position: number; dateAdministered: string; cvx: string; mvx?: string | null;
    expected: { evaluationStatusCode: string | null; evaluationReasonCode: string | null; seriesTypeCode?: string | null } }[];
  expectedForecast: { seriesStatusCode: string | null; forecastNumInt: number | null; earliestDate: string | null; recommendedDate: string | null; pastDueDate: string | null };
}
export interface FieldResult { field: string; expected: string | null; actual: string | null; ok: boolean }
export interface CaseResult { suite: string; id: string; name: string; vaccineGroup: string; passed: boolean; disputed: boolean; fields: FieldResult[]; explanation?: string }
export interface SuiteSummary { suite: string; cases: number; passed: number; disputedFailed: number; byGroup: Record<string, { cases: number; passed: number }>; byField: Record<string, { checked: number; passed: number }> }

export function caseInput(tc: TestCase): EngineInput {
  return {
    patient: { birthDate: tc.patient.dob, gender: tc.patient.gender },
    doses: tc.doses.map((d) => ({ id: String(d.position), date: d.dateAdministered, cvx: d.cvx, mvx: d.mvx ?? null })),
    observations: (tc.observations ?? []).map((o) => ({ code: o.code, date: o.date ?? null })),
    assessmentDate: tc.assessmentDate,
  };
}

const blank = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

/** Compare one engine result with a case: every expectation the row carries, blank meaning "must be absent". */
export function compareCase(suite: string, tc: TestCase, r: EngineResult, disputed: ReadonlySet<string>): CaseResult {
  const g = r.vaccineGroups.find((x) => x.vaccineGroup === tc.vaccineGroupCdsi);
  const fields: FieldResult[] = [];
  const check = (field: string, expected: unknown, actual: unknown) => {
    const e = blank(expected), a = blank(actual);
    fields.push({ field, expected: e, actual: a, ok: e === a });
  };
  tc.doses.forEach((d, i) => {
    // a dose outside the case's vaccine group (e.g. varicella beside MMR) is expected as evaluated in its own group
    const ev = g?.doses.find((x) => x.doseIndex === i) ?? r.vaccineGroups.map((x) => x.doses.find((y) => y.doseIndex === i)).find(Boolean);
    check(`dose${d.position}.evaluationStatus`, d.expected.evaluationStatusCode, ev?.status ?? null);
    // the specification gives a not-valid dose every reason that applies (Table 6-31): the expected one must be among them
    const reasons = ev?.reasons ?? (ev?.reason ? [ev.reason] : []);
    const er = blank(d.expected.evaluationReasonCode);
    fields.push({ field: `dose${d.position}.evaluationReason`, expected: er, actual: reasons.length ? reasons.join('+') : null, ok: er === null ? reasons.length === 0 : reasons.includes(er) });
    if (blank(d.expected.seriesTypeCode) !== null) check(`dose${d.position}.seriesType`, d.expected.seriesTypeCode, ev?.seriesType?.toLowerCase() ?? null);
  });
  const ef = tc.expectedForecast, f = g?.forecast;
  check('seriesStatus', ef.seriesStatusCode, g?.status ?? null);
  check('forecastNum', ef.forecastNumInt, f?.doseNumber ?? null);
  check('earliestDate', ef.earliestDate, f?.earliestDate ?? null);
  check('recommendedDate', ef.recommendedDate, f?.recommendedDate ?? null);
  check('pastDueDate', ef.pastDueDate, f?.pastDueDate ?? null);
  return { suite, id: tc.id, name: tc.name, vaccineGroup: tc.vaccineGroupCdsi, passed: fields.every((x) => x.ok), disputed: disputed.has(tc.id), fields, explanation: g?.explanation };
}

/** Case ids listed in a DISPUTED.md table (first column). */
export function readDisputed(file: string): Set<string> {
  if (!fs.existsSync(file)) return new Set();
  const ids = new Set<string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\|\s*([0-9]{4}-[A-Z0-9-]+)\s*\|/.exec(line);
    if (m) ids.add(m[1]!);
  }
  return ids;
}

export function runSuite(file: string, schedule: Schedule, disputed: ReadonlySet<string>): { summary: SuiteSummary; results: CaseResult[] } {
  const suite = path.basename(file, '.json');
  let cases: TestCase[];
  try { cases = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { throw new Error(`${file}: ${(e as Error).message}`); }
  if (!Array.isArray(cases)) throw new Error(`${file}: expected a JSON array of test cases`);
  const results: CaseResult[] = [];
  for (const tc of cases) {
    let res: CaseResult;
    try {
      const groups = new Set([tc.vaccineGroupCdsi]);
      for (const d of tc.doses) for (const a of schedule.cvx.get(normCvx(d.cvx))?.associations ?? []) groups.add(schedule.antigenToGroup.get(a.antigen) ?? '');
      const r = evaluateAndForecast(caseInput(tc), schedule, groups);
      res = compareCase(suite, tc, r, disputed);
    } catch (e) {
      res = { suite, id: tc.id, name: tc.name, vaccineGroup: tc.vaccineGroupCdsi, passed: false, disputed: disputed.has(tc.id),
        fields: [{ field: 'engine', expected: 'a result', actual: `error: ${(e as Error).message}`, ok: false }] };
    }
    results.push(res);
  }
  const summary: SuiteSummary = { suite, cases: results.length, passed: 0, disputedFailed: 0, byGroup: {}, byField: {} };
  for (const r of results) {
    if (r.passed) summary.passed++; else if (r.disputed) summary.disputedFailed++;
    const g = (summary.byGroup[r.vaccineGroup] ??= { cases: 0, passed: 0 });
    g.cases++; if (r.passed) g.passed++;
    for (const f of r.fields) {
      const key = f.field.replace(/^dose\d+\./, 'dose.');
      const s = (summary.byField[key] ??= { checked: 0, passed: 0 });
      s.checked++; if (f.ok) s.passed++;
    }
  }
  return { summary, results };
}
