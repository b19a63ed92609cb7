// Issuing a Certificate of Immunization for a registry patient: read the record, evaluate it against
// the school pack, store the certificate (verification code) and render the PDF.
import type pg from 'pg';
import type { DoseInput, Evaluation, ExemptionInput } from '../schools/evaluate.ts';
import type { Pack } from '../schools/pack.ts';
import { evaluateWithCdsi, type CdsiEngine } from '../schools/with-cdsi.ts';
import { renderCertificate, type CertificateData } from './certificate.ts';
import { certificateFromEvaluation } from './from-evaluation.ts';
import { issueCertificate } from './store.ts';

type Db = Pick<pg.Pool, 'query'>;

export interface IssueOptions {
  patientId: number;
  pack: Pack;
  grade: string;
  studentId?: string;
  school?: string;
  flags?: Record<string, boolean>;
  registryName: string;
  /** Date of the report and as-of date of the evaluation. */
  reportDate: string;
  /** Public base URL of the registry, e.g. https://iis.example.org (the QR code links to <base>/verify/<code>). */
  baseUrl: string;
  engine?: CdsiEngine;
}

export class CertificateError extends Error {}

export async function issuePatientCertificate(db: Db, o: IssueOptions): Promise<{ code: string; pdf: Buffer }> {
  const p = await db.query(`SELECT given_name, middle_name, family_name, birth_date, sex, status FROM patient WHERE id = $1`, [o.patientId]);
  if (!p.rows.length) throw new CertificateError(`no patient ${o.patientId}`);
  const pt = p.rows[0];
  if (pt.status === 'merged') throw new CertificateError(`patient ${o.patientId} was merged into another record`);
  if (!pt.birth_date) throw new CertificateError(`patient ${o.patientId} has no birth date`);
  const v = await db.query(
    `SELECT administered_date, cvx, historical FROM vaccination
      WHERE patient_id = $1 AND NOT deleted AND consolidated_into IS NULL AND cvx IS NOT NULL
        AND coalesce(completion_status, 'CP') IN ('CP', 'PA') AND coalesce(action_code, 'A') <> 'D' AND administered_date <= $2
      ORDER BY administered_date`,
    [o.patientId, o.reportDate],
  );
  const obs = await db.query(`SELECT coalesce(cdsi_code, code) AS code, observed_date FROM observation WHERE patient_id = $1`, [o.patientId]);
  const doses: DoseInput[] = v.rows.map((r) => ({ date: r.administered_date, cvx: r.cvx, historical: r.historical }));
  // Exemptions on file with the school nurse (school_exemption, migration 0510).
  const ex = await db.query(`SELECT type, vaccine, signed_date, expires, permanent FROM school_exemption WHERE patient_id = $1 AND removed_at IS NULL`, [o.patientId]);
  const exemptions: ExemptionInput[] = ex.rows.map((r) => ({ type: r.type, ...(r.vaccine ? { vaccine: r.vaccine } : {}), ...(r.signed_date ? { date: r.signed_date } : {}),
    ...(r.expires ? { expires: r.expires } : {}), ...(r.permanent ? { permanent: true } : {}) }));
  const evaluation = evaluateWithCdsi({
    pack: o.pack, asOf: o.reportDate, student: { dob: pt.birth_date, sex: pt.sex ?? undefined, grade: o.grade, flags: o.flags },
    doses, observations: obs.rows.map((r) => ({ code: r.code, date: r.observed_date ?? undefined })), exemptions,
  }, o.engine);
  const content = certificateFromEvaluation({
    registryName: o.registryName, reportDate: o.reportDate, pack: o.pack, evaluation, doses,
    student: { firstName: pt.given_name ?? '', middleName: pt.middle_name ?? undefined, lastName: pt.family_name ?? '', dob: pt.birth_date, sex: pt.sex ?? undefined, studentId: o.studentId, school: o.school, grade: o.grade },
  });
  const code = await issueCertificate(db, content, o.patientId);
  const pdf = await renderCertificate(content, { code, url: `${o.baseUrl.replace(/\/+$/, '')}/verify/${code}` });
  return { code, pdf };
}

/** A certificate for a student already read and evaluated (a class at a time): stored, not yet rendered. */
export async function issueStudentCertificate(db: Db, o: {
  student: { firstName: string; middleName?: string; lastName: string; dob: string; sex?: string; studentId?: string; school?: string; grade: string };
  patientId: number; doses: DoseInput[]; evaluation: Evaluation; pack: Pack; registryName: string; reportDate: string; baseUrl: string;
}): Promise<{ data: CertificateData; verify: { code: string; url: string } }> {
  const data = certificateFromEvaluation({
    registryName: o.registryName, reportDate: o.reportDate, pack: o.pack, evaluation: o.evaluation,
    doses: o.doses.filter((d) => d.date <= o.reportDate), student: o.student,
  });
  const code = await issueCertificate(db, data, o.patientId);
  return { data, verify: { code, url: `${o.baseUrl.replace(/\/+$/, '')}/verify/${code}` } };
}
