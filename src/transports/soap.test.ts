// The CDC SOAP service driven by a real SOAP client library (`soap`), over a listening server and a real database.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import * as soap from 'soap';
import { XMLParser } from 'fast-xml-parser';
import { freshDatabase, sharedDir, type TestDatabase } from '../../test/support/postgres.ts';
import { loadConfig } from '../config.ts';
import { buildApp } from '../server/app.ts';
import { TYPICAL_VXU } from '../hl7v2/samples.ts';
import { createFacility, type CreatedFacility } from '../registry/senders.ts';
import { iisWsdl } from './soap-wsdl.ts';
import { parseSoapCall, IisFault } from './soap.ts';

let db: TestDatabase;
let app: FastifyInstance;
let url: string;
let facility: CreatedFacility;
const LIMIT = 16 * 1024;

before(async () => {
  db = await freshDatabase();
  app = await buildApp({ pool: db.pool, config: { ...loadConfig(), maxMessageBytes: LIMIT } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  url = `http://127.0.0.1:${port}/soap`;
  facility = await createFacility(db.pool, { name: 'Clinic', code: 'CLINIC' });
});
after(async () => {
  await app?.close();
  await db?.close();
});

type Fault = { kind: string; code: string; reason: string; detail: string; status?: number };
/** The IIS fault detail of a soap client error. */
function faultOf(err: unknown): Fault {
  const e = err as { root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } }; response?: { status?: number } };
  const f = e.root?.Envelope?.Body?.Fault;
  assert.ok(f, `expected a SOAP fault, got ${String(err)}`);
  const detail = (f.Detail ?? f.detail) as Record<string, Record<string, unknown>>;
  const kind = Object.keys(detail).find((k) => !k.startsWith('$') && !k.startsWith('attributes'))!;
  const d = detail[kind]!;
  return { kind, code: String(d.Code), reason: String(d.Reason), detail: String(d.Detail), status: e.response?.status };
}

test('the WSDL is served with this server as the address and matches CDC\'s operation by operation', async () => {
  const res = await fetch(url + '?wsdl');
  assert.equal(res.status, 200);
  const wsdl = await res.text();
  assert.match(wsdl, new RegExp(`<soap12:address location="${url}"/>`));
  const p = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true });
  const strip = (x: string) => x.replace(/<soap12:address location="[^"]*"\/>/, '').replace(/<!--[\s\S]*?-->/g, '').replace(/<documentation>[^<]*<\/documentation>/g, '');
  const ours = p.parse(strip(iisWsdl('http://x/soap')));
  const cdc = p.parse(strip(fs.readFileSync(path.join(sharedDir(), 'hl7/cdc-iis-wsdl/iis.wsdl'), 'utf8')));
  delete ours['?xml'];
  assert.deepEqual(ours, cdc);
});

test('connectivityTest echoes (SOAP 1.2 and SOAP 1.1 envelopes)', async () => {
  const c12 = await soap.createClientAsync(url + '?wsdl', { forceSoap12Headers: true });
  const [r12] = await c12.connectivityTestAsync({ echoBack: 'Hello IIS & co <3' });
  assert.equal(r12.return, 'Hello IIS & co <3');
  const c11 = await soap.createClientAsync(url + '?wsdl');
  const [r11] = await c11.connectivityTestAsync({ echoBack: 'ping' });
  assert.equal(r11.return, 'ping');
});

test('submitSingleMessage: a VXU round trip returns its ACK; the resend the same ACK', async () => {
  const client = await soap.createClientAsync(url + '?wsdl', { forceSoap12Headers: true });
  const args = { username: facility.username, password: facility.password, facilityID: 'CLINIC', hl7Message: TYPICAL_VXU };
  const [r] = await client.submitSingleMessageAsync(args);
  const ack: string = r.return;
  assert.match(ack, /^MSH\|\^~\\&\|/);
  assert.match(ack, /\rMSA\|A[AE]\|CTL-100/, ack);
  const sub = (await db.pool.query(`SELECT channel, patient_id FROM submission WHERE control_id = 'CTL-100'`)).rows[0];
  assert.equal(sub.channel, 'soap');
  assert.ok(sub.patient_id);
  const [again] = await client.submitSingleMessageAsync(args);
  assert.equal(again.return, ack);
  // facilityID may be left out: the authenticated facility is meant.
  const [noFacility] = await client.submitSingleMessageAsync({ username: facility.username, password: facility.password, hl7Message: TYPICAL_VXU });
  assert.equal(noFacility.return, ack);
});

test('submitSingleMessage: a QBP Z34 for the stored child returns RSP Z32 with the doses', async () => {
  const client = await soap.createClientAsync(url + '?wsdl', { forceSoap12Headers: true });
  const qbp = [
    'MSH|^~\\&|MYEHR|CLINIC|IIS|STATE|20261125||QBP^Q11^QBP_Q11|Q-1|P|2.5.1|||ER|AL|||||Z34^CDCPHINVS',
    'QPD|Z34^Request Immunization History^CDCPHINVS|Q-1|MRN-7^^^MYEHR^MR|Doe^Jane^^^^^L||20250115|F',
    'RCP|I|10^RD&Records&HL70126',
  ].join('\r');
  const [r] = await client.submitSingleMessageAsync({ username: facility.username, password: facility.password, facilityID: 'CLINIC', hl7Message: qbp });
  const rsp: string = r.return;
  assert.match(rsp, /^MSH\|[^\r]*\|RSP\^K11\^RSP_K11\|[^\r]*Z32\^CDCPHINVS/, rsp);
  assert.match(rsp, /\rMSA\|AA\|Q-1/);
  assert.match(rsp, /\rQAK\|Q-1\|OK/);
  assert.match(rsp, /\rRXA\|[^\r]*\|20\^/);
});

test('SOAP 1.1 clients get SOAP 1.1 faults', async () => {
  const client = await soap.createClientAsync(url + '?wsdl');
  const err = await client.submitSingleMessageAsync({ username: facility.username, password: 'wrong', hl7Message: TYPICAL_VXU }).then(() => undefined, (e: unknown) => e);
  const f = faultOf(err);
  assert.equal(f.kind, 'SecurityFault');
  assert.equal(f.status, 500);
});

test('SecurityFault for a wrong password, an unknown user, and another facility\'s ID', async () => {
  const client = await soap.createClientAsync(url + '?wsdl', { forceSoap12Headers: true });
  for (const args of [
    { username: facility.username, password: 'wrong', facilityID: 'CLINIC', hl7Message: TYPICAL_VXU },
    { username: 'nobody', password: 'x', facilityID: 'CLINIC', hl7Message: TYPICAL_VXU },
    { username: facility.username, password: facility.password, facilityID: 'SOMEWHERE-ELSE', hl7Message: TYPICAL_VXU.replace('CTL-100', 'CTL-900') },
  ]) {
    const err = await client.submitSingleMessageAsync(args).then(() => undefined, (e: unknown) => e);
    const f = faultOf(err);
    assert.equal(f.kind, 'SecurityFault');
    assert.equal(f.reason, 'Security');
    assert.equal(f.code, '10');
    assert.ok(f.detail.length > 10);
  }
  assert.equal((await db.pool.query(`SELECT count(*)::int AS n FROM submission WHERE control_id = 'CTL-900'`)).rows[0].n, 0);
});

test('MessageTooLargeFault over the limit', async () => {
  const client = await soap.createClientAsync(url + '?wsdl', { forceSoap12Headers: true });
  const big = TYPICAL_VXU + '\r' + ('NTE|1||' + 'x'.repeat(200) + '\r').repeat(100);
  const err = await client.submitSingleMessageAsync({ username: facility.username, password: facility.password, facilityID: 'CLINIC', hl7Message: big }).then(() => undefined, (e: unknown) => e);
  const f = faultOf(err);
  assert.equal(f.kind, 'MessageTooLargeFault');
  assert.equal(f.reason, 'MessageTooLarge');
  assert.match(f.detail, new RegExp(`at most ${LIMIT} bytes`));
});

test('malformed envelopes get UnknownFault; unknown operations UnsupportedOperationFault', async () => {
  const post = (body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body });
  const bad = await post('<not-xml');
  assert.equal(bad.status, 400);
  const text = await bad.text();
  assert.match(text, /<soap:Fault>.*<fault xmlns="urn:cdc:iisb:2011"><Code>0<\/Code><Reason>Unknown<\/Reason><Detail>/s);
  const op = await post(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><submitBatch xmlns="urn:cdc:iisb:2011"/></s:Body></s:Envelope>`);
  assert.match(await op.text(), /<UnsupportedOperationFault xmlns="urn:cdc:iisb:2011"><Code>30<\/Code><Reason>UnsupportedOperation<\/Reason>/);
  assert.throws(() => parseSoapCall('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"/>'), IisFault);
});
