import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../../test/support/postgres.ts';
import { parseAiraCodebase } from '../codes/codesets.ts';
import { parseCdsiObservations } from '../codes/cdsi-observations.ts';
import { parseEr7 } from './er7.ts';
import { vxuToSubmission } from './vxu.ts';
import { buildAck, decideAckCode } from './ack.ts';
import { processVxuText } from './process.ts';
import { TYPICAL_VXU } from './samples.ts';

const shared = sharedDir();
const codes = parseAiraCodebase(readFileSync(join(shared, 'hl7/aira-codebase/Compiled.xml'), 'utf8'));
const cdsi = parseCdsiObservations(readFileSync(join(shared, 'cdsi/supporting-data-4.64/ScheduleSupportingData.xml'), 'utf8'));
const now = new Date('2026-11-25T12:00:00Z');



test('a typical VXU maps to the canonical submission', () => {
  const { submission: s, findings } = vxuToSubmission(parseEr7(TYPICAL_VXU), 'mllp', { cdsiLookup: cdsi.lookup });
  assert.deepEqual(findings.filter((f) => f.severity === 'E'), []);
  assert.equal(s.channel, 'mllp');
  assert.equal(s.controlId, 'CTL-100');
  assert.equal(s.profile, 'Z22');
  assert.equal(s.sendingApplication, 'MYEHR');
  assert.equal(s.sendingFacility, 'CLINIC');
  const p = s.patient;
  assert.deepEqual(p.identifiers, [{ value: 'MRN-7', authority: 'MYEHR', type: 'MR' }]);
  assert.deepEqual(p.name, { family: 'Doe', given: 'Jane', middle: 'Quinn', type: 'L' });
  assert.equal(p.birthDate, '2025-01-15');
  assert.equal(p.sex, 'F');
  assert.deepEqual(p.race, ['2106-3']);
  assert.equal(p.ethnicity, '2186-5');
  assert.deepEqual(p.address, { street: '12 Main St', city: 'Lansing', state: 'MI', zip: '48901', country: 'USA', type: 'L', county: '26065' });
  assert.equal(p.phone, '5175551234');
  assert.equal(p.multipleBirth, 'N');
  assert.equal(p.birthOrder, 1);
  assert.equal(p.publicityCode, '02');
  assert.equal(p.protectionIndicator, 'N');
  assert.equal(p.registryStatus, 'A');
  assert.equal(p.guardians[0].relationship, 'MTH');
  assert.equal(p.guardians[0].name?.given, 'Mary');
  assert.equal(s.vaccinations.length, 5);
  const [given, hist, refused, immunity, deleted] = s.vaccinations;
  assert.equal(given.senderId, 'DOSE-1');
  assert.equal(given.cvx, '20');
  assert.equal(given.administeredDate, '2026-11-01');
  assert.equal(given.amount, 0.5);
  assert.equal(given.amountUnit, 'mL');
  assert.equal(given.historical, false);
  assert.equal(given.lotNumber, 'LOT123');
  assert.equal(given.expirationDate, '2027-12-31');
  assert.equal(given.mvx, 'SKB');
  assert.equal(given.route, 'C28161');
  assert.equal(given.site, 'LT');
  assert.equal(given.fundingEligibility, 'V02');
  assert.equal(given.administeringClinician?.family, 'Shot');
  assert.equal(given.enteredBy?.given, 'Ella');
  assert.deepEqual(given.vis, [{ cvx: '107', published: '2021-08-06', presented: '2026-11-01' }]);
  assert.equal(hist.historical, true);
  assert.equal(hist.informationSource, '01');
  assert.equal(refused.completionStatus, 'RE');
  assert.equal(refused.refusalReason, '00');
  assert.equal(immunity.cvx, '998');
  assert.equal(immunity.observations[0].kind, 'immunity');
  assert.equal(immunity.observations[0].code, '38907003');
  assert.equal(immunity.observations[0].date, '2026-01-01');
  // CDSi 'Evidence of immunity' for varicella, from ScheduleSupportingData's SNOMED cross references.
  assert.equal(immunity.observations[0].cdsiCode, cdsi.lookup('38907003', 'SNOMED'));
  assert.ok(immunity.observations[0].cdsiCode);
  assert.deepEqual(s.observations.map((o) => o.identifier), ['59784-9']);
  assert.equal(deleted.actionCode, 'D');
});

test('the typical VXU has no data-quality findings at all', () => {
  const r = processVxuText(TYPICAL_VXU, { channel: 'http', codes, today: '2026-11-25', now, ackControlId: 'x' });
  assert.deepEqual(r.findings.map((f) => `${f.code}: ${f.message}`), []);
  assert.equal(r.ackCode, 'AA');
});

test('structure findings carry HL7 locations and table 0357/0533 codes', () => {
  const bad = TYPICAL_VXU.replace('|20250115|F|', '|20251345|F|').replace('RXA|0|1|20261101||20^DTaP', 'RXA|0|1|2026||20^DTaP').replace('|0.5|mL', '|half|mL');
  const { findings } = vxuToSubmission(parseEr7(bad), 'http');
  const by = (c: string) => findings.find((f) => f.code === c)!;
  assert.equal(by('patient.birthDate.invalid').location, 'PID^1^7');
  assert.equal(by('patient.birthDate.invalid').hl7ErrorCode, '102');
  assert.equal(by('patient.birthDate.invalid').applicationErrorCode, '2');
  assert.deepEqual(by('vaccination.adminDate.invalid').scope, { kind: 'vaccination', index: 0 });
  assert.equal(by('vaccination.adminDate.invalid').location, 'RXA^1^3');
  assert.equal(by('vaccination.amount.invalid').location, 'RXA^1^6');
});

test('ACK: AA echoes MSH-10, one ERR per finding with location, 0357, severity, 0533, text', () => {
  const msg = parseEr7(TYPICAL_VXU.replace('|20261101||20^DTaP', '|20261101||20^DTaP').replace('|0.5|mL', '|half|mL'));
  const { findings } = vxuToSubmission(msg, 'http');
  const code = decideAckCode(findings);
  assert.equal(code, 'AA');
  const ack = parseEr7(buildAck({ request: msg, ackCode: code, findings, controlId: 'A-1', now, receivingApplication: 'IIS' }));
  assert.equal(ack.get('MSH', 3), 'IIS');
  assert.equal(ack.get('MSH', 5), 'MYEHR');
  assert.equal(ack.get('MSH', 6, 1, 2), '1.2.3');
  assert.equal(ack.get('MSH', 7), '20261125120000+0000');
  assert.equal(ack.get('MSH', 9), 'ACK');
  assert.equal(ack.get('MSH', 9, 1, 2), 'V04');
  assert.equal(ack.get('MSH', 10), 'A-1');
  assert.equal(ack.get('MSH', 21), 'Z23');
  assert.equal(ack.get('MSA', 1), 'AA');
  assert.equal(ack.get('MSA', 2), 'CTL-100');
  const errs = ack.all('ERR');
  assert.equal(errs.length, findings.length);
  const amt = errs.find((e) => ack.get(e, 2, 1, 1) === 'RXA' && ack.get(e, 2, 1, 3) === '6')!;
  assert.equal(ack.get(amt, 2, 1, 2), '1');
  assert.equal(ack.get(amt, 3), '102');
  assert.equal(ack.get(amt, 3, 1, 3), 'HL70357');
  assert.equal(ack.get(amt, 4), 'W');
  assert.equal(ack.get(amt, 5), '4');
  assert.match(ack.get(amt, 8), /half/);
});

test('ACK codes: AE for item errors, AR for envelope problems', () => {
  const { findings } = vxuToSubmission(parseEr7(TYPICAL_VXU.replace('|20261101||20^DTaP', '|||20^DTaP')), 'http');
  assert.equal(decideAckCode(findings), 'AA'); // structure alone: date missing is a quality rule
  const bad = processVxuText(TYPICAL_VXU.replace('|20261101||20^DTaP', '|||20^DTaP'), { channel: 'http', codes, today: '2026-11-25', now, ackControlId: 'x' });
  assert.equal(bad.ackCode, 'AE');
  assert.ok(bad.findings.some((f) => f.code === 'vaccination.adminDate.missing' && f.severity === 'E'));
  for (const [from, to, code] of [
    ['VXU^V04^VXU_V04', 'ADT^A01^ADT_A01', 'message.messageType.unsupported'],
    ['VXU^V04^VXU_V04', 'VXU^V99', 'message.triggerEvent.unsupported'],
    ['VXU^V04^VXU_V04', '', 'message.messageType.missing'],
    ['|P|2.5.1|', '|X|2.5.1|', 'message.processingId.unsupported'],
    ['|P|2.5.1|', '|P|3.0|', 'message.version.unsupported'],
    [/PID\|[^\r]*\r/, '', 'patient.segment.missing'],
  ] as [string | RegExp, string, string][]) {
    const r = processVxuText(TYPICAL_VXU.replace(from, to), { channel: 'http', codes, today: '2026-11-25', now, ackControlId: 'x' });
    assert.equal(r.ackCode, 'AR', code);
    assert.ok(r.findings.some((f) => f.code === code), code);
    assert.equal(r.submission, undefined);
    assert.equal(parseEr7(r.ack).get('MSA', 1), 'AR');
    assert.equal(parseEr7(r.ack).get('MSA', 2), 'CTL-100');
  }
});

test('hostile input never throws out of processVxuText / vxuToSubmission / buildAck', () => {
  const inputs = [
    '',
    '   ',
    Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 37) % 256)).toString('latin1'),
    'MSH',
    'MSH|',
    'MSH|^~\\&',
    'MSH|^~\\&|||||||||',
    'MSH|^~\\&|A|B|C|D|20261125||VXU^V04|||2.5.1',
    'MSH|^~\\&|A|B|C|D|20261125||VXU^V04|1|P|',
    'MSH|^~\\&|A|B|C|D|20261125||VXU^V04|1|P|2.5.1\rPID|1||' + 'Z'.repeat(300_000),
    'MSH|^^^^|A|B|C|D|20261125||VXU^V04|1|P|2.5.1\rPID|1||X',
    'MSH|^~\\&|A|B|C|D|20261125||QBP^Q11|1|P|2.5.1',
    'MSH|^~\\&|A|B|C|D|20261125||VXU^V04|1|P|2.5.1\rRXA\rRXA|||||\\\\\\\rOBX|||||\rORC\rRXR',
    TYPICAL_VXU.replace(/\|/g, '~'),
    TYPICAL_VXU.slice(0, 400),
    'MSH|^~\\&|A|B|C|D|20261125||VXU^V04|1|P|2.5.1\r' + 'RXA|0|1|20261101||20^x^CVX\r'.repeat(2000),
  ];
  for (const text of inputs) {
    const r = processVxuText(text, { channel: 'http', codes, today: '2026-11-25', now, ackControlId: 'H' });
    assert.ok(['AA', 'AE', 'AR'].includes(r.ackCode));
    const ack = parseEr7(r.ack);
    assert.equal(ack.get('MSH', 9), 'ACK');
    if (r.ackCode !== 'AA') assert.ok(r.findings.length > 0);
    try {
      const m = parseEr7(text);
      vxuToSubmission(m, 'http');
      buildAck({ request: m, ackCode: 'AE', findings: r.findings, controlId: 'H', now });
    } catch (e) {
      assert.equal((e as Error).name, 'Er7ParseError');
    }
  }
  assert.equal(processVxuText('', { channel: 'http', codes, today: '2026-11-25', now, ackControlId: 'H' }).ackCode, 'AR');
  assert.equal(processVxuText('MSH|^~\\&|A|B|C|D|20261125||VXU^V04|1|P|', { channel: 'http', codes, today: '2026-11-25', now, ackControlId: 'H' }).findings.some((f) => f.code === 'message.version.missing'), true);
});

test('Z32 built from the typical VXU carries refusals, deletes-as-sent, VIS, funding and immunity OBX', async () => {
  const { buildRspZ32 } = await import('./rsp.ts');
  const { submission: s } = vxuToSubmission(parseEr7(TYPICAL_VXU), 'http');
  const req = parseEr7('MSH|^~\\&|EHR|C|IIS|S|20261125||QBP^Q11^QBP_Q11|Q1|P|2.5.1|||||||||Z34^CDCPHINVS\rQPD|Z34^Request Immunization History^CDCPHINVS|T1|MRN-7^^^MYEHR^MR\r');
  const rsp = parseEr7(buildRspZ32({ request: req, now, controlId: 'R' }, { patient: s.patient, registryId: '9' }, s.vaccinations));
  const rxas = rsp.all('RXA');
  assert.equal(rxas.length, 5);
  assert.equal(rsp.get(rxas[2], 20), 'RE');
  assert.equal(rsp.get(rxas[2], 18), '00');
  assert.equal(rsp.get(rxas[1], 9), '01');
  const obx = rsp.all('OBX').map((o) => `${rsp.get(o, 3)}=${rsp.get(o, 5)}`);
  for (const e of ['64994-7=V02', '30956-7=107', '29768-9=20210806', '29769-7=20261101', '59784-9=38907003']) assert.ok(obx.includes(e), `${e} in ${obx.join(' ')}`);
  assert.equal(rsp.get('NK1', 3), 'MTH');
  assert.equal(rsp.get('PD1', 16), 'A');
});

test('fuzz: random mutations of a VXU never make processVxuText throw or emit unparseable ACKs', () => {
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const alphabet = '|^~\\&\r\n0123456789ABCZ -.\u0000\u00e9';
  for (let k = 0; k < 400; k++) {
    const chars = TYPICAL_VXU.split('');
    const edits = 1 + rand(20);
    for (let e = 0; e < edits; e++) {
      const at = rand(chars.length);
      const op = rand(3);
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, alphabet[rand(alphabet.length)]);
      else chars[at] = alphabet[rand(alphabet.length)];
    }
    const text = chars.join('');
    const r = processVxuText(text, { channel: 'http', codes, today: '2026-11-25', now, ackControlId: `F${k}` });
    const ack = parseEr7(r.ack);
    assert.equal(ack.get('MSH', 10), `F${k}`);
    assert.equal(ack.all('ERR').length, r.findings.length, text);
  }
});
