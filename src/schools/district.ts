// Evaluating every enrolled student of some schools from the database: the registry side of school
// compliance lists, the survey and outbreak lists. One query per batch of students brings each student's
// doses, observations and exemptions as JSON (no per-student round trips); the evaluation itself is the
// pure core. Large runs split the students over worker threads, each with its own connection, so reading
// and evaluating use every core (see district-worker.ts; the workers run a prebuilt bundle, worker-bundle.ts,
// and get the CDSi schedule and the pack from this thread).
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import type { DoseInput, Evaluation, ExemptionInput, ObservationInput } from './evaluate.ts';
import type { Pack } from './pack.ts';
import { surveyCounter, type SurveyEntry, type SurveyRow } from './survey.ts';
import { evaluateWithCdsi, minimalCdsi, withCdsi, type CdsiEngine } from './with-cdsi.ts';
import { evaluateChecked } from './evaluate.ts';
import { defaultCdsiScheduleCached } from './cdsi-engine.ts';
import { districtWorkerUrl } from './worker-bundle.ts';

type Db = Pick<pg.Pool, 'query'>;

export interface StudentSelection {
  schoolYear: string;
  schoolOrgIds: number[];
  grades?: string[];
  patientIds?: number[];
}

export interface DistrictOptions extends StudentSelection {
  pack: Pack;
  asOf: string;
  batchSize?: number;
  engine?: CdsiEngine;
  /** 'cdsi' (default: the registry's CDSi engine) or 'stand-in' (minimum ages only: a fast screen). */
  engineKind?: 'cdsi' | 'stand-in';
  /** Drop per-dose detail (counted/notCounted/notes) from the evaluations: enough for lists and counts. */
  slim?: boolean;
  /**
   * Survey only: keep no entries, count per batch (these grades; every grade when empty) and return `survey`
   * and `statusCounts`. Workers then send back a few rows instead of every student's evaluation.
   */
  survey?: { grades?: string[] };
  /**
   * Split the work over worker threads that connect with this connection string (each reads and evaluates
   * a share of the students). Only with the default engine (the pack is handed to the workers as data).
   */
  parallel?: { connectionString: string; threads?: number };
}

export interface DistrictEntry extends SurveyEntry {
  patientId: number;
  schoolOrgId: number;
  dob: string;
  sex?: string;
  needsHistory: boolean;
}
export interface DistrictProblem { patientId: number; studentId: string; message: string }
export interface DistrictResult {
  entries: DistrictEntry[]; problems: DistrictProblem[];
  stats: { waitMs: number; evaluateMs: number; batches: number; threads: number };
  /** Survey mode: counts per grade and vaccine, and students per overall status. */
  survey?: SurveyRow[]; statusCounts?: Record<string, number>; evaluated?: number;
}

/** Sum survey rows of several shares (same grade and vaccine), in the order of `grades` when given. */
export function mergeSurveyRows(parts: SurveyRow[][], grades?: string[]): SurveyRow[] {
  const m = new Map<string, SurveyRow>();
  for (const rows of parts) for (const r of rows) {
    const k = `${r.grade}\0${r.vaccine}`;
    const t = m.get(k);
    if (!t) { m.set(k, { ...r }); continue; }
    for (const f of ['enrolled', 'compliant', 'inProcess', 'medicalExemption', 'religiousExemption', 'otherExemption', 'notCompliant'] as const) t[f] += r[f];
  }
  const order = grades?.length ? grades : [...new Set([...m.values()].map((r) => r.grade))];
  return [...m.values()].sort((a, b) => order.indexOf(a.grade) - order.indexOf(b.grade) || (a.vaccine === 'ALL' ? -1 : b.vaccine === 'ALL' ? 1 : a.vaccine.localeCompare(b.vaccine)));
}

/** One enrolled student with everything the evaluation needs. */
export interface LoadedStudent {
  patientId: number; schoolOrgId: number; studentId: string; grade: string; needsHistory: boolean;
  dob: string | null; sex: string | null; givenName: string | null; familyName: string | null;
  doses: DoseInput[]; observations: ObservationInput[]; exemptions: ExemptionInput[];
}

// A merged enrollment's patient is read through to the surviving record (merges move doses, not enrollments).
const STUDENTS_SQL = `
  SELECT e.patient_id, e.school_org_id, e.student_id, e.grade, e.needs_history,
         p.birth_date, p.sex, p.given_name, p.family_name,
         (SELECT json_agg(json_build_array(v.administered_date, v.cvx, v.historical) ORDER BY v.administered_date)
            FROM vaccination v
           WHERE v.patient_id = p.id AND NOT v.deleted AND v.consolidated_into IS NULL AND v.cvx IS NOT NULL
             AND coalesce(v.completion_status, 'CP') IN ('CP', 'PA') AND coalesce(v.action_code, 'A') <> 'D') AS doses,
         (SELECT json_agg(json_build_array(coalesce(o.cdsi_code, o.code), o.observed_date))
            FROM observation o WHERE o.patient_id = p.id) AS obs,
         (SELECT json_agg(json_build_array(x.type, x.vaccine, x.signed_date, x.expires, x.permanent))
            FROM school_exemption x WHERE x.patient_id = p.id AND x.removed_at IS NULL) AS ex
    FROM enrollment e
    JOIN patient p0 ON p0.id = e.patient_id
    JOIN patient p ON p.id = coalesce(p0.merged_into, p0.id)
   WHERE e.school_org_id = ANY($1) AND e.school_year = $2 AND e.active
     AND ($3::text[] IS NULL OR e.grade = ANY($3)) AND ($4::bigint[] IS NULL OR e.patient_id = ANY($4))
     AND e.patient_id >= $5 AND e.patient_id < $6 AND (e.patient_id, e.school_org_id) > ($7, $8)
   ORDER BY e.patient_id, e.school_org_id LIMIT $9`;

/** A range of patient ids [from, to): a part of the students, read with index range scans. */
export type IdRange = [number, number];
const ALL_IDS: IdRange = [0, Number.MAX_SAFE_INTEGER];

export async function loadStudents(db: Db, sel: StudentSelection, after: [number, number], size: number, range: IdRange = ALL_IDS): Promise<LoadedStudent[]> {
  const { rows } = await db.query(STUDENTS_SQL, [sel.schoolOrgIds, sel.schoolYear, sel.grades ?? null, sel.patientIds ?? null,
    range[0], range[1], after[0], after[1], size]);
  return rows.map((r) => ({
    patientId: r.patient_id, schoolOrgId: r.school_org_id, studentId: r.student_id, grade: r.grade, needsHistory: r.needs_history,
    dob: r.birth_date, sex: r.sex, givenName: r.given_name, familyName: r.family_name,
    doses: (r.doses ?? []).map((d: [string, string, boolean]) => ({ date: d[0], cvx: d[1], historical: d[2] })),
    observations: (r.obs ?? []).map((o: [string, string | null]) => (o[1] ? { code: o[0], date: o[1] } : { code: o[0] })),
    exemptions: (r.ex ?? []).map((x: [string, string | null, string | null, string | null, boolean]) => {
      const e: ExemptionInput = { type: x[0] };
      if (x[1]) e.vaccine = x[1];
      if (x[2]) e.date = x[2];
      if (x[3]) e.expires = x[3];
      if (x[4]) e.permanent = true;
      return e;
    }),
  }));
}

export function studentName(s: { givenName: string | null; familyName: string | null }): string {
  return [s.givenName, s.familyName].filter(Boolean).join(' ');
}

const gradeSets = new WeakMap<Pack, { grades: Set<string>; exemptions: Set<string> }>();

/**
 * Evaluate one loaded student (throws EvaluationInputError for unusable records). Values read from the
 * database are well-formed (dates from DATE columns), so only what a stored record can get wrong is checked:
 * the grade, a birth date after the as-of date, an exemption type the pack does not know (left out).
 */
export function evaluateLoaded(s: LoadedStudent, pack: Pack, asOf: string, engine?: CdsiEngine): Evaluation {
  let known = gradeSets.get(pack);
  if (!known) gradeSets.set(pack, known = { grades: new Set(pack.levels.flatMap((l) => l.grades)), exemptions: new Set(pack.exemptions.map((e) => e.type)) });
  const input = {
    pack, asOf, student: { dob: s.dob!, sex: s.sex ?? undefined, grade: s.grade },
    // A dose dated after the as-of date is not evidence yet (certificates and lists are as of a date); one
    // dated before the birth date is a data error in the record, which must not stop the student's evaluation.
    doses: dosesWithin(s.doses, s.dob!, asOf), observations: s.observations,
    exemptions: s.exemptions.filter((e) => known.exemptions.has(e.type)),
  };
  if (!known.grades.has(s.grade) || !s.dob || s.dob > asOf) return evaluateWithCdsi(input, engine); // throws with the problems
  return evaluateChecked(withCdsi(input, engine));
}

/** The doses dated from the birth date to the as-of date (the same array when all are). */
function dosesWithin(doses: DoseInput[], dob: string, asOf: string): DoseInput[] {
  for (let i = 0; i < doses.length; i++) {
    const d = doses[i].date;
    if (d > asOf || d < dob) return doses.filter((x) => x.date <= asOf && x.date >= dob);
  }
  return doses;
}

function slimmed(e: Evaluation): Evaluation {
  return { ...e, vaccines: e.vaccines.map((v) => ({ ...v, counted: [], notCounted: [], notes: [] })) };
}

/** Read and evaluate the students (of one range of patient ids), batch by batch. */
export function evaluateShare(db: Db, opts: DistrictOptions, range: IdRange = ALL_IDS): Promise<DistrictResult> {
  let given = false;
  return evaluateParts(db, opts, () => (given ? undefined : (given = true, range)));
}

/**
 * Cut the selected students into about `parts` ranges of patient ids with as many students each: contiguous
 * ranges are read with index range scans (a modulo share made every batch query scan all enrollments).
 */
export async function partRanges(db: Db, sel: StudentSelection, parts: number): Promise<IdRange[]> {
  const { rows } = await db.query(`
    SELECT min(patient_id) AS lo FROM (
      SELECT e.patient_id, ntile($5) OVER (ORDER BY e.patient_id) AS t FROM enrollment e
       WHERE e.school_org_id = ANY($1) AND e.school_year = $2 AND e.active
         AND ($3::text[] IS NULL OR e.grade = ANY($3)) AND ($4::bigint[] IS NULL OR e.patient_id = ANY($4))) s
     GROUP BY t ORDER BY lo`, [sel.schoolOrgIds, sel.schoolYear, sel.grades ?? null, sel.patientIds ?? null, parts]);
  const lows: number[] = rows.map((r) => Number(r.lo));
  if (!lows.length) return [ALL_IDS];
  // The first range starts at 0 and the last is open, so every selected student is in exactly one range.
  return lows.map((lo, k): IdRange => [k === 0 ? 0 : lo, k + 1 < lows.length ? lows[k + 1] : Number.MAX_SAFE_INTEGER]);
}

/**
 * Claims parts from a counter shared by all threads (SharedArrayBuffer): a thread that is slower (a worker
 * still loading the CDSi schedule, or one starved of CPU) simply claims fewer parts, so all finish together.
 */
function partClaimer(counter: Int32Array, ranges: IdRange[]): () => IdRange | undefined {
  return () => {
    const k = Atomics.add(counter, 0, 1);
    return k < ranges.length ? ranges[k] : undefined;
  };
}

/** Read and evaluate the parts `claim` hands out (until it returns undefined), batch by batch. */
async function evaluateParts(db: Db, opts: DistrictOptions, claim: () => IdRange | undefined): Promise<DistrictResult> {
  const stats = { waitMs: 0, evaluateMs: 0, batches: 0, threads: 1 };
  const size = opts.batchSize ?? 2000;
  const entries: DistrictEntry[] = [];
  const problems: DistrictProblem[] = [];
  const engine = opts.engine ?? (opts.engineKind === 'stand-in' ? minimalCdsi(opts.pack) : undefined);
  // Survey mode: each evaluation is counted as soon as it is made and then dropped (see surveyCounter).
  const counter = opts.survey ? surveyCounter(opts.survey.grades?.length ? opts.survey.grades : undefined) : undefined;
  const statusCounts: Record<string, number> = {};
  let evaluated = 0;
  // The next batch (of this part, or the first of the next part claimed) is read while the current one is evaluated.
  let part = claim();
  let next: Promise<LoadedStudent[]> | undefined = part ? loadStudents(db, opts, [0, 0], size, part) : undefined;
  while (next) {
    const w0 = performance.now();
    const batch: LoadedStudent[] = await next;
    const e0 = performance.now();
    stats.waitMs += e0 - w0;
    stats.batches++;
    const last = batch[batch.length - 1];
    if (batch.length === size) next = loadStudents(db, opts, [last.patientId, last.schoolOrgId], size, part!);
    else next = (part = claim()) ? loadStudents(db, opts, [0, 0], size, part) : undefined;
    for (const s of batch) {
      if (!s.dob) { problems.push({ patientId: s.patientId, studentId: s.studentId, message: 'no birth date on the patient record' }); continue; }
      let evaluation: Evaluation;
      try {
        evaluation = evaluateLoaded(s, opts.pack, opts.asOf, engine);
      } catch (e) {
        problems.push({ patientId: s.patientId, studentId: s.studentId, message: (e as Error).message });
        continue;
      }
      evaluated++;
      if (counter) {
        counter.add(s.grade, evaluation);
        statusCounts[evaluation.status] = (statusCounts[evaluation.status] ?? 0) + 1;
        continue;
      }
      entries.push({
        patientId: s.patientId, schoolOrgId: s.schoolOrgId, studentId: s.studentId, grade: s.grade, name: studentName(s),
        dob: s.dob, sex: s.sex ?? undefined, needsHistory: s.needsHistory, evaluation: opts.slim ? slimmed(evaluation) : evaluation,
      });
    }
    stats.evaluateMs += performance.now() - e0;
  }
  if (counter) return { entries, problems, stats, survey: mergeSurveyRows([counter.rows()], opts.survey!.grades), statusCounts, evaluated };
  return { entries, problems, stats, evaluated };
}

/** What a worker is asked to do (plain data: it crosses the thread boundary). */
export interface ShareTask {
  connectionString: string;
  /** The pack itself (plain data, cloned into the worker). */
  pack: Pack;
  options: Omit<DistrictOptions, 'pack' | 'engine' | 'parallel'>;
  /** The ranges of patient ids all threads claim from (see partRanges). */
  ranges: IdRange[];
  /** Ranges are claimed through this shared counter (see partClaimer). */
  counter: SharedArrayBuffer;
}

/** Worker side: evaluate one share with a connection of its own. */
export async function runShareTask(t: ShareTask): Promise<DistrictResult> {
  // The same value parsing as src/registry/database.ts (dates as 'YYYY-MM-DD', int8 as number), per thread.
  pg.types.setTypeParser(1082, (v: string) => v);
  pg.types.setTypeParser(20, (v: string) => Number(v));
  const client = new pg.Client({ connectionString: t.connectionString });
  await client.connect();
  try {
    const opts = { ...t.options, pack: t.pack };
    return await evaluateParts(client, opts, partClaimer(new Int32Array(t.counter), t.ranges));
  } finally {
    await client.end();
  }
}

// Idle worker threads kept between district runs (unref'd: they never keep the process alive).
const idleWorkers: Worker[] = [];
// Workers that hold the CDSi schedule already (handed over with their first CDSi task).
const withSchedule = new WeakSet<Worker>();

async function startWorker(): Promise<Worker> {
  const idle = idleWorkers.pop();
  if (idle) return idle;
  const { url, bundled } = await districtWorkerUrl();
  // A bundled worker is plain JavaScript: it must not inherit this process's `--import` of the TypeScript hook (npm
  // scripts pass it, and every worker would route each module load through a hooks thread).
  return new Worker(url, bundled ? { execArgv: [] } : {});
}

function runInWorker(w: Worker, task: ShareTask): Promise<DistrictResult> {
  let schedule: Uint8Array | undefined;
  if (task.options.engineKind !== 'stand-in' && !withSchedule.has(w)) { schedule = defaultCdsiScheduleCached().bytes; withSchedule.add(w); }
  return new Promise((resolve, reject) => {
    w.ref();
    const onError = (e: Error) => { w.off('message', onMessage); reject(e); void w.terminate(); };
    const onMessage = (m: { ok: true; result: DistrictResult } | { ok: false; error: string }) => {
      w.off('error', onError);
      w.unref();
      idleWorkers.push(w);
      if (m.ok) resolve(m.result); else reject(new Error(m.error));
    };
    w.once('message', onMessage);
    w.once('error', onError);
    w.postMessage({ task, schedule });
  });
}

/** Evaluate every active enrollment of the schools (optionally some grades or patients). */
export async function evaluateDistrict(db: Db, opts: DistrictOptions): Promise<DistrictResult> {
  const threads = opts.parallel ? Math.max(1, opts.parallel.threads ?? Math.max(2, Math.min(4, os.availableParallelism()))) : 1;
  if (!opts.parallel || threads === 1 || opts.engine) {
    const r = await evaluateShare(db, opts);
    return r;
  }
  // The students are cut into a few parts per thread; the main thread and the workers claim them one by one.
  const { pack, engine: _e, parallel, ...rest } = opts;
  const counter = new SharedArrayBuffer(4);
  // Threads are started first (they come up while this thread loads the schedule), then given their task.
  const [started, ranges] = await Promise.all([
    Promise.all(Array.from({ length: threads - 1 }, startWorker)), partRanges(db, opts, threads * 8)]);
  const workers = started.map((w) => runInWorker(w, {
    connectionString: parallel.connectionString, pack, options: rest, ranges, counter,
  }));
  const results = await Promise.all([evaluateParts(db, opts, partClaimer(new Int32Array(counter), ranges)), ...workers]);
  const out: DistrictResult = { entries: [], problems: [], stats: { waitMs: 0, evaluateMs: 0, batches: 0, threads }, evaluated: 0 };
  if (opts.survey) {
    out.survey = mergeSurveyRows(results.map((r) => r.survey ?? []), opts.survey.grades);
    out.statusCounts = {};
    for (const r of results) for (const [k, n] of Object.entries(r.statusCounts ?? {})) out.statusCounts[k] = (out.statusCounts[k] ?? 0) + n;
  }
  for (const r of results) {
    out.evaluated! += r.evaluated ?? 0;
    for (const e of r.entries) out.entries.push(e);
    out.problems.push(...r.problems);
    out.stats.waitMs = Math.max(out.stats.waitMs, r.stats.waitMs);
    out.stats.evaluateMs = Math.max(out.stats.evaluateMs, r.stats.evaluateMs);
    out.stats.batches += r.stats.batches;
  }
  out.entries.sort((a, b) => a.patientId - b.patientId || a.schoolOrgId - b.schoolOrgId);
  return out;
}
