import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { freshDatabase, sharedDir } from '../../test/support/postgres.ts';
import { loadVaccinations } from '../registry/patients.ts';
import { buildRspZ42 } from '../hl7v2/rsp.ts';
import { loadSchedule } from './index.ts';
import { engineInputForPatient, forecastForPatient, PatientNotFoundError, toEvaluatedHistoryAndForecast } from './registry-forecast.ts';

const schedule = loadSchedule(path.join(sharedDir(), 'cdsi', 'supporting-data-4.64'));
const db = await freshDatabase();
after(() => db.close());

const q = async (sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows;
const [patient] = await q(`INSERT INTO patient (family_name, given_name, birth_date, sex) VALUES ('Okafor', 'Ada', '2025-01-01', 'F') RETURNING id`);
const pid = Number(patient.id);
const dose = async (date: string, cvx: string, extra: Record<string, unknown> = {}) => {
  const cols = ['patient_id', 'administered_date', 'cvx', ...Object.keys(extra)];
  const vals = [pid, date, cvx, ...Object.values(extra)];
  return Number((await q(`INSERT INTO vaccination (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`, vals))[0].id);
};
const hepb1 = await dose('2025-01-01', '08', { completion_status: 'CP' });
const hepb2 = await dose('2025-03-01', '08');
await dose('2025-03-01', '08', { deleted: true }); // deleted: never counts
await dose('2025-03-02', '08', { consolidated_into: hepb2 }); // a de-duplicated copy of dose 2
await dose('2025-05-01', '08', { completion_status: 'RE' }); // refused
await dose('2025-05-01', '20', { completion_status: 'NA' }); // not administered
const dtap1 = await dose('2025-03-01', '20');
await dose('2030-01-01', '20'); // after the assessment date
await q(`INSERT INTO observation (patient_id, kind, code, cdsi_code, observed_date) VALUES ($1, 'condition', 'X', '023', '2025-02-01'), ($1, 'other', 'Y', NULL, NULL)`, [pid]);

test('only doses that count are read: not deleted, not consolidated, not refused or not administered', async () => {
  const input = await engineInputForPatient(db.pool, pid, '2025-06-01');
  assert.deepEqual(input.doses.map((d) => [d.id, d.date, d.cvx]), [[String(hepb1), '2025-01-01', '08'], [String(hepb2), '2025-03-01', '08'], [String(dtap1), '2025-03-01', '20']]);
  assert.deepEqual(input.observations, [{ code: '023', date: '2025-02-01' }]);
  assert.deepEqual(input.patient, { birthDate: '2025-01-01', gender: 'F' });
  assert.equal(input.assessmentDate, '2025-06-01');
});

test('a merged patient is forecast on the surviving record; an unknown patient is an error', async () => {
  const [m] = await q(`INSERT INTO patient (birth_date, sex, status, merged_into) VALUES ('2025-01-01', 'F', 'merged', $1) RETURNING id`, [pid]);
  assert.equal((await engineInputForPatient(db.pool, Number(m.id), '2025-06-01')).doses.length, 3);
  await assert.rejects(engineInputForPatient(db.pool, 999999, '2025-06-01'), PatientNotFoundError);
});

test('forecastForPatient evaluates the stored doses and names the schedule version', async () => {
  const r = await forecastForPatient(db.pool, schedule, pid, '2025-06-01');
  assert.equal(r.scheduleVersion, '4.64');
  assert.equal(r.assessmentDate, '2025-06-01');
  const hepb = r.antigens.find((a) => a.antigen === 'HepB')!;
  assert.deepEqual(hepb.evaluations.map((e) => [e.id, e.status]), [[String(hepb1), 'valid'], [String(hepb2), 'valid']]);
  const g = r.vaccineGroups.find((x) => x.vaccineGroup === 'HepB')!;
  assert.equal(g.status, 'not_complete');
  assert.equal(g.forecast?.doseNumber, 3);
  // observation 023: laboratory evidence of varicella immunity
  assert.equal(r.vaccineGroups.find((x) => x.vaccineGroup === 'Varicella')!.status, 'immune');
});

test('toEvaluatedHistoryAndForecast lines evaluations up with the vaccinations given to buildRspZ42', async () => {
  const today = '2025-06-01';
  const r = await forecastForPatient(db.pool, schedule, pid, today);
  const vaccinations = await loadVaccinations(db.pool, pid); // includes RE/NA rows: they get no evaluation
  const data = toEvaluatedHistoryAndForecast(r, vaccinations, schedule);
  assert.equal(data.evaluations.length, vaccinations.length);
  const byId = new Map(vaccinations.map((v, i) => [v.id, data.evaluations[i]!]));
  assert.deepEqual(byId.get(hepb1)!.map((e) => [e.vaccineTypeCvx, e.valid, e.doseNumber]), [['45', true, 1]]);
  assert.deepEqual(byId.get(hepb2)!.map((e) => [e.vaccineTypeCvx, e.valid, e.doseNumber]), [['45', true, 2]]);
  assert.deepEqual(byId.get(dtap1)!.map((e) => e.vaccineTypeCvx), ['107']);
  for (const v of vaccinations) if (v.completionStatus === 'RE' || v.completionStatus === 'NA') assert.deepEqual(byId.get(v.id), []);
  const hepbF = data.forecasts.find((f) => f.vaccineTypeCvx === '45')!;
  assert.equal(hepbF.seriesStatus, 'Not complete');
  assert.equal(hepbF.nextDoseNumber, 3);
  assert.ok(hepbF.earliest && hepbF.due);
  assert.match(data.schedule!.text, /4\.64/);
  // without ids the doses are matched by date and CVX
  const plain = vaccinations.map(({ id: _id, ...v }) => v);
  assert.deepEqual(toEvaluatedHistoryAndForecast(r, plain, schedule).evaluations, data.evaluations);
  const er7 = buildRspZ42({ request: undefined, now: new Date('2025-06-01T12:00:00Z'), controlId: 'T1' }, { patient: { identifiers: [], name: { family: 'Okafor', given: 'Ada' }, aliases: [], guardians: [], birthDate: '2025-01-01', sex: 'F' } }, vaccinations, data);
  assert.match(er7, /OBX\|\d+\|DT\|30981-5\^Earliest date to give/);
  assert.match(er7, /OBX\|\d+\|ID\|59781-5\^Dose validity\^LN\|\d+\|Y/);
});
