// HL7 Immunization Decision Support Forecast IG ($immds-forecast), FHIR R4: Parameters in (assessmentDate,
// patient, immunization*, observation/condition*), Parameters out (evaluation* = ImmunizationEvaluation,
// recommendation = ImmunizationRecommendation). Pure translation; the engine does the work.
import { parseDate } from './dates.ts';
import type { EngineInput, EngineResult, SeriesStatus } from './index.ts';
import { normCvx, type Schedule } from './schedule.ts';
import { reasonText, vaccineGroupCvx } from './registry-forecast.ts';

type Json = Record<string, any>;
export const CVX_SYSTEM = 'http://hl7.org/fhir/sid/cvx';
const CVX_SYSTEMS = new Set([CVX_SYSTEM, 'urn:oid:2.16.840.1.113883.12.292']);
const LOINC = 'http://loinc.org';
const DOSE_STATUS = 'http://terminology.hl7.org/CodeSystem/immunization-evaluation-dose-status';
const FORECAST_STATUS = 'http://terminology.hl7.org/CodeSystem/immunization-recommendation-status';
/** CDSi coded observations (3-digit codes of ScheduleSupportingData <observations>). */
export const CDSI_OBSERVATION_SYSTEM = 'https://www.cdc.gov/iis/cdsi/observation';

export class FhirInputError extends Error {
  constructor(message: string, readonly expression?: string) { super(message); }
}

export function operationOutcome(severity: 'error' | 'fatal' | 'warning', code: string, diagnostics: string, expression?: string): Json {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics, ...(expression ? { expression: [expression] } : {}) }] };
}

export interface ImmdsRequest {
  input: EngineInput;
  /** Patient reference for the output resources. */
  patientRef: Json;
  /** Per engine dose index: the reference of the Immunization it came from. */
  immunizationRefs: Json[];
  scheduleVersion?: string;
}

function isoDate(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(v)) throw new FhirInputError(`${where} must be a FHIR date (YYYY-MM-DD), got ${JSON.stringify(v)}`, where);
  const d = v.slice(0, 10);
  try { parseDate(d); } catch { throw new FhirInputError(`${where} is not a calendar date: ${JSON.stringify(v)}`, where); }
  return d;
}

function genderOf(g: unknown): string | undefined {
  if (typeof g !== 'string') return undefined;
  return { male: 'M', female: 'F', other: 'U', unknown: 'U' }[g.toLowerCase()] ?? undefined;
}

/** Reads the operation's input Parameters; throws FhirInputError naming the parameter at fault. */
export function parseImmdsParameters(body: unknown, schedule?: Schedule): ImmdsRequest {
  if (!body || typeof body !== 'object' || (body as Json).resourceType !== 'Parameters') throw new FhirInputError('the request body must be a FHIR Parameters resource', 'Parameters');
  const params: Json[] = Array.isArray((body as Json).parameter) ? (body as Json).parameter : [];
  const named = (n: string) => params.filter((p) => p && p.name === n);
  const ad = named('assessmentDate');
  if (ad.length !== 1) throw new FhirInputError(`exactly one assessmentDate parameter is required (found ${ad.length})`, 'Parameters.parameter[assessmentDate]');
  const assessmentDate = isoDate(ad[0]!.valueDate ?? ad[0]!.valueDateTime, 'assessmentDate.valueDate');
  const pp = named('patient');
  if (pp.length !== 1 || pp[0]!.resource?.resourceType !== 'Patient') throw new FhirInputError('exactly one patient parameter holding a Patient resource is required', 'Parameters.parameter[patient]');
  const patient = pp[0]!.resource as Json;
  const birthDate = isoDate(patient.birthDate, 'patient.resource.birthDate');
  const gender = genderOf(patient.gender);
  const patientRef = patient.id ? { reference: `Patient/${patient.id}` } : { display: 'the patient of the request' };
  const doses: EngineInput['doses'] = [];
  const immunizationRefs: Json[] = [];
  named('immunization').forEach((p, k) => {
    const where = `immunization[${k}]`;
    const im = p.resource as Json | undefined;
    if (im?.resourceType !== 'Immunization') throw new FhirInputError(`${where}: the parameter must hold an Immunization resource`, `Parameters.parameter[immunization][${k}]`);
    // doses not given (refused, entered in error) are not history
    if (im.status && im.status !== 'completed') return;
    const codings: Json[] = Array.isArray(im.vaccineCode?.coding) ? im.vaccineCode.coding : [];
    const cvx = codings.find((c) => CVX_SYSTEMS.has(c?.system) && typeof c.code === 'string')?.code;
    if (!cvx) throw new FhirInputError(`${where}: vaccineCode needs a coding with system ${CVX_SYSTEM} (CVX)`, `${where}.vaccineCode`);
    const date = isoDate(im.occurrenceDateTime ?? im.occurrenceString, `${where}.occurrenceDateTime`);
    const mvx = im.manufacturer?.identifier?.value ?? undefined;
    doses.push({ id: im.id ?? `immunization-${k}`, date, cvx: normCvx(cvx), mvx: typeof mvx === 'string' ? mvx : undefined });
    immunizationRefs.push(im.id ? { reference: `Immunization/${im.id}` } : { display: `immunization ${k + 1} of the request (CVX ${cvx}, ${date})` });
  });
  // coded observations (conditions, evidence of immunity, contraindications) as Observation or Condition resources
  const observations: NonNullable<EngineInput['observations']> = [];
  for (const n of ['observation', 'condition']) {
    named(n).forEach((p, k) => {
      const r = p.resource as Json | undefined;
      const cc = r?.resourceType === 'Observation' ? (r.valueCodeableConcept ?? r.code) : r?.code;
      const codings: Json[] = Array.isArray(cc?.coding) ? cc.coding : [];
      const code = codings.find((c) => c?.system === CDSI_OBSERVATION_SYSTEM)?.code ?? codings.find((c) => typeof c?.code === 'string' && schedule?.observations.has(c.code))?.code;
      if (!code) throw new FhirInputError(`${n}[${k}]: needs a coding with a CDSi observation code (system ${CDSI_OBSERVATION_SYSTEM})`, `Parameters.parameter[${n}][${k}]`);
      const when = r?.effectiveDateTime ?? r?.onsetDateTime ?? r?.recordedDate;
      observations.push({ code, date: when ? isoDate(when, `${n}[${k}] date`) : undefined });
    });
  }
  const sv = named('scheduleVersion')[0]?.valueString;
  return { input: { patient: { birthDate, gender }, doses, observations, assessmentDate }, patientRef, immunizationRefs, scheduleVersion: typeof sv === 'string' ? sv : undefined };
}

const STATUS_TEXT: Record<SeriesStatus, string> = {
  not_complete: 'not complete', complete: 'complete', immune: 'immune', contraindicated: 'contraindicated', aged_out: 'aged out', not_recommended: 'not recommended',
};

function forecastStatus(status: SeriesStatus, assessmentDate: string, pastDue?: string): Json {
  const base = (code: string, display: string) => ({ coding: [{ system: FORECAST_STATUS, code, display }], text: display });
  switch (status) {
    case 'not_complete': return pastDue && assessmentDate >= pastDue ? base('overdue', 'Overdue') : base('due', 'Due');
    case 'complete': return base('complete', 'Complete');
    case 'immune': return base('immune', 'Immune');
    case 'contraindicated': return base('contraindicated', 'Contraindicated');
    default: return { text: STATUS_TEXT[status] }; // aged out / not recommended: no code in the base value set
  }
}

const criterion = (code: string, display: string, value: string | undefined) => value ? [{ code: { coding: [{ system: LOINC, code, display }] }, value: `${value}` }] : [];

/** The operation's output Parameters: one ImmunizationEvaluation per dose and antigen, one ImmunizationRecommendation. */
export function toImmdsParameters(result: EngineResult, req: ImmdsRequest, schedule?: Schedule): Json {
  const parameter: Json[] = [];
  const authority = { display: `CDC CDSi logic 4.6, supporting data ${result.scheduleVersion}` };
  for (const a of result.antigens) {
    for (const e of a.evaluations) {
      const valid = e.status === 'valid';
      const dn = e.targetDose ? /(\d+)/.exec(e.targetDose)?.[1] : undefined;
      const seriesDoses = schedule?.antigens.get(a.antigen)?.series.find((s) => s.name === e.series)?.doses.length;
      const ev: Json = {
        resourceType: 'ImmunizationEvaluation',
        status: 'completed',
        patient: req.patientRef,
        date: result.assessmentDate,
        authority,
        targetDisease: { text: a.antigen },
        immunizationEvent: req.immunizationRefs[e.doseIndex] ?? { display: `dose ${e.doseIndex + 1}` },
        doseStatus: { coding: [{ system: DOSE_STATUS, code: valid ? 'valid' : 'notvalid', display: valid ? 'Valid' : 'Not valid' }], text: e.status.replace('_', ' ') },
        ...(valid ? {} : { doseStatusReason: [{ text: `${e.status === 'extraneous' ? 'extraneous' : reasonText(e.reason) ?? e.status}` }] }),
        description: e.explanation,
        series: e.series,
        ...(valid && dn ? { doseNumberPositiveInt: Number(dn) } : {}),
        ...(seriesDoses ? { seriesDosesPositiveInt: seriesDoses } : {}),
      };
      parameter.push({ name: 'evaluation', resource: ev });
    }
  }
  const recommendation: Json[] = [];
  for (const g of result.vaccineGroups) {
    if (g.status === 'not_recommended' && !g.doses.length) continue;
    const f = g.forecast;
    const cvx = vaccineGroupCvx(g.vaccineGroup);
    const sel = result.antigens.find((x) => x.vaccineGroup === g.vaccineGroup && x.selectedSeries);
    recommendation.push({
      vaccineCode: [{ coding: cvx ? [{ system: CVX_SYSTEM, code: cvx }] : [], text: g.vaccineGroup }],
      targetDisease: { text: g.vaccineGroup },
      forecastStatus: forecastStatus(g.status, result.assessmentDate, f?.pastDueDate),
      dateCriterion: f ? [
        ...criterion('30981-5', 'Earliest date to give', f.earliestDate),
        ...criterion('30980-7', 'Date vaccine due', f.recommendedDate),
        ...criterion('59778-1', 'Date when overdue for immunization', f.pastDueDate),
        ...criterion('59777-3', 'Latest date to give immunization', f.latestDate),
      ] : [],
      description: g.explanation,
      ...(sel?.selectedSeries ? { series: sel.selectedSeries } : {}),
      ...(f ? { doseNumberPositiveInt: f.doseNumber } : {}),
      ...(f?.vaccineTypes.length ? { forecastReason: [{ text: `vaccine types to give: ${f.vaccineTypes.join(', ')}` }] } : {}),
      supportingImmunization: g.doses.map((d) => req.immunizationRefs[d.doseIndex]).filter(Boolean),
    });
  }
  parameter.push({ name: 'recommendation', resource: {
    resourceType: 'ImmunizationRecommendation', patient: req.patientRef, date: result.assessmentDate, authority, recommendation,
  } });
  return { resourceType: 'Parameters', meta: { tag: [{ system: 'urn:iis:cdsi-schedule-version', code: result.scheduleVersion }] }, parameter };
}
