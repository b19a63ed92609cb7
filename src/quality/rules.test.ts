import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../../test/support/postgres.ts';
import { parseAiraCodebase } from '../codes/codesets.ts';
import type { CanonicalSubmission, VaccinationRecord } from '../pipeline/canonical.ts';
import { DETECTIONS, checkSubmission } from './rules.ts';

const codes = parseAiraCodebase(readFileSync(join(sharedDir(), 'hl7/aira-codebase/Compiled.xml'), 'utf8'));
const today = '2026-11-25';

function dose(v: Partial<VaccinationRecord> = {}): VaccinationRecord {
  return {
    administeredDate: '2026-11-01', cvx: '20', mvx: 'SKB', lotNumber: 'AB123', expirationDate: '2027-06-30', amount: 0.5, amountUnit: 'mL',
    informationSource: '00', historical: false, actionCode: 'A', completionStatus: 'CP', route: 'C28161', site: 'LT', fundingEligibility: 'V02',
    vis: [{ cvx: '107', published: '2024-08-06', presented: '2026-11-01' }], observations: [], ...v,
  };
}

function sub(patch: Partial<CanonicalSubmission['patient']> = {}, vaccinations: VaccinationRecord[] = [dose()], messageDateTime = '20261120'): CanonicalSubmission {
  return {
    channel: 'http', messageType: 'VXU^V04^VXU_V04', messageDateTime,
    patient: { identifiers: [{ value: 'M1', authority: 'EHR', type: 'MR' }], name: { family: 'Doe', given: 'Jane' }, aliases: [], guardians: [], birthDate: '2025-01-15', sex: 'F', race: ['2106-3'], ethnicity: '2186-5', address: { street: '1 A St', city: 'Lansing', state: 'MI', zip: '48901', county: '26065' }, ...patch },
    vaccinations,
    observations: [],
  };
}

const codesOf = (s: CanonicalSubmission) => checkSubmission(s, { today, codes }).map((f) => f.code);
const find = (s: CanonicalSubmission, code: string) => checkSubmission(s, { today, codes }).find((f) => f.code === code);

test('a clean submission has no findings', () => {
  assert.deepEqual(checkSubmission(sub(), { today, codes }), []);
});

test('every finding code is in the detection catalog, with its severity', () => {
  const s = sub({ birthDate: '2030-01-01', sex: 'Q', identifiers: [] }, [dose({ cvx: 'XXX', mvx: 'ZZZ', amount: 50, administeredDate: '2027-01-01' })]);
  for (const f of checkSubmission(s, { today, codes })) assert.ok(DETECTIONS[f.code], f.code);
});

test('patient rules', () => {
  assert.equal(find(sub({ identifiers: [] }), 'patient.submitterId.missing')?.severity, 'E');
  assert.equal(find(sub({ name: { given: 'Jane' } }), 'patient.nameLast.missing')?.location, 'PID^1^5^1^1');
  assert.equal(find(sub({ name: { family: 'Doe' } }), 'patient.nameFirst.missing')?.severity, 'E');
  assert.ok(codesOf(sub({ name: { family: 'Doe', given: 'Baby Girl' } })).includes('patient.name.junk'));
  assert.equal(find(sub({ birthDate: undefined }), 'patient.birthDate.missing')?.scope.kind, 'patient');
  assert.equal(find(sub({ birthDate: '2026-12-01' }), 'patient.birthDate.inFuture')?.severity, 'E');
  assert.ok(codesOf(sub({ birthDate: '2026-11-22' }, [])).includes('patient.birthDate.inFuture'), 'after the message date');
  assert.ok(codesOf(sub({ birthDate: '1890-01-01' })).includes('patient.birthDate.veryLongAgo'));
  assert.ok(codesOf(sub({ sex: 'UNK' })).includes('patient.sex.invalid'));
  assert.ok(!codesOf(sub({ sex: 'U' })).includes('patient.sex.invalid'));
  assert.ok(codesOf(sub({ sex: undefined })).includes('patient.sex.missing'));
  assert.ok(codesOf(sub({ race: ['XYZ'] })).includes('patient.race.unrecognized'));
  assert.ok(codesOf(sub({ ethnicity: 'Q' })).includes('patient.ethnicity.unrecognized'));
  assert.ok(codesOf(sub({ address: { zip: '4890', state: 'MI' } })).includes('patient.address.zipInvalid'));
  assert.ok(codesOf(sub({ address: { zip: '48901' } })).includes('patient.address.stateMissing'));
  assert.ok(codesOf(sub({ address: { state: 'ZZ' } })).includes('patient.address.stateInvalid'));
  assert.ok(codesOf(sub({ address: { state: 'MI', county: '49053' } })).includes('patient.address.countyInvalid'));
  assert.ok(!codesOf(sub({ address: { state: 'UT', county: '49053' } })).includes('patient.address.countyInvalid'));
  assert.ok(codesOf(sub({ deathDate: '2024-01-01' })).includes('patient.deathDate.beforeBirth'));
  assert.ok(codesOf(sub({ deathDate: '2027-01-01' })).includes('patient.deathDate.inFuture'));
  assert.ok(codesOf(sub({ multipleBirth: 'Y' })).includes('patient.birthOrder.missingForMultiple'));
  assert.ok(codesOf(sub({ guardians: [{ relationship: 'XXX' }] })).includes('guardian.relationship.unrecognized'));
  assert.ok(codesOf(sub({ guardians: [{ relationship: 'MTH' }] })).includes('guardian.name.missing'));
});

test('vaccination dates: future, after message, before birth, after death, after lot expiration', () => {
  const f1 = find(sub({}, [dose(), dose({ administeredDate: '2026-12-01' })]), 'vaccination.adminDate.inFuture')!;
  assert.deepEqual(f1.scope, { kind: 'vaccination', index: 1 });
  assert.equal(f1.location, 'RXA^2^3');
  assert.equal(f1.severity, 'E');
  assert.ok(codesOf(sub({}, [dose({ administeredDate: '2026-11-22' })])).includes('vaccination.adminDate.afterMessage'));
  assert.ok(codesOf(sub({}, [dose({ administeredDate: '2024-12-01', cvx: '08', mvx: 'MSD' })])).includes('vaccination.adminDate.beforeBirth'));
  assert.ok(codesOf(sub({ deathDate: '2026-06-01' }, [dose()])).includes('vaccination.adminDate.afterDeath'));
  const exp = find(sub({}, [dose({ expirationDate: '2026-10-31' })]), 'vaccination.adminDate.afterLotExpiration')!;
  assert.equal(exp.location, 'RXA^1^16');
  assert.equal(exp.severity, 'W');
  assert.ok(codesOf(sub({}, [dose({ administeredDate: undefined })])).includes('vaccination.adminDate.missing'));
});

test('vaccine codes: unknown, deprecated, mismatched CVX/MVX/NDC, licensed range, age range', () => {
  assert.equal(find(sub({}, [dose({ cvx: 'XXX' })]), 'vaccination.cvx.unrecognized')?.severity, 'E');
  assert.ok(codesOf(sub({}, [dose({ cvx: undefined })])).includes('vaccination.adminCode.missing'));
  assert.ok(codesOf(sub({}, [dose({ mvx: 'AAAA' })])).includes('vaccination.mvx.unrecognized'));
  assert.ok(codesOf(sub({}, [dose({ ndc: '99999-9999-99' })])).includes('vaccination.ndc.unrecognized'));
  // A real NDC (Abrysvo, RSV, CVX 305, Pfizer) reported with another CVX and another manufacturer.
  const mismatched = codesOf(sub({ birthDate: '1950-01-01' }, [dose({ ndc: '00069-0207-01', cvx: '20', mvx: 'SKB', administeredDate: '2026-11-01' })]));
  assert.ok(mismatched.includes('vaccination.ndc.cvxMismatch'));
  assert.ok(mismatched.includes('vaccination.mvx.ndcMismatch'));
  const matched = codesOf(sub({ birthDate: '1950-01-01' }, [dose({ ndc: '00069-0207-01', cvx: '305', mvx: 'PFR' })]));
  assert.ok(!matched.includes('vaccination.ndc.cvxMismatch') && !matched.includes('vaccination.mvx.ndcMismatch') && !matched.includes('vaccination.ndc.unrecognized'), matched.join());
  // 11-digit and 10-digit forms of the same NDC are recognized.
  assert.ok(!codesOf(sub({ birthDate: '1950-01-01' }, [dose({ ndc: '00069020701', cvx: undefined, mvx: 'PFR' })])).includes('vaccination.ndc.unrecognized'));
  // CVX 208 (Pfizer COVID 30 mcg) was usable only until 2023-10-24: an administered dose after that is an error, a historical one a warning.
  const adm = find(sub({ birthDate: '1980-01-01' }, [dose({ cvx: '208', mvx: 'PFR' })]), 'vaccination.adminDate.outsideLicensedRange')!;
  assert.equal(adm.severity, 'E');
  const hist = find(sub({ birthDate: '1980-01-01' }, [dose({ cvx: '208', mvx: 'PFR', historical: true, informationSource: '01' })]), 'vaccination.adminDate.outsideLicensedRange')!;
  assert.equal(hist.severity, 'W');
  // DTaP (CVX 20) for a 60-year-old is outside its age range.
  assert.ok(codesOf(sub({ birthDate: '1966-01-01' }, [dose()])).includes('vaccination.adminDate.outsideAgeRange'));
  assert.ok(codesOf(sub({}, [dose({ cvx: '107' })])).includes('vaccination.cvx.notSpecific'));
});

test('amounts, lots, codes of administered doses; refusals; action codes', () => {
  assert.ok(codesOf(sub({}, [dose({ amount: 50 })])).includes('vaccination.amount.invalid'));
  assert.ok(codesOf(sub({}, [dose({ amount: 0 })])).includes('vaccination.amount.invalid'));
  assert.ok(!codesOf(sub({}, [dose({ amount: 999, historical: true, informationSource: '01' })])).includes('vaccination.amount.invalid'));
  assert.ok(codesOf(sub({}, [dose({ lotNumber: undefined })])).includes('vaccination.lotNumber.missing'));
  assert.ok(codesOf(sub({}, [dose({ lotNumber: 'N/A' })])).includes('vaccination.lotNumber.invalid'));
  assert.ok(!codesOf(sub({}, [dose({ lotNumber: undefined, historical: true, informationSource: '01' })])).includes('vaccination.lotNumber.missing'));
  assert.ok(codesOf(sub({}, [dose({ informationSource: undefined })])).includes('vaccination.informationSource.missing'));
  assert.equal(find(sub({}, [dose({ actionCode: 'X' })]), 'vaccination.actionCode.invalid')?.severity, 'E');
  assert.equal(find(sub({}, [dose({ actionCode: undefined })]), 'vaccination.actionCode.missing')?.severity, 'W');
  assert.ok(codesOf(sub({}, [dose({ completionStatus: 'ZZ' })])).includes('vaccination.completionStatus.unrecognized'));
  const refused = checkSubmission(sub({}, [dose({ completionStatus: 'RE', refusalReason: '00' })]), { today, codes });
  assert.deepEqual(new Set(refused.map((f) => f.code)), new Set(['vaccination.refusal.unexpectedField']));
  assert.equal(refused.length, 5); // mvx, lot, expiration, route, site
  assert.ok(codesOf(sub({}, [dose({ completionStatus: 'RE', mvx: undefined, lotNumber: undefined, expirationDate: undefined, route: undefined, site: undefined })])).includes('vaccination.refusalReason.missing'));
  assert.ok(codesOf(sub({}, [dose({ route: 'XX' })])).includes('vaccination.route.unrecognized'));
  assert.ok(codesOf(sub({}, [dose({ site: 'XX' })])).includes('vaccination.site.unrecognized'));
  assert.ok(codesOf(sub({}, [dose({ fundingEligibility: 'V99' })])).includes('vaccination.fundingEligibility.unrecognized'));
});

test('message date in the future is reported and not used as a reference', () => {
  const s = sub({}, [dose()], '20270101');
  assert.ok(codesOf(s).includes('message.dateTime.inFuture'));
});

test('VIS, funding source and observation codes', () => {
  assert.ok(codesOf(sub({}, [dose({ vis: [] })])).includes('vaccination.vis.missing'));
  assert.ok(codesOf(sub({}, [dose({ vis: [{ document: '123' }] })])).includes('vaccination.vis.documentUnrecognized'));
  assert.ok(!codesOf(sub({}, [dose({ vis: [{ document: '253088698300002811180321' }] })])).includes('vaccination.vis.documentUnrecognized'));
  assert.ok(codesOf(sub({}, [dose({ vis: [{ cvx: '107', published: '2026-01-01', presented: '2025-12-01' }] })])).includes('vaccination.vis.presentedBeforePublished'));
  assert.ok(codesOf(sub({}, [dose({ vis: [{ cvx: '107', presented: '2026-11-02' }] })])).includes('vaccination.vis.presentedAfterAdministration'));
  assert.ok(codesOf(sub({}, [dose({ fundingSource: 'PHC70', fundingEligibility: 'V02' })])).includes('vaccination.fundingSource.unexpectedForEligibility'));
  assert.ok(!codesOf(sub({}, [dose({ fundingSource: 'VXC1', fundingEligibility: 'V02' })])).includes('vaccination.fundingSource.unexpectedForEligibility'));
  const imm = (code: string) => ({ kind: 'immunity' as const, identifier: '59784-9', code });
  assert.ok(codesOf(sub({}, [dose({ observations: [imm('12345')] })])).includes('observation.immunity.unrecognized'));
  assert.ok(!codesOf(sub({}, [dose({ observations: [imm('38907003')] })])).includes('observation.immunity.unrecognized'));
  const s = sub();
  s.observations.push({ kind: 'contraindication', identifier: '30945-0', code: 'NOPE' });
  assert.equal(find(s, 'observation.contraindication.unrecognized')?.scope.kind, 'patient');
});

test('invalid names, manufacturer/NDC use ranges, severity overrides', () => {
  assert.equal(find(sub({ name: { family: 'D0e', given: 'Jane' } }), 'patient.nameLast.invalid')?.severity, 'E');
  assert.ok(codesOf(sub({ name: { family: 'Doe', given: '--' } })).includes('patient.nameFirst.invalid'));
  assert.ok(!codesOf(sub({ name: { family: "O'Brien-Núñez", given: 'Zoë' } })).some((c) => c.includes('invalid')));
  // Abrysvo NDC was first used 2023-07-12.
  assert.ok(codesOf(sub({ birthDate: '1950-01-01' }, [dose({ administeredDate: '2023-01-05', ndc: '00069-0207-01', cvx: '305', mvx: 'PFR' })], '20230110')).includes('vaccination.ndc.outsideUseRange'));
  const s = sub({ sex: 'Q' });
  assert.equal(checkSubmission(s, { today, codes, overrides: { 'patient.sex.invalid': 'E' } }).find((f) => f.code === 'patient.sex.invalid')?.severity, 'E');
  assert.equal(checkSubmission(s, { today, codes, overrides: { 'patient.sex.invalid': 'off' } }).find((f) => f.code === 'patient.sex.invalid'), undefined);
});

test('IG 1.5 conditional requirements: unit with amount, death date with indicator', () => {
  assert.ok(codesOf(sub({}, [dose({ amountUnit: undefined })])).includes('vaccination.unit.missing'));
  assert.ok(!codesOf(sub({}, [dose({ amountUnit: undefined, amount: 999, historical: true, informationSource: '01' })])).includes('vaccination.unit.missing'));
  assert.ok(codesOf(sub({ deathIndicator: 'Y' })).includes('patient.deathDate.missing'));
});

test('unspecified formulations: a warning when administered, nothing when historical', () => {
  const adm = codesOf(sub({ birthDate: '1980-01-01' }, [dose({ cvx: '213', mvx: 'PFR' })]));
  assert.ok(adm.includes('vaccination.cvx.notSpecific'));
  assert.ok(!adm.includes('vaccination.adminDate.outsideLicensedRange'));
  const hist = codesOf(sub({ birthDate: '1980-01-01' }, [dose({ cvx: '213', historical: true, informationSource: '01', mvx: undefined, lotNumber: undefined })]));
  assert.deepEqual(hist.filter((c) => c.startsWith('vaccination.cvx') || c.startsWith('vaccination.adminDate')), []);
});

test('duplicate dose within one message is flagged on the second occurrence only', () => {
  const f = checkSubmission(sub({}, [dose(), dose({ cvx: '107', historical: true, informationSource: '01' }), dose({ lotNumber: 'ZZ9' })]), { today, codes }).filter((x) => x.code === 'vaccination.duplicateInMessage');
  assert.equal(f.length, 1);
  assert.deepEqual(f[0].scope, { kind: 'vaccination', index: 2 });
  assert.ok(!codesOf(sub({}, [dose(), dose({ actionCode: 'D' })])).includes('vaccination.duplicateInMessage'));
});

test('phone, SSN, birth order, administered-looks-historical', () => {
  assert.ok(codesOf(sub({ phone: '555123' })).includes('patient.phone.invalid'));
  assert.ok(!codesOf(sub({ phone: '5175551234' })).includes('patient.phone.invalid'));
  assert.ok(codesOf(sub({ identifiers: [{ value: 'M1', authority: 'EHR', type: 'MR' }, { value: '000-12-3456', type: 'SS', authority: 'SSA' }] })).includes('patient.ssn.invalid'));
  assert.ok(!codesOf(sub({ identifiers: [{ value: 'M1', authority: 'EHR', type: 'MR' }, { value: '123-45-6789', type: 'SS', authority: 'SSA' }] })).includes('patient.ssn.invalid'));
  assert.ok(codesOf(sub({ multipleBirth: 'N', birthOrder: 2 })).includes('patient.birthOrder.invalid'));
  assert.ok(codesOf(sub({}, [dose({ lotNumber: undefined, mvx: undefined, amount: 999 })])).includes('vaccination.informationSource.looksHistorical'));
});
