// What the benches share: a free port, a percentile, and the CPU time of the embedded PostgreSQL they started.
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';

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
