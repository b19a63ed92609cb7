// QBP^Q11 (IG 1.5 Z34 history request, Z44 evaluated history and forecast request) parsing.
import type { Finding, FindingScope, Identifier, PatientRecord } from '../pipeline/canonical.ts';
import { type Er7Message, hl7Date } from './er7.ts';
import { FindingList, checkHeader, loc, readAddress, readName, readPhone } from './vxu.ts';

export interface QbpRequest {
  /** 'Z34', 'Z44', or whatever QPD-1 / MSH-21 said. */
  profile: 'Z34' | 'Z44' | string;
  queryTag: string;
  /** QPD-1 as sent (code^text^system). */
  queryName: string;
  patient: PatientRecord;
  /** RCP-2: maximum number of candidate patients to return; undefined when not sent. */
  quantityLimit?: number;
  controlId?: string;
  findings: Finding[];
}

const QUERY: FindingScope = { kind: 'message' };
const PATIENT: FindingScope = { kind: 'patient' };

/** Parse a QBP^Q11. Never throws; problems become findings (message-level E findings mean reject/AR or AE). */
export function parseQbp(msg: Er7Message): QbpRequest {
  const f = new FindingList();
  const patient: PatientRecord = { identifiers: [], name: {}, aliases: [], guardians: [] };
  const out: QbpRequest = { profile: '', queryTag: '', queryName: '', patient, findings: f.items };
  try {
    const msh = msg.segment('MSH');
    if (!msh) {
      f.add('message.header.missing', 'E', 'MSH segment is missing', QUERY, undefined, '100');
      return out;
    }
    checkHeader(msg, { type: 'QBP', event: 'Q11' }, f);
    const ctl = msg.get(msh, 10);
    if (ctl) out.controlId = ctl;
    const qpd = msg.segment('QPD');
    if (!qpd) {
      f.add('query.qpd.missing', 'E', 'QPD segment is missing: the query parameters are required', QUERY, 'QPD^1', '100');
      out.profile = msg.get(msh, 21);
      return out;
    }
    out.queryName = [msg.get(qpd, 1, 1, 1), msg.get(qpd, 1, 1, 2), msg.get(qpd, 1, 1, 3)].filter(Boolean).join('^');
    const qn = msg.get(qpd, 1, 1, 1);
    const prof = msg.get(msh, 21);
    out.profile = qn || prof;
    if (!qn) f.add('query.name.missing', 'E', 'Query name (QPD-1) is missing: expected Z34 or Z44', QUERY, loc(qpd, 1), '101');
    else if (qn !== 'Z34' && qn !== 'Z44') f.add('query.name.unsupported', 'E', `Query '${qn}' (QPD-1) is not supported: expected Z34 or Z44`, QUERY, loc(qpd, 1), '103', '5');
    out.queryTag = msg.get(qpd, 2);
    if (!out.queryTag) f.add('query.tag.missing', 'W', 'Query tag (QPD-2) is missing', QUERY, loc(qpd, 2), '101');
    for (const r of msg.reps(qpd, 3)) {
      const value = msg.comp(r, 1);
      if (!value) continue;
      const id: Identifier = { value };
      const a = msg.comp(r, 4);
      if (a) id.authority = a;
      const t = msg.comp(r, 5);
      if (t) id.type = t;
      patient.identifiers.push(id);
    }
    const nameRep = msg.reps(qpd, 4)[0];
    if (nameRep) patient.name = readName(msg, nameRep);
    const mmn = msg.get(qpd, 5);
    if (mmn) patient.motherMaidenName = mmn;
    const dob = msg.get(qpd, 6);
    if (dob) {
      const d = hl7Date(dob);
      if (d.error) f.add('patient.birthDate.invalid', 'E', `Patient birth date (QPD-6) is invalid: ${d.error}`, PATIENT, loc(qpd, 6), '102', '2');
      else patient.birthDate = d.date;
    }
    const sex = msg.get(qpd, 7);
    if (sex) patient.sex = sex;
    const addr = readAddress(msg, msg.reps(qpd, 8)[0]);
    if (addr) patient.address = addr;
    const ph = readPhone(msg, msg.reps(qpd, 9)).phone;
    if (ph) patient.phone = ph;
    const mb = msg.get(qpd, 10);
    if (mb) patient.multipleBirth = mb;
    const bo = msg.get(qpd, 11);
    if (bo && Number.isInteger(Number(bo))) patient.birthOrder = Number(bo);
    if (patient.identifiers.length === 0 && !(patient.name.family && patient.birthDate)) {
      f.add('query.parameters.insufficient', 'E', 'The query needs a patient identifier (QPD-3) or a name (QPD-4) and birth date (QPD-6)', QUERY, loc(qpd, 3), '101');
    }
    if (!prof) f.add('message.profile.missing', 'W', `Message profile (MSH-21) is missing; ${qn || 'Z34'} assumed`, QUERY, loc(msh, 21), '101');
    const rcp = msg.segment('RCP');
    if (!rcp || !msg.get(rcp, 2)) f.add('query.quantityLimit.missing', 'W', 'Quantity limit (RCP-2) is missing; the registry default applies', QUERY, rcp ? loc(rcp, 2) : 'RCP^1', '101');
    if (rcp) {
      const q = msg.get(rcp, 2, 1, 1);
      if (q) {
        const n = Number(q);
        if (Number.isInteger(n) && n > 0) out.quantityLimit = n;
        else f.add('query.quantityLimit.invalid', 'W', `Quantity limit (RCP-2) '${q}' is not a positive whole number; ignored`, QUERY, loc(rcp, 2), '102', '4');
      }
    }
  } catch (e) {
    f.add('message.processing.error', 'E', `Internal error while reading the query: ${(e as Error).message}`, QUERY, undefined, '207');
  }
  return out;
}
