// CDSi supporting-data releases kept in the database (table cdsi_schedule_release): imported once from
// CDC's XML directory, parsed once per process per release, and pinned by version when asked.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Config } from '../config.ts';
import { buildSchedule, type Schedule } from './schedule.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface ScheduleReleaseInfo {
  id: number;
  version: string;
  importedAt: string;
  sourceDir: string;
  fileCount: number;
  sha256: string;
}

export interface ImportResult {
  id: number;
  version: string;
  /** false when the identical release was already stored (re-import is a no-op). */
  created: boolean;
  files: number;
  antigens: number;
  vaccineGroups: number;
}

/** The XML files of a supporting-data directory (schemas and anything else are left out). */
export function readReleaseFiles(dir: string): Record<string, string> {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw new Error(`${dir}: cannot read the CDSi supporting-data directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const files: Record<string, string> = {};
  for (const n of names.sort()) {
    if (!/^(Schedule|Antigen)SupportingData.*\.xml$/i.test(n)) continue;
    files[n] = fs.readFileSync(path.join(dir, n), 'utf8');
  }
  return files;
}

/** Builds the schedule from stored file texts; errors name the file (and element) at fault. */
export function scheduleFromFiles(version: string, files: Record<string, string>, where = 'release'): Schedule {
  const names = Object.keys(files);
  const sched = names.find((n) => /^ScheduleSupportingData/i.test(n));
  if (!sched) throw new Error(`${where}: no ScheduleSupportingData*.xml`);
  const antigens: Record<string, string> = {};
  for (const n of names) if (/^AntigenSupportingData/i.test(n)) antigens[n] = files[n]!;
  if (!Object.keys(antigens).length) throw new Error(`${where}: no AntigenSupportingData-*.xml`);
  return buildSchedule(version, files[sched]!, antigens, sched);
}

/**
 * The release's version. CDC's XML carries no version element, so it is taken from a VERSION file in the
 * directory when there is one, else from the directory name as CDC ships it (supporting-data-4.64 -> 4.64).
 */
export function releaseVersion(dir: string): string | undefined {
  const vf = path.join(dir, 'VERSION');
  if (fs.existsSync(vf)) {
    const v = fs.readFileSync(vf, 'utf8').trim();
    if (v) return v;
  }
  return /(\d+\.\d+(?:\.\d+)?)/.exec(path.basename(path.resolve(dir)))?.[1];
}

function hashFiles(files: Record<string, string>): string {
  const h = crypto.createHash('sha256');
  for (const n of Object.keys(files).sort()) h.update(n).update('\0').update(files[n]!).update('\0');
  return h.digest('hex');
}

/** Validates the directory by building the schedule from it, then stores it. The same release twice is a no-op. */
export async function importScheduleRelease(db: Queryable, dir: string, opts: { version?: string; importedBy?: string } = {}): Promise<ImportResult> {
  const abs = path.resolve(dir);
  const files = readReleaseFiles(abs);
  const version = opts.version ?? releaseVersion(abs);
  if (!version) throw new Error(`${abs}: cannot tell the supporting-data version (no VERSION file, no version in the directory name); give it explicitly (iis schedule import --version <v> <dir>)`);
  const schedule = scheduleFromFiles(version, files, abs);
  const sha = hashFiles(files);
  const existing = await db.query<{ id: number; sha256: string }>(`SELECT id, sha256 FROM cdsi_schedule_release WHERE version = $1`, [version]);
  const summary = { version, files: Object.keys(files).length, antigens: schedule.antigens.size, vaccineGroups: schedule.vaccineGroups.size };
  if (existing.rows[0]) {
    if (existing.rows[0].sha256 === sha) return { id: Number(existing.rows[0].id), created: false, ...summary };
    throw new Error(`version ${version} is already stored with different content; import this directory under another version`);
  }
  const ins = await db.query<{ id: number }>(
    `INSERT INTO cdsi_schedule_release (version, source_dir, files, sha256, imported_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (version) DO NOTHING RETURNING id`,
    [version, abs, JSON.stringify(files), sha, opts.importedBy ?? null]);
  if (!ins.rows[0]) {
    // another process imported the same version at the same moment
    const again = await db.query<{ id: number; sha256: string }>(`SELECT id, sha256 FROM cdsi_schedule_release WHERE version = $1`, [version]);
    if (again.rows[0]?.sha256 !== sha) throw new Error(`version ${version} was stored concurrently with different content`);
    return { id: Number(again.rows[0].id), created: false, ...summary };
  }
  return { id: Number(ins.rows[0].id), created: true, ...summary };
}

/** Dotted versions compared numerically (4.64 > 4.7 is wrong as text but right here: 64 > 7). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-]/), pb = b.split(/[.\-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '', y = pb[i] ?? '';
    const nx = Number(x), ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) && x !== '' && y !== '' ? nx - ny : x.localeCompare(y);
    if (c) return c;
  }
  return 0;
}

/** Every stored release, newest version first. */
export async function listScheduleReleases(db: Queryable): Promise<ScheduleReleaseInfo[]> {
  const { rows } = await db.query(
    `SELECT id, version, imported_at, source_dir, sha256, (SELECT count(*) FROM jsonb_object_keys(files)) AS file_count FROM cdsi_schedule_release`);
  return rows
    .map((r) => ({ id: Number(r.id), version: r.version, importedAt: new Date(r.imported_at).toISOString(), sourceDir: r.source_dir, fileCount: Number(r.file_count), sha256: r.sha256 }))
    .sort((a, b) => compareVersions(b.version, a.version) || b.importedAt.localeCompare(a.importedAt));
}

/** Versions and hashes only: called on every forecast, so the XML (megabytes of jsonb) is not touched. */
async function releaseHeads(db: Queryable): Promise<{ id: number; version: string; importedAt: string; sha256: string }[]> {
  const { rows } = await db.query(`SELECT id, version, imported_at, sha256 FROM cdsi_schedule_release`);
  return rows
    .map((r) => ({ id: Number(r.id), version: r.version as string, importedAt: new Date(r.imported_at).toISOString(), sha256: r.sha256 as string }))
    .sort((a, b) => compareVersions(b.version, a.version) || b.importedAt.localeCompare(a.importedAt));
}

// Parsed schedules, per release content (version + hash): parsing takes a while and the result is immutable.
const parsed = new Map<string, Promise<Schedule>>();

/** Drops the parsed-schedule cache (tests). */
export function clearScheduleCache(): void {
  parsed.clear();
}

export class NoScheduleError extends Error {}

/**
 * The schedule the registry forecasts with: the newest stored release (highest version), or the one pinned by
 * `version`. On an empty table, config.cdsiDir is imported first when it exists, so a fresh install works.
 */
export async function currentSchedule(db: Queryable, config: Pick<Config, 'cdsiDir'>, opts: { version?: string } = {}): Promise<Schedule> {
  let releases = await releaseHeads(db);
  if (!releases.length && config.cdsiDir && fs.existsSync(config.cdsiDir)) {
    await importScheduleRelease(db, config.cdsiDir, { importedBy: 'auto-import at start' });
    releases = await releaseHeads(db);
  }
  if (!releases.length) throw new NoScheduleError(`no CDSi schedule release is stored and ${config.cdsiDir || 'IIS_CDSI_DIR'} does not exist: run \`iis schedule import <dir>\``);
  const pick = opts.version ? releases.find((r) => r.version === opts.version) : releases[0];
  if (!pick) throw new NoScheduleError(`CDSi schedule version ${opts.version} is not stored (stored: ${releases.map((r) => r.version).join(', ')})`);
  const key = `${pick.version}:${pick.sha256}`;
  let p = parsed.get(key);
  if (!p) {
    p = (async () => {
      const { rows } = await db.query<{ files: Record<string, string> }>(`SELECT files FROM cdsi_schedule_release WHERE id = $1`, [pick.id]);
      if (!rows[0]) throw new NoScheduleError(`CDSi schedule version ${pick.version} disappeared while loading`);
      return scheduleFromFiles(pick.version, rows[0].files, `stored release ${pick.version}`);
    })();
    p.catch(() => parsed.delete(key));
    parsed.set(key, p);
  }
  return p;
}
