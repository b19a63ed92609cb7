// POST /hl7 against a real database: Basic auth, a message for another facility, the size limit, resends.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { freshDatabase, type TestDatabase } from '../../test/support/postgres.ts';
import { loadConfig } from '../config.ts';
import { buildApp } from '../server/app.ts';
import { TYPICAL_VXU } from '../hl7v2/samples.ts';
import { createFacility } from '../registry/senders.ts';

let db: TestDatabase;
let app: FastifyInstance;
let auth: string;
const LIMIT = 16 * 1024;

before(async () => {
  db = await freshDatabase();
  app = await buildApp({ pool: db.pool, config: { ...loadConfig(), maxMessageBytes: LIMIT } });
  const f = await createFacility(db.pool, { name: 'Clinic', code: 'CLINIC' });
  auth = 'Basic ' + Buffer.from(`${f.username}:${f.password}`).toString('base64');
});
after(async () => {
  await app?.close();
  await db?.close();
});

const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/hl7', payload: body, headers: { 'content-type': 'x-application/hl7-v2+er7', authorization: auth, ...headers } });
const msa = (er7: string) => /(?:^|\r)MSA\|([^|\r]*)\|([^|\r]*)/.exec(er7)?.slice(1);

test('without credentials or with a wrong password: 401 with WWW-Authenticate', async () => {
  const none = await post(TYPICAL_VXU, { authorization: '' });
  assert.equal(none.statusCode, 401);
  assert.match(String(none.headers['www-authenticate']), /^Basic realm=/);
  const wrong = await post(TYPICAL_VXU, { authorization: 'Basic ' + Buffer.from('clinic:nope').toString('base64') });
  assert.equal(wrong.statusCode, 401);
  assert.match(String(wrong.headers['www-authenticate']), /^Basic/);
  assert.equal(await count('submission'), 0);
});

test('a VXU is answered with its ACK; the resend gets the same ACK and stores nothing twice', async () => {
  const a = await post(TYPICAL_VXU);
  assert.equal(a.statusCode, 200);
  assert.match(String(a.headers['content-type']), /^x-application\/hl7-v2\+er7/);
  assert.match(a.body, /^MSH\|\^~\\&\|/);
  const [code, ref] = msa(a.body)!;
  assert.notEqual(code, 'AR', a.body);
  assert.equal(ref, 'CTL-100');
  const b = await post(TYPICAL_VXU, { 'content-type': 'text/plain' });
  assert.equal(b.statusCode, 200);
  assert.equal(b.body, a.body);
  assert.equal(await count('submission'), 1);
  assert.equal(await count("submission WHERE channel = 'http'"), 1);
});

test('a message whose MSH-4 names another facility is refused with AR (security) and not stored', async () => {
  const other = TYPICAL_VXU.replace('|CLINIC^1.2.3^ISO|', '|OTHERCLINIC^9.9^ISO|').replace('|CTL-100|', '|CTL-200|');
  const r = await post(other);
  assert.equal(r.statusCode, 200);
  assert.deepEqual(msa(r.body), ['AR', 'CTL-200']);
  assert.match(r.body, /ERR\|\|\|207\^[^|]*\|E\|SECURITY\^Security\^L\|\|\|Security: /);
  assert.equal(await count("submission WHERE control_id = 'CTL-200'"), 0);
});

test('over the size limit: 413 with a clear message', async () => {
  const big = TYPICAL_VXU + '\r' + ('NTE|1||' + 'x'.repeat(200) + '\r').repeat(100);
  const r = await post(big);
  assert.equal(r.statusCode, 413);
  assert.match(r.body, new RegExp(`at most ${LIMIT} bytes`));
});

test('other media types: 415; empty body: 400', async () => {
  assert.equal((await post(TYPICAL_VXU, { 'content-type': 'application/json' })).statusCode, 415);
  assert.equal((await post('', { 'content-type': 'text/plain' })).statusCode, 400);
});

test('windows-1252 bytes are decoded (no replacement characters)', async () => {
  const msg = TYPICAL_VXU.replace('|CTL-100|', '|CTL-300|').replace('Doe^Jane', 'Doe^José');
  const r = await post(Buffer.from(msg, 'latin1'), { 'content-type': 'application/hl7-v2' });
  assert.equal(r.statusCode, 200);
  assert.notEqual(msa(r.body)![0], 'AR', r.body);
  const raw = (await db.pool.query(`SELECT raw FROM submission WHERE control_id = 'CTL-300'`)).rows[0]?.raw as string;
  assert.match(raw, /José/);
});

test('the charset of the Content-Type decodes the body (ISO-8859-7 Greek, which byte sniffing would misread)', async () => {
  const msg = TYPICAL_VXU.replace('|CTL-100|', '|CTL-301|').replace('Doe^Jane', 'Doe^@@@@@');
  const at = Buffer.from(msg, 'latin1').indexOf('@@@@@');
  const bytes = Buffer.from(msg, 'latin1');
  // Νίκος in ISO-8859-7: Greek letters are their code point minus 0x2D0.
  [...'Νίκος'].forEach((ch, i) => { bytes[at + i] = ch.codePointAt(0)! - 0x2d0; });
  const r = await post(bytes, { 'content-type': 'application/hl7-v2; charset=ISO-8859-7' });
  assert.equal(r.statusCode, 200);
  const raw = (await db.pool.query(`SELECT raw FROM submission WHERE control_id = 'CTL-301'`)).rows[0]?.raw as string;
  assert.match(raw, /Doe\^Νίκος/);
});

async function count(sql: string): Promise<number> {
  return (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`)).rows[0]!.n;
}
