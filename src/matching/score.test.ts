import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scorePair, jaroWinkler, isPlaceholderName, bestScoreIfBirthDateDisagrees, POSSIBLE_THRESHOLD, type MatchPerson } from './score.ts';
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

test('no patient whose birth date disagrees scores above bestScoreIfBirthDateDisagrees (the bound that prunes candidates)', () => {
  // Random records built from the fields of `base` and its variants, each field present or not: for every pair whose
  // birth dates the scorer rates 'disagree', the score never exceeds the first record's bound, and the bound is reached.
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pools: Partial<Record<keyof MatchPerson, unknown[]>> = {
    given: ['Robert', 'Bob', 'Roberta', 'James', 'Baby Boy'], middle: ['James', 'J', 'Robert'], family: ['Larssen', 'Larsen', 'Larssen-Otter', 'Robert'],
    suffix: ['Jr', 'Sr'], sex: ['M', 'F', 'U'], motherMaidenName: ['Olsen', 'Olson', 'Berg'],
    guardians: [[{ given: 'Karen', family: 'Larssen' }], [{ given: 'Karin' }], [{ family: 'Larssen' }]],
    street: ['52 Williamson Cir', '52 Williamson Circle', '1 Main St'], city: ['Lansing', 'Boston'], zip: ['48909', '02118'],
    phone: ['(906)389-8576', '9063898577', '6175550000'], email: ['a@b.org', 'a@c.org'],
    identifiers: [[{ value: '657680344', type: 'SS' }], [{ value: 'A100', authority: 'MYEHR', type: 'MR' }], [{ value: 'M77', type: 'MA' }],
      [{ value: '657680344', type: 'SS' }, { value: 'A100', authority: 'MYEHR', type: 'MR' }, { value: 'M77', type: 'MA' }]],
    aliases: [[{ given: 'Bobby', family: 'Larssen' }], [{ family: 'Otter' }]],
  };
  const person = (birthDate: string): MatchPerson => {
    const p: MatchPerson = { birthDate };
    for (const [k, vs] of Object.entries(pools)) if (rand() < 0.6) (p as Record<string, unknown>)[k] = vs![Math.floor(rand() * vs!.length)];
    return p;
  };
  let checked = 0, reached = 0;
  for (let i = 0; i < 4000; i++) {
    const a = person('2019-03-07'), b = person(rand() < 0.5 ? '2011-09-23' : '2019-03-07');
    const r = scorePair(a, b);
    if (!r.reasons.some((x) => x.startsWith('birthDate:disagree'))) continue;
    checked++;
    const bound = bestScoreIfBirthDateDisagrees(a);
    assert.ok(r.score <= bound + 1e-9, `${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${r.score} > ${bound}`);
    if (Math.abs(r.score - bound) < 1e-9) reached++;
  }
  assert.ok(checked > 1000, `${checked} pairs checked`);
  assert.ok(reached > 0, 'the bound is tight for some pair');
  // The record a sparse query carries can never be listed beside such a patient; a fuller one can.
  assert.ok(bestScoreIfBirthDateDisagrees({ given: 'Ann', family: 'Lee', birthDate: '2019-03-07', sex: 'F' }) < POSSIBLE_THRESHOLD);
  assert.ok(bestScoreIfBirthDateDisagrees(base) >= POSSIBLE_THRESHOLD);
});
