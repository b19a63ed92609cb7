// The one test command (`npm test`): type-check, start a real PostgreSQL (embedded unless DATABASE_URL
// is set), migrate a template database, then run every *.test.ts under src/ and test/ with node's runner.
// Usage: npm test [-- <path substring> ...]   to run only matching test files.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, createPool, withDatabase, type RunningPostgres } from '../src/registry/database.ts';
import { migrate } from '../src/registry/migrate.ts';
import { ensureCodeSets } from '../src/registry/codes.ts';
import { loadConfig } from '../src/config.ts';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function findTests(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules') findTests(p, out); }
    else if (e.name.endsWith('.test.ts') || e.name.endsWith('.test.tsx')) out.push(path.relative(root, p));
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** The browser walks (test/e2e) need dist/web: build it when missing or older than any file of web/ or vite.config.ts. */
function buildWebIfStale() {
  const index = path.join(root, 'dist', 'web', 'index.html');
  const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
  let newest = fs.statSync(path.join(root, 'vite.config.ts')).mtimeMs;
  const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else newest = Math.max(newest, fs.statSync(p).mtimeMs); } };
  walk(path.join(root, 'web'));
  if (built >= newest) return;
  console.log('> building the web app (vite build -> dist/web)');
  const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) { console.log('0 passed, 1 failed'); process.exit(1); }
}

async function main() {
  const t0 = Date.now();
  if (!filters.length) {
    console.log('> type-check (tsc --noEmit)');
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
    if (tsc.status !== 0) { console.log('0 passed, 1 failed'); process.exit(1); }
  }
  let server: RunningPostgres | undefined;
  let cleanup = () => {};
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    // A cluster of its own per run (own directory, free port), so runs side by side never collide.
    const dataDir = path.join(root, '.test-pg', `run-${process.pid}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
    const port = process.env.IIS_TEST_PG_PORT ? Number(process.env.IIS_TEST_PG_PORT) : await freePort();
    console.log(`> starting embedded PostgreSQL for tests in ${path.relative(root, dataDir)} on port ${port}`);
    server = await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
    cleanup = () => fs.rmSync(dataDir, { recursive: true, force: true });
    adminUrl = server.adminUrl;
  }
  const template = 'iis_test_template';
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // Leftover databases of an interrupted earlier run.
  const old = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 't\\_%' OR datname = $1`, [template]);
  for (const r of old.rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();
  const pool = createPool(withDatabase(adminUrl, template), 2);
  await migrate(pool, (s) => console.log('  ' + s));
  // Code sets are data in the database: the template carries them so each test database starts with them.
  const cfg = loadConfig();
  await ensureCodeSets(pool, { codesDir: cfg.codesDir, cdsiDir: cfg.cdsiDir });
  await pool.end();

  let files = [...findTests('src'), ...findTests('test')].sort();
  if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
  if (files.some((f) => f.includes('e2e'))) buildWebIfStale();
  console.log(`> running ${files.length} test files`);
  let pass = 0, fail = 0;
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [
      '--import', './bin/register.mjs', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files,
    ], { env: { ...process.env, TEST_PG_ADMIN_URL: adminUrl, TEST_TEMPLATE_DB: template, NODE_ENV: 'test' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      process.stdout.write(d);
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const m = /^ℹ (pass|fail) (\d+)/.exec(l);
        if (m) { if (m[1] === 'pass') pass = Number(m[2]); else fail = Number(m[2]); }
      }
    });
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (server) await server.stop();
  cleanup();
  console.log(`(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  if (code !== 0 && fail === 0) fail = 1;
  console.log(`tests: ${pass} passed, ${fail} failed`);
  process.exit(code === 0 && fail === 0 ? 0 : 1);
}

main().catch((e) => { console.error(e); console.log('0 passed, 1 failed'); process.exit(1); });
