// What the benches share: a scratch database (on an embedded cluster of their own), a free port, a percentile, and
// the CPU time of the embedded PostgreSQL they started.
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase, type RunningPostgres } from '../src/registry/database.ts';

/** The p-th fraction (0..1) of an ascending array. */
export const pct = (a: number[], p: number) => a[Math.min(a.length - 1, Math.floor(p * a.length))]!;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const port = (srv.address() as net.AddressInfo).port; srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

/** CPU seconds used so far by the embedded PostgreSQL in dataDir (postmaster and its children), from /proc.
 *  With `byProcess`, each backend's seconds are added under its title (BENCH_PGCPU diagnosis). */
export function postgresCpuSeconds(dataDir: string | undefined, byProcess?: Map<string, number>): number | undefined {
  if (!dataDir) return undefined;
  try {
    const pm = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    let ticks = 0;
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      let stat: string;
      try { stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8'); } catch { continue; }
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields after the name: state ppid ... utime(14) stime(15) cutime(16) cstime(17), counted from 3
      if (Number(d) === pm || Number(f[1]) === pm) {
        const t = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
        ticks += t;
        if (byProcess) {
          const title = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').replace(/\(\d+\)/, '').replace(/ (idle|INSERT|SELECT|COMMIT|BEGIN|UPDATE).*$/, '').trim();
          byProcess.set(title, (byProcess.get(title) ?? 0) + t);
        }
      }
    }
    return ticks / 100;
  } catch { return undefined; }
}

export interface ScratchDatabase {
  /** Connection string of the scratch database. */
  url: string;
  /** The embedded cluster started for the bench (none when DATABASE_URL is set). */
  server?: RunningPostgres;
  dataDir?: string;
  /** Drops the scratch database; stops and removes the embedded cluster. Never throws. */
  drop(): Promise<void>;
}

/** A fresh database `dbName` for a bench: on DATABASE_URL's server when set, else on an embedded cluster with durable
 *  settings (fsync, synchronous commit) in .bench-pg/<name>-<pid>/, started here. */
export async function scratchDatabase(root: string, name: string, dbName: string): Promise<ScratchDatabase> {
  let adminUrl = process.env.DATABASE_URL;
  let server: RunningPostgres | undefined;
  let dataDir: string | undefined;
  if (!adminUrl) {
    dataDir = path.join(root, '.bench-pg', `${name}-${process.pid}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
    server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    adminUrl = server.adminUrl;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${dbName}`);
  } finally {
    await admin.end();
  }
  const url = adminUrl;
  return {
    url: withDatabase(url, dbName), server, dataDir,
    async drop() {
      const a = new pg.Client({ connectionString: url });
      await a.connect().then(() => a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)).catch(() => {}).finally(() => a.end());
      if (server) await server.stop().catch(() => {});
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The machine's CPU time so far (Linux /proc/stat, in clock ticks): busy, idle and stolen (time the hypervisor ran
 *  other guests while this one had work). Undefined elsewhere. */
export function hostCpuTicks(): { busy: number; idle: number; steal: number } | undefined {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
    return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal: steal ?? 0 };
  } catch { return undefined; }
}

/** "host CPU during the run: busy 74%, idle 25%, stolen by the hypervisor 1%" between two hostCpuTicks readings (shares of all cores' time). */
export function hostCpuLine(a: ReturnType<typeof hostCpuTicks>, b: ReturnType<typeof hostCpuTicks>): string {
  if (!a || !b) return 'host: CPU shares not available';
  const busy = b.busy - a.busy, idle = b.idle - a.idle, steal = b.steal - a.steal, all = busy + idle + steal || 1;
  const p = (x: number) => `${((100 * x) / all).toFixed(0)}%`;
  return `host CPU during the run: busy ${p(busy)}, idle ${p(idle)}, stolen by the hypervisor ${p(steal)}`;
}
