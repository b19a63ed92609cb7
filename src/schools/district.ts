// Evaluating every enrolled student of some schools from the database, in batches: the registry side
// of the survey and outbreak lists. Reads enrollment(patient_id, school_org_id, school_year, student_id,
// active, grade), patient, vaccination and observation; the evaluation itself is the pure core.
// Exemptions are not stored by the registry yet, so none are applied here.
import type pg from 'pg';
import type { Evaluation, DoseInput } from './evaluate.ts';
import type { Pack } from './pack.ts';
import type { SurveyEntry } from './survey.ts';
import { evaluateWithCdsi, type CdsiEngine } from './with-cdsi.ts';

export interface DistrictOptions {
  pack: Pack;
  asOf: string;
  schoolYear: string;
  schoolOrgIds: number[];
  batchSize?: number;
  engine?: CdsiEngine;
}

export interface DistrictEntry extends SurveyEntry { patientId: number; schoolOrgId: number }
export interface DistrictProblem { patientId: number; studentId: string; message: string }

interface Batch { rows: { patient_id: number; school_org_id: number; student_id: string; grade: string; birth_date: string | null; sex: string | null; family_name: string | null; given_name: string | null }[]; doses: Map<number, DoseInput[]>; obs: Map<number, { code: string; date?: string }[]> }

async function loadBatch(db: Pick<pg.Pool, 'query'>, opts: DistrictOptions, after: [number, number], size: number): Promise<Batch> {
  const enr = await db.query(
    `SELECT e.patient_id, e.school_org_id, e.student_id, e.grade, p.birth_date, p.sex, p.family_name, p.given_name
       FROM enrollment e JOIN patient p ON p.id = e.patient_id
      WHERE e.school_org_id = ANY($1) AND e.school_year = $2 AND e.active AND (e.patient_id, e.school_org_id) > ($3, $4)
      ORDER BY e.patient_id, e.school_org_id LIMIT $5`,
    [opts.schoolOrgIds, opts.schoolYear, after[0], after[1], size],
  );
  const ids = [...new Set(enr.rows.map((r) => r.patient_id))];
  const doses = new Map<number, DoseInput[]>();
  const obs = new Map<number, { code: string; date?: string }[]>();
  if (ids.length) {
    const [v, o] = await Promise.all([
      db.query(
        `SELECT patient_id, administered_date, cvx, historical FROM vaccination
          WHERE patient_id = ANY($1) AND NOT deleted AND consolidated_into IS NULL AND cvx IS NOT NULL
            AND coalesce(completion_status, 'CP') IN ('CP', 'PA') AND coalesce(action_code, 'A') <> 'D'`,
        [ids],
      ),
      db.query(`SELECT patient_id, coalesce(cdsi_code, code) AS code, observed_date FROM observation WHERE patient_id = ANY($1)`, [ids]),
    ]);
    for (const r of v.rows) {
      let a = doses.get(r.patient_id);
      if (!a) doses.set(r.patient_id, a = []);
      a.push({ date: r.administered_date, cvx: r.cvx, historical: r.historical });
    }
    for (const r of o.rows) {
      let a = obs.get(r.patient_id);
      if (!a) obs.set(r.patient_id, a = []);
      a.push({ code: r.code, date: r.observed_date ?? undefined });
    }
  }
  return { rows: enr.rows, doses, obs };
}

/** Evaluate every active enrollment; the next batch is read while the current one is evaluated. */
export async function evaluateDistrict(db: Pick<pg.Pool, 'query'>, opts: DistrictOptions): Promise<{ entries: DistrictEntry[]; problems: DistrictProblem[]; stats: { waitMs: number; evaluateMs: number; batches: number } }> {
  const stats = { waitMs: 0, evaluateMs: 0, batches: 0 };
  const size = opts.batchSize ?? 2000;
  const entries: DistrictEntry[] = [];
  const problems: DistrictProblem[] = [];
  let next: Promise<Batch> | undefined = loadBatch(db, opts, [0, 0], size);
  while (next) {
    const w0 = performance.now();
    const batch: Batch = await next;
    const e0 = performance.now();
    stats.waitMs += e0 - w0;
    stats.batches++;
    const last = batch.rows[batch.rows.length - 1];
    next = batch.rows.length === size ? loadBatch(db, opts, [last.patient_id, last.school_org_id], size) : undefined;
    for (const r of batch.rows) {
      if (!r.birth_date) { problems.push({ patientId: r.patient_id, studentId: r.student_id, message: 'no birth date on the patient record' }); continue; }
      let evaluation: Evaluation;
      try {
        evaluation = evaluateWithCdsi({
          pack: opts.pack, asOf: opts.asOf, student: { dob: r.birth_date, sex: r.sex ?? undefined, grade: r.grade },
          doses: batch.doses.get(r.patient_id) ?? [], observations: batch.obs.get(r.patient_id) ?? [], exemptions: [],
        }, opts.engine);
      } catch (e) {
        problems.push({ patientId: r.patient_id, studentId: r.student_id, message: (e as Error).message });
        continue;
      }
      entries.push({ patientId: r.patient_id, schoolOrgId: r.school_org_id, studentId: r.student_id, grade: r.grade, name: [r.given_name, r.family_name].filter(Boolean).join(' '), evaluation });
    }
    stats.evaluateMs += performance.now() - e0;
  }
  return { entries, problems, stats };
}
