// VXU^V04 (IG 1.5 Z22) -> canonical submission, with structure/format findings located in HL7 terms.
import type {
  Address,
  CanonicalSubmission,
  Clinician,
  Finding,
  FindingScope,
  Guardian,
  Identifier,
  ObservationRecord,
  PatientRecord,
  PersonName,
  VaccinationRecord,
} from '../pipeline/canonical.ts';
import { Er7Message, type Er7Segment, hl7Date } from './er7.ts';

export type Channel = CanonicalSubmission['channel'];

/** Optional mapper for observation codes to CDSi observation codes (see src/codes/cdsi-observations.ts). */
export interface VxuOptions {
  cdsiLookup?: (code: string | undefined, codeSystem?: string) => string | undefined;
}

export const SUPPORTED_VERSIONS = ['2.5.1', '2.5', '2.6', '2.7', '2.7.1', '2.8'];

/** ERR-2 location 'SEG^seq^field[^rep^comp]'. */
export function loc(seg: Er7Segment | string, field?: number, rep?: number, comp?: number): string {
  const name = typeof seg === 'string' ? seg : seg.name;
  const seq = typeof seg === 'string' ? 1 : seg.seq;
  let s = `${name}^${seq}`;
  if (field !== undefined) s += `^${field}`;
  if (comp !== undefined) s += `^${rep ?? 1}^${comp}`;
  return s;
}

export class FindingList {
  readonly items: Finding[] = [];
  add(code: string, severity: Finding['severity'], message: string, scope: FindingScope, location?: string, hl7ErrorCode = '102', applicationErrorCode?: string): void {
    const f: Finding = { code, severity, hl7ErrorCode, message, scope };
    if (location) f.location = location;
    if (applicationErrorCode) f.applicationErrorCode = applicationErrorCode;
    this.items.push(f);
  }
}

const PATIENT: FindingScope = { kind: 'patient' };
const MESSAGE: FindingScope = { kind: 'message' };

function dateField(msg: Er7Message, seg: Er7Segment, field: number, what: string, code: string, scope: FindingScope, f: FindingList, severity: Finding['severity'] = 'E'): string | undefined {
  const v = msg.get(seg, field);
  if (!v) return undefined;
  const r = hl7Date(v);
  if (r.error) {
    f.add(code, severity, `${what} (${seg.name}-${field}) is invalid: ${r.error}`, scope, loc(seg, field), '102', '2');
    return undefined;
  }
  return r.date;
}

export function readName(msg: Er7Message, rep: string): PersonName {
  const n: PersonName = {};
  const family = msg.comp(rep, 1);
  if (family) n.family = family;
  const given = msg.comp(rep, 2);
  if (given) n.given = given;
  const middle = msg.comp(rep, 3);
  if (middle) n.middle = middle;
  const suffix = msg.comp(rep, 4);
  if (suffix) n.suffix = suffix;
  const type = msg.comp(rep, 7);
  if (type) n.type = type;
  return n;
}

export function readAddress(msg: Er7Message, rep: string | undefined): Address | undefined {
  if (!rep) return undefined;
  const a: Address = {};
  const set = (k: keyof Address, c: number) => {
    const v = msg.comp(rep, c);
    if (v) a[k] = v;
  };
  set('street', 1);
  set('other', 2);
  set('city', 3);
  set('state', 4);
  set('zip', 5);
  set('country', 6);
  set('type', 7);
  set('county', 9);
  return Object.keys(a).length ? a : undefined;
}

export function readPhone(msg: Er7Message, reps: string[]): { phone?: string; email?: string } {
  const out: { phone?: string; email?: string } = {};
  for (const r of reps) {
    const equip = msg.comp(r, 3);
    const email = msg.comp(r, 4);
    if ((equip === 'Internet' || equip === 'X.400' || msg.comp(r, 2) === 'NET') && email) {
      out.email ??= email;
      continue;
    }
    const area = msg.comp(r, 6);
    const local = msg.comp(r, 7);
    const phone = area || local ? `${area}${local}` : msg.comp(r, 1);
    if (phone && !out.phone) out.phone = phone;
  }
  return out;
}

function readClinician(msg: Er7Message, rep: string | undefined): Clinician | undefined {
  if (!rep) return undefined;
  const c: Clinician = {};
  const id = msg.comp(rep, 1);
  if (id) c.id = id;
  const family = msg.comp(rep, 2);
  if (family) c.family = family;
  const given = msg.comp(rep, 3);
  if (given) c.given = given;
  return Object.keys(c).length ? c : undefined;
}

/** Read PID/PD1/NK1 into a PatientRecord. Used by VXU and by QBP-style demographics. */
export function readPatient(msg: Er7Message, pid: Er7Segment, f: FindingList): PatientRecord {
  const identifiers: Identifier[] = [];
  for (const r of msg.reps(pid, 3)) {
    const value = msg.comp(r, 1);
    if (!value) continue;
    const id: Identifier = { value };
    const auth = msg.comp(r, 4);
    if (auth) id.authority = auth;
    const type = msg.comp(r, 5);
    if (type) id.type = type;
    identifiers.push(id);
  }
  const names = msg.reps(pid, 5).map((r) => readName(msg, r));
  let legalIndex = names.findIndex((n) => n.type === 'L');
  if (legalIndex < 0) legalIndex = 0;
  const p: PatientRecord = {
    identifiers,
    name: names[legalIndex] ?? {},
    aliases: names.filter((_, i) => i !== legalIndex && (names[i].family || names[i].given)),
    guardians: [],
  };
  const mmn = msg.get(pid, 6);
  if (mmn) p.motherMaidenName = mmn;
  const birth = dateField(msg, pid, 7, 'Patient birth date', 'patient.birthDate.invalid', PATIENT, f);
  if (birth) p.birthDate = birth;
  const sex = msg.get(pid, 8);
  if (sex) p.sex = sex;
  const race = msg.reps(pid, 10).map((r) => msg.comp(r, 1) || msg.comp(r, 4)).filter(Boolean);
  if (race.length) p.race = race;
  const addrReps = msg.reps(pid, 11);
  const addr = readAddress(msg, addrReps.find((r) => msg.comp(r, 7) === 'L' || msg.comp(r, 7) === 'H') ?? addrReps[0]);
  if (addr) p.address = addr;
  const tel = readPhone(msg, [...msg.reps(pid, 13), ...msg.reps(pid, 14)]);
  if (tel.phone) p.phone = tel.phone;
  if (tel.email) p.email = tel.email;
  const eth = msg.get(pid, 22) || msg.get(pid, 22, 1, 4);
  if (eth) p.ethnicity = eth;
  const mb = msg.get(pid, 24);
  if (mb) p.multipleBirth = mb;
  const bo = msg.get(pid, 25);
  if (bo) {
    const n = Number(bo);
    if (Number.isInteger(n) && n > 0) p.birthOrder = n;
    else f.add('patient.birthOrder.invalid', 'W', `Patient birth order (PID-25) '${bo}' is not a positive whole number`, PATIENT, loc(pid, 25), '102', '4');
  }
  const death = dateField(msg, pid, 29, 'Patient death date', 'patient.deathDate.invalid', PATIENT, f, 'W');
  if (death) p.deathDate = death;
  const di = msg.get(pid, 30);
  if (di) p.deathIndicator = di;
  const pd1 = msg.segment('PD1');
  if (pd1) {
    const pub = msg.get(pd1, 11);
    if (pub) p.publicityCode = pub;
    const prot = msg.get(pd1, 12);
    if (prot) p.protectionIndicator = prot;
    const rs = msg.get(pd1, 16);
    if (rs) p.registryStatus = rs;
    // Effective dates of consent (protection), registry status and publicity: kept with the source record.
    for (const [field, key] of [[13, 'protectionIndicatorDate'], [17, 'registryStatusDate'], [18, 'publicityCodeDate']] as const) {
      const d = dateField(msg, pd1, field, `PD1-${field} effective date`, 'patient.pd1Date.invalid', PATIENT, f, 'W');
      if (d) p[key] = d;
    }
  }
  for (const nk1 of msg.all('NK1')) {
    const g: Guardian = {};
    const nameRep = msg.reps(nk1, 2)[0];
    if (nameRep) {
      const n = readName(msg, nameRep);
      if (n.family || n.given) g.name = n;
    }
    const rel = msg.get(nk1, 3);
    if (rel) g.relationship = rel;
    const a = readAddress(msg, msg.reps(nk1, 4)[0]);
    if (a) g.address = a;
    const ph = readPhone(msg, msg.reps(nk1, 5)).phone;
    if (ph) g.phone = ph;
    if (Object.keys(g).length) p.guardians.push(g);
  }
  return p;
}

const VALUE_TYPES = new Set(['CE', 'CWE', 'NM', 'ST', 'DT', 'TS', 'DTM', 'TX', 'ID', 'FT', 'SN', 'CNE', 'IS']);

const OBS_KIND: Record<string, ObservationRecord['kind']> = {
  '59784-9': 'immunity', // disease with presumed immunity
  '75505-8': 'immunity', // serological evidence of immunity
  '30945-0': 'contraindication', // vaccination contraindication/precaution
  '59785-6': 'indication', // indications to immunize
  '75323-6': 'indication', // condition
  '64994-7': 'funding', // vaccine funding program eligibility
  '30963-3': 'funding', // vaccine funding source
  '69764-9': 'vis', // VIS document type
  '29768-9': 'vis', // VIS publication date
  '29769-7': 'vis', // VIS presentation date
  '30956-7': 'vis', // vaccine type (VIS group)
  '38890-0': 'vis', // component vaccine type
};

/** Kinds that are facts about the patient rather than the dose. */
const PATIENT_LEVEL = new Set(['immunity', 'contraindication', 'indication']);

function readObx(msg: Er7Message, obx: Er7Segment, f: FindingList, scope: FindingScope, opts: VxuOptions): ObservationRecord | undefined {
  const identifier = msg.get(obx, 3);
  if (!identifier) {
    f.add('observation.identifier.missing', 'W', 'Observation identifier (OBX-3) is missing; observation ignored', scope, loc(obx, 3), '101', '6');
    return undefined;
  }
  const vt0 = msg.get(obx, 2);
  if (!vt0) f.add('observation.valueType.missing', 'W', `Observation ${identifier}: value type (OBX-2) is missing`, scope, loc(obx, 2), '101');
  else if (!VALUE_TYPES.has(vt0)) f.add('observation.valueType.invalid', 'W', `Observation ${identifier}: value type '${vt0}' (OBX-2) is not in HL7 table 0125`, scope, loc(obx, 2), '103', '5');
  const subId = msg.get(obx, 4);
  if (!subId) f.add('observation.subId.missing', 'I', `Observation ${identifier}: sub-id (OBX-4) is missing; observations cannot be grouped`, scope, loc(obx, 4), '101');
  else if (!/^[1-9]\d*$/.test(subId)) f.add('observation.subId.invalid', 'I', `Observation ${identifier}: sub-id (OBX-4) '${subId}' is not a positive integer`, scope, loc(obx, 4), '102', '4');
  if (!msg.get(obx, 5)) f.add('observation.value.missing', 'W', `Observation ${identifier}: value (OBX-5) is missing`, scope, loc(obx, 5), '101', '6');
  const o: ObservationRecord = { kind: OBS_KIND[identifier] ?? 'other', identifier };
  // The coding system of the value (OBX-5.3, e.g. SCT for a disease), not of the question (OBX-3.3 is LN).
  const cs = msg.get(obx, 5, 1, 3);
  if (cs) o.codeSystem = cs;
  const vt = msg.get(obx, 2);
  const code = msg.get(obx, 5);
  if (code) o.code = code;
  const t = msg.get(obx, 5, 1, 2);
  if (t) o.text = t;
  if (vt === 'DT' || vt === 'TS' || vt === 'DTM') {
    const r = hl7Date(code);
    if (r.error) f.add('observation.value.invalidDate', 'W', `Observation ${identifier} value (OBX-5) is not a valid date: ${r.error}`, scope, loc(obx, 5), '102', '2');
  }
  const when = dateField(msg, obx, 14, `Observation ${identifier} date`, 'observation.date.invalid', scope, f, 'W');
  if (when) o.date = when;
  if (PATIENT_LEVEL.has(o.kind) && opts.cdsiLookup) {
    const c = opts.cdsiLookup(o.code, msg.get(obx, 5, 1, 3));
    if (c) o.cdsiCode = c;
  }
  return o;
}

function readVaccination(msg: Er7Message, orc: Er7Segment | undefined, rxa: Er7Segment, rxr: Er7Segment | undefined, obxs: Er7Segment[], index: number, f: FindingList, patientObs: ObservationRecord[], opts: VxuOptions): VaccinationRecord {
  const scope: FindingScope = { kind: 'vaccination', index };
  const v: VaccinationRecord = { historical: false, vis: [], observations: [] };
  if (!orc) f.add('vaccination.orc.missing', 'W', 'RXA is not preceded by its ORC segment (required in IG 1.5)', scope, loc(rxa), '100');
  else {
    const oc = msg.get(orc, 1);
    if (!oc) f.add('vaccination.orderControl.missing', 'W', 'Order control (ORC-1) is missing; RE expected', scope, loc(orc, 1), '101');
    else if (oc !== 'RE') f.add('vaccination.orderControl.invalid', 'W', `Order control '${oc}' (ORC-1) is not RE`, scope, loc(orc, 1), '103', '4');
    if (!msg.get(orc, 3)) f.add('vaccination.fillerOrderNumber.missing', 'W', 'Filler order number (ORC-3) is missing: later updates or deletes of this dose cannot be matched', scope, loc(orc, 3), '101');
  }
  if (orc) {
    const id = msg.get(orc, 3) || msg.get(orc, 2);
    if (id) v.senderId = id;
    const eb = readClinician(msg, msg.reps(orc, 10)[0]);
    if (eb) v.enteredBy = eb;
    const oc = readClinician(msg, msg.reps(orc, 12)[0]);
    if (oc) v.orderingClinician = oc;
  }
  if (msg.get(rxa, 1) !== '0' || msg.get(rxa, 2) !== '1') f.add('vaccination.subIdCounter.invalid', 'I', `RXA-1/RXA-2 should be 0 and 1 (got '${msg.get(rxa, 1)}' and '${msg.get(rxa, 2)}')`, scope, loc(rxa, 1), '102', '4');
  const raw3 = msg.get(rxa, 3);
  if (raw3) {
    const d = hl7Date(raw3);
    if (d.error) f.add('vaccination.adminDate.invalid', 'E', `Vaccination administration date (RXA-3) is invalid: ${d.error}`, scope, loc(rxa, 3), '102', '2');
    else v.administeredDate = d.date;
  }
  const code = msg.get(rxa, 5);
  const sys = msg.get(rxa, 5, 1, 3);
  const alt = msg.get(rxa, 5, 1, 4);
  const altSys = msg.get(rxa, 5, 1, 6);
  const text = msg.get(rxa, 5, 1, 2);
  if (text) v.vaccineText = text;
  const assign = (c: string, s: string) => {
    if (!c) return;
    const su = s.toUpperCase();
    if (su === 'CVX' || su === 'HL70292') v.cvx ??= c;
    else if (su === 'NDC' || su === '99NDC') v.ndc ??= c;
  };
  assign(code, sys);
  assign(alt, altSys);
  if (code && !sys && !v.cvx && !v.ndc) {
    // IG 1.5 requires the coding system; guess from the shape but say so.
    if (/^\d{1,3}$/.test(code)) v.cvx = code;
    else if (/^\d{4,5}-?\d{3,4}-?\d{1,2}$/.test(code)) v.ndc = code;
    f.add('vaccination.adminCode.tableMissing', 'W', `Vaccine code '${code}' (RXA-5) has no coding system (RXA-5.3): expected CVX or NDC`, scope, loc(rxa, 5, 1, 3), '101', '5');
  } else if (code && sys && !v.cvx && !v.ndc) {
    f.add('vaccination.adminCode.tableInvalid', 'W', `Vaccine code system '${sys}' (RXA-5.3) is not CVX or NDC`, scope, loc(rxa, 5, 1, 3), '103', '5');
  }
  const amount = msg.get(rxa, 6);
  if (amount) {
    const n = Number(amount);
    if (!Number.isFinite(n)) f.add('vaccination.amount.invalid', 'W', `Administered amount (RXA-6) '${amount}' is not a number`, scope, loc(rxa, 6), '102', '4');
    else v.amount = n;
  }
  const unit = msg.get(rxa, 7);
  if (unit) v.amountUnit = unit;
  const src = msg.get(rxa, 9);
  if (src) v.informationSource = src;
  v.historical = !!src && src !== '00';
  const ac = readClinician(msg, msg.reps(rxa, 10)[0]);
  if (ac) v.administeringClinician = ac;
  // RXA-11.4 is an HD: name & id. Keep the name, else the id.
  const facName = msg.get(rxa, 11, 1, 4, 1);
  const fac = facName || msg.get(rxa, 11, 1, 4, 2) || msg.get(rxa, 11, 1, 1);
  if (fac) v.administeringFacility = fac;
  if (!facName && !v.historical && msg.get(rxa, 20) !== 'RE' && msg.get(rxa, 20) !== 'NA') {
    f.add('vaccination.administeringFacility.missing', 'I', `Administering facility name (RXA-11.4) is missing for an administered dose${fac ? ` (only '${fac}' was sent)` : ''}`, scope, loc(rxa, 11, 1, 4), '101');
  }
  const lot = msg.get(rxa, 15);
  if (lot) v.lotNumber = lot;
  const exp = msg.get(rxa, 16);
  if (exp) {
    const d = hl7Date(exp);
    if (d.error) f.add('vaccination.lotExpirationDate.invalid', 'W', `Lot expiration date (RXA-16) is invalid: ${d.error}`, scope, loc(rxa, 16), '102', '2');
    else v.expirationDate = d.date;
  }
  const mvx = msg.get(rxa, 17);
  if (mvx) v.mvx = mvx;
  const refusal = msg.get(rxa, 18);
  if (refusal) v.refusalReason = refusal;
  const cs = msg.get(rxa, 20);
  if (cs) v.completionStatus = cs;
  const act = msg.get(rxa, 21);
  if (act) v.actionCode = act;
  if (rxr) {
    if (!msg.get(rxr, 1)) f.add('vaccination.route.missing', 'W', 'Route (RXR-1) is missing in the RXR segment', scope, loc(rxr, 1), '101');
    const route = msg.get(rxr, 1);
    if (route) v.route = route;
    const site = msg.get(rxr, 2);
    if (site) v.site = site;
  }
  // VIS observations are grouped by OBX-4 (one VIS = document or vaccine type + published + presented).
  const visGroups = new Map<string, { document?: string; cvx?: string; published?: string; presented?: string }>();
  obxs.forEach((obx, k) => {
    const oScope: FindingScope = scope;
    const o = readObx(msg, obx, f, oScope, opts);
    if (!o) return;
    v.observations.push(o);
    if (PATIENT_LEVEL.has(o.kind)) patientObs.push(o);
    if (o.identifier === '64994-7' && o.code) v.fundingEligibility = o.code;
    else if (o.identifier === '30963-3' && o.code) v.fundingSource = o.code;
    else if (o.kind === 'vis') {
      const key = msg.get(obx, 4) || `#${k}`;
      let g = visGroups.get(key);
      if (!g) visGroups.set(key, (g = {}));
      if (o.identifier === '69764-9') g.document = o.code;
      else if (o.identifier === '30956-7' || o.identifier === '38890-0') g.cvx = o.code;
      else if (o.identifier === '29768-9') g.published = hl7Date(o.code ?? '').date;
      else if (o.identifier === '29769-7') g.presented = hl7Date(o.code ?? '').date;
    }
  });
  for (const g of visGroups.values()) {
    for (const k of Object.keys(g) as (keyof typeof g)[]) if (g[k] === undefined) delete g[k];
    v.vis.push(g);
  }
  return v;
}

/** Message-level header checks shared by VXU and QBP. Returns false when the message must be rejected (AR). */
export function checkHeader(msg: Er7Message, expected: { type: string; event: string }, f: FindingList): boolean {
  const msh = msg.segment('MSH')!;
  let ok = true;
  for (const w of msg.warnings) f.add('message.structure.warning', 'W', w, MESSAGE, 'MSH^1', '0');
  const type = msg.get(msh, 9, 1, 1);
  const event = msg.get(msh, 9, 1, 2);
  if (!type) {
    f.add('message.messageType.missing', 'E', 'Message type (MSH-9.1) is missing', MESSAGE, loc(msh, 9, 1, 1), '101');
    ok = false;
  } else if (type !== expected.type) {
    f.add('message.messageType.unsupported', 'E', `Message type '${type}' (MSH-9.1) is not supported here: expected ${expected.type}`, MESSAGE, loc(msh, 9, 1, 1), '200');
    ok = false;
  }
  if (type === expected.type && !event) {
    f.add('message.triggerEvent.missing', 'W', `Trigger event (MSH-9.2) is missing; ${expected.event} assumed`, MESSAGE, loc(msh, 9, 1, 2), '101');
  } else if (type === expected.type && event !== expected.event) {
    f.add('message.triggerEvent.unsupported', 'E', `Trigger event '${event}' (MSH-9.2) is not supported: expected ${expected.event}`, MESSAGE, loc(msh, 9, 1, 2), '201');
    ok = false;
  }
  if (!msg.get(msh, 10)) f.add('message.controlId.missing', 'W', 'Message control id (MSH-10) is missing', MESSAGE, loc(msh, 10), '101');
  const pid = msg.get(msh, 11);
  if (!pid) f.add('message.processingId.missing', 'W', 'Processing id (MSH-11) is missing; P assumed', MESSAGE, loc(msh, 11), '101');
  else if (!['P', 'T', 'D'].includes(pid)) {
    f.add('message.processingId.unsupported', 'E', `Processing id '${pid}' (MSH-11) is not supported: expected P, T or D`, MESSAGE, loc(msh, 11), '202');
    ok = false;
  }
  const ver = msg.get(msh, 12);
  if (!ver) f.add('message.version.missing', 'W', 'HL7 version (MSH-12) is missing; 2.5.1 assumed', MESSAGE, loc(msh, 12), '101');
  else if (!SUPPORTED_VERSIONS.includes(ver)) {
    if (/^2\.[3-9]/.test(ver)) f.add('message.version.unrecognized', 'W', `HL7 version '${ver}' (MSH-12) is not 2.5.1; processed as 2.5.1`, MESSAGE, loc(msh, 12), '203');
    else {
      f.add('message.version.unsupported', 'E', `HL7 version '${ver}' (MSH-12) is not supported: expected 2.5.1`, MESSAGE, loc(msh, 12), '203');
      ok = false;
    }
  }
  if (!msg.get(msh, 4)) f.add('message.sendingFacility.missing', 'W', 'Sending facility (MSH-4) is missing', MESSAGE, loc(msh, 4), '101');
  if (expected.type === 'VXU' && !msg.get(msh, 22)) f.add('message.responsibleOrg.missing', 'I', 'Responsible sending organization (MSH-22) is missing', MESSAGE, loc(msh, 22), '101');
  if (msg.delimiters.field !== '|') f.add('message.fieldSeparator.nonStandard', 'W', `Field separator (MSH-1) is '${msg.delimiters.field}', not '|'; parsed anyway`, MESSAGE, loc(msh, 1), '102');
  const when = msg.get(msh, 7);
  if (!when) f.add('message.dateTime.missing', 'W', 'Message date/time (MSH-7) is missing', MESSAGE, loc(msh, 7), '101');
  else if (hl7Date(when).error) f.add('message.dateTime.invalid', 'W', `Message date/time (MSH-7) is invalid: ${hl7Date(when).error}`, MESSAGE, loc(msh, 7), '102', '2');
  return ok;
}

/** Whether findings include a message-level problem that calls for AR (unsupported type/event/processing id/version). */
export function isRejectedMessage(findings: Finding[]): boolean {
  // Every message-scope error is about the envelope (type, event, processing id, version, header): reject it all.
  return findings.some((f) => f.scope.kind === 'message' && f.severity === 'E');
}

/** Map a parsed VXU to the canonical submission. Never throws: anything wrong becomes a finding. */
export function vxuToSubmission(msg: Er7Message, channel: Channel, opts: VxuOptions = {}): { submission: CanonicalSubmission; findings: Finding[] } {
  const f = new FindingList();
  const submission: CanonicalSubmission = {
    channel,
    messageType: 'VXU^V04^VXU_V04',
    patient: { identifiers: [], name: {}, aliases: [], guardians: [] },
    vaccinations: [],
    observations: [],
  };
  try {
    const msh = msg.segment('MSH');
    if (!msh) {
      f.add('message.header.missing', 'E', 'MSH segment is missing', MESSAGE, undefined, '100');
      return { submission, findings: f.items };
    }
    checkHeader(msg, { type: 'VXU', event: 'V04' }, f);
    const type = [msg.get(msh, 9, 1, 1), msg.get(msh, 9, 1, 2), msg.get(msh, 9, 1, 3)].filter(Boolean).join('^');
    if (type) submission.messageType = type;
    const profile = msg.get(msh, 21);
    if (!profile) f.add('message.profile.missing', 'W', 'Message profile (MSH-21) is missing; Z22 assumed', MESSAGE, loc(msh, 21), '101');
    else if (profile !== 'Z22') f.add('message.profile.unexpected', 'W', `Message profile '${profile}' (MSH-21) is not Z22; processed as Z22`, MESSAGE, loc(msh, 21), '103', '5');
    for (const [field, name] of [[15, 'Accept'], [16, 'Application']] as const) {
      const v = msg.get(msh, field);
      if (v && !['AL', 'NE', 'ER', 'SU'].includes(v)) f.add('message.ackType.invalid', 'W', `${name} acknowledgment type '${v}' (MSH-${field}) is not AL, NE, ER or SU`, MESSAGE, loc(msh, field), '103', '5');
    }
    if (profile) submission.profile = profile;
    const ctl = msg.get(msh, 10);
    if (ctl) submission.controlId = ctl;
    const sa = msg.get(msh, 3);
    if (sa) submission.sendingApplication = sa;
    const sf = msg.get(msh, 4);
    if (sf) submission.sendingFacility = sf;
    const dt = msg.get(msh, 7);
    if (dt) submission.messageDateTime = dt;

    const pid = msg.segment('PID');
    if (!pid) {
      // Without PID nothing in the message can be stored: reject the message (AR).
      f.add('patient.segment.missing', 'E', 'PID segment is missing: a VXU must identify the patient', MESSAGE, 'PID^1', '100');
    } else {
      submission.patient = readPatient(msg, pid, f);
    }
    // Walk ORC/RXA/RXR/OBX groups in order. OBX before any RXA (rare) are patient-level.
    let orc: Er7Segment | undefined;
    let cur: { orc?: Er7Segment; rxa: Er7Segment; rxr?: Er7Segment; obx: Er7Segment[] } | undefined;
    const groups: { orc?: Er7Segment; rxa: Er7Segment; rxr?: Er7Segment; obx: Er7Segment[] }[] = [];
    const looseObx: Er7Segment[] = [];
    for (const s of msg.segments) {
      switch (s.name) {
        case 'ORC':
          orc = s;
          cur = undefined;
          break;
        case 'RXA':
          cur = { orc, rxa: s, obx: [] };
          groups.push(cur);
          orc = undefined;
          break;
        case 'RXR':
          if (cur && !cur.rxr) cur.rxr = s;
          break;
        case 'OBX':
          if (cur) cur.obx.push(s);
          else looseObx.push(s);
          break;
      }
    }
    for (const g of groups) {
      const index = submission.vaccinations.length;
      submission.vaccinations.push(readVaccination(msg, g.orc, g.rxa, g.rxr, g.obx, index, f, submission.observations, opts));
    }
    for (const obx of looseObx) {
      const o = readObx(msg, obx, f, PATIENT, opts);
      if (o) submission.observations.push(o);
    }
    if (groups.length === 0 && pid) {
      f.add('vaccination.segment.missing', 'W', 'No RXA segment: the message carries no vaccination', MESSAGE, 'RXA^1', '100');
    }
  } catch (e) {
    // Defensive: a mapping bug must not lose the message; report it as an application error.
    f.add('message.processing.error', 'E', `Internal error while reading the message: ${(e as Error).message}`, MESSAGE, undefined, '207');
  }
  return { submission, findings: f.items };
}
