import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addOffset, formatDate, parseDate, parseOffset } from './dates.ts';

const add = (d: string, o: string) => formatDate(addOffset(parseDate(d), parseOffset(o)!));

test('CDSi chapter 3 date examples', () => {
  assert.equal(add('2000-01-01', '3 years'), '2003-01-01');
  assert.equal(add('2000-01-01', '6 months'), '2000-07-01');
  assert.equal(add('2000-11-01', '6 months'), '2001-05-01');
  assert.equal(add('2000-01-01', '3 days'), '2000-01-04');
  assert.equal(add('2000-01-01', '3 weeks'), '2000-01-22');
  assert.equal(add('2000-02-01', '5 weeks'), '2000-03-07');
  assert.equal(add('2001-02-01', '5 weeks'), '2001-03-08');
  assert.equal(add('2000-01-15', '- 4 days'), '2000-01-11');
  assert.equal(add('2000-03-31', '6 months'), '2000-10-01');
  assert.equal(add('2000-08-31', '6 months'), '2001-03-01');
  assert.equal(add('2000-01-31', '6 months - 4 days'), '2000-07-27');
  assert.equal(add('2000-02-29', '1 year'), '2001-03-01');
  assert.equal(add('2025-09-06', '3 months + 4 weeks'), '2026-01-03');
});

test('date parsing round-trips and rejects bad input', () => {
  for (const d of ['1900-03-01', '1970-01-01', '2024-02-29', '2099-12-31']) assert.equal(formatDate(parseDate(d)), d);
  assert.equal(formatDate(parseDate('20250701')), '2025-07-01');
  assert.equal(formatDate(parseDate('01/01/1980')), '1980-01-01');
  assert.throws(() => parseDate('2023-02-29'), /invalid date/);
  assert.throws(() => parseOffset('soon'), /invalid CDSi offset/);
  assert.equal(parseOffset(''), undefined);
});
