// Survey counts over real evaluations of the MA cases; the expected counts are derived from the cases'
// own expected statuses, not from the evaluator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runEvaluateRequest } from './cases.ts';
import { loadPack } from './pack.ts';
import { surveyCounts, surveyCsv, outbreakList, outbreakCsv, type SurveyEntry } from './survey.ts';

const cases = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../test/schools/cases-MA-2025-2026.json'), 'utf8'));
const entries: SurveyEntry[] = cases.map((c: any, i: number) => ({ studentId: `S${i}`, name: c.name, grade: c.student.grade, evaluation: runEvaluateRequest(c) }));

test('per grade and per vaccine counts match the cases', () => {
  const rows = surveyCounts(entries, ['K', '7', '11', 'college']);
  assert.deepEqual([...new Set(rows.map((r) => r.grade))], ['K', '7', '11', 'college']);
  for (const r of rows) {
    assert.equal(r.enrolled, r.compliant + r.inProcess + r.medicalExemption + r.religiousExemption + r.otherExemption + r.notCompliant);
    const inGrade = cases.filter((c: any) => c.student.grade === r.grade);
    if (r.vaccine === 'ALL') {
      assert.equal(r.enrolled, inGrade.length);
      assert.equal(r.compliant, inGrade.filter((c: any) => c.expected.status === 'compliant').length);
      assert.equal(r.notCompliant, inGrade.filter((c: any) => c.expected.status === 'not compliant').length);
      assert.equal(r.inProcess, inGrade.filter((c: any) => c.expected.status === 'in process').length);
    } else {
      const withV = inGrade.filter((c: any) => r.vaccine in c.expected.vaccines);
      assert.equal(r.enrolled, withV.length, `${r.grade} ${r.vaccine}`);
      assert.equal(r.compliant, withV.filter((c: any) => c.expected.vaccines[r.vaccine] === 'compliant').length);
      const exempt = withV.filter((c: any) => c.expected.vaccines[r.vaccine] === 'exempt');
      assert.equal(r.medicalExemption + r.religiousExemption + r.otherExemption, exempt.length);
    }
  }
  const kAll = rows.find((r) => r.grade === 'K' && r.vaccine === 'ALL')!;
  const kReligious = cases.filter((c: any) => c.student.grade === 'K' && c.expected.status === 'exempt' && c.exemptions.some((e: any) => e.type === 'religious')).length;
  assert.equal(kAll.religiousExemption, kReligious);
  assert.ok(kAll.medicalExemption > 0 && kAll.religiousExemption > 0);
  const collegeMen = rows.find((r) => r.grade === 'college' && r.vaccine === 'MenACWY')!;
  assert.equal(collegeMen.otherExemption, 1); // the signed waiver
  const csv = surveyCsv(rows);
  assert.match(csv.split('\r\n')[0], /^grade,vaccine,enrolled,compliant,in_process,medical_exemption,religious_exemption,other_exemption,not_compliant$/);
  assert.equal(csv.trim().split('\r\n').length, rows.length + 1);
});

test('outbreak list: every student not immune, exempt ones included with the reason', () => {
  const list = outbreakList(entries, 'Measles');
  const expected = cases.map((c: any, i: number) => ({ i, s: c.expected.vaccines.MMR })).filter((x: any) => x.s && x.s !== 'compliant');
  assert.equal(list.length, expected.length);
  assert.ok(list.some((e) => e.status === 'exempt' && /^exempt: Medical exemption/.test(e.reason)));
  assert.ok(list.some((e) => e.status === 'exempt' && /^exempt: Religious exemption/.test(e.reason)));
  assert.ok(list.some((e) => e.status === 'in process'));
  assert.ok(list.every((e) => e.vaccine === 'MMR'));
  assert.match(outbreakCsv(list), /^student_id,name,grade,vaccine,status,reason,exclude_from,exclude_through\r\n/);
  assert.equal(list[0].excludeFrom, undefined);
  const pack = loadPack('MA-2025-2026');
  const chickenpox = outbreakList(entries, 'varicella', { exposureDate: '2025-10-06', exclusions: pack.outbreakExclusions });
  assert.ok(chickenpox.length > 0);
  assert.ok(chickenpox.every((e) => e.excludeFrom === '2025-10-16' && e.excludeThrough === '2025-10-27'));
  assert.throws(() => outbreakList(entries, 'scurvy'), /unknown disease "scurvy"/);
  const pertussis = outbreakList(entries, 'pertussis');
  assert.ok(pertussis.some((e) => e.vaccine === 'Tdap') && pertussis.some((e) => e.vaccine === 'DTaP'));
});
