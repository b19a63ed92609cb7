// Z34 answered through the batched look-up: queries arriving together each get their own answer (the same as one at
// a time), an identifier of a merged patient answers with the survivor, a wrong birth date on an identifier hit falls
// back to the matcher, and every record shown is audited (a Z31's candidates just behind the answer).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../../test/support/postgres.ts';
import { loadConfig } from '../config.ts';
import { parseEr7 } from '../hl7v2/er7.ts';
import { getRegistryContext, type RegistryContext } from './context.ts';
import { createFacility, authenticateSender, type Sender } from './senders.ts';
import { handleHl7Message } from './hl7.ts';
import { transaction } from './database.ts';
import { mergePatients } from '../matching/store.ts';
import { flushWriteBehind } from './write-behind.ts';

let db: TestDatabase;
let ctx: RegistryContext;
let sender: Sender;
before(async () => {
  db = await freshDatabase();
  ctx = { ...(await getRegistryContext(db.pool, loadConfig())), now: () => new Date('2026-11-25T15:00:00Z') };
  const f = await createFacility(db.pool, { name: 'Clinic', code: 'CLINIC' });
  sender = (await authenticateSender(db.pool, f.username, f.password))!;
});
after(() => db?.close());

const vxu = (n: number, o: { mrn: string; family: string; given: string; dob: string; sex: string; cvx: string; date: string }) => [
  `MSH|^~\\&|MYEHR|CLINIC|IIS|STATE|20261125||VXU^V04^VXU_V04|QB-${n}|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS`,
  `PID|1||${o.mrn}^^^MYEHR^MR||${o.family}^${o.given}^^^^^L|Mother^^^^^^M|${o.dob}|${o.sex}|||${n} Oak St^^Boston^MA^02110^USA^L`,
  `ORC|RE||QB-DOSE-${n}^MYEHR`,
  `RXA|0|1|${o.date}||${o.cvx}^vaccine^CVX|0.5|mL^^UCUM||00^New^NIP001||||||LOT${n}||MSD^Merck^MVX|||CP|A`,
].join('\r');

const qbp = (id: string, o: { mrn?: string; family: string; given: string; dob: string }) => [
  `MSH|^~\\&|MYEHR|CLINIC|IIS|STATE|20261125||QBP^Q11^QBP_Q11|${id}|P|2.5.1|||ER|AL|||||Z34^CDCPHINVS`,
  `QPD|Z34^Request Immunization History^CDCPHINVS|${id}|${o.mrn ? `${o.mrn}^^^MYEHR^MR` : ''}|${o.family}^${o.given}^^^^^L||${o.dob}`,
  `RCP|I|10^RD&Records&HL70126`,
].join('\r');

const children = [
  { mrn: 'QB-1', family: 'Alvarez', given: 'Lucia', dob: '20230105', sex: 'F', cvx: '08', date: '20230105' },
  { mrn: 'QB-2', family: 'Brennan', given: 'Owen', dob: '20220611', sex: 'M', cvx: '03', date: '20230611' },
  { mrn: 'QB-3', family: 'Chen', given: 'Mei', dob: '20210902', sex: 'F', cvx: '21', date: '20220902' },
  { mrn: 'QB-4', family: 'Dubois', given: 'Louis', dob: '20240214', sex: 'M', cvx: '20', date: '20240414' },
];

test('queries sent together each get their own answer, the same as one at a time', async () => {
  const ids: number[] = [];
  for (const [i, c] of children.entries()) {
    const r = await handleHl7Message(ctx, vxu(i + 1, c), sender, 'http');
    assert.equal(r.ackCode, 'AA', r.response);
    ids.push(r.patientId!);
  }
  const queries = [
    ...children.map((c, i) => qbp(`QB-Q${i}`, { mrn: c.mrn, family: c.family, given: c.given, dob: c.dob })),
    qbp('QB-QX', { mrn: 'NOPE', family: 'Nobody', given: 'Nemo', dob: '19990101' }),
    ...children.map((c, i) => qbp(`QB-QN${i}`, { family: c.family, given: c.given, dob: c.dob })),
  ];
  const together = await Promise.all(queries.map((q) => handleHl7Message(ctx, q, sender, 'http')));
  const oneByOne = [];
  for (const q of queries) oneByOne.push(await handleHl7Message(ctx, q, sender, 'http'));
  const strip = (s: string) => s.split('\r').filter((l) => !l.startsWith('MSH')).join('\r');
  for (let i = 0; i < queries.length; i++) assert.equal(strip(together[i]!.response), strip(oneByOne[i]!.response), `query ${i}`);
  for (const [i, c] of children.entries()) {
    const m = parseEr7(together[i]!.response);
    assert.equal(m.get('MSH', 21), 'Z32', together[i]!.response);
    assert.equal(together[i]!.patientId, ids[i]);
    assert.equal(m.get('PID', 5), c.family);
    assert.ok(together[i]!.response.includes(`|${c.cvx}^`), `dose ${c.cvx} in the answer for ${c.given}`);
  }
  assert.equal(parseEr7(together[4]!.response).get('QAK', 2), 'NF');
  await flushWriteBehind(db.pool);
  const audited = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'query' AND patient_id = ANY($1)`, [ids]);
  assert.ok(audited.rows[0]!.n >= 8, `every record shown is audited (${audited.rows[0]!.n})`);
  // An identifier hit is audited by the look-up itself: once per answer (sent twice above), for that patient only.
  for (const [i] of children.entries()) {
    const { rows } = await db.pool.query(`SELECT patient_id, actor_id, organization_id FROM audit_event WHERE action = 'query' AND object_id = $1`, [`QB-Q${i}`]);
    assert.equal(rows.length, 2, `QB-Q${i} audited twice`);
    for (const row of rows) assert.deepEqual([row.patient_id, row.actor_id, row.organization_id], [ids[i], sender.username, sender.organizationId]);
  }
});

test("a merged patient's identifier answers with the surviving record; a wrong birth date is not an identifier match", async () => {
  const a = await handleHl7Message(ctx, vxu(11, { mrn: 'QB-M1', family: 'Eriksen', given: 'Nora', dob: '20200303', sex: 'F', cvx: '08', date: '20200303' }), sender, 'http');
  const b = await handleHl7Message(ctx, vxu(12, { mrn: 'QB-M2', family: 'Fontaine', given: 'Paul', dob: '20190707', sex: 'M', cvx: '03', date: '20200707' }), sender, 'http');
  await transaction(db.pool, (c) => mergePatients(c, a.patientId!, b.patientId!, { actor: 'test' }));
  const r = await handleHl7Message(ctx, qbp('QB-QM', { mrn: 'QB-M2', family: 'Fontaine', given: 'Paul', dob: '' }), sender, 'http');
  assert.equal(parseEr7(r.response).get('MSH', 21), 'Z32', r.response);
  assert.equal(r.patientId, a.patientId, 'the survivor answers');
  const wrongDob = await handleHl7Message(ctx, qbp('QB-QD', { mrn: 'QB-M1', family: 'Zzyzx', given: 'Nemo', dob: '20010101' }), sender, 'http');
  assert.equal(parseEr7(wrongDob.response).get('QAK', 2), 'NF', wrongDob.response);
});

test("a candidate list (Z31) shows each candidate's stored record, and each is audited for that query", async () => {
  // Two children of the same name born a day apart, reported by two facilities: the matcher keeps them apart (a birth
  // date that differs never matches), and a name query without an identifier can only list them.
  const a = await handleHl7Message(ctx, vxu(21, { mrn: 'QB-T1', family: 'Gallagher', given: 'Rory', dob: '20210415', sex: 'M', cvx: '08', date: '20210415' }), sender, 'http');
  const other = await createFacility(db.pool, { name: 'Other clinic', code: 'OTHER' });
  const otherSender = (await authenticateSender(db.pool, other.username, other.password))!;
  const b = await handleHl7Message(ctx, vxu(22, { mrn: 'QB-T2', family: 'Gallagher', given: 'Rory', dob: '20210416', sex: 'M', cvx: '08', date: '20210416' }), otherSender, 'http');
  assert.equal(a.ackCode, 'AA', a.response); assert.equal(b.ackCode, 'AA', b.response);
  assert.notEqual(a.patientId, b.patientId);
  const r = await handleHl7Message(ctx, qbp('QB-Z31', { family: 'Gallagher', given: 'Rory', dob: '20210415' }), sender, 'http');
  assert.equal(parseEr7(r.response).get('MSH', 21), 'Z31', r.response);
  const listed = r.response.split('\r').filter((l) => l.startsWith('PID|'));
  assert.equal(listed.length, 2, r.response);
  for (const [pid, mrn, dob] of [[a.patientId, 'QB-T1', '20210415'], [b.patientId, 'QB-T2', '20210416']] as const) {
    const line = listed.find((l) => l.includes(`|${pid}^^^IIS^SR~${mrn}^^^`));
    assert.ok(line, `${mrn} listed with its registry id ${pid} and identifier: ${r.response}`);
    assert.ok(line!.includes(`|Gallagher^Rory^^^^^L|Mother^^^^^^M|${dob}|M|`), line);
  }
  await flushWriteBehind(db.pool);
  const { rows } = await db.pool.query(`SELECT patient_id, actor_id FROM audit_event WHERE action = 'query' AND object_id = 'QB-Z31' ORDER BY patient_id`);
  assert.deepEqual(rows.map((x) => [Number(x.patient_id), x.actor_id]), [a.patientId!, b.patientId!].sort((x, y) => x - y).map((id) => [id, sender.username]));
});
