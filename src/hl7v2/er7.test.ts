import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Er7Builder, Er7ParseError, buildEr7, escapeEr7, hl7Date, parseEr7, splitMessages, unescapeEr7 } from './er7.ts';

const VXU = [
  'MSH|^~\\&|EHR|CLINIC|IIS|STATE|20261120103000-0500||VXU^V04^VXU_V04|CTL-1|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS',
  'PID|1||MRN1^^^EHR^MR~SSN9^^^SSA^SS||Doe^Jane^Q^^^^L~Smith^Janie^^^^^A||20200115|F',
  'RXA|0|1|20261101||08^HepB^CVX|0.5|mL^^UCUM||00^New^NIP001',
].join('\r');

test('fields, repetitions, components and MSH numbering', () => {
  const m = parseEr7(VXU);
  assert.equal(m.get('MSH', 1), '|');
  assert.equal(m.get('MSH', 2), '^~\\&');
  assert.equal(m.get('MSH', 3), 'EHR');
  assert.equal(m.get('MSH', 9, 1, 2), 'V04');
  assert.equal(m.get('MSH', 10), 'CTL-1');
  assert.equal(m.get('PID', 3, 2, 1), 'SSN9');
  assert.equal(m.get('PID', 3, 2, 5), 'SS');
  assert.equal(m.get('PID', 5, 2, 2), 'Janie');
  assert.equal(m.reps('PID', 3).length, 2);
  assert.equal(m.get('PID', 99), '');
  assert.equal(m.get('ZZZ', 1), '');
  assert.equal(m.segment('RXA')?.seq, 1);
});

test('segment terminators \\r, \\n and \\r\\n all work, and MLLP framing is ignored', () => {
  for (const sep of ['\r', '\n', '\r\n']) {
    const m = parseEr7('\x0b' + VXU.split('\r').join(sep) + sep + '\x1c\r');
    assert.deepEqual(m.segments.map((s) => s.name), ['MSH', 'PID', 'RXA']);
    assert.equal(m.warnings.length, 0);
  }
});

test('escapes are decoded on read and applied on build', () => {
  const m = parseEr7('MSH|^~\\&|A\r' + 'NTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X41\\g\\.br\\h');
  assert.equal(m.get('NTE', 3), 'a|b^c&d~e\\fAg\nh');
  const v = 'x|y^z&w~v\\u';
  assert.equal(unescapeEr7(escapeEr7(v)), v);
  const built = buildEr7([['MSH', 'APP'], ['NTE', 1, undefined, v]]);
  assert.equal(parseEr7(built).get('NTE', 3), v);
});

test('non-standard but consistent encoding characters are honoured', () => {
  const m = parseEr7('MSH#$%*@#APP#FAC\rPID#1##ID1$$$AUTH$MR%ID2#');
  assert.equal(m.get('MSH', 3), 'APP');
  assert.equal(m.get('PID', 3, 1, 4), 'AUTH');
  assert.equal(m.get('PID', 3, 2, 1), 'ID2');
  assert.ok(m.warnings.some((w) => w.includes('not the standard')));
});

test('invalid encoding characters fall back to the standard ones with a warning', () => {
  const m = parseEr7('MSH|^^^^|APP|FAC\rPID|1||X^^^A^MR');
  assert.equal(m.get('PID', 3, 1, 5), 'MR');
  assert.ok(m.warnings.some((w) => w.includes('invalid')));
});

test('text that is not HL7 throws Er7ParseError with a clear message', () => {
  assert.throws(() => parseEr7(''), (e) => e instanceof Er7ParseError && /Empty/.test(e.message));
  assert.throws(() => parseEr7('hello world'), (e) => e instanceof Er7ParseError && /no MSH/.test(e.message));
  assert.throws(() => parseEr7(Buffer.from([0, 1, 2, 255, 254, 7]).toString('latin1')), Er7ParseError);
  assert.throws(() => parseEr7('MSHABC'), Er7ParseError);
});

test('junk before MSH and junk lines are reported, not fatal', () => {
  const m = parseEr7('garbage line\rMSH|^~\\&|A\rthis is not a segment\rPID|1');
  assert.deepEqual(m.segments.map((s) => s.name), ['MSH', 'PID']);
  assert.equal(m.warnings.length, 2);
});

test('huge fields parse quickly', () => {
  const big = 'X'.repeat(2_000_000);
  const t = performance.now();
  const m = parseEr7(`MSH|^~\\&|A\rPID|1||${big}`);
  assert.equal(m.get('PID', 3).length, big.length);
  assert.ok(performance.now() - t < 2000);
});

test('builder trims empty trailing parts and handles repetitions and subcomponents', () => {
  const b = new Er7Builder().add('MSH', 'APP', undefined).add('PID', 1, undefined, { reps: [['A', undefined, undefined, ['AUTH', 'x']], ['B']] }, undefined, ['Doe', 'J', undefined, undefined]);
  const text = b.toString();
  assert.equal(text, 'MSH|^~\\&|APP\rPID|1||A^^^AUTH&x~B||Doe^J\r');
  assert.equal(b.count, 2);
});

test('splitMessages splits batch text on MSH and drops batch headers', () => {
  const parts = splitMessages('FHS|^~\\&\nBHS|^~\\&\n' + VXU + '\n' + VXU.replace('CTL-1', 'CTL-2') + '\nBTS|2\nFTS|1\n');
  assert.equal(parts.length, 2);
  assert.equal(parseEr7(parts[1]).get('MSH', 10), 'CTL-2');
});

test('hl7Date validates calendar dates and rejects partial ones', () => {
  assert.deepEqual(hl7Date('20240229'), { date: '2024-02-29' });
  assert.deepEqual(hl7Date('20240229103000.123-0500'), { date: '2024-02-29' });
  assert.ok(hl7Date('20230229').error);
  assert.ok(hl7Date('202010').partial);
  assert.ok(hl7Date('2020-10-01').error);
  assert.ok(hl7Date('20201301').error);
  assert.deepEqual(hl7Date(''), {});
});

test('decodeHl7 honours MSH-18 and falls back from invalid UTF-8 to windows-1252', async () => {
  const { decodeHl7 } = await import('./er7.ts');
  const utf8 = new TextEncoder().encode('MSH|^~\\&|A\rPID|1||X||Garc\u00eda^Jos\u00e9');
  assert.equal(parseEr7(decodeHl7(utf8)).get('PID', 5, 1, 2), 'Jos\u00e9');
  const latin = Uint8Array.from(Buffer.from('MSH|^~\\&|A|||||||||||||||8859/1\rPID|1||X||Garc\xeda^Jos\xe9', 'latin1'));
  assert.equal(parseEr7(decodeHl7(latin)).get('PID', 5, 1, 1), 'Garc\u00eda');
  const undeclared = Uint8Array.from(Buffer.from('MSH|^~\\&|A\rPID|1||X||M\xfcller^Jos\xe9', 'latin1'));
  assert.equal(parseEr7(decodeHl7(undeclared)).get('PID', 5, 1, 1), 'M\u00fcller');
});
