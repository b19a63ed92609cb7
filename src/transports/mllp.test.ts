// MLLP over real TCP against a real database: framing, two messages on one connection, frames split across
// writes, MSH-8 credentials (and never storing the password), oversized frames.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freshDatabase, type TestDatabase } from '../../test/support/postgres.ts';
import { loadConfig } from '../config.ts';
import { TYPICAL_VXU } from '../hl7v2/samples.ts';
import { createFacility, type CreatedFacility } from '../registry/senders.ts';
import { MllpDeframer, mllpFrame, startMllpServer, takeMshSecurity, type MllpServer } from './mllp.ts';

let db: TestDatabase;
let server: MllpServer;
let facility: CreatedFacility;
const LIMIT = 16 * 1024;

before(async () => {
  db = await freshDatabase();
  server = await startMllpServer({ pool: db.pool, config: { ...loadConfig(), maxMessageBytes: LIMIT } }, { port: 0 });
  facility = await createFacility(db.pool, { name: 'Clinic', code: 'CLINIC' });
});
after(async () => {
  await server?.close();
  await db?.close();
});

/** TYPICAL_VXU with MSH-8 set and a control id of its own. */
const vxu = (controlId: string, security = `${facility.username}:${facility.password}`) =>
  TYPICAL_VXU.replace('|20261120103000-0500||VXU^V04^VXU_V04|CTL-100|', `|20261120103000-0500|${security}|VXU^V04^VXU_V04|${controlId}|`);

/** A connection that collects answer frames. */
function connect(): Promise<{ socket: net.Socket; next(): Promise<string>; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const deframer = new MllpDeframer(10 * 1024 * 1024);
    const frames: string[] = [];
    const waiting: ((s: string) => void)[] = [];
    socket.on('data', (d) => {
      for (const f of deframer.push(d)) {
        const w = waiting.shift();
        if (w) w(f.toString('utf8'));
        else frames.push(f.toString('utf8'));
      }
    });
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.once('error', reject);
    socket.once('connect', () => resolve({
      socket,
      closed,
      next: () => new Promise<string>((r, rej) => {
        const f = frames.shift();
        if (f !== undefined) return r(f);
        const timer = setTimeout(() => rej(new Error('no answer within 60 s')), 60_000);
        waiting.push((s) => { clearTimeout(timer); r(s); });
      }),
    }));
  });
}
const msa = (er7: string) => /(?:^|\r)MSA\|([^|\r]*)\|([^|\r]*)/.exec(er7)?.slice(1);

test('deframer: several frames in one chunk, a frame split anywhere, noise between frames', () => {
  const d = new MllpDeframer(1000);
  const both = Buffer.concat([mllpFrame('MSH|one'), Buffer.from('\n'), mllpFrame('MSH|two')]);
  assert.deepEqual(d.push(both).map(String), ['MSH|one', 'MSH|two']);
  const f = mllpFrame('MSH|three');
  const got: string[] = [];
  for (let i = 0; i < f.length; i++) got.push(...d.push(f.subarray(i, i + 1)).map(String));
  assert.deepEqual(got, ['MSH|three']);
  const small = new MllpDeframer(10);
  small.push(Buffer.concat([Buffer.from([0x0b]), Buffer.from('x'.repeat(11))]));
  assert.equal(small.overflow, true);
});

test('MSH-8 is read and replaced', () => {
  const r = takeMshSecurity('MSH|^~\\&|A|B|C|D|20260101||VXU^V04|1|P|2.5.1\rPID|1', () => 'u');
  assert.equal(r.security, '');
  const s = takeMshSecurity('MSH|^~\\&|A|B|C|D|20260101|u:p|VXU^V04|1|P|2.5.1\rPID|1', (x) => x.split(':')[0]!);
  assert.equal(s.security, 'u:p');
  assert.equal(s.text, 'MSH|^~\\&|A|B|C|D|20260101|u|VXU^V04|1|P|2.5.1\rPID|1');
});

test('two messages on one connection, the second split across writes, answered in order; password not stored', async () => {
  const c = await connect();
  c.socket.write(mllpFrame(vxu('M-1')));
  const second = mllpFrame(vxu('M-2'));
  c.socket.write(second.subarray(0, 40));
  await new Promise((r) => setTimeout(r, 50));
  c.socket.write(second.subarray(40, 300));
  await new Promise((r) => setTimeout(r, 50));
  c.socket.write(second.subarray(300));
  const a1 = await c.next();
  const a2 = await c.next();
  assert.equal(msa(a1)![1], 'M-1');
  assert.notEqual(msa(a1)![0], 'AR', a1);
  assert.equal(msa(a2)![1], 'M-2');
  const { rows } = await db.pool.query(`SELECT raw, channel FROM submission WHERE control_id IN ('M-1','M-2') ORDER BY control_id`);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].channel, 'mllp');
  assert.ok(!rows[0].raw.includes(facility.password), 'the MSH-8 password is not stored');
  assert.match(rows[0].raw, new RegExp(`\\|${facility.username}\\|VXU`));
  // A resend on the same connection gets the same ACK.
  c.socket.write(mllpFrame(vxu('M-1')));
  assert.equal(await c.next(), a1);
  c.socket.end();
});

test('bad or missing MSH-8 credentials: AR with ERR security, nothing stored, connection stays open', async () => {
  const c = await connect();
  c.socket.write(mllpFrame(vxu('B-1', `${facility.username}:wrong`)));
  const a = await c.next();
  assert.deepEqual(msa(a), ['AR', 'B-1']);
  assert.match(a, /\rERR\|[^\r]*SECURITY\^Security\^L[^\r]*Security: unknown sender or wrong password/);
  c.socket.write(mllpFrame(vxu('B-2', '')));
  const b = await c.next();
  assert.deepEqual(msa(b), ['AR', 'B-2']);
  assert.match(b, /username:password/);
  // another facility in MSH-4
  c.socket.write(mllpFrame(vxu('B-3').replace('|CLINIC^1.2.3^ISO|', '|ELSEWHERE|')));
  assert.deepEqual(msa(await c.next()), ['AR', 'B-3']);
  const n = (await db.pool.query(`SELECT count(*)::int AS n FROM submission WHERE control_id LIKE 'B-%'`)).rows[0].n;
  assert.equal(n, 0);
  c.socket.end();
});

test('an oversized frame is answered AR and the connection closed', async () => {
  const c = await connect();
  const big = vxu('BIG-1') + '\r' + ('NTE|1||' + 'x'.repeat(200) + '\r').repeat(100);
  c.socket.write(mllpFrame(big));
  const a = await c.next();
  assert.deepEqual(msa(a), ['AR', 'BIG-1']);
  assert.match(a, new RegExp(`at most ${LIMIT} bytes`));
  assert.ok(!a.includes(facility.password));
  await c.closed;
});
