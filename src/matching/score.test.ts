import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scorePair, jaroWinkler, isPlaceholderName, type MatchPerson } from './score.ts';
import { areNicknames, nicknameGroupCount } from './nicknames.ts';

const base: MatchPerson = {
  given: 'Robert', middle: 'James', family: 'Larssen', birthDate: '2019-03-07', sex: 'M',
  motherMaidenName: 'Olsen', guardians: [{ given: 'Karen', family: 'Larssen' }],
  street: '52 Williamson Cir', city: 'Lansing', zip: '48909', phone: '(906)389-8576',
  identifiers: [{ value: '657680344', type: 'SS' }, { value: 'A100', authority: 'MYEHR', type: 'MR' }],
};
const withChanges = (c: Partial<MatchPerson>): MatchPerson => ({ ...base, ...c });

test('identical records match, with reasons', () => {
  const r = scorePair(base, base);
  assert.equal(r.outcome, 'match');
  assert.ok(r.reasons.some((x) => x.startsWith('birthDate:exact')));
});

test('nickname and name with accents still match', () => {
  assert.equal(scorePair(base, withChanges({ given: 'Bob' })).outcome, 'match');
  assert.equal(scorePair(base, withChanges({ family: 'Lârssen' })).outcome, 'match');
});

test('different people sharing only a surname are not a match', () => {
  const other = withChanges({ given: 'Maria', middle: 'Ann', birthDate: '2015-10-20', sex: 'F', identifiers: [], phone: '5551234567', street: '1 Elm St', zip: '49000' });
  assert.equal(scorePair(base, other).outcome, 'new');
});

test('twin protection: same birth date and surname, different first name is never an automatic match', () => {
  const twin = withChanges({ given: 'Richard', birthOrder: 2, multipleBirth: true });
  const r = scorePair(withChanges({ birthOrder: 1, multipleBirth: true }), twin);
  assert.notEqual(r.outcome, 'match');
  assert.ok(r.reasons.some((x) => x.startsWith('rule:')));
  // Even with everything else identical (same address, phone, guardian), the first names decide.
  assert.notEqual(scorePair(base, withChanges({ given: 'Richard' })).outcome, 'match');
});

test('different birth order on the same birth date is not the same person', () => {
  const r = scorePair(withChanges({ birthOrder: 1, given: 'Twin A' }), withChanges({ birthOrder: 2, given: 'Twin B' }));
  assert.notEqual(r.outcome, 'match');
});

test('placeholder names are never an automatic match', () => {
  assert.ok(isPlaceholderName('BABY BOY'));
  assert.ok(isPlaceholderName('newborn'));
  assert.ok(!isPlaceholderName('Bobby'));
  const r = scorePair(withChanges({ given: 'BABY BOY' }), withChanges({ given: 'Baby Boy' }));
  assert.notEqual(r.outcome, 'match');
  assert.ok(r.reasons.includes('rule:placeholderName'));
});

test('birth date typos: swapped day/month and off by one are possible, not automatic', () => {
  assert.equal(scorePair(base, withChanges({ birthDate: '2019-07-03' })).outcome, 'possible');
  assert.equal(scorePair(base, withChanges({ birthDate: '2019-03-08' })).outcome, 'possible');
  assert.equal(scorePair(base, withChanges({ birthDate: '2018-03-07' })).outcome, 'possible');
});

test('conflicting SSN and different sex take away the automatic match', () => {
  assert.equal(scorePair(base, withChanges({ identifiers: [{ value: '111223333', type: 'SS' }] })).outcome, 'possible');
  assert.equal(scorePair(base, withChanges({ sex: 'F' })).outcome, 'possible');
});

test('hyphenated surname and suffix in the surname field', () => {
  assert.equal(scorePair(base, withChanges({ family: 'Otterstrom-Larssen' })).outcome, 'match');
  const jr = scorePair(withChanges({ family: 'Larssen Jr' }), withChanges({ family: 'Larssen', suffix: 'Sr' }));
  assert.notEqual(jr.outcome, 'match');
});

test('name plus birth date alone is only a possible match', () => {
  const thin: MatchPerson = { given: 'Robert', family: 'Larssen', birthDate: '20190307', sex: 'M' };
  assert.equal(scorePair(thin, thin).outcome, 'possible');
});

test('string helpers', () => {
  assert.ok(jaroWinkler('MARTHA', 'MARHTA') > 0.95);
  assert.equal(jaroWinkler('ABC', 'XYZ'), 0);
  assert.ok(areNicknames('William', 'Bill'));
  assert.ok(areNicknames('liam', 'WILL'));
  assert.ok(!areNicknames('William', 'Robert'));
  assert.ok(nicknameGroupCount >= 200);
});

test('empty and malformed records never crash and never match', () => {
  assert.equal(scorePair({}, {}).outcome, 'new');
  const junk: MatchPerson = { given: '!!!', family: '   ', birthDate: 'not-a-date', sex: '?', phone: '()', identifiers: [{ value: '  ' }], zip: 'abc' };
  assert.equal(scorePair(junk, junk).outcome, 'new');
  assert.equal(scorePair(base, junk).outcome, 'new');
});

test('first/last swapped and middle name used as first name are possible, not automatic', () => {
  const swapped = scorePair(base, withChanges({ given: 'Larssen', family: 'Robert' }));
  assert.ok(swapped.reasons.includes('given:swapped(+2)'));
  assert.notEqual(swapped.outcome, 'match');
  const middleFirst = scorePair(base, withChanges({ given: 'James', middle: 'Robert' }));
  assert.notEqual(middleFirst.outcome, 'match');
});

test('scoring is symmetric', () => {
  const variants: MatchPerson[] = [withChanges({ given: 'Bob' }), withChanges({ birthDate: '2019-07-03' }), withChanges({ family: 'Larssen-Otter', phone: undefined }), { given: 'Rob', family: 'Larsen', birthDate: '2019-03-07' }];
  for (const v of variants) {
    const x = scorePair(base, v), y = scorePair(v, base);
    assert.equal(x.score, y.score);
    assert.equal(x.outcome, y.outcome);
  }
});

test('placeholder identifiers (000000000, 123456789, UNKNOWN) count for nothing', () => {
  const thin: MatchPerson = { given: 'Ann', family: 'Lee', birthDate: '2019-03-07', sex: 'F' };
  for (const value of ['000000000', '999-99-9999', '123456789', 'unknown']) {
    const r = scorePair({ ...thin, identifiers: [{ value, type: 'SS' }] }, { ...thin, identifiers: [{ value, type: 'SS' }] });
    assert.equal(r.outcome, 'possible', value);
    assert.ok(!r.reasons.some((x) => x.startsWith('ssn')), value);
  }
});
