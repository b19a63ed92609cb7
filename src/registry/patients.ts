// Reading the consolidated record of a stored patient in the canonical shapes the edges use (RSP, JSON, FHIR).
import type { PoolClient } from 'pg';
import type { PatientRecord, VaccinationRecord } from '../pipeline/canonical.ts';

type Q = Pick<PoolClient, 'query'>;

/** Follows merged_into to the surviving patient. */
export async function resolveMerged(db: Q, patientId: number): Promise<number> {
  let id = patientId;
  for (let i = 0; i < 10; i++) {
    const { rows } = await db.query<{ merged_into: number | null }>(`SELECT merged_into FROM patient WHERE id = $1`, [id]);
    const next = rows[0]?.merged_into;
    if (!next) return id;
    id = next;
  }
  return id;
}

/** The consolidated demographics, with every identifier on file and the newest source record's guardians. */
export async function loadPatientRecord(db: Q, patientId: number): Promise<PatientRecord> {
  // One round trip: the row, its identifiers and the newest source record (QBP answers are latency-bound).
  const { rows } = await db.query<Record<string, any> & { ids: { id_value: string; authority: string; id_type: string }[]; latest: PatientRecord | null }>({
    name: 'registry.loadPatientRecord',
    text: `${PATIENT_SQL} FROM patient p WHERE p.id = $1`,
    values: [patientId],
  });
  const p = rows[0];
  if (!p) throw new Error(`patient ${patientId} not found`);
  return recordFromRow(p);
}

/** Patient p's identifiers, each once (JSON): recordFromRow's `ids`. */
export const PATIENT_IDS_SQL = `COALESCE((SELECT json_agg(i ORDER BY i.id_type, i.authority, i.id_value)
                   FROM (SELECT DISTINCT id_value, authority, id_type FROM patient_identifier WHERE patient_id = p.id) i), '[]')`;

/** The patient columns recordFromRow and candidateFromRow read (not p.*: timestamps parsed into Dates for nothing). */
export const PATIENT_COLUMNS = `p.id, p.status, p.family_name, p.given_name, p.middle_name, p.suffix, p.birth_date, p.sex, p.mother_maiden_name,
       p.multiple_birth, p.birth_order, p.death_date, p.address, p.phone`;

/** Patient p's row, its identifiers (`ids`) and what recordFromRow reads of its newest source record (`latest`). */
export const PATIENT_SQL = `SELECT ${PATIENT_COLUMNS}, ${PATIENT_IDS_SQL} AS ids,
       (SELECT jsonb_build_object('aliases', d->'aliases', 'race', d->'race', 'ethnicity', d->'ethnicity', 'guardians', d->'guardians')
          FROM (SELECT demographics AS d FROM patient_source_record WHERE patient_id = p.id ORDER BY received_at DESC, id DESC LIMIT 1) l) AS latest`;

/** Patient p's doses that count, each with its observations, oldest first (JSON; vaccinationFromRow reads each). */
export const VACCINATIONS_SQL = `COALESCE((SELECT json_agg(x ORDER BY x.administered_date, x.id) FROM (
         -- The columns vaccinationFromRow reads (not v.*: a third of the JSON parsed for nothing).
         SELECT v.id, v.organization_id, v.sender_vaccination_id, v.administered_date, v.cvx, v.ndc, v.vaccine_text, v.mvx, v.lot_number,
                v.expiration_date, v.amount, v.amount_unit, v.route, v.site, v.information_source, v.historical, v.administering_facility,
                v.ordering_clinician, v.administering_clinician, v.completion_status, v.refusal_reason, v.funding_eligibility,
                v.funding_source, v.vis,
                COALESCE((SELECT json_agg(o ORDER BY o.id) FROM observation o WHERE o.patient_id = v.patient_id AND o.vaccination_id = v.id), '[]') AS obs
           FROM vaccination v WHERE v.patient_id = p.id AND NOT v.deleted AND v.consolidated_into IS NULL) x), '[]')`;

export async function loadPatientHistory(db: Q, patientId: number): Promise<{ patient: PatientRecord; vaccinations: StoredVaccination[] }> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const { rows } = await db.query<any>({
    name: 'registry.loadPatientHistory',
    text: `${PATIENT_SQL}, ${VACCINATIONS_SQL} AS vaccinations FROM patient p WHERE p.id = $1`,
    values: [patientId],
  });
  const p = rows[0];
  if (!p) throw new Error(`patient ${patientId} not found`);
  return { patient: recordFromRow(p), vaccinations: (p.vaccinations as unknown[]).map(vaccinationFromRow) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function recordFromRow(p: any): PatientRecord {
  const latest: PatientRecord | undefined = p.latest ?? undefined;
  // Only the fields that have a value, assigned in order (not deleted afterwards: see vaccinationFromRow).
  const record = {
    identifiers: (p.ids as { id_value: string; authority: string; id_type: string }[]).map((r) => ({value: r.id_value, authority: r.authority || undefined, type: r.id_type || undefined })),
    name: { family: p.family_name ?? undefined, given: p.given_name ?? undefined, middle: p.middle_name ?? undefined, suffix: p.suffix ?? undefined, type: 'L' },
    aliases: latest?.aliases ?? [],
  } as PatientRecord;
  if (p.mother_maiden_name != null) record.motherMaidenName = p.mother_maiden_name;
  if (p.birth_date != null) record.birthDate = p.birth_date;
  if (p.sex != null) record.sex = p.sex;
  if (latest?.race !== undefined) record.race = latest.race;
  if (latest?.ethnicity !== undefined) record.ethnicity = latest.ethnicity;
  if (p.address != null) record.address = p.address;
  if (p.phone != null) record.phone = p.phone;
  if (p.multiple_birth != null) record.multipleBirth = p.multiple_birth;
  if (p.birth_order != null) record.birthOrder = p.birth_order;
  if (p.death_date != null) record.deathDate = p.death_date;
  record.guardians = latest?.guardians ?? [];
  return record;
}

export interface StoredVaccination extends VaccinationRecord { id: number; organizationId: number | null }

/** The doses that count: not deleted, not folded into another by de-duplication; oldest first. */
export async function loadVaccinations(db: Q, patientId: number): Promise<StoredVaccination[]> {
  // One round trip: each dose with its observations.
  const { rows } = await db.query({
    name: 'registry.loadVaccinations',
    text: `SELECT v.*, COALESCE((SELECT json_agg(o ORDER BY o.id) FROM observation o WHERE o.patient_id = v.patient_id AND o.vaccination_id = v.id), '[]') AS obs
       FROM vaccination v WHERE v.patient_id = $1 AND NOT v.deleted AND v.consolidated_into IS NULL
      ORDER BY v.administered_date, v.id`,
    values: [patientId],
  });
  return rows.map(vaccinationFromRow);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function vaccinationFromRow(r: any): StoredVaccination {
  // Only the fields that have a value, in this order; assigned one by one rather than deleted afterwards (an object
  // with deleted properties turns into a slow dictionary for every later read: RSP building reads each dose's fields).
  const v = { id: r.id, organizationId: r.organization_id } as StoredVaccination;
  if (r.sender_vaccination_id != null) v.senderId = r.sender_vaccination_id;
  if (r.administered_date !== undefined) v.administeredDate = r.administered_date;
  if (r.cvx != null) v.cvx = r.cvx;
  if (r.ndc != null) v.ndc = r.ndc;
  if (r.vaccine_text != null) v.vaccineText = r.vaccine_text;
  if (r.mvx != null) v.mvx = r.mvx;
  if (r.lot_number != null) v.lotNumber = r.lot_number;
  if (r.expiration_date != null) v.expirationDate = r.expiration_date;
  if (r.amount !== null) v.amount = Number(r.amount);
  if (r.amount_unit != null) v.amountUnit = r.amount_unit;
  if (r.route != null) v.route = r.route;
  if (r.site != null) v.site = r.site;
  if (r.information_source != null) v.informationSource = r.information_source;
  if (r.historical !== undefined) v.historical = r.historical;
  if (r.administering_facility != null) v.administeringFacility = r.administering_facility;
  if (r.ordering_clinician != null) v.orderingClinician = r.ordering_clinician;
  if (r.administering_clinician != null) v.administeringClinician = r.administering_clinician;
  if (r.completion_status != null) v.completionStatus = r.completion_status;
  if (r.refusal_reason != null) v.refusalReason = r.refusal_reason;
  if (r.funding_eligibility != null) v.fundingEligibility = r.funding_eligibility;
  if (r.funding_source != null) v.fundingSource = r.funding_source;
  v.vis = r.vis ?? [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  v.observations = (r.obs as any[]).map((o) => ({
    kind: o.kind, identifier: o.identifier ?? '', codeSystem: o.code_system ?? undefined, code: o.code, text: o.text ?? undefined,
    cdsiCode: o.cdsi_code ?? undefined, date: o.observed_date ?? undefined,
  }));
  return v;
}
