// RSP^K11 building (IG 1.5): Z32 complete history, Z31 candidate list, Z33 no match / too many, Z42 evaluated
// history and forecast.
import type { Finding, IsoDate, PatientRecord, PersonName, VaccinationRecord, Address } from '../pipeline/canonical.ts';
import { buildEr7, type Er7Field, type Er7Message, type Er7SegmentSpec, isoToHl7Date } from './er7.ts';
import { errSegments, responseMsh } from './ack.ts';

/** One patient as the registry returns it. */
export interface RspPatient {
  patient: PatientRecord;
  /** The registry's own id for the patient (PID-3 with authority `registryAuthority`, type SR). */
  registryId?: string;
}

export interface RspOptions {
  request: Er7Message | undefined;
  now: Date;
  controlId: string;
  receivingApplication?: string;
  receivingFacility?: string;
  /** Assigning authority for registryId, default 'IIS'. */
  registryAuthority?: string;
  /** Extra ERR segments (e.g. query warnings). */
  findings?: Finding[];
}

// ------------------------------------------------------------------ evaluation / forecast input (CDSi engine output)

/** One antigen/series evaluation of one administered dose. */
export interface DoseEvaluation {
  /** Vaccine group / type as a CVX code for OBX 30956-7 (e.g. '107' DTaP unspecified, '45' HepB unspecified). */
  vaccineTypeCvx: string;
  vaccineTypeText?: string;
  /** Series name (OBX 59780-7). */
  seriesName?: string;
  /** Dose number in series (OBX 30973-2); undefined when not counted. */
  doseNumber?: number;
  /** Number of doses in the primary series (OBX 59782-3). */
  dosesInSeries?: number;
  /** OBX 59781-5 dose validity Y/N. */
  valid: boolean;
  /** Why not valid (OBX 30982-3 reason), free text or code. */
  reason?: string;
}

export interface VaccineGroupForecast {
  vaccineTypeCvx: string;
  vaccineTypeText?: string;
  seriesName?: string;
  /** OBX 59783-1 status in series: e.g. 'Not complete', 'Complete', 'Immune', 'Contraindicated', 'Aged out'. */
  seriesStatus: string;
  /** Code for the status (e.g. CDSi/HL7 0 'LA13421-5' Complete ...); optional. */
  seriesStatusCode?: string;
  /** Next dose number (OBX 30973-2). */
  nextDoseNumber?: number;
  dosesInSeries?: number;
  earliest?: IsoDate; // 30981-5
  due?: IsoDate; // 30980-7 recommended date
  overdue?: IsoDate; // 59778-1 past due date
  latest?: IsoDate; // 59777-3
  reason?: string; // 30982-3
}

/** What the forecasting engine provides for a Z42. */
export interface EvaluatedHistoryAndForecast {
  /** Schedule used (OBX 59779-9), default VXC16 ACIP. */
  schedule?: { code: string; text: string };
  /** Evaluations per administered dose, in the same order as the vaccinations passed to buildRspZ42. */
  evaluations: DoseEvaluation[][];
  forecasts: VaccineGroupForecast[];
}

// ------------------------------------------------------------------ segments

function xpn(n: PersonName | undefined, type = 'L'): Er7Field {
  if (!n) return undefined;
  return [n.family, n.given, n.middle, n.suffix, undefined, undefined, n.type ?? type];
}

function xad(a: Address | undefined): Er7Field {
  if (!a) return undefined;
  return [a.street, a.other, a.city, a.state, a.zip, a.country ?? 'USA', a.type ?? 'L', undefined, a.county];
}

function pidSegment(p: RspPatient, authority: string): Er7SegmentSpec {
  const pt = p.patient;
  const ids: Er7Field[] = [];
  if (p.registryId) ids.push([p.registryId, undefined, undefined, [authority], 'SR']);
  for (const i of pt.identifiers) ids.push([i.value, undefined, undefined, i.authority ? [i.authority] : undefined, i.type]);
  const names = [xpn(pt.name), ...pt.aliases.map((a) => xpn(a, 'A'))] as Er7Field[];
  return [
    'PID',
    1,
    undefined,
    { reps: ids as any },
    undefined,
    { reps: names as any },
    pt.motherMaidenName ? [pt.motherMaidenName, undefined, undefined, undefined, undefined, undefined, 'M'] : undefined,
    isoToHl7Date(pt.birthDate),
    pt.sex,
    undefined,
    pt.race?.length ? { reps: pt.race.map((r) => [r, undefined, 'CDCREC']) } : undefined,
    xad(pt.address),
    undefined,
    pt.phone ? [undefined, 'PRN', 'PH', undefined, undefined, pt.phone.slice(0, 3), pt.phone.slice(3)] : undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    pt.ethnicity ? [pt.ethnicity, undefined, 'CDCREC'] : undefined,
    undefined,
    pt.multipleBirth,
    pt.birthOrder,
    undefined,
    undefined,
    undefined,
    isoToHl7Date(pt.deathDate),
    pt.deathIndicator,
  ];
}

function patientSegments(p: RspPatient, authority: string, withNk1: boolean): Er7SegmentSpec[] {
  const out: Er7SegmentSpec[] = [pidSegment(p, authority)];
  const pt = p.patient;
  if (pt.publicityCode || pt.protectionIndicator || pt.registryStatus) {
    out.push(['PD1', undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, pt.publicityCode ? [pt.publicityCode, undefined, 'HL70215'] : undefined, pt.protectionIndicator, undefined, undefined, undefined, pt.registryStatus]);
  }
  if (withNk1) {
    pt.guardians.forEach((g, i) => {
      out.push(['NK1', i + 1, xpn(g.name), g.relationship ? [g.relationship, undefined, 'HL70063'] : undefined, xad(g.address), g.phone ? [undefined, 'PRN', 'PH', undefined, undefined, g.phone.slice(0, 3), g.phone.slice(3)] : undefined]);
    });
  }
  return out;
}

function obx(setId: number, type: string, id: [string, string], value: Er7Field, sub: number, extra?: { date?: IsoDate; method?: Er7Field }): Er7SegmentSpec {
  return ['OBX', setId, type, [id[0], id[1], 'LN'], String(sub), value, undefined, undefined, undefined, undefined, undefined, 'F', undefined, undefined, isoToHl7Date(extra?.date), undefined, undefined, extra?.method];
}

function vaccinationSegments(v: VaccinationRecord, idx: number, authority: string, obxStart: { n: number; sub: number }): Er7SegmentSpec[] {
  const out: Er7SegmentSpec[] = [];
  out.push(['ORC', 'RE', undefined, [v.senderId ?? String(idx + 1), authority]]);
  const code: Er7Field = v.cvx
    ? [v.cvx, v.vaccineText, 'CVX', v.ndc, undefined, v.ndc ? 'NDC' : undefined]
    : v.ndc
      ? [v.ndc, v.vaccineText, 'NDC']
      : ['999', v.vaccineText ?? 'unknown', 'CVX'];
  out.push([
    'RXA',
    0,
    1,
    isoToHl7Date(v.administeredDate),
    undefined,
    code,
    v.amount ?? 999,
    v.amountUnit ? [v.amountUnit, undefined, 'UCUM'] : undefined,
    undefined,
    [v.historical ? v.informationSource ?? '01' : '00', undefined, 'NIP001'],
    undefined,
    v.administeringFacility ? [undefined, undefined, undefined, [v.administeringFacility]] : undefined,
    undefined,
    undefined,
    undefined,
    v.lotNumber,
    isoToHl7Date(v.expirationDate),
    v.mvx ? [v.mvx, undefined, 'MVX'] : undefined,
    v.refusalReason ? [v.refusalReason, undefined, 'NIP002'] : undefined,
    undefined,
    v.completionStatus ?? 'CP',
    v.actionCode ?? 'A',
  ]);
  if (v.route || v.site) out.push(['RXR', v.route ? [v.route, undefined, 'NCIT'] : undefined, v.site ? [v.site, undefined, 'HL70163'] : undefined]);
  if (v.fundingEligibility) out.push(obx(obxStart.n++, 'CE', ['64994-7', 'Vaccine funding program eligibility category'], [v.fundingEligibility, undefined, 'HL70064'], ++obxStart.sub));
  if (v.fundingSource) out.push(obx(obxStart.n++, 'CE', ['30963-3', 'Vaccine funding source'], [v.fundingSource, undefined, 'CDCPHINVS'], ++obxStart.sub));
  for (const vis of v.vis) {
    const sub = ++obxStart.sub;
    if (vis.document) out.push(obx(obxStart.n++, 'CE', ['69764-9', 'Document type'], [vis.document, undefined, 'cdcgs1vis'], sub));
    else if (vis.cvx) out.push(obx(obxStart.n++, 'CE', ['30956-7', 'Vaccine type'], [vis.cvx, undefined, 'CVX'], sub));
    if (vis.published) out.push(obx(obxStart.n++, 'DT', ['29768-9', 'Date vaccine information statement published'], isoToHl7Date(vis.published), sub));
    if (vis.presented) out.push(obx(obxStart.n++, 'DT', ['29769-7', 'Date vaccine information statement presented'], isoToHl7Date(vis.presented), sub));
  }
  // Patient facts recorded with this dose (immunity, contraindication, indication).
  for (const ob of v.observations) {
    if (ob.kind !== 'immunity' && ob.kind !== 'contraindication' && ob.kind !== 'indication') continue;
    const system = /^\d+$/.test(ob.code ?? '') ? 'SCT' : 'CDCPHINVS';
    out.push(obx(obxStart.n++, 'CE', [ob.identifier, ob.kind === 'immunity' ? 'Disease with presumed immunity' : ob.kind === 'contraindication' ? 'Vaccination contraindication/precaution' : 'Indications to immunize'], [ob.code, ob.text, system], ++obxStart.sub, { date: ob.date }));
  }
  return out;
}

function header(opts: RspOptions, profile: string, ackCode: string, qakStatus: string, segs: Er7SegmentSpec[]): string {
  const req = opts.request;
  const msh = req?.segment('MSH');
  const reqCtl = msh && req ? req.get(msh, 10) : '';
  const qpd = req?.segment('QPD');
  const tag = qpd && req ? req.get(qpd, 2) : '';
  const qn: Er7Field = qpd && req ? [req.get(qpd, 1, 1, 1), req.get(qpd, 1, 1, 2), req.get(qpd, 1, 1, 3)] : undefined;
  const out: Er7SegmentSpec[] = [
    responseMsh(req, { ...opts, messageType: ['RSP', 'K11', 'RSP_K11'], profile }),
    ['MSA', ackCode, reqCtl],
    ...errSegments(opts.findings ?? []),
    ['QAK', tag, qakStatus, qn],
  ];
  // QPD is echoed verbatim (already escaped): re-emit the raw fields.
  if (qpd) out.push(['QPD', ...qpd.fields.slice(1).map((f) => ({ raw: f }))]);
  out.push(...segs);
  return buildEr7(out);
}

/** Z32: exactly one patient, full history (PID, PD1, NK1, then ORC/RXA/RXR/OBX per vaccination). */
export function buildRspZ32(opts: RspOptions, patient: RspPatient, vaccinations: VaccinationRecord[]): string {
  const auth = opts.registryAuthority ?? 'IIS';
  const segs: Er7SegmentSpec[] = patientSegments(patient, auth, true);
  const counter = { n: 1, sub: 0 };
  vaccinations.forEach((v, i) => segs.push(...vaccinationSegments(v, i, auth, counter)));
  return header(opts, 'Z32', 'AA', 'OK', segs);
}

/** Z31: several candidates (at most `limit`, normally RCP-2), demographics only. */
export function buildRspZ31(opts: RspOptions, candidates: RspPatient[], limit?: number): string {
  const auth = opts.registryAuthority ?? 'IIS';
  const list = limit !== undefined ? candidates.slice(0, limit) : candidates;
  const segs: Er7SegmentSpec[] = [];
  list.forEach((c, i) => {
    const ps = patientSegments(c, auth, true);
    (ps[0] as unknown[])[1] = i + 1;
    segs.push(...ps);
  });
  return header(opts, 'Z31', 'AA', 'OK', segs);
}

/** Z33: no match (QAK-2 NF), too many matches (TM), or a rejected query (AE/AR with QAK-2 AE/AR). */
export function buildRspZ33(opts: RspOptions, reason: 'NF' | 'TM' | 'AE' | 'AR'): string {
  const ack = reason === 'AE' ? 'AE' : reason === 'AR' ? 'AR' : 'AA';
  return header(opts, 'Z33', ack, reason, []);
}

/** Z42: one patient with evaluated history and forecast (IG 1.5 Z42 OBX groups). */
export function buildRspZ42(opts: RspOptions, patient: RspPatient, vaccinations: VaccinationRecord[], data: EvaluatedHistoryAndForecast): string {
  const auth = opts.registryAuthority ?? 'IIS';
  const schedule = data.schedule ?? { code: 'VXC16', text: 'ACIP Schedule' };
  const segs: Er7SegmentSpec[] = patientSegments(patient, auth, false);
  const counter = { n: 1, sub: 0 };
  vaccinations.forEach((v, i) => {
    counter.n = 1;
    counter.sub = 0;
    segs.push(...vaccinationSegments(v, i, auth, counter));
    for (const e of data.evaluations[i] ?? []) {
      const sub = ++counter.sub;
      segs.push(obx(counter.n++, 'CE', ['30956-7', 'Vaccine type'], [e.vaccineTypeCvx, e.vaccineTypeText, 'CVX'], sub));
      segs.push(obx(counter.n++, 'CE', ['59779-9', 'Immunization Schedule used'], [schedule.code, schedule.text, 'CDCPHINVS'], sub));
      if (e.seriesName) segs.push(obx(counter.n++, 'ST', ['59780-7', 'Immunization Series name'], e.seriesName, sub));
      if (e.doseNumber !== undefined) segs.push(obx(counter.n++, 'NM', ['30973-2', 'Dose number in series'], e.doseNumber, sub));
      if (e.dosesInSeries !== undefined) segs.push(obx(counter.n++, 'NM', ['59782-3', 'Number of doses in primary series'], e.dosesInSeries, sub));
      segs.push(obx(counter.n++, 'ID', ['59781-5', 'Dose validity'], e.valid ? 'Y' : 'N', sub));
      if (e.reason) segs.push(obx(counter.n++, 'CE', ['30982-3', 'Reason applied by forecast logic to project this vaccine'], [undefined, e.reason], sub));
    }
  });
  if (data.forecasts.length) {
    // Forecasts hang off a 'no vaccine administered' RXA (CVX 998), one OBX group per vaccine group.
    segs.push(['ORC', 'RE', undefined, ['9999', auth]]);
    segs.push(['RXA', 0, 1, isoToHl7Date(opts.now.toISOString().slice(0, 10)), undefined, ['998', 'No vaccine administered', 'CVX'], 999, ...Array(13).fill(undefined), 'NA']);
    let n = 1;
    let sub = 0;
    for (const fc of data.forecasts) {
      sub++;
      segs.push(obx(n++, 'CE', ['30956-7', 'Vaccine type'], [fc.vaccineTypeCvx, fc.vaccineTypeText, 'CVX'], sub));
      segs.push(obx(n++, 'CE', ['59779-9', 'Immunization Schedule used'], [schedule.code, schedule.text, 'CDCPHINVS'], sub));
      if (fc.seriesName) segs.push(obx(n++, 'ST', ['59780-7', 'Immunization Series name'], fc.seriesName, sub));
      if (fc.nextDoseNumber !== undefined) segs.push(obx(n++, 'NM', ['30973-2', 'Dose number in series'], fc.nextDoseNumber, sub));
      if (fc.dosesInSeries !== undefined) segs.push(obx(n++, 'NM', ['59782-3', 'Number of doses in primary series'], fc.dosesInSeries, sub));
      segs.push(obx(n++, 'CE', ['59783-1', 'Status in immunization series'], [fc.seriesStatusCode ?? fc.seriesStatus, fc.seriesStatus, fc.seriesStatusCode ? 'LN' : undefined], sub));
      if (fc.earliest) segs.push(obx(n++, 'DT', ['30981-5', 'Earliest date to give'], isoToHl7Date(fc.earliest), sub));
      if (fc.due) segs.push(obx(n++, 'DT', ['30980-7', 'Date vaccine due'], isoToHl7Date(fc.due), sub));
      if (fc.overdue) segs.push(obx(n++, 'DT', ['59778-1', 'Date when overdue for immunization'], isoToHl7Date(fc.overdue), sub));
      if (fc.latest) segs.push(obx(n++, 'DT', ['59777-3', 'Latest date to give immunization'], isoToHl7Date(fc.latest), sub));
      if (fc.reason) segs.push(obx(n++, 'CE', ['30982-3', 'Reason applied by forecast logic to project this vaccine'], [undefined, fc.reason], sub));
    }
  }
  return header(opts, 'Z42', 'AA', 'OK', segs);
}
