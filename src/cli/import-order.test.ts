// iis import's ordering: messages about one patient in the file's order, others side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importInOrder, patientKeyOf } from './hl7-commands.ts';

const vxu = (id: string, n: number) => `MSH|^~\\&|EHR|CLINIC|IIS|STATE|20260101||VXU^V04^VXU_V04|M${n}|P|2.5.1\rPID|1||${id}^^^CLINIC^MR~SSN1^^^SSA^SS||Doe^Jo||20200101|F\r`;
const qbp = (n: number) => `MSH|^~\\&|EHR|CLINIC|IIS|STATE|20260101||QBP^Q11^QBP_Q11|Q${n}|P|2.5.1\rQPD|Z34^Request Immunization History^CDCPHINVS|Q${n}|A1^^^CLINIC^MR\r`;

test('patientKeyOf reads the first identifier of PID-3, and nothing from a message without PID', () => {
  assert.equal(patientKeyOf(vxu('A1', 1)), 'A1');
  assert.equal(patientKeyOf(vxu('', 1)), undefined);
  assert.equal(patientKeyOf(qbp(1)), undefined);
  assert.equal(patientKeyOf('MSH|^~\\&|X\nPID|1||B2^^^C^MR\n'), 'B2');
});

test('importInOrder: same patient in file order, a keyless message between everything, at most N in flight, and overlap', async () => {
  const rand = (() => { let s = 7; return () => ((s = (s * 16807) % 2147483647) / 2147483647); })();
  const messages: string[] = [];
  for (let i = 0; i < 300; i++) messages.push(i % 50 === 25 ? qbp(i) : vxu(`P${Math.floor(rand() * 12)}`, i));
  const events: string[] = []; // 's3' message 3 started, 'f3' finished, in the order they happened
  let inFlight = 0, most = 0;
  await importInOrder(messages, 8, async (_m, i) => {
    events.push(`s${i}`);
    inFlight++; most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, rand() * 3));
    inFlight--;
    events.push(`f${i}`);
  });
  assert.equal(events.length, 2 * messages.length);
  assert.ok(most <= 8, `at most 8 in flight (saw ${most})`);
  assert.ok(most > 1, 'messages about different patients overlap');
  const at = new Map(events.map((e, n) => [e, n]));
  for (let i = 0; i < messages.length; i++) for (let j = i + 1; j < messages.length; j++) {
    const ki = patientKeyOf(messages[i]!), kj = patientKeyOf(messages[j]!);
    // j starts only after i finished when they share a patient, or when either has no key.
    if (ki === kj || ki === undefined || kj === undefined) assert.ok(at.get(`f${i}`)! < at.get(`s${j}`)!, `message ${j} started before ${i} finished`);
  }
});
