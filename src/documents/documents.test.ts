import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { certificateCode, normalizeCode, verifyCertificateCode, canonicalJson } from './verification.ts';
import { renderCertificate, renderParentLetter, longDate } from './certificate.ts';
import { certificateFromEvaluation, letterFromEvaluation } from './from-evaluation.ts';
import { evaluateWithCdsi } from '../schools/with-cdsi.ts';
import { loadPack } from '../schools/pack.ts';

const KEY = 'test-key-0123456789abcdef';

test('verification code: stable, order-independent, tamper-evident, forgiving of how people type it', () => {
  const c = { a: 1, b: { y: [1, 2], x: 'z' } };
  const code = certificateCode(c, KEY);
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  assert.equal(certificateCode({ b: { x: 'z', y: [1, 2] }, a: 1 }, KEY), code);
  assert.notEqual(certificateCode({ ...c, a: 2 }, KEY), code);
  assert.notEqual(certificateCode(c, KEY + 'x'), code);
  assert.ok(verifyCertificateCode(c, code.toLowerCase().replace(/-/g, ' '), KEY));
  assert.ok(!verifyCertificateCode({ ...c, a: 2 }, code, KEY));
  assert.equal(normalizeCode('short'), undefined);
  assert.equal(canonicalJson({ b: undefined, a: null }), '{"a":null}');
  assert.throws(() => certificateCode(c, 'short'), /at least 16 bytes/);
});

const pack = loadPack('MA-2025-2026');
const dob = '2020-03-15';
const doses = [
  { date: '2020-03-15', cvx: '08', historical: true }, { date: '2020-05-15', cvx: '110' }, { date: '2020-07-15', cvx: '110' },
  { date: '2020-09-15', cvx: '110' }, { date: '2021-06-15', cvx: '20' }, { date: '2024-04-15', cvx: '130' },
  { date: '2021-03-15', cvx: '21' }, { date: '2025-09-20', cvx: '03' },
];
const student = { firstName: 'Avery', lastName: 'Quinlan', dob, sex: 'F', studentId: 'S-1042', school: 'Maple Street School', grade: 'K' };
const evaluation = evaluateWithCdsi({ pack, asOf: '2025-10-01', student: { dob, grade: 'K', sex: 'F' }, doses, observations: [], exemptions: [] });

function pdfText(buf: Buffer): string | undefined {
  if (spawnSync('pdftotext', ['-v']).error) return undefined;
  const f = path.join(os.tmpdir(), `schools-doc-${process.pid}-${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(f, buf);
  const r = spawnSync('pdftotext', ['-layout', f, '-'], { encoding: 'utf8' });
  fs.rmSync(f);
  return r.stdout;
}

test('certificate of immunization: every dose by type with month, day and year, historical vs administered, code', async () => {
  const data = certificateFromEvaluation({ registryName: 'Open IIS (test)', reportDate: '2025-10-01', student, pack, evaluation, doses });
  assert.deepEqual(data.vaccines.map((v) => [v.vaccine, v.doses.length]), [['HepB', 4], ['DTaP', 5], ['Polio', 4], ['MMR', 1], ['Varicella', 1]]);
  const code = certificateCode(data, KEY);
  const pdf = await renderCertificate(data, { code, url: `https://iis.example.org/verify/${code}` });
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const again = await renderCertificate(data, { code, url: `https://iis.example.org/verify/${code}` });
  assert.ok(pdf.equals(again), 'the same data renders the same bytes');
  const text = pdfText(pdf);
  if (text !== undefined) {
    assert.match(text, /Certificate of Immunization/);
    assert.match(text, /Avery Quinlan/);
    assert.match(text, /March 15, 2020\s+Historical/);
    assert.match(text, /DTaP-IPV \(Kinrix, Quadracel\)\s+April 15, 2024\s+Administered/);
    assert.ok(text.includes(`Verification code: ${code}`));
  }
});

test('parent letter lists what is missing and when it can be given', async () => {
  const data = letterFromEvaluation({ registryName: 'Open IIS (test)', date: '2025-10-01', student, guardianName: 'Jordan Quinlan', pack, evaluation });
  // Under CDSi the 2nd varicella dose waits 28 days after the MMR of 2025-09-20 (live virus conflict): in process.
  const varicella = data.items.find((i) => i.vaccine === 'Varicella')!;
  assert.equal(varicella.status, 'in process');
  assert.equal(varicella.earliest, '2025-10-18');
  const mmr = data.items.find((i) => i.vaccine === 'MMR')!;
  assert.equal(mmr.status, 'in process');
  assert.equal(mmr.earliest, '2025-10-18');
  const pdf = await renderParentLetter(data);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const text = pdfText(pdf);
  if (text !== undefined) {
    assert.match(text, /Dear Jordan Quinlan/);
    assert.match(text, /Measles, mumps, rubella \(MMR\): in process/);
    assert.ok(text.includes(`Can be given on or after ${longDate('2025-10-18')}`));
  }
});
