// Test databases on a real PostgreSQL: the test driver migrates one template database, and each test
// file clones it (CREATE DATABASE ... TEMPLATE), which takes milliseconds and isolates files from each other.
import pg from 'pg';
import { createPool, withDatabase } from '../../src/registry/database.ts';
import { flushWriteBehind } from '../../src/registry/write-behind.ts';

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  /** Drop the database (call in after()). */
  close(): Promise<void>;
}

let counter = 0;

export function testAdminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_PG_ADMIN_URL is not set: run tests through `npm test` (scripts/test.ts starts PostgreSQL)');
  return url;
}

export async function freshDatabase(poolSize = 10): Promise<TestDatabase> {
  const admin = testAdminUrl();
  const template = process.env.TEST_TEMPLATE_DB || 'iis_test_template';
  const name = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await client.end();
  }
  const url = withDatabase(admin, name);
  const pool = createPool(url, poolSize);
  return {
    url,
    pool,
    async close() {
      await flushWriteBehind(pool);
      await pool.end();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Path of ../shared (the CEO's shared material), overridable with IIS_SHARED_DIR. */
export function sharedDir(): string {
  return process.env.IIS_SHARED_DIR || new URL('../../../shared', import.meta.url).pathname;
}
