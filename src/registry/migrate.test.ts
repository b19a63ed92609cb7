import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../../test/support/postgres.ts';
import { migrate, listMigrations } from './migrate.ts';

const db = await freshDatabase();
after(() => db.close());

test('every migration is applied to the template and a second run applies nothing', async () => {
  const names = (await db.pool.query('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name);
  assert.deepEqual(names, listMigrations().map((m) => m.name));
  assert.deepEqual(await migrate(db.pool), []);
});

test('patient-scoped tables carry patient_id', async () => {
  for (const t of ['vaccination', 'observation', 'refusal', 'patient_source_record', 'patient_identifier']) {
    const r = await db.pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = 'patient_id'`, [t]);
    assert.equal(r.rowCount, 1, `${t}.patient_id`);
  }
});
