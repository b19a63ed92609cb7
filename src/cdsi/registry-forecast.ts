// The engine applied to a stored patient: reads the consolidated record (doses that count, coded observations,
// birth date, sex) and shapes the result for the HL7 RSP Z42 builder.
import type pg from 'pg';
import type { VaccinationRecord } from '../pipeline/canonical.ts';
import type { DoseEvaluation as RspDoseEvaluation, EvaluatedHistoryAndForecast, VaccineGroupForecast } from '../hl7v2/rsp.ts';
import { evaluateAndForecast, type EngineInput, type EngineResult, type SeriesStatus } from './engine.ts';
import { normCvx, type Schedule } from './schedule.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export class PatientNotFoundError extends Error {}

/** The engine input for a stored patient: doses that count and observations mapped to CDSi codes. */
export async function engineInputForPatient(db: Queryable, patientId: number, today: string): Promise<EngineInput> {
  // a merged patient's record lives on the survivor
  let id = patientId;
  let p: { id: number; birth_date: string | null; sex: string | null; merged_into: number | null } | undefined;
  for (let hop = 0; hop < 10; hop++) {
    const { rows } = await db.query(`SELECT id, birth_date, sex, merged_into FROM patient WHERE id = $1`, [id]);
    p = rows[0];
    if (!p?.merged_into) break;
    id = Number(p.merged_into);
  }
  if (!p) throw new PatientNotFoundError(`patient ${patientId} not found`);
  if (!p.birth_date) throw new Error(`patient ${patientId} has no birth date: the schedule cannot be applied`);
  // Refused (RE) and not administered (NA) entries are not doses; deleted and de-duplicated copies never count.
  const vax = await db.query<{ id: number; administered_date: string; cvx: string; mvx: string | null }>(
    `SELECT id, administered_date, cvx, mvx FROM vaccination
      WHERE patient_id = $1 AND NOT deleted AND consolidated_into IS NULL
        AND coalesce(upper(completion_status), 'CP') NOT IN ('RE', 'NA')
        AND cvx IS NOT NULL AND cvx <> '' AND administered_date <= $2
      ORDER BY administered_date, id`, [id, today]);
  const obs = await db.query<{ cdsi_code: string; observed_date: string | null }>(
    `SELECT cdsi_code, observed_date FROM observation WHERE patient_id = $1 AND cdsi_code IS NOT NULL AND cdsi_code <> ''
      ORDER BY observed_date NULLS FIRST, id`, [id]);
  return {
    patient: { birthDate: p.birth_date, gender: p.sex ?? undefined },
    doses: vax.rows.map((v) => ({ id: String(v.id), date: v.administered_date, cvx: v.cvx, mvx: v.mvx })),
    observations: obs.rows.map((o) => ({ code: o.cdsi_code, date: o.observed_date })),
    assessmentDate: today,
  };
}

/** Evaluation and forecast of a stored patient's record on `today` (an ISO date; the engine has no clock). */
export async function forecastForPatient(db: Queryable, schedule: Schedule, patientId: number, today: string): Promise<EngineResult> {
  return evaluateAndForecast(await engineInputForPatient(db, patientId, today), schedule);
}

// The 'unspecified formulation' CVX that names each vaccine group in OBX 30956-7 (CDC's CVX table).
const GROUP_CVX: Record<string, string> = {
  'DTaP/Tdap/Td': '107', HepA: '85', HepB: '45', Hib: '17', HPV: '137', Influenza: '88', MMR: '03', Meningococcal: '108',
  'Meningococcal B': '164', Pneumococcal: '109', Polio: '89', Rotavirus: '122', Varicella: '21', Zoster: '188', 'COVID-19': '213',
  RSV: '304', Cholera: '26', Dengue: '56', Ebola: '214', 'Japanese Encephalitis': '129', Rabies: '90', Typhoid: '91',
  'Yellow Fever': '184', TBE: '77', Chikungunya: '317', Orthopoxvirus: '75',
};
export function vaccineGroupCvx(group: string): string {
  return GROUP_CVX[group] ?? '';
}

const STATUS_TEXT: Record<SeriesStatus, string> = {
  not_complete: 'Not complete', complete: 'Complete', immune: 'Immune', contraindicated: 'Contraindicated',
  aged_out: 'Aged out', not_recommended: 'Not recommended',
};

const REASON_TEXT: Record<string, string> = {
  age_too_young: 'Too young', age_too_old: 'Too old', interval_too_soon: 'Too soon after the previous dose',
  live_virus_conflict: 'Live virus conflict', inadvertent_vaccine: 'Inadvertent vaccine administration',
  not_preferable_or_allowable_vaccine: 'Vaccine not allowed for this dose', gender: 'Not for this gender',
  series_already_complete: 'Extraneous: series already complete',
};
export function reasonText(reason: string | undefined): string | undefined {
  return reason ? REASON_TEXT[reason] ?? reason.replace(/_/g, ' ') : undefined;
}

type WithId = VaccinationRecord & { id?: number | string };

/**
 * Shapes an engine result for buildRspZ42: one evaluation per vaccine group a dose counts toward (in the order
 * of `vaccinations`, matched by id when they carry one, else by date and CVX), and one forecast per vaccine group
 * that is not silent (complete, immune, contraindicated and aged-out groups are reported with their status).
 */
export function toEvaluatedHistoryAndForecast(result: EngineResult, vaccinations: VaccinationRecord[], schedule?: Schedule): EvaluatedHistoryAndForecast {
  // engine doses: index -> (id, date, cvx), from the per-antigen evaluations
  const doses = new Map<number, { id?: string; date: string; cvx: string }>();
  for (const a of result.antigens) for (const e of a.evaluations) if (!doses.has(e.doseIndex)) doses.set(e.doseIndex, { id: e.id, date: e.date, cvx: normCvx(e.cvx) });
  const used = new Set<number>();
  const indexOf = (v: WithId): number | undefined => {
    if (v.id !== undefined) {
      for (const [i, d] of doses) if (d.id === String(v.id)) return i;
      return undefined;
    }
    if (!v.administeredDate || !v.cvx) return undefined;
    const cvx = normCvx(v.cvx);
    for (const [i, d] of [...doses].sort((x, y) => x[0] - y[0])) if (!used.has(i) && d.date === v.administeredDate && d.cvx === cvx) { used.add(i); return i; }
    return undefined;
  };
  const evaluations: RspDoseEvaluation[][] = vaccinations.map((v) => {
    const idx = indexOf(v as WithId);
    if (idx === undefined) return [];
    const out: RspDoseEvaluation[] = [];
    for (const g of result.vaccineGroups) {
      const d = g.doses.find((x) => x.doseIndex === idx);
      if (!d) continue;
      const ev = result.antigens.filter((a) => a.vaccineGroup === g.vaccineGroup).flatMap((a) => a.evaluations.filter((e) => e.doseIndex === idx))[0];
      const dn = ev?.targetDose ? /(\d+)/.exec(ev.targetDose)?.[1] : undefined;
      out.push({
        vaccineTypeCvx: vaccineGroupCvx(g.vaccineGroup),
        vaccineTypeText: g.vaccineGroup,
        seriesName: ev?.series,
        doseNumber: d.status === 'valid' && dn ? Number(dn) : undefined,
        dosesInSeries: ev ? seriesLength(schedule, ev.antigen, ev.series) : undefined,
        valid: d.status === 'valid',
        reason: d.status === 'valid' ? undefined : reasonText(d.reason) ?? d.status.replace(/_/g, ' '),
      });
    }
    return out;
  });
  const forecasts: VaccineGroupForecast[] = [];
  for (const g of result.vaccineGroups) {
    // groups the patient has nothing to do with (not recommended, no doses) are left out
    if (g.status === 'not_recommended' && !g.doses.length) continue;
    const sel = result.antigens.find((a) => a.vaccineGroup === g.vaccineGroup && a.selectedSeries);
    const f = g.forecast;
    forecasts.push({
      vaccineTypeCvx: vaccineGroupCvx(g.vaccineGroup),
      vaccineTypeText: g.vaccineGroup,
      seriesName: sel?.selectedSeries,
      seriesStatus: STATUS_TEXT[g.status] ?? g.status,
      nextDoseNumber: f?.doseNumber,
      dosesInSeries: sel?.selectedSeries ? seriesLength(schedule, sel.antigen, sel.selectedSeries) : undefined,
      earliest: f?.earliestDate, due: f?.recommendedDate, overdue: f?.pastDueDate, latest: f?.latestDate,
    });
  }
  return { schedule: { code: 'VXC16', text: `ACIP Schedule (CDSi supporting data ${result.scheduleVersion})` }, evaluations, forecasts };
}

function seriesLength(schedule: Schedule | undefined, antigen: string, series: string): number | undefined {
  return schedule?.antigens.get(antigen)?.series.find((s) => s.name === series)?.doses.length;
}
