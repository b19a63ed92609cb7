import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consolidateDoses, type DoseForDedup } from './dedup.ts';
import { loadVaccineGroupMap } from './vaccine-groups.ts';
import { sharedDir } from '../../test/support/postgres.ts';

const groups = loadVaccineGroupMap(`${sharedDir()}/cdsi/supporting-data-4.64`);
const dose = (id: number, date: string, cvx: string, more: Partial<DoseForDedup> = {}): DoseForDedup => ({ id, date, cvx, historical: false, ...more });

test('CVX to vaccine group from CDSi supporting data', () => {
  assert.deepEqual(groups.groupsOf('20'), ['DTaP/Tdap/Td']);
  assert.deepEqual(groups.groupsOf('94').sort(), ['MMR', 'Varicella']);
  assert.ok(groups.isUnspecified('107'));
  assert.ok(!groups.isUnspecified('20'));
});

test('same group same day from two sources: one consolidated dose, administered beats historical', () => {
  const r = consolidateDoses([dose(1, '2024-01-10', '20', { historical: true }), dose(2, '2024-01-10', '106')], groups);
  assert.equal(r.get(1), 2);
  assert.equal(r.get(2), null);
});

test('specific CVX beats unspecified, lot number beats none', () => {
  const r = consolidateDoses([dose(1, '2024-01-10', '107', { lotNumber: 'X1' }), dose(2, '2024-01-11', '20')], groups);
  assert.equal(r.get(1), 2);
  const r2 = consolidateDoses([dose(1, '2024-01-10', '20'), dose(2, '2024-01-10', '20', { lotNumber: 'L9' })], groups);
  assert.equal(r2.get(1), 2);
});

test('different groups, or doses far apart, stay separate', () => {
  const r = consolidateDoses([dose(1, '2024-01-10', '20'), dose(2, '2024-01-10', '03'), dose(3, '2024-03-10', '20')], groups);
  assert.deepEqual([...r.values()], [null, null, null]);
});

test('rabies days 0 and 3 are two real doses; the window is configurable', () => {
  const r = consolidateDoses([dose(1, '2024-01-10', '175'), dose(2, '2024-01-13', '175')], groups);
  assert.equal(r.get(2), null);
  const same = consolidateDoses([dose(1, '2024-01-10', '20'), dose(2, '2024-01-13', '20')], groups, { windowDays: 0 });
  assert.equal(same.get(2), null);
});

test('MMRV and MMR the same day are one dose; deleted and refused doses are left alone', () => {
  const r = consolidateDoses([dose(1, '2024-01-10', '94'), dose(2, '2024-01-10', '03'), dose(3, '2024-01-10', '03', { deleted: true }), dose(4, '2024-01-10', '03', { notGiven: true })], groups);
  assert.equal(r.get(2), 1);
  assert.equal(r.get(3), null);
  assert.equal(r.get(4), null);
});
