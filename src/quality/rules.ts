// Data-quality rules on a canonical submission (MQE-style detections). Pure: `today` and code sets are parameters.
// Severity follows the MQE defaults (mqe-detections.txt) except where rejecting would lose good data for a
// formality (noted at the rule): an E finding rejects only the item in its scope, a W accepts it.
import type { CanonicalSubmission, Finding, FindingScope, IsoDate, ObservationRecord, PatientRecord, VaccinationRecord } from '../pipeline/canonical.ts';
import { CODE_SET, type CodeSets } from '../codes/codesets.ts';
import { FIPS_STATE } from './fips.ts';

export interface QualityContext {
  today: IsoDate;
  codes: CodeSets;
  /** Jurisdiction configuration: change a detection's severity, or switch it off. */
  overrides?: Record<string, Finding['severity'] | 'off'>;
}

/** Detection catalog: our code -> MQE detection it corresponds to (for reports and configuration). */
export const DETECTIONS: Record<string, { mqe?: string; severity: Finding['severity']; text: string }> = {
  'message.dateTime.inFuture': { mqe: 'MQE0015', severity: 'W', text: 'Message date is in the future' },
  'patient.submitterId.missing': { mqe: 'MQE0220', severity: 'E', text: 'Patient submitter id is missing' },
  'patient.submitterIdType.missing': { mqe: 'MQE0394', severity: 'W', text: 'Patient identifier type code is missing' },
  'patient.submitterIdType.unrecognized': { mqe: 'MQE0514', severity: 'W', text: 'Patient identifier type code is unrecognized' },
  'patient.submitterIdAuthority.missing': { mqe: 'MQE0393', severity: 'W', text: 'Patient identifier assigning authority is missing' },
  'patient.nameLast.missing': { mqe: 'MQE0166', severity: 'E', text: 'Patient last name is missing' },
  'patient.nameFirst.missing': { mqe: 'MQE0141', severity: 'E', text: 'Patient first name is missing' },
  'patient.nameLast.invalid': { mqe: 'MQE0165', severity: 'E', text: 'Patient last name is invalid' },
  'patient.nameFirst.invalid': { mqe: 'MQE0140', severity: 'E', text: 'Patient first name is invalid' },
  'vaccination.mvx.outsideUseRange': { mqe: 'MQE0495', severity: 'W', text: 'Manufacturer code is not valid for the vaccination date' },
  'vaccination.ndc.outsideUseRange': { mqe: 'MQE0490', severity: 'W', text: 'NDC code is not valid for the vaccination date' },
  'patient.phone.invalid': { mqe: 'MQE0175', severity: 'W', text: 'Patient phone is invalid' },
  'patient.ssn.invalid': { mqe: 'MQE0218', severity: 'W', text: 'Patient SSN is invalid' },
  'patient.birthOrder.invalid': { mqe: 'MQE0123', severity: 'W', text: 'Birth order is given for a single birth' },
  'vaccination.informationSource.looksHistorical': { mqe: 'MQE0327', severity: 'W', text: 'Reported as administered but looks historical' },
  'patient.name.junk': { mqe: 'MQE0173', severity: 'W', text: 'Patient name is a placeholder' },
  'patient.birthDate.missing': { mqe: 'MQE0118', severity: 'E', text: 'Patient birth date is missing' },
  'patient.birthDate.inFuture': { mqe: 'MQE0115', severity: 'E', text: 'Patient birth date is in the future / after submission' },
  'patient.birthDate.veryLongAgo': { mqe: 'MQE0120', severity: 'E', text: 'Patient birth date is very long ago' },
  'patient.sex.missing': { mqe: 'MQE0188', severity: 'W', text: 'Patient sex is missing' },
  'patient.sex.invalid': { mqe: 'MQE0189', severity: 'W', text: 'Patient sex is invalid' },
  'patient.race.missing': { mqe: 'MQE0209', severity: 'I', text: 'Patient race is missing' },
  'patient.race.unrecognized': { mqe: 'MQE0210', severity: 'W', text: 'Patient race is unrecognized' },
  'patient.ethnicity.missing': { mqe: 'MQE0138', severity: 'I', text: 'Patient ethnicity is missing' },
  'patient.ethnicity.unrecognized': { mqe: 'MQE0139', severity: 'W', text: 'Patient ethnicity is unrecognized' },
  'patient.address.zipInvalid': { mqe: 'MQE0112', severity: 'W', text: 'Patient address zip is invalid' },
  'patient.address.stateMissing': { mqe: 'MQE0108', severity: 'W', text: 'Patient address state is missing while zip is given' },
  'patient.address.stateInvalid': { mqe: 'MQE0107', severity: 'W', text: 'Patient address state is invalid' },
  'patient.address.countyInvalid': { mqe: 'MQE0102', severity: 'W', text: 'Patient address county is not in the state' },
  'patient.deathDate.beforeBirth': { mqe: 'MQE0130', severity: 'E', text: 'Patient death date is before birth' },
  'patient.deathDate.inFuture': { mqe: 'MQE0131', severity: 'E', text: 'Patient death date is in the future' },
  'patient.deathIndicator.inconsistent': { mqe: 'MQE0133', severity: 'W', text: 'Patient death indicator is inconsistent' },
  'patient.multipleBirth.invalid': { mqe: 'MQE0121', severity: 'W', text: 'Patient multiple birth indicator is invalid' },
  'patient.birthOrder.missingForMultiple': { mqe: 'MQE0125', severity: 'W', text: 'Birth order is missing and multiple birth indicated' },
  'patient.registryStatus.unrecognized': { mqe: 'MQE0217', severity: 'W', text: 'Patient registry status is unrecognized' },
  'patient.protection.unrecognized': { mqe: 'MQE0198', severity: 'W', text: 'Patient protection indicator is unrecognized' },
  'patient.publicity.unrecognized': { mqe: 'MQE0205', severity: 'W', text: 'Patient publicity code is unrecognized' },
  'guardian.name.missing': { mqe: 'MQE0155', severity: 'W', text: 'Guardian name is missing' },
  'guardian.relationship.missing': { mqe: 'MQE0159', severity: 'W', text: 'Guardian relationship is missing' },
  'guardian.relationship.unrecognized': { mqe: 'MQE0090', severity: 'W', text: 'Next-of-kin relationship is unrecognized' },
  'vaccination.adminDate.missing': { mqe: 'MQE0261', severity: 'E', text: 'Vaccination date is missing' },
  'vaccination.adminDate.inFuture': { mqe: 'MQE0254', severity: 'E', text: 'Vaccination date is in the future' },
  'vaccination.adminDate.afterMessage': { mqe: 'MQE0252', severity: 'E', text: 'Vaccination date is after the message was sent' },
  'vaccination.adminDate.beforeBirth': { mqe: 'MQE0255', severity: 'E', text: 'Vaccination date is before birth' },
  'vaccination.adminDate.afterDeath': { mqe: 'MQE0253', severity: 'E', text: 'Vaccination date is after death' },
  'vaccination.adminDate.outsideLicensedRange': { mqe: 'MQE0257', severity: 'E', text: 'Vaccination date is outside the vaccine licensed range' },
  'vaccination.adminDate.outsideExpectedRange': { mqe: 'MQE0256', severity: 'W', text: 'Vaccination date is outside the expected usage range' },
  'vaccination.adminDate.outsideAgeRange': { mqe: 'MQE0258', severity: 'W', text: 'Vaccination date is outside the expected age for this vaccine' },
  'vaccination.adminDate.afterLotExpiration': { mqe: 'MQE0251', severity: 'W', text: 'Vaccination date is after the lot expiration date' },
  'vaccination.adminCode.missing': { mqe: 'MQE0244', severity: 'E', text: 'Vaccine code is missing' },
  'vaccination.cvx.unrecognized': { mqe: 'MQE0247', severity: 'E', text: 'CVX code is unrecognized' },
  'vaccination.cvx.invalid': { mqe: 'MQE0243', severity: 'E', text: 'CVX code is invalid' },
  'vaccination.cvx.deprecated': { mqe: 'MQE0306', severity: 'W', text: 'CVX code is deprecated' },
  'vaccination.cvx.notSpecific': { mqe: 'MQE0245', severity: 'W', text: 'Administered vaccine reported with an unspecified formulation' },
  'vaccination.cvx.unknown': { mqe: 'MQE0249', severity: 'W', text: 'Vaccine code valued as unknown' },
  'vaccination.ndc.unrecognized': { mqe: 'MQE0559', severity: 'E', text: 'NDC code is unrecognized' },
  'vaccination.ndc.invalid': { mqe: 'MQE0561', severity: 'E', text: 'NDC code is not usable' },
  'vaccination.ndc.cvxMismatch': { mqe: 'MQE0310', severity: 'W', text: 'NDC and CVX codes are inconsistent' },
  'vaccination.mvx.unrecognized': { mqe: 'MQE0344', severity: 'W', text: 'Manufacturer code is unrecognized' },
  'vaccination.mvx.invalid': { mqe: 'MQE0342', severity: 'W', text: 'Manufacturer code is invalid' },
  'vaccination.mvx.missing': { mqe: 'MQE0343', severity: 'W', text: 'Manufacturer code is missing' },
  'vaccination.mvx.ndcMismatch': { mqe: 'MQE0495', severity: 'W', text: 'Manufacturer code does not match the NDC' },
  'vaccination.lotNumber.missing': { mqe: 'MQE0339', severity: 'W', text: 'Lot number is missing' },
  'vaccination.lotNumber.invalid': { mqe: 'MQE0338', severity: 'W', text: 'Lot number is invalid' },
  'vaccination.amount.invalid': { mqe: 'MQE0555', severity: 'W', text: 'Administered amount is implausible' },
  'vaccination.amount.missing': { mqe: 'MQE0554', severity: 'W', text: 'Administered amount is missing' },
  'vaccination.duplicateInMessage': { severity: 'W', text: 'The same vaccine and date appear twice in one message' },
  'vaccination.unit.missing': { mqe: 'MQE0448', severity: 'W', text: 'Administered unit is missing' },
  'patient.deathDate.missing': { mqe: 'MQE0132', severity: 'W', text: 'Patient death date is missing while the death indicator is Y' },
  'vaccination.unit.unrecognized': { mqe: 'MQE0450', severity: 'W', text: 'Administered unit is unrecognized' },
  'vaccination.informationSource.missing': { mqe: 'MQE0328', severity: 'W', text: 'Information source is missing' },
  'vaccination.informationSource.unrecognized': { mqe: 'MQE0330', severity: 'W', text: 'Information source is unrecognized' },
  'vaccination.actionCode.missing': { mqe: 'MQE0235', severity: 'W', text: 'Action code is missing (A assumed)' },
  'vaccination.actionCode.invalid': { mqe: 'MQE0234', severity: 'E', text: 'Action code is invalid' },
  'vaccination.completionStatus.unrecognized': { mqe: 'MQE0290', severity: 'E', text: 'Completion status is unrecognized' },
  'vaccination.refusalReason.missing': { mqe: 'MQE0365', severity: 'W', text: 'Refusal reason is missing for a refused dose' },
  'vaccination.refusalReason.unrecognized': { mqe: 'MQE0367', severity: 'W', text: 'Refusal reason is unrecognized' },
  'vaccination.refusal.unexpectedField': { severity: 'W', text: 'A product detail is valued on a refused (not administered) dose' },
  'vaccination.route.unrecognized': { mqe: 'MQE0278', severity: 'W', text: 'Route is unrecognized' },
  'vaccination.site.unrecognized': { mqe: 'MQE0284', severity: 'W', text: 'Site is unrecognized' },
  'vaccination.fundingEligibility.unrecognized': { mqe: 'MQE0229', severity: 'W', text: 'Funding eligibility is unrecognized' },
  'vaccination.fundingSource.unrecognized': { mqe: 'MQE0587', severity: 'I', text: 'Funding source is unrecognized' },
  'vaccination.fundingSource.unexpectedForEligibility': { mqe: 'MQE0596', severity: 'W', text: 'Funding source is unexpected for the funding eligibility' },
  'vaccination.vis.missing': { mqe: 'MQE0542', severity: 'I', text: 'No VIS reported for an administered dose' },
  'vaccination.vis.documentUnrecognized': { mqe: 'MQE0501', severity: 'I', text: 'VIS document type is unrecognized' },
  'vaccination.vis.publishedInFuture': { mqe: 'MQE0536', severity: 'I', text: 'VIS published date is in the future' },
  'vaccination.vis.presentedBeforePublished': { mqe: 'MQE0540', severity: 'I', text: 'VIS presented before it was published' },
  'vaccination.vis.presentedAfterAdministration': { mqe: 'MQE0541', severity: 'I', text: 'VIS presented after the vaccination' },
  'observation.immunity.unrecognized': { mqe: 'MQE0607', severity: 'W', text: 'Immunity code is unrecognized' },
  'observation.contraindication.unrecognized': { severity: 'W', text: 'Contraindication code is unrecognized' },
  'vaccination.fundingEligibility.missing': { mqe: 'MQE0228', severity: 'I', text: 'Funding eligibility is missing for an administered dose' },
};

const ZIP = /^\d{5}(-\d{4})?$/;
const JUNK_NAMES = new Set(['TEST', 'BABY', 'BABYBOY', 'BABYGIRL', 'BABY BOY', 'BABY GIRL', 'INFANT', 'UNKNOWN', 'NONE', 'XXX', 'NO NAME', 'NONAME']);

function daysBetween(a: IsoDate, b: IsoDate): number {
  return (Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / 86400000;
}

function monthsBetween(birth: IsoDate, d: IsoDate): number {
  const [by, bm, bd] = birth.split('-').map(Number);
  const [y, m, dd] = d.split('-').map(Number);
  return (y - by) * 12 + (m - bm) - (dd < bd ? 1 : 0);
}

/** Message date (MSH-7, HL7 DTM) to ISO date, ignoring the time zone (dates are compared by calendar day). */
function messageDay(v: string | undefined): IsoDate | undefined {
  const m = v ? /^(\d{4})(\d{2})(\d{2})/.exec(v) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

class Out {
  readonly items: Finding[] = [];
  constructor(private readonly overrides?: Record<string, Finding['severity'] | 'off'>) {}
  add(code: string, message: string, scope: FindingScope, location: string | undefined, hl7ErrorCode: string, appCode?: string, severity?: Finding['severity']): void {
    const o = this.overrides?.[code];
    if (o === 'off') return;
    const f: Finding = { code, severity: o ?? severity ?? DETECTIONS[code]?.severity ?? 'W', hl7ErrorCode, message, scope };
    if (location) f.location = location;
    if (appCode) f.applicationErrorCode = appCode;
    this.items.push(f);
  }
}

const PATIENT: FindingScope = { kind: 'patient' };

function checkPatient(p: PatientRecord, ctx: QualityContext, msgDay: IsoDate | undefined, o: Out): void {
  const c = ctx.codes;
  if (p.identifiers.length === 0) o.add('patient.submitterId.missing', 'Patient identifier (PID-3) is missing: the sender\'s patient id is required', PATIENT, 'PID^1^3', '101', '6');
  else {
    const first = p.identifiers[0];
    if (!first.type) o.add('patient.submitterIdType.missing', `Patient identifier '${first.value}' has no identifier type (PID-3.5), e.g. MR`, PATIENT, 'PID^1^3^1^5', '101');
    else if (c.has(CODE_SET.idType) && !c.get(CODE_SET.idType, first.type)) o.add('patient.submitterIdType.unrecognized', `Patient identifier type '${first.type}' (PID-3.5) is not in HL7 table 0203`, PATIENT, 'PID^1^3^1^5', '103', '5');
    if (!first.authority) o.add('patient.submitterIdAuthority.missing', `Patient identifier '${first.value}' has no assigning authority (PID-3.4)`, PATIENT, 'PID^1^3^1^4', '101');
    p.identifiers.slice(1).forEach((id, i) => {
      if (!id.type) o.add('patient.submitterIdType.missing', `Patient identifier '${id.value}' (PID-3 repetition ${i + 2}) has no identifier type (PID-3.5)`, PATIENT, `PID^1^3^${i + 2}^5`, '101');
    });
  }
  if (!p.name.family) o.add('patient.nameLast.missing', 'Patient last name (PID-5.1) is missing', PATIENT, 'PID^1^5^1^1', '101');
  if (!p.name.given) o.add('patient.nameFirst.missing', 'Patient first name (PID-5.2) is missing', PATIENT, 'PID^1^5^1^2', '101');
  for (const [part, v, comp] of [['last', p.name.family, 1], ['first', p.name.given, 2]] as const) {
    if (v && (/\d/.test(v) || !/\p{L}/u.test(v))) o.add(part === 'last' ? 'patient.nameLast.invalid' : 'patient.nameFirst.invalid', `Patient ${part} name '${v}' (PID-5.${comp}) contains digits or no letters`, PATIENT, `PID^1^5^1^${comp}`, '102', '4');
    else if (v && JUNK_NAMES.has(v.toUpperCase())) o.add('patient.name.junk', `Patient ${part} name '${v}' looks like a placeholder, not a name`, PATIENT, `PID^1^5^1^${comp}`, '102', '3');
  }
  if (p.phone) {
    const digits = p.phone.replace(/\D/g, '');
    if (digits.length !== 10 || /^[01]/.test(digits) || /^\d{3}[01]/.test(digits)) o.add('patient.phone.invalid', `Patient phone '${p.phone}' (PID-13) is not a valid 10-digit North American number`, PATIENT, 'PID^1^13', '102', '4');
  }
  p.identifiers.forEach((id, i) => {
    if (id.type !== 'SS') return;
    const d = id.value.replace(/-/g, '');
    if (!/^\d{9}$/.test(d) || /^(000|666|9)/.test(d) || d.slice(3, 5) === '00' || d.slice(5) === '0000')
      o.add('patient.ssn.invalid', `Social security number in PID-3 repetition ${i + 1} is not a valid SSN`, PATIENT, `PID^1^3^${i + 1}^1`, '102', '4');
  });
  if (p.multipleBirth === 'N' && p.birthOrder !== undefined && p.birthOrder > 1) o.add('patient.birthOrder.invalid', `Birth order ${p.birthOrder} (PID-25) is given but multiple birth (PID-24) is N`, PATIENT, 'PID^1^25', '102', '3');
  if (!p.birthDate) o.add('patient.birthDate.missing', 'Patient birth date (PID-7) is missing or invalid', PATIENT, 'PID^1^7', '101', '2');
  else {
    if (p.birthDate > ctx.today) o.add('patient.birthDate.inFuture', `Patient birth date ${p.birthDate} (PID-7) is in the future`, PATIENT, 'PID^1^7', '102', '1');
    else if (msgDay && p.birthDate > msgDay) o.add('patient.birthDate.inFuture', `Patient birth date ${p.birthDate} (PID-7) is after the message date ${msgDay}`, PATIENT, 'PID^1^7', '102', '1');
    if (daysBetween(p.birthDate, ctx.today) > 125 * 365.25) o.add('patient.birthDate.veryLongAgo', `Patient birth date ${p.birthDate} (PID-7) is more than 125 years ago`, PATIENT, 'PID^1^7', '102', '1');
  }
  if (!p.sex) o.add('patient.sex.missing', 'Patient sex (PID-8) is missing', PATIENT, 'PID^1^8', '101');
  else if (c.has(CODE_SET.sex) ? !c.get(CODE_SET.sex, p.sex) : !['F', 'M', 'U'].includes(p.sex)) o.add('patient.sex.invalid', `Patient sex '${p.sex}' (PID-8) is not a valid code (F, M, U)`, PATIENT, 'PID^1^8', '103', '5');
  if (!p.race?.length) o.add('patient.race.missing', 'Patient race (PID-10) is missing', PATIENT, 'PID^1^10', '101');
  else if (c.has(CODE_SET.race))
    p.race.forEach((r, i) => {
      const e = c.get(CODE_SET.race, r);
      if (!e && r !== 'UNK' && r !== 'ASKU') o.add('patient.race.unrecognized', `Patient race '${r}' (PID-10) is not a CDC race code`, PATIENT, `PID^1^10^${i + 1}^1`, '103', '5');
    });
  if (!p.ethnicity) o.add('patient.ethnicity.missing', 'Patient ethnicity (PID-22) is missing', PATIENT, 'PID^1^22', '101');
  else if (c.has(CODE_SET.ethnicity) && !c.get(CODE_SET.ethnicity, p.ethnicity) && p.ethnicity !== 'UNK' && p.ethnicity !== 'ASKU')
    o.add('patient.ethnicity.unrecognized', `Patient ethnicity '${p.ethnicity}' (PID-22) is not a CDC ethnicity code`, PATIENT, 'PID^1^22', '103', '5');
  const a = p.address;
  if (a) {
    if (a.zip && !ZIP.test(a.zip)) o.add('patient.address.zipInvalid', `Patient zip code '${a.zip}' (PID-11.5) is not 5 digits or 5+4 digits`, PATIENT, 'PID^1^11^1^5', '102', '4');
    if (a.zip && !a.state) o.add('patient.address.stateMissing', `Patient address has zip '${a.zip}' but no state (PID-11.4)`, PATIENT, 'PID^1^11^1^4', '101');
    const stateFips = a.state ? FIPS_STATE[a.state.toUpperCase()] : undefined;
    if (a.state && !(a.state.toUpperCase() in FIPS_STATE) && (a.country ?? 'USA').toUpperCase().startsWith('US')) o.add('patient.address.stateInvalid', `Patient state '${a.state}' (PID-11.4) is not a US state code`, PATIENT, 'PID^1^11^1^4', '103', '5');
    if (a.county && stateFips && /^\d{5}$/.test(a.county) && a.county.slice(0, 2) !== stateFips)
      o.add('patient.address.countyInvalid', `Patient county '${a.county}' (PID-11.9) is not a county of ${a.state} (FIPS ${stateFips})`, PATIENT, 'PID^1^11^1^9', '102', '3');
  }
  if (p.deathDate) {
    if (p.birthDate && p.deathDate < p.birthDate) o.add('patient.deathDate.beforeBirth', `Patient death date ${p.deathDate} (PID-29) is before birth ${p.birthDate}`, PATIENT, 'PID^1^29', '102', '1');
    if (p.deathDate > ctx.today) o.add('patient.deathDate.inFuture', `Patient death date ${p.deathDate} (PID-29) is in the future`, PATIENT, 'PID^1^29', '102', '1');
    if (p.deathIndicator === 'N') o.add('patient.deathIndicator.inconsistent', 'Patient death indicator (PID-30) is N but a death date (PID-29) is given', PATIENT, 'PID^1^30', '102', '3');
  } else if (p.deathIndicator === 'Y') {
    o.add('patient.deathDate.missing', 'Patient death indicator (PID-30) is Y but the death date (PID-29) is missing', PATIENT, 'PID^1^29', '101');
  } else if (p.deathIndicator && p.deathIndicator !== 'Y' && p.deathIndicator !== 'N') {
    o.add('patient.deathIndicator.inconsistent', `Patient death indicator '${p.deathIndicator}' (PID-30) is not Y or N`, PATIENT, 'PID^1^30', '103', '4');
  }
  if (p.multipleBirth && p.multipleBirth !== 'Y' && p.multipleBirth !== 'N') o.add('patient.multipleBirth.invalid', `Multiple birth indicator '${p.multipleBirth}' (PID-24) is not Y or N`, PATIENT, 'PID^1^24', '103', '4');
  if (p.multipleBirth === 'Y' && p.birthOrder === undefined) o.add('patient.birthOrder.missingForMultiple', 'Multiple birth is indicated (PID-24) but birth order (PID-25) is missing', PATIENT, 'PID^1^25', '101');
  if (p.registryStatus && c.has(CODE_SET.registryStatus) && !c.get(CODE_SET.registryStatus, p.registryStatus)) o.add('patient.registryStatus.unrecognized', `Registry status '${p.registryStatus}' (PD1-16) is not in HL7 table 0441`, PATIENT, 'PD1^1^16', '103', '5');
  if (p.protectionIndicator && c.has(CODE_SET.protection) && !c.get(CODE_SET.protection, p.protectionIndicator)) o.add('patient.protection.unrecognized', `Protection indicator '${p.protectionIndicator}' (PD1-12) is not Y or N`, PATIENT, 'PD1^1^12', '103', '5');
  if (p.publicityCode && c.has(CODE_SET.publicity) && !c.get(CODE_SET.publicity, p.publicityCode)) o.add('patient.publicity.unrecognized', `Publicity code '${p.publicityCode}' (PD1-11) is not in HL7 table 0215`, PATIENT, 'PD1^1^11', '103', '5');
  p.guardians.forEach((g, i) => {
    const l = `NK1^${i + 1}`;
    if (!g.name?.family && !g.name?.given) o.add('guardian.name.missing', `Next-of-kin ${i + 1} name (NK1-2) is missing`, PATIENT, `${l}^2`, '101');
    if (!g.relationship) o.add('guardian.relationship.missing', `Next-of-kin ${i + 1} relationship (NK1-3) is missing`, PATIENT, `${l}^3`, '101');
    else if (c.has(CODE_SET.relationship) && !c.get(CODE_SET.relationship, g.relationship)) o.add('guardian.relationship.unrecognized', `Next-of-kin relationship '${g.relationship}' (NK1-3) is not in HL7 table 0063`, PATIENT, `${l}^3`, '103', '5');
  });
}

function checkVaccination(v: VaccinationRecord, i: number, p: PatientRecord, ctx: QualityContext, msgDay: IsoDate | undefined, o: Out): void {
  const c = ctx.codes;
  const scope: FindingScope = { kind: 'vaccination', index: i };
  const rxa = `RXA^${i + 1}`;
  const refused = v.completionStatus === 'RE';
  const notGiven = refused || v.completionStatus === 'NA';
  const administered = !v.historical && !notGiven;
  const d = v.administeredDate;
  if (!d) o.add('vaccination.adminDate.missing', 'Vaccination date (RXA-3) is missing or invalid', scope, `${rxa}^3`, '101', '2');
  else {
    if (d > ctx.today) o.add('vaccination.adminDate.inFuture', `Vaccination date ${d} (RXA-3) is in the future`, scope, `${rxa}^3`, '102', '1');
    else if (msgDay && d > msgDay) o.add('vaccination.adminDate.afterMessage', `Vaccination date ${d} (RXA-3) is after the message date ${msgDay} (MSH-7)`, scope, `${rxa}^3`, '102', '1');
    if (p.birthDate && d < p.birthDate) o.add('vaccination.adminDate.beforeBirth', `Vaccination date ${d} (RXA-3) is before the patient's birth date ${p.birthDate}`, scope, `${rxa}^3`, '102', '1');
    if (p.deathDate && d > p.deathDate) o.add('vaccination.adminDate.afterDeath', `Vaccination date ${d} (RXA-3) is after the patient's death date ${p.deathDate}`, scope, `${rxa}^3`, '102', '1');
  }
  // Vaccine code: CVX and/or NDC.
  if (!v.cvx && !v.ndc) {
    o.add('vaccination.adminCode.missing', 'Vaccine code (RXA-5) is missing: a CVX or NDC code is required', scope, `${rxa}^5`, '101', '6');
  }
  let cvx = v.cvx;
  if (v.ndc) {
    const n = c.ndc(v.ndc);
    if (!n) o.add('vaccination.ndc.unrecognized', `NDC code '${v.ndc}' (RXA-5) is not a known vaccine NDC`, scope, `${rxa}^5`, '103', '5');
    else {
      if (n.status === 'Invalid') o.add('vaccination.ndc.invalid', `NDC code '${v.ndc}' (RXA-5) is not usable`, scope, `${rxa}^5`, '103', '4');
      else if (d && administered && ((n.notBefore && d < n.notBefore) || (n.notAfter && d > n.notAfter)))
        o.add('vaccination.ndc.outsideUseRange', `NDC '${v.ndc}' (RXA-5) was not in use on ${d} (${n.notBefore ?? '...'} to ${n.notAfter ?? '...'})`, scope, `${rxa}^5`, '102', '1');
      const nCvx = c.ndcToCvx(v.ndc);
      if (nCvx && v.cvx && nCvx !== v.cvx) o.add('vaccination.ndc.cvxMismatch', `NDC '${v.ndc}' is CVX ${nCvx}, but CVX ${v.cvx} was sent (RXA-5)`, scope, `${rxa}^5`, '102', '3');
      cvx ??= nCvx;
      const nMvx = c.ndcToMvx(v.ndc);
      if (nMvx && v.mvx && nMvx !== v.mvx) o.add('vaccination.mvx.ndcMismatch', `NDC '${v.ndc}' is made by ${nMvx}, but manufacturer ${v.mvx} was sent (RXA-17)`, scope, `${rxa}^17`, '102', '3');
    }
  }
  if (v.cvx) {
    const e = c.cvx(v.cvx);
    if (!e) o.add('vaccination.cvx.unrecognized', `CVX code '${v.cvx}' (RXA-5) is not a known vaccine code`, scope, `${rxa}^5`, '103', '5');
    else if (e.status === 'Invalid') o.add('vaccination.cvx.invalid', `CVX code '${v.cvx}' (RXA-5) is invalid`, scope, `${rxa}^5`, '103', '4');
    else if (e.status === 'Deprecated') o.add('vaccination.cvx.deprecated', `CVX code '${v.cvx}' (RXA-5) is deprecated${e.newCode ? `; use ${e.newCode}` : ''}`, scope, `${rxa}^5`, '103', '4');
  }
  const ce = c.cvx(cvx);
  if (ce && d && !notGiven) {
    if (ce.conceptType === 'non vaccine') {
      if (cvx === '999') o.add('vaccination.cvx.unknown', 'Vaccine code is 999 (unknown)', scope, `${rxa}^5`, '103', '3');
    } else {
      // Licensed range: an administered dose after the code's use ended is an error; a historical one only a warning
      // (cards are often wrong). A date before AIRA's not-before is only a warning: that is the code base's use date,
      // not licensure, and it can be later than real use (CVX 140 is dated 2013-07-17, yet NIST's IZ_1 package, and
      // practice, administered it in 2012). AIRA gives unspecified-formulation codes an early not-after (they should
      // not be reported as administered); that is what cvx.notSpecific says, so no range finding for them.
      const early = !!ce.notBefore && d < ce.notBefore;
      if (ce.conceptType !== 'unspecified' && (early || (ce.notAfter && d > ce.notAfter))) {
        o.add('vaccination.adminDate.outsideLicensedRange', `CVX ${cvx} was not in use on ${d} (usable ${ce.notBefore ?? '...'} to ${ce.notAfter ?? '...'})`, scope, `${rxa}^3`, '102', '1', administered && !early ? 'E' : 'W');
      } else if (ce.conceptType !== 'unspecified' && ((ce.notExpectedBefore && d < ce.notExpectedBefore) || (ce.notExpectedAfter && d > ce.notExpectedAfter))) {
        o.add('vaccination.adminDate.outsideExpectedRange', `CVX ${cvx} is not expected on ${d} (expected ${ce.notExpectedBefore ?? '...'} to ${ce.notExpectedAfter ?? '...'})`, scope, `${rxa}^3`, '102', '1');
      }
      // Age range: warning, not the MQE error, since off-label and catch-up doses are real.
      if (p.birthDate && d >= p.birthDate && (ce.ageMonthsMin !== undefined || ce.ageMonthsMax !== undefined)) {
        const age = monthsBetween(p.birthDate, d);
        if ((ce.ageMonthsMin !== undefined && age < ce.ageMonthsMin) || (ce.ageMonthsMax !== undefined && age > ce.ageMonthsMax))
          o.add('vaccination.adminDate.outsideAgeRange', `CVX ${cvx} is not expected at age ${age} months (expected ${ce.ageMonthsMin ?? 0} to ${ce.ageMonthsMax ?? '...'} months)`, scope, `${rxa}^3`, '102', '1');
      }
      if (administered && ce.conceptType === 'unspecified') o.add('vaccination.cvx.notSpecific', `CVX ${cvx} is an unspecified formulation: an administered dose should name the product`, scope, `${rxa}^5`, '102', '3');
    }
  }
  if (v.mvx) {
    const m = c.mvx(v.mvx);
    if (!m) o.add('vaccination.mvx.unrecognized', `Manufacturer code '${v.mvx}' (RXA-17) is not an MVX code`, scope, `${rxa}^17`, '103', '5');
    else if (m.status === 'Invalid') o.add('vaccination.mvx.invalid', `Manufacturer code '${v.mvx}' (RXA-17) is invalid`, scope, `${rxa}^17`, '103', '4');
    else if (d && administered && ((m.notBefore && d < m.notBefore) || (m.notAfter && d > m.notAfter)))
      o.add('vaccination.mvx.outsideUseRange', `Manufacturer '${v.mvx}' (RXA-17) was not active on ${d} (active ${m.notBefore ?? '...'} to ${m.notAfter ?? '...'})`, scope, `${rxa}^17`, '102', '1');
  } else if (administered) o.add('vaccination.mvx.missing', 'Manufacturer (RXA-17) is missing for an administered dose', scope, `${rxa}^17`, '101');
  if (administered) {
    if (!v.lotNumber) o.add('vaccination.lotNumber.missing', 'Lot number (RXA-15) is missing for an administered dose', scope, `${rxa}^15`, '101');
    else if (v.lotNumber.length < 2 || /^(N\/?A|NONE|UNK(NOWN)?|LOT)$/i.test(v.lotNumber)) o.add('vaccination.lotNumber.invalid', `Lot number '${v.lotNumber}' (RXA-15) is not a lot number`, scope, `${rxa}^15`, '102', '4');
    if (v.amount === undefined) o.add('vaccination.amount.missing', 'Administered amount (RXA-6) is missing for an administered dose', scope, `${rxa}^6`, '101');
    if (!v.fundingEligibility) o.add('vaccination.fundingEligibility.missing', 'Funding eligibility (OBX 64994-7) is missing for an administered dose', scope, `${rxa}^1`, '101', '6');
  }
  if (administered && v.informationSource === '00' && !v.lotNumber && !v.mvx && (v.amount === undefined || v.amount === 999))
    o.add('vaccination.informationSource.looksHistorical', 'Reported as administered (RXA-9 = 00) but has no lot, manufacturer or amount, as historical records do', scope, `${rxa}^9`, '102', '3');
  if (v.amount !== undefined && v.amount !== 999 && (v.amount <= 0 || v.amount > 10)) {
    o.add('vaccination.amount.invalid', `Administered amount ${v.amount} (RXA-6) is implausible for a vaccine dose (expected more than 0 and at most 10 mL)`, scope, `${rxa}^6`, '102', '3');
  }
  if (v.amount !== undefined && v.amount !== 999 && !v.amountUnit && !notGiven) o.add('vaccination.unit.missing', `Amount ${v.amount} (RXA-6) is sent without its unit (RXA-7)`, scope, `${rxa}^7`, '101');
  if (v.amountUnit && c.has(CODE_SET.unit) && !c.get(CODE_SET.unit, v.amountUnit)) o.add('vaccination.unit.unrecognized', `Amount unit '${v.amountUnit}' (RXA-7) is not recognized (expected mL)`, scope, `${rxa}^7`, '103', '5');
  if (d && v.expirationDate && !notGiven && v.expirationDate < d) {
    o.add('vaccination.adminDate.afterLotExpiration', `Lot ${v.lotNumber ?? ''} expired on ${v.expirationDate} (RXA-16), before the vaccination date ${d}`.replace('Lot  ', 'Lot '), scope, `${rxa}^16`, '102', '1');
  }
  // RXA-9 is required only for doses given or partly given (IG 1.5 conditional on RXA-20 CP/PA).
  if (!v.informationSource && !notGiven) o.add('vaccination.informationSource.missing', 'Information source (RXA-9) is missing: administered (00) or historical (01-08)?', scope, `${rxa}^9`, '101');
  else if (v.informationSource && c.has(CODE_SET.informationSource) && !c.get(CODE_SET.informationSource, v.informationSource)) o.add('vaccination.informationSource.unrecognized', `Information source '${v.informationSource}' (RXA-9) is not in NIP001`, scope, `${rxa}^9`, '103', '5');
  // RXA-21 missing: MQE says error, but IG 1.5 senders commonly omit it for adds; A is assumed.
  if (!v.actionCode) o.add('vaccination.actionCode.missing', 'Action code (RXA-21) is missing; A (add) is assumed', scope, `${rxa}^21`, '101');
  else if (!['A', 'U', 'D'].includes(v.actionCode)) o.add('vaccination.actionCode.invalid', `Action code '${v.actionCode}' (RXA-21) is not A, U or D`, scope, `${rxa}^21`, '103', '4');
  if (v.completionStatus && !['CP', 'RE', 'NA', 'PA'].includes(v.completionStatus)) o.add('vaccination.completionStatus.unrecognized', `Completion status '${v.completionStatus}' (RXA-20) is not CP, RE, NA or PA`, scope, `${rxa}^20`, '103', '5');
  if (refused) {
    if (!v.refusalReason) o.add('vaccination.refusalReason.missing', 'Refused dose (RXA-20 = RE) without a refusal reason (RXA-18)', scope, `${rxa}^18`, '101');
    else if (c.has(CODE_SET.refusal) && !c.get(CODE_SET.refusal, v.refusalReason)) o.add('vaccination.refusalReason.unrecognized', `Refusal reason '${v.refusalReason}' (RXA-18) is not in NIP002`, scope, `${rxa}^18`, '103', '5');
    const unexpected: [string, string | undefined, string][] = [
      ['NDC', v.ndc, `${rxa}^5`],
      ['manufacturer (RXA-17)', v.mvx, `${rxa}^17`],
      ['lot number (RXA-15)', v.lotNumber, `${rxa}^15`],
      ['lot expiration date (RXA-16)', v.expirationDate, `${rxa}^16`],
      ['route (RXR-1)', v.route, `RXR^${i + 1}^1`],
      ['site (RXR-2)', v.site, `RXR^${i + 1}^2`],
    ];
    for (const [what, val, l] of unexpected)
      if (val) o.add('vaccination.refusal.unexpectedField', `A refused dose should not carry a ${what}: '${val}' was sent`, scope, l, '102', '3');
  } else if (v.refusalReason) {
    o.add('vaccination.refusal.unexpectedField', `Refusal reason (RXA-18) '${v.refusalReason}' is sent but the completion status (RXA-20) is not RE`, scope, `${rxa}^18`, '102', '3');
  }
  if (v.fundingSource && c.has(CODE_SET.fundingSource)) {
    const fs = c.get(CODE_SET.fundingSource, v.fundingSource);
    if (!fs) o.add('vaccination.fundingSource.unrecognized', `Funding source '${v.fundingSource}' (OBX 30963-3) is not recognized`, scope, `${rxa}^1`, '103', '5');
    else {
      const allowed = fs.links[CODE_SET.funding];
      if (allowed && v.fundingEligibility && !allowed.includes(v.fundingEligibility))
        o.add('vaccination.fundingSource.unexpectedForEligibility', `Funding source '${v.fundingSource}' is unexpected for funding eligibility '${v.fundingEligibility}'`, scope, `${rxa}^1`, '102', '3');
    }
  }
  if (administered && v.vis.length === 0) o.add('vaccination.vis.missing', 'No Vaccine Information Statement (OBX 69764-9 or 30956-7) is reported for an administered dose', scope, `${rxa}^1`, '101', '6');
  for (const vis of v.vis) {
    if (vis.document && c.has(CODE_SET.visDoc) && !c.get(CODE_SET.visDoc, vis.document)) o.add('vaccination.vis.documentUnrecognized', `VIS document '${vis.document}' (OBX 69764-9) is not a known VIS barcode`, scope, `${rxa}^1`, '103', '5');
    if (vis.published && vis.published > ctx.today) o.add('vaccination.vis.publishedInFuture', `VIS published date ${vis.published} (OBX 29768-9) is in the future`, scope, `${rxa}^1`, '102', '1');
    if (vis.published && vis.presented && vis.presented < vis.published) o.add('vaccination.vis.presentedBeforePublished', `VIS presented on ${vis.presented}, before its publication on ${vis.published}`, scope, `${rxa}^1`, '102', '1');
    if (vis.presented && d && vis.presented > d) o.add('vaccination.vis.presentedAfterAdministration', `VIS presented on ${vis.presented}, after the vaccination on ${d}`, scope, `${rxa}^1`, '102', '1');
  }
  for (const ob of v.observations) checkObservation(ob, scope, `${rxa}^1`, c, o);
  if (v.route && c.has(CODE_SET.route) && !c.get(CODE_SET.route, v.route)) o.add('vaccination.route.unrecognized', `Route '${v.route}' (RXR-1) is not recognized`, scope, `RXR^${i + 1}^1`, '103', '5');
  if (v.site && c.has(CODE_SET.site) && !c.get(CODE_SET.site, v.site)) o.add('vaccination.site.unrecognized', `Site '${v.site}' (RXR-2) is not recognized`, scope, `RXR^${i + 1}^2`, '103', '5');
  if (v.fundingEligibility && c.has(CODE_SET.funding) && !c.get(CODE_SET.funding, v.fundingEligibility)) o.add('vaccination.fundingEligibility.unrecognized', `Funding eligibility '${v.fundingEligibility}' (OBX-5 of 64994-7) is not recognized`, scope, `${rxa}^1`, '103', '5');
}

function checkObservation(ob: ObservationRecord, scope: FindingScope, location: string, c: CodeSets, o: Out): void {
  if (!ob.code) return;
  if (ob.identifier === '59784-9' && c.has(CODE_SET.immunity) && !c.get(CODE_SET.immunity, ob.code))
    o.add('observation.immunity.unrecognized', `Immunity code '${ob.code}' (OBX-5 of 59784-9) is not a recognized evidence-of-immunity SNOMED code`, scope, location, '103', '5');
  if (ob.kind === 'contraindication' && c.has(CODE_SET.contraindication) && !c.get(CODE_SET.contraindication, ob.code))
    o.add('observation.contraindication.unrecognized', `Contraindication code '${ob.code}' (OBX-5 of ${ob.identifier}) is not recognized`, scope, location, '103', '5');
}

/** Run every data-quality rule on a submission. */
export function checkSubmission(sub: CanonicalSubmission, ctx: QualityContext): Finding[] {
  const o = new Out(ctx.overrides);
  const msgDay = messageDay(sub.messageDateTime);
  if (msgDay && msgDay > ctx.today) o.add('message.dateTime.inFuture', `Message date ${msgDay} (MSH-7) is in the future`, { kind: 'message' }, 'MSH^1^7', '102', '1');
  // A message date in the future is not a reliable reference: compare to today only.
  const ref = msgDay && msgDay <= ctx.today ? msgDay : undefined;
  checkPatient(sub.patient, ctx, ref, o);
  sub.vaccinations.forEach((v, i) => checkVaccination(v, i, sub.patient, ctx, ref, o));
  // The same vaccine on the same day twice in one message is almost always a sending error.
  const seen = new Map<string, number>();
  sub.vaccinations.forEach((v, i) => {
    if (v.actionCode === 'D' || v.completionStatus === 'RE' || v.completionStatus === 'NA' || !v.administeredDate) return;
    const cvx = v.cvx ?? ctx.codes.ndcToCvx(v.ndc);
    if (!cvx || cvx === '998' || cvx === '999') return;
    const key = `${cvx}|${v.administeredDate}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else o.add('vaccination.duplicateInMessage', `CVX ${cvx} on ${v.administeredDate} is reported twice in this message (RXA ${first + 1} and ${i + 1})`, { kind: 'vaccination', index: i }, `RXA^${i + 1}^5`, '205', '3');
  });
  // Patient-level observations not under any RXA (those under an RXA were checked with their dose).
  const underDoses = new Set(sub.vaccinations.flatMap((v) => v.observations));
  for (const ob of sub.observations) if (!underDoses.has(ob)) checkObservation(ob, PATIENT, 'PID^1', ctx.codes, o);
  return o.items;
}
