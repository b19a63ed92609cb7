import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildSchedule, parseAntigenXml } from './schedule.ts';
import { evaluateAndForecast, loadSchedule } from './index.ts';

const dir = process.env.IIS_CDSI_DIR || path.resolve(import.meta.dirname, '../../../shared/cdsi/supporting-data-4.64');

test('malformed supporting data names the file and the element', () => {
  assert.throws(() => parseAntigenXml('AntigenSupportingData-X.xml', '<antigenSupportingData><series><seriesName>S</seriesName></series></antigenSupportingData>'),
    /AntigenSupportingData-X\.xml: <series> 'S': missing <targetDisease>/);
  assert.throws(() => parseAntigenXml('A.xml', '<antigenSupportingData><series><seriesName>S</seriesName><targetDisease>HepB</targetDisease><selectSeries><defaultSeries>Yes</defaultSeries></selectSeries>'
    + '<seriesDose><doseNumber>Dose 1</doseNumber><age><minAge>six weeks</minAge></age></seriesDose></series></antigenSupportingData>'),
    /A\.xml: <series> 'S' <seriesDose> 'Dose 1' <minAge>: invalid CDSi offset 'six weeks'/);
  assert.throws(() => buildSchedule('x', '<somethingElse/>', {}), /ScheduleSupportingData\.xml: missing <scheduleSupportingData> root element/);
});

test('the engine is pure: same input, same output, and the assessment date is the only clock', { skip: !fs.existsSync(dir) }, () => {
  const schedule = loadSchedule(dir);
  const input = { patient: { birthDate: '2025-01-15', gender: 'F' }, doses: [{ date: '2025-03-15', cvx: '110' }, { date: '2025-05-20', cvx: '110' }], assessmentDate: '2025-06-01' };
  const a = evaluateAndForecast(input, schedule), b = evaluateAndForecast(input, schedule);
  assert.deepEqual(a, b);
  const dtap = a.vaccineGroups.find((g) => g.vaccineGroup === 'DTaP/Tdap/Td')!;
  assert.equal(dtap.status, 'not_complete');
  assert.equal(dtap.forecast?.doseNumber, 3);
  assert.equal(dtap.forecast?.earliestDate, '2025-06-17'); // 4 weeks after dose 2
  assert.ok(dtap.forecast!.explanation.includes('minimum interval 4 weeks'));
  assert.deepEqual(dtap.doses.map((d) => d.status), ['valid', 'valid']);
  // a later assessment date moves nothing but the date-dependent parts
  const later = evaluateAndForecast({ ...input, assessmentDate: '2025-09-01' }, schedule);
  assert.equal(later.vaccineGroups.find((g) => g.vaccineGroup === 'DTaP/Tdap/Td')!.forecast?.earliestDate, '2025-06-17');
  assert.equal(later.scheduleVersion, '4.64');
});
