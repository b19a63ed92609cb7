import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase } from './database.ts';

const freePort = () => new Promise<number>((resolve, reject) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address() as net.AddressInfo; srv.close(() => resolve(port)); });
  srv.on('error', reject);
});

test('a command beside a running server uses its embedded cluster and leaves it running; a second server is refused', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-attach-'));
  const port = await freePort();
  const owner = await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
  try {
    // A second server on the same data directory: refused with what to do.
    await assert.rejects(startEmbeddedPostgres({ dataDir, port, ephemeral: true }), /already running in .*; stop it or set DATABASE_URL/);
    // An operator command: attached, even when its configured port is another (the running cluster's is used).
    const command = await startEmbeddedPostgres({ dataDir, port: port + 1, ephemeral: true, attach: true });
    assert.equal(command.attached, true);
    const client = new pg.Client(withDatabase(command.adminUrl, 'postgres'));
    await client.connect();
    assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
    await client.end();
    await command.stop();
    // The server's cluster is still up after the command stopped.
    const again = new pg.Client(withDatabase(owner.adminUrl, 'postgres'));
    await again.connect();
    assert.equal((await again.query('SELECT 2 AS two')).rows[0].two, 2);
    await again.end();
  } finally {
    await owner.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
