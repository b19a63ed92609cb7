// Renders a sample certificate and parent letter to test-results/ (PDF + PNG via pdftoppm when
// installed), for looking at the layout.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { certificateCode } from '../src/documents/verification.ts';
import { renderCertificate, renderParentLetter } from '../src/documents/certificate.ts';
import { certificateFromEvaluation, letterFromEvaluation } from '../src/documents/from-evaluation.ts';
import { evaluateWithCdsi } from '../src/schools/with-cdsi.ts';
import { loadPack } from '../src/schools/pack.ts';

const out = path.resolve(import.meta.dirname, '../test-results');
fs.mkdirSync(out, { recursive: true });
const pack = loadPack('MA-2025-2026');
const dob = '2020-03-15';
const doses = [
  { date: '2020-03-15', cvx: '08', historical: true }, { date: '2020-05-15', cvx: '110' }, { date: '2020-07-15', cvx: '110' },
  { date: '2020-09-15', cvx: '110' }, { date: '2021-06-15', cvx: '20' }, { date: '2024-04-15', cvx: '130' },
  { date: '2021-03-15', cvx: '21', historical: true }, { date: '2025-09-20', cvx: '03' },
];
const student = { firstName: 'Avery', middleName: 'J.', lastName: 'Quinlan', dob, sex: 'F', studentId: 'S-1042', school: 'Maple Street School', grade: 'K' };
const evaluation = evaluateWithCdsi({ pack, asOf: '2025-10-01', student: { dob, grade: 'K' }, doses, observations: [{ code: '024' }] });
const cert = certificateFromEvaluation({ registryName: 'Open IIS demonstration registry', reportDate: '2025-10-01', student, pack, evaluation, doses });
const code = certificateCode(cert, 'sample-key-not-secret-0123456789');
fs.writeFileSync(path.join(out, 'certificate-sample.pdf'), await renderCertificate(cert, { code, url: `http://127.0.0.1:18600/verify/${code}` }));
const letterEval = evaluateWithCdsi({ pack, asOf: '2025-10-01', student: { dob, grade: 'K' }, doses });
fs.writeFileSync(path.join(out, 'letter-sample.pdf'), await renderParentLetter(letterFromEvaluation({ registryName: 'Open IIS demonstration registry', date: '2025-10-01', student, guardianName: 'Jordan Quinlan', pack, evaluation: letterEval })));
for (const f of ['certificate-sample', 'letter-sample']) {
  const r = spawnSync('pdftoppm', ['-png', '-r', '80', '-singlefile', path.join(out, `${f}.pdf`), path.join(out, f)]);
  console.log(r.error ? `${f}.pdf written (pdftoppm not installed: no PNG)` : `${f}.pdf and ${f}.png written in test-results/`);
}
