// The evaluator against an invented pack (not Massachusetts-shaped): its own grades, a vaccine MA does
// not require (hepatitis A), no grace period, an interval rule, in process until the past-due date,
// and a different set of exemptions and status precedence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateStudent, EvaluationInputError, type EvaluationInput } from './evaluate.ts';
import { parsePack, PackError, loadPack, listPacks, packJsonSchema } from './pack.ts';
import { addDuration } from './dates.ts';

const northland = parsePack({
  id: 'NL-2026-2027', jurisdiction: 'Northland (fictional)', title: 'Northland school entry requirements 2026-2027',
  schoolYear: { label: '2026-2027', start: '2026-08-15', end: '2027-08-14' },
  sources: [{ title: 'Invented for tests' }],
  gracePeriodDays: 0,
  inProcessUntil: 'pastDue',
  exemptions: [
    { type: 'medical', label: 'Medical', perVaccine: true, renewal: 'none', permanentAllowed: true },
    { type: 'conscience', label: 'Statement of conscience', perVaccine: false, renewal: 'schoolYear' },
  ],
  statusPrecedence: ['not compliant', 'in process', 'exempt', 'compliant'],
  levels: [
    { id: 'junior', name: 'Junior school', grades: ['J1', 'J2', 'J3'], requirements: [
      { vaccine: 'HepA', name: 'Hepatitis A', antigens: ['HepA'], products: ['83', '85'],
        paths: [{ id: 'two', label: '2 doses from 12 months, 6 months apart', steps: [{ doses: 2, conditions: [{ dose: 'each', minAge: '12m' }, { dose: 2, minIntervalFromPreviousCounted: '6m' }] }] }] },
      { vaccine: 'Measles', name: 'Measles', antigens: ['Measles'], products: ['03', '94'],
        paths: [{ id: 'one', label: '1 dose on or after the 1st birthday', steps: [{ doses: 1, conditions: [{ dose: 1, minAge: '12m' }] }] }] },
    ] },
    { id: 'senior', name: 'Senior school', grades: ['S1', 'S2'], requirements: [
      { vaccine: 'HPV', name: 'HPV', antigens: ['HPV'], products: ['165'], appliesWhen: { minAge: '11y' },
        paths: [{ id: 'two', label: '2 doses, 5 months apart', steps: [{ doses: 2, conditions: [{ dose: 2, minIntervalFromPrevious: '5m' }] }] }] },
    ] },
  ],
});

const dob = '2020-06-10';
const input = (over: Partial<EvaluationInput>): EvaluationInput => ({ pack: northland, asOf: '2026-09-01', student: { dob, grade: 'J1' }, doses: [], ...over });
const hepa = (e: ReturnType<typeof evaluateStudent>) => e.vaccines.find((v) => v.vaccine === 'HepA')!;

test('no grace period: the day before the 1st birthday does not count, the day of does', () => {
  const before = evaluateStudent(input({ doses: [{ date: '2021-06-09', cvx: '83' }, { date: '2022-06-10', cvx: '83' }, { date: '2021-06-09', cvx: '03' }] }));
  assert.equal(hepa(before).counted.length, 1);
  assert.match(hepa(before).notCounted[0].reason, /before age 12m/);
  assert.equal(before.vaccines.find((v) => v.vaccine === 'Measles')!.status, 'not compliant');
  const on = evaluateStudent(input({ doses: [{ date: '2021-06-10', cvx: '83' }, { date: '2021-12-10', cvx: '83' }, { date: '2021-06-10', cvx: '03' }] }));
  assert.equal(on.status, 'compliant');
  assert.deepEqual(hepa(on).counted.map((d) => d.date), ['2021-06-10', '2021-12-10']);
});

test('interval rule without grace: one day short does not count; earliest date is the exact interval', () => {
  const e = evaluateStudent(input({ asOf: '2022-01-20', doses: [{ date: '2021-07-01', cvx: '83' }, { date: '2021-12-31', cvx: '83' }, { date: '2021-07-01', cvx: '03' }] }));
  const h = hepa(e);
  assert.equal(h.counted.length, 1);
  assert.match(h.notCounted[0].reason, /less than 6m after the counted dose of 2021-07-01/);
  assert.equal(h.earliestNextDose, '2022-01-20');
  assert.equal(h.status, 'not compliant');
});

test('in process until the past-due date when the pack says so', () => {
  const doses = [{ date: '2026-06-01', cvx: '83' }, { date: '2021-07-01', cvx: '03' }];
  const e = evaluateStudent(input({ doses, forecast: { HepA: { earliest: '2026-12-01', pastDue: '2027-01-01' } } }));
  assert.equal(hepa(e).status, 'in process');
  assert.equal(hepa(e).earliestNextDose, '2026-12-01');
  assert.equal(e.status, 'in process');
  const late = evaluateStudent(input({ asOf: '2027-01-01', doses, forecast: { HepA: { earliest: '2026-12-01', pastDue: '2027-01-01' } } }));
  assert.equal(hepa(late).status, 'not compliant');
  // Between earliest and past due: still in process under 'pastDue' (would be not compliant under 'earliest').
  const mid = evaluateStudent(input({ asOf: '2026-12-15', doses, forecast: { HepA: { earliest: '2026-12-01', pastDue: '2027-01-01' } } }));
  assert.equal(hepa(mid).status, 'in process');
  const strict = evaluateStudent({ ...input({ asOf: '2026-12-15', doses, forecast: { HepA: { earliest: '2026-12-01', pastDue: '2027-01-01' } } }), pack: { ...northland, inProcessUntil: 'earliest' } });
  assert.equal(hepa(strict).status, 'not compliant');
});

test("the pack's own exemptions and precedence: in process outranks exempt here", () => {
  const e = evaluateStudent(input({
    doses: [{ date: '2026-06-01', cvx: '83' }],
    forecast: { HepA: { earliest: '2026-12-01', pastDue: '2027-01-01' } },
    exemptions: [{ type: 'medical', vaccine: 'Measles', permanent: true }],
  }));
  assert.equal(e.vaccines.find((v) => v.vaccine === 'Measles')!.status, 'exempt');
  assert.equal(e.status, 'in process');
  assert.deepEqual(e.exemptionTypes, ['medical']);
  const c = evaluateStudent(input({ exemptions: [{ type: 'conscience', date: '2026-08-20' }] }));
  assert.equal(c.status, 'exempt');
  const old = evaluateStudent(input({ exemptions: [{ type: 'conscience', date: '2026-08-14' }] }));
  assert.equal(old.status, 'not compliant');
  assert.ok(old.vaccines[0].notes.some((n) => /must be renewed/.test(n)));
});

test('age-limited requirement and other grades', () => {
  const s = (d: string) => evaluateStudent(input({ student: { dob: d, grade: 'S1' }, asOf: '2026-09-01' }));
  assert.equal(s('2015-09-02').vaccines.length, 0); // 10 years old: HPV not yet required
  assert.equal(s('2015-09-01').vaccines.length, 1); // 11th birthday today
  const ok = evaluateStudent(input({ student: { dob: '2014-01-01', grade: 'S2' }, doses: [{ date: '2025-01-01', cvx: '165' }, { date: '2025-06-01', cvx: '165' }] }));
  assert.equal(ok.status, 'compliant');
  assert.equal(ok.level.id, 'senior');
});

test('bad input gets specific errors, not a crash', () => {
  assert.throws(() => evaluateStudent(input({ asOf: '2026-02-30' })), /asOf must be a date/);
  assert.throws(() => evaluateStudent(input({ student: { dob, grade: 'K' } })), /grade "K" is not a grade of pack NL-2026-2027/);
  assert.throws(() => evaluateStudent(input({ exemptions: [{ type: 'religious' }] })), /not accepted by pack NL-2026-2027 \(accepted: medical, conscience\)/);
  assert.throws(() => evaluateStudent(input({ exemptions: [{ type: 'medical', vaccine: 'measles' }] })), /vaccine "measles" is not a vaccine of pack NL-2026-2027 \(vaccines: HepA, Measles, HPV\)/);
  try {
    evaluateStudent(input({ doses: [{ date: '2021-13-01', cvx: '83' }, { date: '2021-07-01', cvx: 'MMR' }, { date: '2019-01-01', cvx: '03' }] }));
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof EvaluationInputError);
    assert.equal(e.problems.length, 3);
    assert.match(e.problems[0], /doses\[0\]\.date/);
    assert.match(e.problems[1], /doses\[1\]\.cvx must be a CVX code/);
    assert.match(e.problems[2], /before the date of birth/);
  }
});

test('pack validation names the problem', () => {
  assert.throws(() => parsePack({ ...northland, gracePeriodDays: -1 }), (e: Error) => e instanceof PackError && /gracePeriodDays/.test(e.message));
  const bad = structuredClone(northland) as any;
  bad.levels[0].requirements[0].paths[0].steps[0].conditions[0].minAge = 'twelve months';
  assert.throws(() => parsePack(bad), /levels\.0\.requirements\.0\.paths\.0\.steps\.0\.conditions\.0\.minAge/);
  const dup = structuredClone(northland) as any;
  dup.levels[1].grades.push('J1');
  assert.throws(() => parsePack(dup), /grade J1 is in more than one level/);
  assert.throws(() => loadPack('XX-1999'), /unknown requirement pack "XX-1999" \(known: MA-2025-2026/);
  assert.throws(() => loadPack('../etc/passwd'), /unknown requirement pack/);
});

test('the Massachusetts pack loads, lists its confirm items, and has a JSON Schema', () => {
  assert.ok(listPacks().includes('MA-2025-2026'));
  const ma = loadPack('MA-2025-2026');
  assert.equal(ma.gracePeriodDays, 4);
  assert.ok(ma.confirm.some((c) => /10th birthday/.test(c)));
  assert.ok(ma.confirm.some((c) => /permanent/.test(c)));
  const schema = packJsonSchema() as any;
  assert.equal(schema.type, 'object');
  assert.ok(schema.properties.levels);
});

test('doses the engine judged not valid do not count, with the antigen named', () => {
  const e = evaluateStudent(input({ doses: [
    { date: '2021-07-01', cvx: '83', validFor: { HepA: false } },
    { date: '2022-01-05', cvx: '83', validFor: { HepA: true } },
    { date: '2022-08-01', cvx: '83', validFor: { HepA: true } },
    { date: '2021-07-01', cvx: '03', validFor: { Measles: true } },
  ] }));
  assert.equal(hepa(e).status, 'compliant');
  assert.match(hepa(e).notCounted[0].reason, /not valid under the CDSi evaluation for HepA/);
  assert.equal(addDuration(dob, '12m'), '2021-06-10');
});
