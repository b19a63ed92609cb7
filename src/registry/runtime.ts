// Opening the registry's database for a process: embedded PostgreSQL unless DATABASE_URL is set,
// migrations applied at start.
import path from 'node:path';
import type { Config } from '../config.ts';
import { createPool, ensureDatabase, startEmbeddedPostgres, withDatabase, type Pool, type RunningPostgres } from './database.ts';
import { migrate } from './migrate.ts';
import { flushWriteBehind } from './write-behind.ts';

export interface OpenDatabase {
  pool: Pool;
  url: string;
  close(): Promise<void>;
}

/** `attach` (default true): with no DATABASE_URL, use the embedded cluster of the data directory if a server is running
 *  it, so that operator commands work beside `iis serve` (which passes false: two servers must not share one). */
export async function openDatabase(config: Config, opts: { migrate?: boolean; log?: (s: string) => void; poolSize?: number; attach?: boolean } = {}): Promise<OpenDatabase> {
  const log = opts.log ?? (() => {});
  let server: RunningPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    log(`starting embedded PostgreSQL in ${path.join(config.dataDir, 'pg')} on port ${config.embeddedPgPort}`);
    server = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, attach: opts.attach ?? true });
    if (server.attached) log('using the embedded PostgreSQL already running there (a server started it)');
    await ensureDatabase(server.adminUrl, 'iis');
    url = withDatabase(server.adminUrl, 'iis');
  }
  const pool = createPool(url, opts.poolSize);
  if (opts.migrate !== false) await migrate(pool, log);
  return {
    pool,
    url,
    async close() {
      await flushWriteBehind(pool);
      await pool.end();
      if (server) await server.stop();
    },
  };
}
