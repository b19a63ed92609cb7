import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEr7 } from './er7.ts';
import { parseQbp } from './qbp.ts';
import { buildRspZ31, buildRspZ33 } from './rsp.ts';

const Z34 = 'MSH|^~\\&|EHR|CLINIC|IIS|STATE|20261125||QBP^Q11^QBP_Q11|Q-9|P|2.5.1|||ER|AL|||||Z34^CDCPHINVS\r' +
  'QPD|Z34^Request Immunization History^CDCPHINVS|TAG-9|MRN-7^^^MYEHR^MR~SSN^^^SSA^SS|Doe^Jane^Quinn^^^^L|Smith^Mary|20250115|F|12 Main St^^Lansing^MI^48901^USA^L|^PRN^PH^^^517^5551234|Y|2\r' +
  'RCP|I|10^RD&Records&HL70126|R^real-time^HL70394\r';
const now = new Date('2026-11-25T00:00:00Z');

test('Z34 query parameters', () => {
  const q = parseQbp(parseEr7(Z34));
  assert.deepEqual(q.findings.filter((f) => f.severity === 'E'), []);
  assert.equal(q.profile, 'Z34');
  assert.equal(q.queryTag, 'TAG-9');
  assert.equal(q.queryName, 'Z34^Request Immunization History^CDCPHINVS');
  assert.equal(q.quantityLimit, 10);
  assert.deepEqual(q.patient.identifiers, [{ value: 'MRN-7', authority: 'MYEHR', type: 'MR' }, { value: 'SSN', authority: 'SSA', type: 'SS' }]);
  assert.deepEqual(q.patient.name, { family: 'Doe', given: 'Jane', middle: 'Quinn', type: 'L' });
  assert.equal(q.patient.motherMaidenName, 'Smith');
  assert.equal(q.patient.birthDate, '2025-01-15');
  assert.equal(q.patient.sex, 'F');
  assert.equal(q.patient.address?.zip, '48901');
  assert.equal(q.patient.phone, '5175551234');
  assert.equal(q.patient.multipleBirth, 'Y');
  assert.equal(q.patient.birthOrder, 2);
});

test('Z44 is recognised; unsupported query names, missing parameters and wrong message types are findings', () => {
  assert.equal(parseQbp(parseEr7(Z34.replace('QPD|Z34^Request Immunization History', 'QPD|Z44^Request Evaluated History and Forecast'))).profile, 'Z44');
  assert.ok(parseQbp(parseEr7(Z34.replace('QPD|Z34', 'QPD|Z99'))).findings.some((f) => f.code === 'query.name.unsupported' && f.severity === 'E'));
  const noParams = parseQbp(parseEr7(Z34.replace(/QPD\|[^\r]*/, 'QPD|Z34^x^CDCPHINVS|T')));
  assert.ok(noParams.findings.some((f) => f.code === 'query.parameters.insufficient'));
  assert.ok(parseQbp(parseEr7(Z34.replace('QBP^Q11^QBP_Q11', 'VXU^V04'))).findings.some((f) => f.code === 'message.messageType.unsupported'));
  assert.ok(parseQbp(parseEr7(Z34.replace(/QPD\|[^\r]*\r/, ''))).findings.some((f) => f.code === 'query.qpd.missing'));
  assert.ok(parseQbp(parseEr7(Z34.replace('10^RD', 'ten^RD'))).findings.some((f) => f.code === 'query.quantityLimit.invalid'));
  assert.ok(parseQbp(parseEr7(Z34.replace('|20250115|', '|2025|'))).findings.some((f) => f.code === 'patient.birthDate.invalid'));
});

test('Z31 lists at most RCP-2 candidates; Z33 says NF or TM', () => {
  const req = parseEr7(Z34);
  const cand = (n: number) => ({ registryId: String(n), patient: { identifiers: [], name: { family: 'Doe', given: `J${n}` }, aliases: [], guardians: [], birthDate: '2025-01-15' } });
  const z31 = parseEr7(buildRspZ31({ request: req, now, controlId: 'R' }, [1, 2, 3, 4].map(cand), 3));
  assert.equal(z31.get('MSH', 21), 'Z31');
  assert.equal(z31.all('PID').length, 3);
  assert.deepEqual(z31.all('PID').map((p) => z31.get(p, 1)), ['1', '2', '3']);
  assert.equal(z31.get('MSA', 2), 'Q-9');
  const tm = parseEr7(buildRspZ33({ request: req, now, controlId: 'R' }, 'TM'));
  assert.equal(tm.get('QAK', 2), 'TM');
  assert.equal(tm.get('MSH', 21), 'Z33');
  assert.equal(tm.get('QPD', 3, 2, 1), 'SSN');
});

test('processQbpText: runnable query, AE for bad parameters, AR for envelope problems or non-HL7', async () => {
  const { processQbpText } = await import('./process.ts');
  const o = { now, responseControlId: 'R-1' };
  const ok = processQbpText(Z34, o);
  assert.equal(ok.rejection, undefined);
  assert.equal(ok.query?.profile, 'Z34');
  const ae = processQbpText(Z34.replace(/QPD\|[^\r]*/, 'QPD|Z34^x^CDCPHINVS|T'), o);
  const aeMsg = parseEr7(ae.rejection!);
  assert.equal(aeMsg.get('MSA', 1), 'AE');
  assert.equal(aeMsg.get('QAK', 2), 'AE');
  assert.ok(aeMsg.all('ERR').length >= 1);
  const ar = parseEr7(processQbpText(Z34.replace('|P|2.5.1|', '|X|2.5.1|'), o).rejection!);
  assert.equal(ar.get('MSA', 1), 'AR');
  assert.equal(ar.get('MSA', 2), 'Q-9');
  const junk = parseEr7(processQbpText('not hl7', o).rejection!);
  assert.equal(junk.get('MSA', 1), 'AR');
  assert.equal(junk.get('MSH', 9, 1, 1), 'RSP');
});
