// The annual school immunization survey and outbreak lists, counted from evaluations (pure).
import type { Evaluation, VaccineEvaluation } from './evaluate.ts';
import { toCsv } from './csv.ts';
import { addDays } from './dates.ts';
import type { OutbreakExclusion } from './pack.ts';

export interface SurveyEntry { studentId: string; name?: string; grade: string; evaluation: Evaluation; patientId?: number; schoolOrgId?: number }

export interface SurveyRow {
  grade: string;
  /** A vaccine, or 'ALL' for the student's overall status. */
  vaccine: string;
  enrolled: number;
  compliant: number;
  inProcess: number;
  medicalExemption: number;
  religiousExemption: number;
  otherExemption: number;
  notCompliant: number;
}

function exemptBucket(types: string[]): 'medicalExemption' | 'religiousExemption' | 'otherExemption' {
  // A student with a religious exemption is counted there even if also medically exempt for one vaccine.
  if (types.includes('religious')) return 'religiousExemption';
  if (types.includes('medical')) return 'medicalExemption';
  return 'otherExemption';
}

function bucket(status: string, exemptionTypes: string[]): keyof SurveyRow {
  switch (status) {
    case 'compliant': return 'compliant';
    case 'in process': return 'inProcess';
    case 'not compliant': return 'notCompliant';
    default: return exemptBucket(exemptionTypes);
  }
}

/** Counts per surveyed grade (all grades present when `grades` is omitted), per vaccine and overall. */
export function surveyCounts(entries: SurveyEntry[], grades?: string[]): SurveyRow[] {
  const c = surveyCounter(grades);
  for (const e of entries) c.add(e.grade, e.evaluation);
  return c.rows();
}

/**
 * surveyCounts one student at a time: a district run counts each evaluation as soon as it is made, so no
 * evaluation outlives its student (kept for a whole batch, they survived young-generation GCs and were copied).
 */
export function surveyCounter(grades?: string[]) {
  const rows = new Map<string, SurveyRow>();
  const row = (grade: string, vaccine: string) => {
    const k = `${grade}\0${vaccine}`;
    let r = rows.get(k);
    if (!r) rows.set(k, r = { grade, vaccine, enrolled: 0, compliant: 0, inProcess: 0, medicalExemption: 0, religiousExemption: 0, otherExemption: 0, notCompliant: 0 });
    return r;
  };
  const wanted = grades ? new Set(grades) : undefined;
  const seen = grades ? undefined : new Set<string>();
  return {
    add(grade: string, evaluation: Pick<Evaluation, 'status' | 'exemptionTypes' | 'vaccines'>): void {
      seen?.add(grade);
      if (wanted && !wanted.has(grade)) return;
      const all = row(grade, 'ALL');
      all.enrolled++;
      (all[bucket(evaluation.status, evaluation.exemptionTypes)] as number)++;
      for (const v of evaluation.vaccines) {
        const r = row(grade, v.vaccine);
        r.enrolled++;
        (r[bucket(v.status, v.exemption ? [v.exemption.type] : [])] as number)++;
      }
    },
    rows(): SurveyRow[] {
      const order = grades ?? [...seen!];
      return [...rows.values()].sort((a, b) => order.indexOf(a.grade) - order.indexOf(b.grade) || (a.vaccine === 'ALL' ? -1 : b.vaccine === 'ALL' ? 1 : a.vaccine.localeCompare(b.vaccine)));
    },
  };
}

export function surveyCsv(rows: SurveyRow[]): string {
  return toCsv(
    ['grade', 'vaccine', 'enrolled', 'compliant', 'in_process', 'medical_exemption', 'religious_exemption', 'other_exemption', 'not_compliant'],
    rows.map((r) => [r.grade, r.vaccine, r.enrolled, r.compliant, r.inProcess, r.medicalExemption, r.religiousExemption, r.otherExemption, r.notCompliant]),
  );
}

/** Which school vaccines protect against a disease. */
export const DISEASE_VACCINES: Record<string, string[]> = {
  measles: ['MMR'], mumps: ['MMR'], rubella: ['MMR'], varicella: ['Varicella'], chickenpox: ['Varicella'],
  pertussis: ['DTaP', 'Tdap'], diphtheria: ['DTaP', 'Tdap'], tetanus: ['DTaP', 'Tdap'], polio: ['Polio'],
  'hepatitis b': ['HepB'], meningococcal: ['MenACWY'], hib: ['Hib'], 'hepatitis a': ['HepA'],
};

export interface OutbreakListEntry {
  studentId: string; name?: string; grade: string; vaccine: string; status: string; reason: string;
  /** Carried from the entry when it has them (registry lists). */
  patientId?: number; schoolOrgId?: number;
  /** With an exposure date and a pack exclusion rule for the disease: the days the student may be excluded. */
  excludeFrom?: string; excludeThrough?: string;
}

/** Every student not immune to the disease (exempt ones included, with the reason). Students whose level
 *  does not evaluate any of the disease's vaccines are left out (nothing is known about them). */
export function outbreakList(
  entries: SurveyEntry[], disease: string,
  opts: { map?: Record<string, string[]>; exposureDate?: string; exclusions?: OutbreakExclusion[] } = {},
): OutbreakListEntry[] {
  const map = opts.map ?? DISEASE_VACCINES;
  const vaccines = map[disease.trim().toLowerCase()];
  const rule = opts.exclusions?.find((x) => x.disease.toLowerCase() === disease.trim().toLowerCase());
  const window = rule && opts.exposureDate ? { excludeFrom: addDays(opts.exposureDate, rule.fromDay), excludeThrough: addDays(opts.exposureDate, rule.toDay) } : {};
  if (!vaccines) throw new Error(`unknown disease "${disease}" (known: ${Object.keys(map).join(', ')})`);
  const out: OutbreakListEntry[] = [];
  for (const e of entries) {
    const vs = e.evaluation.vaccines.filter((v) => vaccines.includes(v.vaccine));
    const notImmune = vs.find((v: VaccineEvaluation) => v.status !== 'compliant');
    if (!notImmune) continue;
    const reason = notImmune.status === 'exempt' ? `exempt: ${notImmune.exemption?.label ?? ''}` : notImmune.status === 'in process' ? `in process: ${notImmune.missing.join('; ')}` : `not compliant: ${notImmune.missing.join('; ')}`;
    const ids = e.patientId !== undefined ? { patientId: e.patientId, schoolOrgId: e.schoolOrgId } : {};
    out.push({ studentId: e.studentId, name: e.name, grade: e.grade, vaccine: notImmune.vaccine, status: notImmune.status, reason, ...window, ...ids });
  }
  return out.sort((a, b) => a.grade.localeCompare(b.grade) || (a.name ?? '').localeCompare(b.name ?? '') || a.studentId.localeCompare(b.studentId));
}

export function outbreakCsv(list: OutbreakListEntry[]): string {
  return toCsv(['student_id', 'name', 'grade', 'vaccine', 'status', 'reason', 'exclude_from', 'exclude_through'],
    list.map((r) => [r.studentId, r.name, r.grade, r.vaccine, r.status, r.reason, r.excludeFrom, r.excludeThrough]));
}
