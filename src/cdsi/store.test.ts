import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, sharedDir } from '../../test/support/postgres.ts';
import { compareVersions, currentSchedule, importScheduleRelease, listScheduleReleases, NoScheduleError } from './store.ts';

const SRC = path.join(sharedDir(), 'cdsi', 'supporting-data-4.64');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdsi-store-'));
const db = await freshDatabase();
after(async () => { await db.close(); fs.rmSync(tmp, { recursive: true, force: true }); });

/** A copy of the real release under another name, optionally with one file changed. */
function copyRelease(name: string, change?: { file: string; edit: (xml: string) => string }): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  for (const f of fs.readdirSync(SRC)) {
    let text = fs.readFileSync(path.join(SRC, f), 'utf8');
    if (change && f === change.file) text = change.edit(text);
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

test('import validates, stores the XML with its version, and a second import of the same release is a no-op', async () => {
  const r = await importScheduleRelease(db.pool, SRC);
  assert.equal(r.version, '4.64');
  assert.equal(r.created, true);
  assert.ok(r.antigens >= 25, `antigens ${r.antigens}`);
  assert.ok(r.files >= 26);
  const again = await importScheduleRelease(db.pool, SRC);
  assert.equal(again.created, false);
  assert.equal(again.id, r.id);
  const list = await listScheduleReleases(db.pool);
  assert.equal(list.length, 1);
  assert.equal(list[0]!.sourceDir, path.resolve(SRC));
  const { rows } = await db.pool.query(`SELECT files ? 'ScheduleSupportingData.xml' AS has FROM cdsi_schedule_release`);
  assert.equal(rows[0].has, true);
});

test('the newest version is used unless a version is pinned; schedules are parsed once per release', async () => {
  const dir = copyRelease('supporting-data-4.65', { file: 'ScheduleSupportingData.xml', edit: (x) => `${x}\n<!-- 4.65 -->\n` });
  const r = await importScheduleRelease(db.pool, dir);
  assert.equal(r.version, '4.65');
  const config = { cdsiDir: '/nonexistent' };
  const newest = await currentSchedule(db.pool, config);
  assert.equal(newest.version, '4.65');
  assert.equal(await currentSchedule(db.pool, config), newest, 'cached: the same parsed schedule');
  const pinned = await currentSchedule(db.pool, config, { version: '4.64' });
  assert.equal(pinned.version, '4.64');
  assert.notEqual(pinned, newest);
  await assert.rejects(currentSchedule(db.pool, config, { version: '3.0' }), (e: Error) => e instanceof NoScheduleError && /3\.0 is not stored.*4\.65, 4\.64/.test(e.message));
  assert.deepEqual((await listScheduleReleases(db.pool)).map((x) => x.version), ['4.65', '4.64']);
});

test('versions compare numerically', () => {
  assert.ok(compareVersions('4.64', '4.7') > 0);
  assert.ok(compareVersions('4.64', '4.64.1') < 0);
  assert.equal(compareVersions('4.64', '4.64'), 0);
});

test('the same version with different content is refused', async () => {
  const dir = copyRelease('other-4.64', { file: 'ScheduleSupportingData.xml', edit: (x) => `${x}\n<!-- changed -->\n` });
  await assert.rejects(importScheduleRelease(db.pool, dir, { version: '4.64' }), /already stored with different content/);
});

test('a malformed release is refused with an error naming the file, and nothing is stored', async () => {
  const dir = copyRelease('supporting-data-9.1', { file: 'AntigenSupportingData-HepB-508.xml', edit: (x) => x.replace('<antigenSupportingData>', '<somethingElse>') });
  await assert.rejects(importScheduleRelease(db.pool, dir), /AntigenSupportingData-HepB-508\.xml/);
  const empty = path.join(tmp, 'supporting-data-9.2');
  fs.mkdirSync(empty);
  await assert.rejects(importScheduleRelease(db.pool, empty), /no ScheduleSupportingData/);
  await assert.rejects(importScheduleRelease(db.pool, path.join(tmp, 'missing-9.3')), /cannot read.*ENOENT/);
  const unnamed = copyRelease('release');
  await assert.rejects(importScheduleRelease(db.pool, unnamed), /cannot tell the supporting-data version/);
  assert.ok(!(await listScheduleReleases(db.pool)).some((x) => x.version.startsWith('9.')));
});

test('an empty database imports IIS_CDSI_DIR at first use; without it the error says what to run', async () => {
  const fresh = await freshDatabase(2);
  try {
    await assert.rejects(currentSchedule(fresh.pool, { cdsiDir: path.join(tmp, 'nowhere') }), (e: Error) => e instanceof NoScheduleError && /iis schedule import/.test(e.message));
    const s = await currentSchedule(fresh.pool, { cdsiDir: SRC });
    assert.equal(s.version, '4.64');
    assert.equal((await listScheduleReleases(fresh.pool)).length, 1);
  } finally {
    await fresh.close();
  }
});
