// Every VXU and QBP of the shared sample corpora (izgateway-v2tofhir messages.txt, cdcgov-iis-open-tools *.hl7)
// sent over HTTP (POST /hl7, a listening server, a real database); every answer must be a well-formed ACK or RSP
// for that message. Each message is sent with the credentials of the facility its MSH-4 names (created here),
// since a message is accepted only for the facility it authenticates as; an empty MSH-4 goes to a default
// facility, and an MSH-4 that cannot be a facility code (e.g. "Sending Facility") is replaced by the default's.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { freshDatabase, sharedDir, type TestDatabase } from './support/postgres.ts';
import { loadConfig } from '../src/config.ts';
import { buildApp } from '../src/server/app.ts';
import { parseEr7 } from '../src/hl7v2/er7.ts';
import { readHl7Dir, readIzGatewayMessages } from '../src/hl7v2/samples.ts';
import { peekMsh } from '../src/registry/hl7.ts';
import { createFacility } from '../src/registry/senders.ts';
import { sendingFacility } from '../src/transports/common.ts';

let db: TestDatabase;
let app: FastifyInstance;
let base: string;

before(async () => {
  db = await freshDatabase();
  app = await buildApp({ pool: db.pool, config: loadConfig() });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await app?.close();
  await db?.close();
});

const CODE = /^[A-Za-z0-9._-]{1,40}$/;
const DEFAULT = 'CORPUS-DEFAULT';

test('every VXU and QBP of the shared corpora gets a well-formed ACK/RSP over POST /hl7', async () => {
  const shared = sharedDir();
  const corpus = [
    ...readIzGatewayMessages(join(shared, 'hl7/izgateway-v2tofhir/messages.txt')).map((text, i) => ({ where: `messages.txt#${i}`, text })),
    ...readHl7Dir(join(shared, 'hl7/cdcgov-iis-open-tools')).map((m) => ({ where: `${m.file}#${m.index}`, text: m.text })),
  ].filter((m) => ['VXU', 'QBP'].includes(peekMsh(m.text).messageType ?? ''));

  const auth = new Map<string, string>();
  const authFor = async (code: string) => {
    let a = auth.get(code);
    if (!a) {
      const f = await createFacility(db.pool, { name: `Corpus ${code}`, code });
      a = 'Basic ' + Buffer.from(`${f.username}:${f.password}`).toString('base64');
      auth.set(code, a);
    }
    return a;
  };

  const counts = { sent: 0, VXU: 0, QBP: 0, wellFormed: 0, ACK: 0, RSP: 0, AA: 0, AE: 0, AR: 0, duplicate: 0 };
  const problems: string[] = [];
  const reasons = new Map<string, number>();
  for (const m of corpus) {
    const type = peekMsh(m.text).messageType!;
    const hd1 = sendingFacility(m.text)[0] ?? '';
    let text = m.text;
    let code = hd1;
    if (!hd1) code = DEFAULT;
    else if (!CODE.test(hd1)) {
      code = DEFAULT;
      text = text.replace(/^(MSH.[^|\r\n]*\|[^|\r\n]*\|[^|\r\n]*\|)[^|\r\n]*/, `$1${DEFAULT}`);
    }
    counts.sent++;
    counts[type as 'VXU' | 'QBP']++;
    const res = await fetch(`${base}/hl7`, { method: 'POST', headers: { 'content-type': 'x-application/hl7-v2+er7', authorization: await authFor(code) }, body: text });
    const body = await res.text();
    try {
      assert.equal(res.status, 200, body);
      const ack = parseEr7(body);
      assert.equal(ack.warnings.length, 0, ack.warnings.join('; '));
      for (const s of ack.segments) assert.match(s.name, /^[A-Z][A-Z0-9]{2}$/);
      const answerType = ack.get('MSH', 9, 1, 1);
      assert.equal(answerType, type === 'QBP' ? 'RSP' : 'ACK');
      const code1 = ack.get('MSA', 1);
      assert.match(code1, /^A[AER]$/);
      assert.equal(ack.get('MSA', 2), peekMsh(text).controlId ?? '');
      if (type === 'QBP') assert.ok(ack.segment('QAK'), 'an RSP carries QAK');
      counts.wellFormed++;
      counts[answerType as 'ACK' | 'RSP']++;
      counts[code1 as 'AA' | 'AE' | 'AR']++;
      if (code1 !== 'AA') {
        for (const err of ack.all('ERR')) {
          if (ack.get(err, 4) !== 'E') continue;
          const why = `${code1} ${ack.get(err, 8).replace(/\d{4}-\d{2}-\d{2}|\d{8}/g, 'D').replace(/"[^"]*"/g, '"…"').slice(0, 90)}`;
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
        }
      }
    } catch (e) {
      problems.push(`${m.where}: ${(e as Error).message.split('\n')[0]}\n${body.replace(/\r/g, '\n  ')}`);
    }
  }
  const dups = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM submission`);
  counts.duplicate = counts.VXU - dups.rows[0]!.n;
  console.log(`corpus over POST /hl7: ${JSON.stringify(counts)} (duplicate = VXU answered from an earlier identical MSH-10 of the same facility)`);
  console.log('most frequent errors (ERR-4 = E) in AE/AR answers:\n' + [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([r, n]) => `  ${n}\t${r}`).join('\n'));
  assert.deepEqual(problems, []);
  assert.equal(counts.wellFormed, counts.sent);
  assert.ok(counts.VXU >= 100 && counts.QBP >= 10, JSON.stringify(counts));
  // The server is still healthy after the whole corpus.
  assert.equal((await fetch(`${base}/health`)).status, 200);
});
