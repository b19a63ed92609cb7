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
  const record: PatientRecord = {
    identifiers: (p.ids as { id_value: string; authority: string; id_type: string }[]).map((r) => ({value: r.id_value, authority: r.authority || undefined, type: r.id_type || undefined })),
    name: { family: p.family_name ?? undefined, given: p.given_name ?? undefined, middle: p.middle_name ?? undefined, suffix: p.suffix ?? undefined, type: 'L' },
    aliases: latest?.aliases ?? [],
    motherMaidenName: p.mother_maiden_name ?? undefined,
    birthDate: p.birth_date ?? undefined,
    sex: p.sex ?? undefined,
    race: latest?.race,
    ethnicity: latest?.ethnicity,
    address: p.address ?? undefined,
    phone: p.phone ?? undefined,
    multipleBirth: p.multiple_birth ?? undefined,
    birthOrder: p.birth_order ?? undefined,
    deathDate: p.death_date ?? undefined,
    guardians: latest?.guardians ?? [],
  };
  for (const k of Object.keys(record) as (keyof PatientRecord)[]) if (record[k] === undefined) delete record[k];
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
  {
    const v: StoredVaccination = {
      id: r.id,
      organizationId: r.organization_id,
      senderId: r.sender_vaccination_id ?? undefined,
      administeredDate: r.administered_date,
      cvx: r.cvx ?? undefined,
      ndc: r.ndc ?? undefined,
      vaccineText: r.vaccine_text ?? undefined,
      mvx: r.mvx ?? undefined,
      lotNumber: r.lot_number ?? undefined,
      expirationDate: r.expiration_date ?? undefined,
      amount: r.amount === null ? undefined : Number(r.amount),
      amountUnit: r.amount_unit ?? undefined,
      route: r.route ?? undefined,
      site: r.site ?? undefined,
      informationSource: r.information_source ?? undefined,
      historical: r.historical,
      administeringFacility: r.administering_facility ?? undefined,
      orderingClinician: r.ordering_clinician ?? undefined,
      administeringClinician: r.administering_clinician ?? undefined,
      completionStatus: r.completion_status ?? undefined,
      refusalReason: r.refusal_reason ?? undefined,
      fundingEligibility: r.funding_eligibility ?? undefined,
      fundingSource: r.funding_source ?? undefined,
      vis: r.vis ?? [],
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      observations: (r.obs as any[]).map((o) => ({
        kind: o.kind, identifier: o.identifier ?? '', codeSystem: o.code_system ?? undefined, code: o.code, text: o.text ?? undefined,
        cdsiCode: o.cdsi_code ?? undefined, date: o.observed_date ?? undefined,
      })),
    };
    for (const k of Object.keys(v) as (keyof StoredVaccination)[]) if (v[k] === undefined) delete v[k];
    return v;
  }
}
