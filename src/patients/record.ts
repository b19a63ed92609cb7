// The consolidated record of one patient as the web app shows it: demographics, the source records they were
// derived from, every dose with where it came from, refusals and coded observations (with plain labels).
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export interface PatientRecordView {
  id: number;
  requestedId: number;
  demographics: {
    familyName: string | null; givenName: string | null; middleName: string | null; suffix: string | null;
    birthDate: string | null; sex: string | null; motherMaidenName: string | null; deathDate: string | null;
    address: unknown; phone: string | null; status: string;
  };
  identifiers: { value: string; authority: string; type: string }[];
  sourceRecords: { id: number; receivedAt: string; organization: string | null; channel: string | null; name: string; birthDate: string | null }[];
  doses: DoseView[];
  refusals: { id: number; date: string | null; cvx: string | null; vaccine: string | null; reason: string | null; organization: string | null; channel: string | null }[];
  observations: { id: number; kind: string; code: string; codeSystem: string | null; cdsiCode: string | null; label: string | null; date: string | null; organization: string | null; channel: string | null }[];
}

export interface DoseView {
  id: number; date: string; cvx: string | null; vaccine: string | null; enteredAs: string | null; mvx: string | null; lot: string | null;
  historical: boolean; informationSource: string | null; completionStatus: string | null;
  organization: string | null; channel: string | null; submissionId: number | null; sourceRecordId: number | null;
  consolidatedInto: number | null; deleted: boolean;
}

/** Follows merges to the surviving patient id (a merged record lives on the survivor). */
export async function survivorOf(db: Queryable, id: number): Promise<number | undefined> {
  let cur = id;
  for (let hop = 0; hop < 10; hop++) {
    const { rows } = await db.query('SELECT id, merged_into FROM patient WHERE id = $1', [cur]);
    if (!rows[0]) return undefined;
    if (!rows[0].merged_into) return Number(rows[0].id);
    cur = Number(rows[0].merged_into);
  }
  return cur;
}

export async function loadPatientRecord(db: Queryable, requestedId: number): Promise<PatientRecordView | undefined> {
  const id = await survivorOf(db, requestedId);
  if (id === undefined) return undefined;
  const p = (await db.query('SELECT * FROM patient WHERE id = $1', [id])).rows[0];
  if (!p) return undefined;
  const [ids, src, vax, ref, obs] = await Promise.all([
    db.query('SELECT id_value, authority, id_type FROM patient_identifier WHERE patient_id = $1 ORDER BY authority, id_type, id_value', [id]),
    db.query(
      `SELECT r.id, r.received_at, o.name AS org, s.channel, r.demographics
         FROM patient_source_record r LEFT JOIN organization o ON o.id = r.organization_id LEFT JOIN submission s ON s.id = r.submission_id
        WHERE r.patient_id = $1 ORDER BY r.received_at, r.id`, [id]),
    db.query(
      `SELECT v.id, v.administered_date, v.cvx, v.mvx, v.lot_number, v.historical, v.information_source, v.completion_status,
              v.submission_id, v.source_record_id, v.consolidated_into, v.deleted, v.vaccine_text, o.name AS org, s.channel,
              c.label AS cvx_label
         FROM vaccination v LEFT JOIN organization o ON o.id = v.organization_id LEFT JOIN submission s ON s.id = v.submission_id
         LEFT JOIN code_value c ON c.code_set = 'VACCINATION_CVX_CODE' AND c.code = v.cvx
        WHERE v.patient_id = $1 AND NOT v.deleted AND coalesce(upper(v.completion_status), 'CP') NOT IN ('RE')
        ORDER BY v.administered_date, v.id`, [id]),
    db.query(
      `SELECT r.id, r.refusal_date, r.cvx, coalesce(rr.label, r.reason) AS reason, r.vaccine_text, o.name AS org, s.channel, c.label AS cvx_label
         FROM refusal r LEFT JOIN organization o ON o.id = r.organization_id LEFT JOIN submission s ON s.id = r.submission_id
         LEFT JOIN code_value c ON c.code_set = 'VACCINATION_CVX_CODE' AND c.code = r.cvx
         LEFT JOIN code_value rr ON rr.code_set = 'VACCINATION_REFUSAL' AND rr.code = r.reason
        WHERE r.patient_id = $1 ORDER BY r.refusal_date NULLS LAST, r.id`, [id]),
    db.query(
      `SELECT b.id, b.kind, b.code, b.code_system, b.cdsi_code, b.text, b.observed_date, o.name AS org, s.channel, c.label AS cdsi_label
         FROM observation b LEFT JOIN organization o ON o.id = b.organization_id LEFT JOIN submission s ON s.id = b.submission_id
         LEFT JOIN code_value c ON c.code_set = 'CDSI_OBSERVATION' AND c.code = b.cdsi_code
        WHERE b.patient_id = $1 ORDER BY b.observed_date NULLS LAST, b.id`, [id]),
  ]);
  return {
    id, requestedId,
    demographics: {
      familyName: p.family_name, givenName: p.given_name, middleName: p.middle_name, suffix: p.suffix, birthDate: p.birth_date,
      sex: p.sex, motherMaidenName: p.mother_maiden_name, deathDate: p.death_date, address: p.address, phone: p.phone, status: p.status,
    },
    identifiers: ids.rows.map((r) => ({ value: r.id_value, authority: r.authority, type: r.id_type })),
    sourceRecords: src.rows.map((r) => {
      const d = (r.demographics ?? {}) as { name?: { given?: string; family?: string }; birthDate?: string };
      return {
        id: Number(r.id), receivedAt: new Date(r.received_at).toISOString(), organization: r.org, channel: r.channel,
        name: [d.name?.given, d.name?.family].filter(Boolean).join(' '), birthDate: d.birthDate ?? null,
      };
    }),
    doses: vax.rows.map((r) => ({
      id: Number(r.id), date: r.administered_date, cvx: r.cvx, vaccine: r.cvx_label ?? r.vaccine_text ?? null,
      enteredAs: r.cvx_label && r.vaccine_text && r.vaccine_text !== r.cvx_label ? r.vaccine_text : null, mvx: r.mvx, lot: r.lot_number,
      historical: r.historical, informationSource: r.information_source, completionStatus: r.completion_status,
      organization: r.org, channel: r.channel, submissionId: r.submission_id == null ? null : Number(r.submission_id),
      sourceRecordId: r.source_record_id == null ? null : Number(r.source_record_id),
      consolidatedInto: r.consolidated_into == null ? null : Number(r.consolidated_into), deleted: r.deleted,
    })),
    refusals: ref.rows.map((r) => ({
      id: Number(r.id), date: r.refusal_date, cvx: r.cvx, vaccine: r.cvx_label ?? r.vaccine_text ?? null, reason: r.reason,
      organization: r.org, channel: r.channel,
    })),
    observations: obs.rows.map((r) => ({
      id: Number(r.id), kind: r.kind, code: r.code, codeSystem: r.code_system, cdsiCode: r.cdsi_code, label: r.cdsi_label ?? r.text ?? null,
      date: r.observed_date, organization: r.org, channel: r.channel,
    })),
  };
}
