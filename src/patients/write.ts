// Changes entered in the web app go through the same tables as the HL7 pipeline: one submission (channel 'web',
// the request as raw text), a patient source record of who entered it, then the vaccination / refusal /
// observation rows pointing at both, and the vaccination de-duplication — in one transaction.
import type pg from 'pg';
import { transaction } from '../registry/database.ts';
import { applyVaccinationDedup } from '../matching/store.ts';
import type { VaccineGroupMap } from '../matching/dedup.ts';
import type { Principal } from '../access/guard.ts';

export interface WebEntry { principal: Principal; patientId: number; messageType: string; raw: unknown }

async function openWebSubmission(client: pg.PoolClient, e: WebEntry): Promise<{ submissionId: number; sourceRecordId: number }> {
  const s = await client.query<{ id: number }>(
    `INSERT INTO submission (organization_id, channel, message_type, raw, ack_code, patient_id) VALUES ($1, 'web', $2, $3, 'AA', $4) RETURNING id`,
    [e.principal.organizationId, e.messageType, JSON.stringify(e.raw), e.patientId]);
  const submissionId = Number(s.rows[0]!.id);
  // The source record keeps the demographics as they stood when the entry was made, and who made it.
  const p = (await client.query('SELECT given_name, middle_name, family_name, birth_date, sex FROM patient WHERE id = $1', [e.patientId])).rows[0];
  const r = await client.query<{ id: number }>(
    `INSERT INTO patient_source_record (patient_id, submission_id, organization_id, sender_patient_id, demographics) VALUES ($1, $2, $3, NULL, $4) RETURNING id`,
    [e.patientId, submissionId, e.principal.organizationId, JSON.stringify({
      name: { given: p?.given_name ?? undefined, middle: p?.middle_name ?? undefined, family: p?.family_name ?? undefined },
      birthDate: p?.birth_date ?? undefined, sex: p?.sex ?? undefined, enteredBy: e.principal.username, channel: 'web',
    })]);
  return { submissionId, sourceRecordId: Number(r.rows[0]!.id) };
}

export interface NewVaccination {
  date: string; cvx: string[]; historical: boolean; mvx?: string; lotNumber?: string; tradeName?: string;
  informationSource?: string; expirationDate?: string; route?: string; site?: string; administeringFacility?: string;
}

export async function storeWebVaccination(pool: pg.Pool, e: WebEntry, v: NewVaccination, groups: VaccineGroupMap): Promise<{ submissionId: number; vaccinationIds: number[] }> {
  return transaction(pool, async (client) => {
    const { submissionId, sourceRecordId } = await openWebSubmission(client, e);
    const ids: number[] = [];
    for (const cvx of v.cvx) {
      const r = await client.query<{ id: number }>(
        `INSERT INTO vaccination (patient_id, source_record_id, submission_id, organization_id, administered_date, cvx, mvx, lot_number,
           expiration_date, route, site, administering_facility, information_source, historical, completion_status, action_code, vaccine_text, entered_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,'CP','A',$15,$16) RETURNING id`,
        [e.patientId, sourceRecordId, submissionId, e.principal.organizationId, v.date, cvx, v.mvx ?? null, v.lotNumber ?? null,
          v.expirationDate ?? null, v.route ?? null, v.site ?? null, v.administeringFacility ?? null,
          v.informationSource ?? (v.historical ? '01' : '00'), v.historical, v.tradeName ?? null,
          JSON.stringify({ username: e.principal.username, userId: e.principal.userId })]);
      ids.push(Number(r.rows[0]!.id));
    }
    await applyVaccinationDedup(client, e.patientId, groups);
    return { submissionId, vaccinationIds: ids };
  });
}

export interface NewRefusal { date: string; cvx?: string; vaccine?: string; reason?: string }

export async function storeWebRefusal(pool: pg.Pool, e: WebEntry, r: NewRefusal): Promise<{ submissionId: number; refusalId: number }> {
  return transaction(pool, async (client) => {
    const { submissionId } = await openWebSubmission(client, e);
    const ins = await client.query<{ id: number }>(
      `INSERT INTO refusal (patient_id, submission_id, organization_id, refusal_date, cvx, reason, vaccine_text) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`,
      [e.patientId, submissionId, e.principal.organizationId, r.date, r.cvx ?? null, r.reason ?? null, r.vaccine ?? null]);
    return { submissionId, refusalId: Number(ins.rows[0]!.id) };
  });
}

export interface NewObservation { kind: 'contraindication' | 'immunity' | 'condition' | 'indication'; cdsiCode: string; code: string; codeSystem: string; text?: string; date?: string }

export async function storeWebObservation(pool: pg.Pool, e: WebEntry, o: NewObservation): Promise<{ submissionId: number; observationId: number }> {
  return transaction(pool, async (client) => {
    const { submissionId } = await openWebSubmission(client, e);
    const ins = await client.query<{ id: number }>(
      `INSERT INTO observation (patient_id, submission_id, organization_id, kind, code_system, code, cdsi_code, text, observed_date)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
      [e.patientId, submissionId, e.principal.organizationId, o.kind, o.codeSystem, o.code, o.cdsiCode, o.text ?? null, o.date ?? null]);
    return { submissionId, observationId: Number(ins.rows[0]!.id) };
  });
}
