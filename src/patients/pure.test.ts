import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameTokens, parseBirthDate } from './search.ts';
import { groupStatus, toForecastView } from './forecast-view.ts';
import { categorize } from './observation-codes.ts';
import { foreignVaccines, lookupForeign, nameScore } from './vaccines.ts';

test('name tokens: "Family, Given", "Given Family", one word', () => {
  assert.deepEqual(nameTokens('Thompson, Katherine Ann'), { first: 'Thompson', second: 'Katherine', comma: true });
  assert.deepEqual(nameTokens('Katherine Ann Thompson'), { first: 'Katherine', second: 'Thompson', comma: false });
  assert.deepEqual(nameTokens("  O'Brien "), { first: "O'Brien", comma: false });
  assert.deepEqual(nameTokens('123'), { comma: false });
});

test('birth dates as people type them', () => {
  assert.equal(parseBirthDate('2024-03-05'), '2024-03-05');
  assert.equal(parseBirthDate('20240305'), '2024-03-05');
  assert.equal(parseBirthDate('3/5/2024'), '2024-03-05');
  assert.equal(parseBirthDate('05.03.2024'), '2024-03-05');
  assert.equal(parseBirthDate('March 5'), undefined);
});

test('vaccine group status in plain words', () => {
  const g = (status: string, forecast?: object) => ({ vaccineGroup: 'X', status, antigens: [], doses: [], forecast, explanation: '' }) as never;
  const f = { doseNumber: 2, earliestDate: '2025-01-01', recommendedDate: '2025-02-01', pastDueDate: '2025-03-01', vaccineTypes: [], explanation: '' };
  assert.equal(groupStatus(g('not_complete', f), '2024-12-31'), 'upcoming');
  assert.equal(groupStatus(g('not_complete', f), '2025-01-15'), 'upcoming');
  assert.equal(groupStatus(g('not_complete', f), '2025-02-01'), 'due');
  assert.equal(groupStatus(g('not_complete', f), '2025-03-01'), 'overdue');
  assert.equal(groupStatus(g('complete'), '2025-03-01'), 'complete');
  assert.equal(groupStatus(g('immune'), '2025-03-01'), 'immune');
  const v = toForecastView({ scheduleVersion: '4.64', assessmentDate: '2025-03-02', vaccineGroups: [g('complete'), g('not_complete', f)], antigens: [] }, '2025-03-02');
  assert.deepEqual(v.groups.map((x) => x.status), ['overdue', 'complete']);
  assert.equal(v.summary.overdue, 1);
});

test('observation categories from CDSi titles', () => {
  assert.equal(categorize('020', 'Laboratory Evidence of Immunity for Measles'), 'immunity');
  assert.equal(categorize('024', 'Healthcare provider verified history of or diagnosis of Varicella'), 'disease_history');
  assert.equal(categorize('025', 'Healthcare provider verified history or diagnosis of Herpes Zoster'), 'disease_history');
  assert.equal(categorize('083', 'Severe allergic reaction after previous dose of Rotavirus'), 'contraindication');
  assert.equal(categorize('007', 'Pregnant'), 'contraindication');
  assert.equal(categorize('160', 'Anatomical or functional asplenia'), 'condition');
});

test('foreign trade names: at least 40, each with CVX codes; typos tolerated', () => {
  const list = foreignVaccines();
  assert.ok(list.length >= 40);
  for (const v of list) assert.ok(v.cvx.length && v.cvx.every((c) => /^\d{2,3}$/.test(c)), v.tradeName);
  assert.equal(nameScore('Infanrix hexa', 'Infanrix hexa'), 1);
  assert.ok(nameScore('infanrx hexa', 'Infanrix hexa') > 0);
  assert.deepEqual(lookupForeign('Hexacima').map((m) => m.name), ['Hexaxim']);
  assert.deepEqual(lookupForeign('Boostrix Polio')[0].cvx.map((c) => c.code), ['115', '10']);
});
