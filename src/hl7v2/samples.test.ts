// Every shared sample message parses; every VXU and QBP maps without throwing; an ACK (or RSP) built for each
// re-parses as well-formed HL7 echoing the request's MSH-10 in MSA-2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { sharedDir } from '../../test/support/postgres.ts';
import { parseEr7 } from './er7.ts';
import { readHl7Dir, readIzGatewayMessages } from './samples.ts';
import { vxuToSubmission } from './vxu.ts';
import { parseQbp } from './qbp.ts';
import { buildAck, decideAckCode } from './ack.ts';
import { buildRspZ32, buildRspZ33, buildRspZ42 } from './rsp.ts';
import { checkSubmission } from '../quality/rules.ts';
import { parseAiraCodebase } from '../codes/codesets.ts';

const shared = sharedDir();
const codes = parseAiraCodebase(readFileSync(join(shared, 'hl7/aira-codebase/Compiled.xml'), 'utf8'));
const now = new Date('2026-11-25T10:00:00Z');

const iz = readIzGatewayMessages(join(shared, 'hl7/izgateway-v2tofhir/messages.txt'));
const open = readHl7Dir(join(shared, 'hl7/cdcgov-iis-open-tools'));
const all = [...iz.map((text, index) => ({ file: 'messages.txt', index, text })), ...open];

function wellFormed(text: string, requestControlId: string) {
  assert.ok(text.endsWith('\r'));
  const m = parseEr7(text);
  assert.equal(m.warnings.length, 0, m.warnings.join('; '));
  for (const s of m.segments) assert.match(s.name, /^[A-Z][A-Z0-9]{2}$/);
  assert.equal(m.get('MSA', 2), requestControlId);
  assert.match(m.get('MSA', 1), /^A[AER]$/);
  return m;
}

test('the sample files hold the expected number of messages', () => {
  assert.ok(iz.length >= 60, `messages.txt: ${iz.length}`);
  assert.ok(open.length >= 100, `open tools: ${open.length}`);
  // A continued MSH line joins into a complete header.
  const first = parseEr7(iz[0]);
  assert.equal(first.get('MSH', 9, 1, 1), 'RSP');
  assert.equal(first.get('MSH', 10), 'RESULT-01');
  assert.equal(first.get('MSH', 21), 'Z32');
});

test('every message parses; every VXU maps and is acknowledged; every QBP parses and gets an RSP', () => {
  let vxu = 0;
  let qbp = 0;
  for (const m of all) {
    const where = `${m.file}#${m.index}`;
    const msg = parseEr7(m.text);
    assert.ok(msg.segments.length >= 1, where);
    assert.equal(msg.segments[0].name, 'MSH', where);
    const type = msg.get('MSH', 9, 1, 1);
    const ctl = msg.get('MSH', 10);
    if (type === 'VXU') {
      vxu++;
      const { submission, findings } = vxuToSubmission(msg, 'file');
      const q = checkSubmission(submission, { today: '2026-11-25', codes });
      assert.equal(submission.controlId || '', ctl, where);
      assert.ok(submission.vaccinations.length + submission.observations.length >= 0);
      const all = [...findings, ...q];
      for (const f of all) {
        assert.ok(f.code && f.message && ['E', 'W', 'I'].includes(f.severity), `${where}: ${JSON.stringify(f)}`);
        if (f.location) assert.match(f.location, /^[A-Z][A-Z0-9]{2}\^\d+(\^\d+)*$/, `${where}: ${f.location}`);
      }
      const ack = buildAck({ request: msg, ackCode: decideAckCode(all), findings: all, controlId: `ACK-${m.index}`, now });
      const parsed = wellFormed(ack, ctl);
      assert.equal(parsed.all('ERR').length, all.length, where);
      assert.equal(parsed.get('MSH', 9, 1, 1), 'ACK');
      assert.equal(parsed.get('MSH', 21), 'Z23');
    } else if (type === 'QBP') {
      qbp++;
      const q = parseQbp(msg);
      const ack = buildAck({ request: msg, ackCode: decideAckCode(q.findings), findings: q.findings, controlId: 'R1', now, messageType: ['RSP', 'K11', 'RSP_K11'] });
      wellFormed(ack, ctl);
      const z33 = wellFormed(buildRspZ33({ request: msg, now, controlId: 'R2' }, 'NF'), ctl);
      assert.equal(z33.get('QAK', 2), 'NF');
      assert.equal(z33.get('QAK', 1), msg.get('QPD', 2));
      // The echoed QPD is byte-identical to the request's.
      assert.equal(z33.raw('QPD', 3), msg.raw('QPD', 3));
    } else {
      // Other message types are not ours to process, but an ACK (AR) must still be buildable.
      const ack = buildAck({ request: msg, ackCode: 'AR', findings: [], controlId: 'X', now });
      wellFormed(ack, ctl);
    }
  }
  assert.ok(vxu >= 140, `VXU: ${vxu}`);
  assert.ok(qbp >= 10, `QBP: ${qbp}`);
});

test('RSP Z32 and Z42 built from a mapped VXU re-parse and carry the history', () => {
  const text = open.find((m) => m.file.startsWith('Adult z22 New Covid'))!.text;
  const req = parseEr7('MSH|^~\\&|EHR|CLINIC|IIS|IIS|20261125||QBP^Q11^QBP_Q11|Q-1|P|2.5.1|||ER|AL|||||Z44^CDCPHINVS\rQPD|Z44^Request Evaluated History and Forecast^CDCPHINVS|TAG-1|123456^^^MYEHR^MR|Winchester^Dorothy|Bruno|19840615|F\rRCP|I|5^RD&Records&HL70126\r');
  const { submission } = vxuToSubmission(parseEr7(text), 'file');
  const z32 = wellFormed(buildRspZ32({ request: req, now, controlId: 'Z32-1' }, { patient: submission.patient, registryId: '42' }, submission.vaccinations), 'Q-1');
  assert.equal(z32.get('MSH', 21), 'Z32');
  assert.equal(z32.get('QAK', 1), 'TAG-1');
  assert.equal(z32.get('QAK', 2), 'OK');
  assert.equal(z32.get('PID', 3), '42');
  assert.equal(z32.get('PID', 5), 'Winchester');
  assert.equal(z32.all('RXA').length, submission.vaccinations.length);
  assert.equal(z32.get('RXA', 5), submission.vaccinations[0].cvx);
  const z42 = wellFormed(
    buildRspZ42({ request: req, now, controlId: 'Z42-1' }, { patient: submission.patient }, submission.vaccinations, {
      evaluations: submission.vaccinations.map(() => [{ vaccineTypeCvx: '213', vaccineTypeText: 'COVID-19', doseNumber: 1, valid: true }]),
      forecasts: [{ vaccineTypeCvx: '213', seriesStatus: 'Not complete', nextDoseNumber: 2, earliest: '2026-12-01', due: '2026-12-15', overdue: '2027-01-15' }],
    }),
    'Q-1',
  );
  const ids = z42.all('OBX').map((o) => z42.get(o, 3));
  for (const id of ['30956-7', '59779-9', '30973-2', '59781-5', '59783-1', '30981-5', '30980-7', '59778-1']) assert.ok(ids.includes(id), id);
  const due = z42.all('OBX').find((o) => z42.get(o, 3) === '30980-7')!;
  assert.equal(z42.get(due, 5), '20261215');
  assert.equal(z42.all('RXA').at(-1) && z42.get(z42.all('RXA').at(-1), 5), '998');
});
