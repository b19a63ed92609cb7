// The operator commands run as child processes (`node bin/iis.js ...`) against a test database.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freshDatabase, type TestDatabase } from '../../test/support/postgres.ts';
import { TYPICAL_VXU } from '../hl7v2/samples.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
let db: TestDatabase;
let dir: string;

before(async () => {
  db = await freshDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-cli-'));
});
after(async () => {
  await db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const iis = (...args: string[]) => run(process.execPath, ['bin/iis.js', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: db.url }, timeout: 120_000 });

test('facility create prints the credential once; org list shows the tree', async () => {
  const parent = await iis('facility', 'create', '--name', 'Lakeside Health', '--code', 'LAKESIDE');
  assert.match(parent.stdout, /HL7 sender username: lakeside/);
  const child = await iis('facility', 'create', '--name', 'Lakeside Pediatrics', '--code', 'LAKEPED', '--parent', 'LAKESIDE');
  assert.match(child.stdout, /HL7 sender password: \S{20,}/);
  const list = await iis('org', 'list');
  assert.match(list.stdout, /^Lakeside Health {2}\[facility LAKESIDE, id \d+\] {2}senders: lakeside\n {2}Lakeside Pediatrics {2}\[facility LAKEPED/m);
  const dup = await iis('facility', 'create', '--name', 'Again', '--code', 'LAKESIDE').then(() => undefined, (e: { stderr: string; code: number }) => e);
  assert.ok(dup && dup.code !== 0);
  assert.match(dup.stderr, /already exists/);
});

test('import of a batch file (FHS/BHS/BTS/FTS) prints the AA/AE/AR summary; a second import is answered from the stored ACKs', async () => {
  const m1 = TYPICAL_VXU.replace('|CTL-100|', '|B-1|');
  const m2 = TYPICAL_VXU.replace('|CTL-100|', '|B-2|').replace('Doe^Jane^Quinn', 'Roe^Rita').replace('MRN-7', 'MRN-8');
  const broken = 'MSH|^~\\&|MYEHR|LAKEPED|IIS|STATE|20261120||VXU^V04^VXU_V04|B-3|P|2.5.1\rRXA|0|1|20261101||20^DTaP^CVX|0.5';
  const file = path.join(dir, 'batch.hl7');
  fs.writeFileSync(file, ['FHS|^~\\&|MYEHR|LAKEPED', 'BHS|^~\\&|MYEHR|LAKEPED', m1, m2, broken, 'BTS|3', 'FTS|1'].join('\r\n').replace(/\r(?!\n)/g, '\r\n') + '\r\n');
  const acks = path.join(dir, 'acks.hl7');
  const r = await iis('import', file, '--facility', 'LAKEPED', '--acks', acks);
  console.log(r.stdout.trim());
  assert.match(r.stdout, /imported 3 messages from .*batch\.hl7 for LAKEPED in [\d.]+ s: AA \d, AE \d, AR \d/);
  const m = /AA (\d), AE (\d), AR (\d)/.exec(r.stdout)!;
  assert.equal(Number(m[1]) + Number(m[2]) + Number(m[3]), 3);
  assert.ok(Number(m[3]) >= 1, 'the message without PID is rejected');
  assert.equal(fs.readFileSync(acks, 'utf8').split('\n').filter((l) => l.startsWith('MSH|')).length, 3);
  const { rows } = await db.pool.query(`SELECT control_id, channel FROM submission ORDER BY control_id`);
  assert.deepEqual(rows.map((x) => [x.control_id, x.channel]), [['B-1', 'file'], ['B-2', 'file'], ['B-3', 'file']]);
  const again = await iis('import', file, '--facility', 'LAKEPED');
  assert.match(again.stdout, /\(3 already received, answered as before\)/);
});

test('import for an unknown facility fails clearly', async () => {
  const file = path.join(dir, 'one.hl7');
  fs.writeFileSync(file, TYPICAL_VXU);
  const e = await iis('import', file, '--facility', 'NOPE').then(() => undefined, (x: { stderr: string; code: number }) => x);
  assert.ok(e && e.code !== 0);
  assert.match(e.stderr, /No organization with code NOPE/);
});

test('codes import upserts the AIRA code base', async () => {
  const r = await iis('codes', 'import');
  console.log(r.stdout.trim());
  assert.match(r.stdout, /imported \d+ code values from .*; code_value now holds \d+ values in \d+ code sets \(.*VACCINATION_CVX_CODE \d+/);
});
