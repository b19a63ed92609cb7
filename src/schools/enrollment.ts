// Enrollment from a school's roster: each student matched to a registry patient through the matcher
// (Match attaches; Possible makes a provisional patient and a review item; Not a Match makes a new
// patient), then enrolled in the school for the school year. A student already enrolled elsewhere (another
// school, or an earlier year) has that enrollment ended, never deleted, so the history of schools stays.
// Students without any dose on file are flagged (needs_history) for the nurse to complete from the paper
// certificate as historical doses.
import type { Pool, PoolClient } from 'pg';
import type { PatientRecord } from '../pipeline/canonical.ts';
import { recordPatient } from '../matching/store.ts';
import type { PatientMatcher } from '../matching/matcher.ts';
import { isIsoDate } from './dates.ts';
import type { Pack } from './pack.ts';
import { parseRoster, type RosterError, type RosterStudent } from './roster.ts';

type Q = Pick<PoolClient, 'query'>;

export class EnrollmentError extends Error {
  constructor(message: string, readonly status = 400) { super(message); }
}

export type RosterOutcome = 'enrolled' | 'moved' | 'unchanged' | 'grade changed';

export interface RosterRowResult {
  line: number;
  studentId: string;
  patientId: number;
  /** The matcher's answer; 'enrolled' = already enrolled here under this student id (not matched again). */
  match: 'match' | 'possible' | 'new' | 'enrolled';
  reviewId?: number;
  outcome: RosterOutcome;
  /** Enrollments ended by this row (the student left another school or year). */
  ended: { schoolOrgId: number; schoolYear: string; grade: string }[];
  needsHistory: boolean;
}

export interface RosterImportResult {
  importId: number;
  schoolOrgId: number;
  schoolYear: string;
  rows: number;
  counts: { match: number; possible: number; new: number; alreadyEnrolled: number; moved: number; needsHistory: number; withdrawn: number; errors: number };
  students: RosterRowResult[];
  errors: RosterError[];
  /** Students no longer on the roster whose enrollment was ended (replace mode only). */
  withdrawn: { studentId: string; patientId: number }[];
}

/** School year of a date: July 1 starts the next year (2025-08-15 -> 2025-2026). */
export function schoolYearOf(date: string): string {
  const y = Number(date.slice(0, 4));
  return Number(date.slice(5, 7)) >= 7 ? `${y}-${y + 1}` : `${y - 1}-${y}`;
}

export function isSchoolYear(s: unknown): s is string {
  return typeof s === 'string' && /^(\d{4})-(\d{4})$/.test(s) && Number(s.slice(5)) === Number(s.slice(0, 4)) + 1;
}

/** The school organization (kind 'school'), or an EnrollmentError 404. */
export async function getSchool(db: Q, schoolOrgId: number): Promise<{ id: number; name: string; parentId: number | null; code: string | null }> {
  const { rows } = await db.query(`SELECT id, name, parent_id, code FROM organization WHERE id = $1 AND kind = 'school'`, [schoolOrgId]);
  if (!rows[0]) throw new EnrollmentError(`no school ${schoolOrgId}`, 404);
  return { id: rows[0].id, name: rows[0].name, parentId: rows[0].parent_id, code: rows[0].code };
}

/** The roster row as a demographic record for the matcher (kept verbatim as a source record). */
export function rosterRecord(s: RosterStudent, schoolOrgId: number): PatientRecord {
  const r: PatientRecord = {
    identifiers: [{ value: s.studentId, authority: `SCHOOL-${schoolOrgId}`, type: 'PI' }],
    name: { family: s.lastName, given: s.firstName, middle: s.middleName, type: 'L' },
    aliases: [], birthDate: s.dob, sex: s.sex, guardians: [],
  };
  if (s.address) r.address = { ...s.address };
  if (s.guardian?.name) {
    // "Jane Q. Doe" or "Doe, Jane": the matcher compares guardian given and family names.
    const n = s.guardian.name.trim();
    const comma = n.indexOf(',');
    const parts = n.split(/\s+/);
    const name = comma > 0 ? { family: n.slice(0, comma).trim(), given: n.slice(comma + 1).trim().split(/\s+/)[0] }
      : parts.length > 1 ? { given: parts[0], family: parts[parts.length - 1] } : { given: n };
    r.guardians.push({ name, relationship: 'GRD', phone: s.guardian.phone });
  }
  if (s.guardian?.email) r.email = s.guardian.email;
  return r;
}

export interface ImportOptions {
  schoolOrgId: number;
  schoolYear: string;
  pack: Pack;
  csv: string;
  /** First day of these enrollments (default today); ended enrollments end the day before. */
  startDate: string;
  importedBy?: string;
  /** End the enrollments (in this school and year) of students absent from the roster. */
  replace?: boolean;
  matcher?: PatientMatcher;
}

async function countDoses(db: Q, patientId: number): Promise<number> {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM vaccination WHERE patient_id = $1 AND NOT deleted`, [patientId]);
  return rows[0].n;
}

/** Ends current enrollments of the patient other than (school, year) that started before `startDate`. */
async function endOtherEnrollments(db: Q, patientId: number, schoolOrgId: number, schoolYear: string, startDate: string) {
  const { rows } = await db.query(
    `UPDATE enrollment SET active = false, end_date = greatest(start_date, $4::date - 1), updated_at = now()
      WHERE patient_id = $1 AND active AND NOT (school_org_id = $2 AND school_year = $3) AND school_year <= $3
      RETURNING school_org_id, school_year, grade`,
    [patientId, schoolOrgId, schoolYear, startDate]);
  return rows.map((r) => ({ schoolOrgId: r.school_org_id as number, schoolYear: r.school_year as string, grade: r.grade as string }));
}

async function importRow(client: PoolClient, s: RosterStudent, o: ImportOptions, importId: number): Promise<RosterRowResult> {
  // Already enrolled here under this student id, with the same birth date: the same student, no new match.
  const cur = await client.query(
    `SELECT e.id, e.patient_id, e.grade, p.birth_date FROM enrollment e JOIN patient p ON p.id = e.patient_id
      WHERE e.school_org_id = $1 AND e.school_year = $2 AND e.student_id = $3 AND e.active FOR UPDATE OF e`,
    [o.schoolOrgId, o.schoolYear, s.studentId]);
  const here = cur.rows[0];
  if (here && here.birth_date === s.dob) {
    let outcome: RosterOutcome = 'unchanged';
    if (here.grade !== s.grade) {
      await client.query(`UPDATE enrollment SET grade = $2, roster_import_id = $3, updated_at = now() WHERE id = $1`, [here.id, s.grade, importId]);
      outcome = 'grade changed';
    }
    const needsHistory = (await countDoses(client, here.patient_id)) === 0;
    await client.query(`UPDATE enrollment SET needs_history = $2 WHERE id = $1`, [here.id, needsHistory]);
    return { line: s.line, studentId: s.studentId, patientId: here.patient_id, match: 'enrolled', outcome, ended: [], needsHistory };
  }
  if (here) {
    // The school reused a student id for another child (different birth date): end the old enrollment.
    await client.query(`UPDATE enrollment SET active = false, end_date = greatest(start_date, $2::date - 1), updated_at = now() WHERE id = $1`, [here.id, o.startDate]);
  }
  const rec = await recordPatient(client, rosterRecord(s, o.schoolOrgId), { organizationId: o.schoolOrgId, senderPatientId: s.studentId }, o.matcher);
  const patientId = rec.patientId;
  const ended = await endOtherEnrollments(client, patientId, o.schoolOrgId, o.schoolYear, o.startDate);
  // The same child enrolled here under another student id: keep that row, with the id the school now uses.
  const same = await client.query(
    `UPDATE enrollment SET student_id = $4, grade = $5, roster_import_id = $6, updated_at = now()
      WHERE patient_id = $1 AND school_org_id = $2 AND school_year = $3 AND active RETURNING id`,
    [patientId, o.schoolOrgId, o.schoolYear, s.studentId, s.grade, importId]);
  const needsHistory = (await countDoses(client, patientId)) === 0;
  if (!same.rows[0]) {
    await client.query(
      `INSERT INTO enrollment (patient_id, school_org_id, school_year, student_id, grade, start_date, roster_import_id, needs_history)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [patientId, o.schoolOrgId, o.schoolYear, s.studentId, s.grade, o.startDate, importId, needsHistory]);
  } else {
    await client.query(`UPDATE enrollment SET needs_history = $2 WHERE id = $1`, [same.rows[0].id, needsHistory]);
  }
  return {
    line: s.line, studentId: s.studentId, patientId, match: rec.decision.outcome, reviewId: rec.reviewId,
    outcome: ended.length ? 'moved' : 'enrolled', ended, needsHistory,
  };
}

/** Imports a roster CSV: good rows are enrolled (one transaction each), bad rows come back as errors. */
export async function importRoster(pool: Pool, o: ImportOptions): Promise<RosterImportResult> {
  if (!isSchoolYear(o.schoolYear)) throw new EnrollmentError(`schoolYear must look like 2025-2026, got ${JSON.stringify(o.schoolYear)}`);
  if (!isIsoDate(o.startDate)) throw new EnrollmentError(`startDate must be a date YYYY-MM-DD, got ${JSON.stringify(o.startDate)}`);
  await getSchool(pool, o.schoolOrgId);
  const grades = o.pack.levels.flatMap((l) => l.grades);
  const { students, errors } = parseRoster(o.csv, { grades, asOf: o.startDate });
  const imp = await pool.query<{ id: number }>(
    `INSERT INTO roster_import (school_org_id, school_year, imported_by, row_count) VALUES ($1,$2,$3,$4) RETURNING id`,
    [o.schoolOrgId, o.schoolYear, o.importedBy ?? null, students.length]);
  const importId = imp.rows[0]!.id;
  const results: RosterRowResult[] = [];
  for (const s of students) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      results.push(await importRow(client, s, o, importId));
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      errors.push({ line: s.line, message: `could not be enrolled: ${(e as Error).message}` });
    } finally {
      client.release();
    }
  }
  const withdrawn: { studentId: string; patientId: number }[] = [];
  // Replace mode withdraws students absent from the file, but only from a file without errors: a row
  // with an error may be a student who is still enrolled.
  if (o.replace && !errors.length) {
    const onRoster = new Set(results.map((r) => r.studentId));
    const { rows } = await pool.query(
      `UPDATE enrollment SET active = false, end_date = greatest(start_date, $3::date - 1), updated_at = now()
        WHERE school_org_id = $1 AND school_year = $2 AND active AND NOT (student_id = ANY($4)) RETURNING student_id, patient_id`,
      [o.schoolOrgId, o.schoolYear, o.startDate, [...onRoster]]);
    for (const r of rows) withdrawn.push({ studentId: r.student_id, patientId: r.patient_id });
  }
  errors.sort((a, b) => a.line - b.line);
  const counts = {
    match: results.filter((r) => r.match === 'match').length,
    possible: results.filter((r) => r.match === 'possible').length,
    new: results.filter((r) => r.match === 'new').length,
    alreadyEnrolled: results.filter((r) => r.match === 'enrolled').length,
    moved: results.filter((r) => r.outcome === 'moved').length,
    needsHistory: results.filter((r) => r.needsHistory).length,
    withdrawn: withdrawn.length,
    errors: new Set(errors.map((e) => e.line)).size,
  };
  await pool.query(`UPDATE roster_import SET summary = $2, errors = $3 WHERE id = $1`, [importId, JSON.stringify(counts), JSON.stringify(errors)]);
  return { importId, schoolOrgId: o.schoolOrgId, schoolYear: o.schoolYear, rows: students.length, counts, students: results, errors, withdrawn };
}

export interface HistoricalDose { date: string; cvx: string; note?: string }

/**
 * Doses the nurse copies from the paper certificate: stored as historical vaccinations (RXA-9 '01',
 * source unspecified) of a web submission by the school, like the HL7 pipeline stores reported doses.
 * A dose already on file (same date and CVX) is not stored twice.
 */
export async function addHistoricalDoses(pool: Pool, o: { patientId: number; schoolOrgId: number; doses: HistoricalDose[]; enteredBy?: string; today: string }):
  Promise<{ submissionId: number; stored: { id: number; date: string; cvx: string }[]; alreadyOnFile: HistoricalDose[] }> {
  const problems: string[] = [];
  const p = await pool.query(`SELECT birth_date, status FROM patient WHERE id = $1`, [o.patientId]);
  if (!p.rows[0]) throw new EnrollmentError(`no patient ${o.patientId}`, 404);
  const dob: string | null = p.rows[0].birth_date;
  if (!Array.isArray(o.doses) || !o.doses.length) problems.push('doses must be a non-empty array of {date, cvx}');
  else o.doses.forEach((d, i) => {
    if (!d || !isIsoDate(d.date)) problems.push(`doses[${i}].date must be a date YYYY-MM-DD, got ${JSON.stringify(d?.date)}`);
    else {
      if (dob && d.date < dob) problems.push(`doses[${i}].date ${d.date} is before the birth date ${dob}`);
      if (d.date > o.today) problems.push(`doses[${i}].date ${d.date} is in the future`);
    }
    if (!d || typeof d.cvx !== 'string' || !/^\d{1,3}$/.test(d.cvx)) problems.push(`doses[${i}].cvx must be a CVX code (1-3 digits), got ${JSON.stringify(d?.cvx)}`);
  });
  if (problems.length) throw new EnrollmentError(problems.join('; '));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const sub = await client.query<{ id: number }>(
      `INSERT INTO submission (organization_id, channel, message_type, raw, ack_code) VALUES ($1, 'web', 'school-historical-doses', $2, 'AA') RETURNING id`,
      [o.schoolOrgId, JSON.stringify({ patientId: o.patientId, doses: o.doses, enteredBy: o.enteredBy ?? null })]);
    const submissionId = sub.rows[0]!.id;
    const onFile = await client.query(`SELECT administered_date, ltrim(cvx, '0') AS cvx FROM vaccination WHERE patient_id = $1 AND NOT deleted`, [o.patientId]);
    const have = new Set(onFile.rows.map((r) => `${r.administered_date}|${r.cvx}`));
    const stored: { id: number; date: string; cvx: string }[] = [];
    const alreadyOnFile: HistoricalDose[] = [];
    for (const d of o.doses) {
      const key = `${d.date}|${d.cvx.replace(/^0+(?=\d)/, '')}`;
      if (have.has(key)) { alreadyOnFile.push(d); continue; }
      have.add(key);
      const cvx = d.cvx.padStart(2, '0');
      const ins = await client.query<{ id: number }>(
        `INSERT INTO vaccination (patient_id, submission_id, organization_id, administered_date, cvx, information_source, historical, completion_status, action_code)
         VALUES ($1,$2,$3,$4,$5,'01',true,'CP','A') RETURNING id`,
        [o.patientId, submissionId, o.schoolOrgId, d.date, cvx]);
      stored.push({ id: ins.rows[0]!.id, date: d.date, cvx });
    }
    await client.query(`UPDATE enrollment SET needs_history = false, updated_at = now() WHERE patient_id = $1 AND active`, [o.patientId]);
    await client.query('COMMIT');
    return { submissionId, stored, alreadyOnFile };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}
