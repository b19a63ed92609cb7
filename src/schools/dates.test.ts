import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDuration, addMonths, ageInYears, ageInMonths, isIsoDate, parseDuration, daysBetween } from './dates.ts';

test('month arithmetic rolls a missing day to the 1st of the next month (CDSi)', () => {
  assert.equal(addMonths('2020-01-31', 1), '2020-03-01');
  assert.equal(addMonths('2020-02-29', 12), '2021-03-01');
  assert.equal(addMonths('2020-02-29', 48), '2024-02-29');
  assert.equal(addMonths('2019-11-15', 3), '2020-02-15');
  assert.equal(addMonths('2020-03-15', -3), '2019-12-15');
});

test('durations: years/months then weeks/days', () => {
  assert.deepEqual(parseDuration('4y 6m'), { years: 4, months: 6, weeks: 0, days: 0 });
  assert.equal(addDuration('2020-01-01', '28d'), '2020-01-29');
  assert.equal(addDuration('2020-01-01', '8w'), '2020-02-26');
  assert.equal(addDuration('2020-01-31', '1m 1d'), '2020-03-02');
  assert.equal(addDuration('2020-05-10', '-4d'), '2020-05-06');
  assert.throws(() => parseDuration('four years'), /bad duration/);
});

test('age: the day before a birthday is still the younger age, the day of is the new age', () => {
  assert.equal(ageInYears('2016-09-10', '2020-09-09'), 3);
  assert.equal(ageInYears('2016-09-10', '2020-09-10'), 4);
  assert.equal(ageInYears('2016-02-29', '2020-02-28'), 3);
  assert.equal(ageInYears('2016-02-29', '2021-02-28'), 4);
  assert.equal(ageInYears('2016-02-29', '2021-03-01'), 5);
  assert.equal(ageInMonths('2024-01-31', '2024-02-29'), 0);
  assert.equal(ageInMonths('2024-01-31', '2024-03-01'), 1);
});

test('date validation', () => {
  assert.equal(isIsoDate('2021-02-29'), false);
  assert.equal(isIsoDate('2020-02-29'), true);
  assert.equal(isIsoDate('2020-2-9'), false);
  assert.equal(daysBetween('2020-02-28', '2020-03-01'), 2);
});
