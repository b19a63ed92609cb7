import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sharedDir } from '../../test/support/postgres.ts';
import { loadSchedule, type EngineInput } from './index.ts';
import { checkProposedDose } from './dose-check.ts';

const schedule = loadSchedule(path.join(sharedDir(), 'cdsi', 'supporting-data-4.64'));
// An infant born 2025-01-01 with a hepatitis B birth dose (CVX 08, pediatric HepB).
const infant = (doses: EngineInput['doses'], observations: EngineInput['observations'] = []): EngineInput =>
  ({ patient: { birthDate: '2025-01-01', gender: 'F' }, doses, observations, assessmentDate: '2025-01-01' });

test('a needed dose on time is valid and needed', () => {
  const r = checkProposedDose(infant([{ date: '2025-01-01', cvx: '08' }]), { cvx: '08', date: '2025-03-01' }, schedule);
  assert.equal(r.verdict, 'valid', r.reasons.join(' '));
  assert.equal(r.needed, true);
  assert.equal(r.scheduleVersion, '4.64');
  const hepb = r.vaccineGroups.find((g) => g.vaccineGroup === 'HepB')!;
  assert.equal(hepb.statusBefore, 'not_complete');
  assert.equal(hepb.forecast?.doseNumber, 2);
  assert.match(r.reasons.join(' '), /HepB: dose 2 would be valid and is needed/);
  assert.equal(r.earliestDate, undefined);
});

test('a dose too soon after the previous one is too early, with the first date it would count', () => {
  const r = checkProposedDose(infant([{ date: '2025-01-01', cvx: '08' }]), { cvx: '08', date: '2025-01-10' }, schedule);
  assert.equal(r.verdict, 'too_early', r.reasons.join(' '));
  assert.equal(r.needed, false);
  assert.ok(r.earliestDate && r.earliestDate > '2025-01-10', `earliestDate ${r.earliestDate}`);
  assert.match(r.reasons[0]!, /^HepB: too early, it would not count: .*The earliest date it would count is \d{4}-\d{2}-\d{2}\./);
});

test('a dose after a complete series is extraneous (over-immunization)', () => {
  const done = infant([{ date: '2025-01-01', cvx: '08' }, { date: '2025-03-01', cvx: '08' }, { date: '2025-08-01', cvx: '08' }]);
  const r = checkProposedDose(done, { cvx: '08', date: '2026-06-01' }, schedule);
  assert.equal(r.verdict, 'extraneous', r.reasons.join(' '));
  assert.equal(r.needed, false);
  assert.equal(r.vaccineGroups[0]!.statusBefore, 'complete');
  assert.match(r.reasons[0]!, /series is complete; another dose would be extraneous/);
});

test('a combination vaccine is valid when a component group is complete, and says the extra component is acceptable', () => {
  const hepbDone = infant([{ date: '2025-01-01', cvx: '08' }, { date: '2025-02-01', cvx: '08' }, { date: '2025-07-02', cvx: '08' },
    { date: '2025-03-01', cvx: '20' }, { date: '2025-05-01', cvx: '20' }, { date: '2025-03-01', cvx: '10' }, { date: '2025-05-01', cvx: '10' }]);
  // DTaP-HepB-IPV at 9 months: DTaP dose 3 and IPV dose 3 needed, HepB complete
  const r = checkProposedDose(hepbDone, { cvx: '110', date: '2025-10-01' }, schedule);
  const byGroup = Object.fromEntries(r.vaccineGroups.map((g) => [g.vaccineGroup, g.verdict]));
  assert.equal(byGroup.HepB, 'extraneous', r.reasons.join(' '));
  assert.equal(byGroup.Polio, 'valid', r.reasons.join(' '));
  assert.equal(r.verdict, 'valid');
  assert.equal(r.needed, true);
  assert.match(r.reasons.at(-1)!, /combination vaccine/);
});

test('a contraindication on file makes the dose contraindicated', () => {
  // 097: severe allergic reaction after a previous dose of hepatitis B vaccine
  const r = checkProposedDose(infant([{ date: '2025-01-01', cvx: '08' }], [{ code: '097', date: '2025-01-02' }]), { cvx: '08', date: '2025-03-01' }, schedule);
  assert.equal(r.verdict, 'contraindicated', r.reasons.join(' '));
  assert.equal(r.needed, false);
  assert.match(r.reasons[0]!, /Do not give/);
});

test('a vaccine outside the schedule cannot be checked', () => {
  const r = checkProposedDose(infant([]), { cvx: '999', date: '2025-03-01' }, schedule);
  assert.equal(r.verdict, 'unknown_vaccine');
  assert.match(r.reasons[0]!, /CVX 999 is not in CDSi schedule 4\.64/);
});

test('later doses in the history do not change the verdict for an earlier date', () => {
  const r = checkProposedDose(infant([{ date: '2025-01-01', cvx: '08' }, { date: '2025-06-01', cvx: '08' }]), { cvx: '08', date: '2025-03-01' }, schedule);
  assert.equal(r.verdict, 'valid', r.reasons.join(' '));
});
