// The adapter: validity and forecast come from the engine it is given (by default the registry's CDSi engine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateWithCdsi, minimalCdsi, withCdsi, type CdsiEngine } from './with-cdsi.ts';
import { loadPack } from './pack.ts';
import { EvaluationInputError } from './evaluate.ts';

const pack = loadPack('MA-2025-2026');
const dob = '2020-03-15';
const base = { pack, asOf: '2025-10-01', student: { dob, grade: 'K' } };

test('the stand-in judges minimum age with the 4-day grace, per antigen of the product', () => {
  const r = minimalCdsi(pack)({ dob }, [{ date: '2021-03-11', cvx: '94' }, { date: '2021-03-10', cvx: '03' }, { date: '2020-04-26', cvx: '110' }], '2025-10-01');
  assert.deepEqual(r.doses[0], { Measles: true, Mumps: true, Rubella: true, Varicella: true });
  assert.deepEqual(r.doses[1], { Measles: false, Mumps: false, Rubella: false });
  assert.equal(r.doses[2].Diphtheria, true); // 6 weeks less 4 days
  assert.equal(r.doses[2].HepB, true);
});

test('an engine verdict decides; validity the caller supplied is kept; the forecast flows through', () => {
  const calls: number[] = [];
  const engine: CdsiEngine = (_p, doses) => {
    calls.push(doses.length);
    return { doses: doses.map((d) => ({ Measles: d.date !== '2024-04-01', Mumps: true, Rubella: true })), forecast: { Measles: { earliest: '2025-10-20', pastDue: '2026-01-01' } } };
  };
  const input = { ...base, doses: [{ date: '2021-03-15', cvx: '03' }, { date: '2024-04-01', cvx: '03' }, { date: '2024-05-01', cvx: '03', validFor: { Measles: false } }] };
  const filled = withCdsi(input, engine);
  assert.deepEqual(filled.doses.map((d) => d.validFor?.Measles), [true, false, false]);
  const ev = evaluateWithCdsi(input, engine);
  const mmr = ev.vaccines.find((v) => v.vaccine === 'MMR')!;
  assert.equal(mmr.counted.length, 1);
  assert.equal(mmr.status, 'in process');
  assert.equal(mmr.earliestNextDose, '2025-10-20');
  // The dose declared not valid is not sent to the engine.
  assert.deepEqual(calls, [2, 2]);
});

test('bad input is rejected before the engine runs', () => {
  let ran = false;
  const engine: CdsiEngine = () => { ran = true; return { doses: [], forecast: {} }; };
  assert.throws(() => evaluateWithCdsi({ ...base, doses: [{ date: 'yesterday', cvx: '03' }] }, engine), EvaluationInputError);
  assert.equal(ran, false);
});
