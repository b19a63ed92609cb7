// The parsed supporting data kept on disk (v8 serialization), so a new process or worker thread gets its
// Schedule in ~20 ms instead of ~1 s of XML parsing. The Schedule is plain data (objects, arrays, Maps, Sets,
// shared references), which v8.serialize/deserialize reproduce exactly, shared references included.
// The cache file is named by a hash of everything the parse depends on: the XML files, the parser's sources
// and the Node version (serialization format), so an edited file or parser never reads a stale schedule.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { loadScheduleFromDir, type Schedule } from './schedule.ts';

/** Where cache files go (IIS_CACHE_DIR, default node_modules/.cache/iis of the checkout). */
export function cacheDir(): string {
  return process.env.IIS_CACHE_DIR || path.join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'iis');
}

/** The parser's own sources: a change to either makes a new cache key. */
const PARSER_SOURCES = ['schedule.ts', 'dates.ts'];

export interface CachedSchedule { schedule: Schedule; /** the v8-serialized schedule, for worker threads */ bytes: Uint8Array }

/** Load a supporting-data directory through the cache (parse and write the cache on a miss). */
export function loadScheduleCached(dir: string, version?: string): CachedSchedule {
  const h = crypto.createHash('sha256').update(`${process.version}\0${version ?? ''}\0${path.resolve(dir)}\0`);
  try {
    for (const n of fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort()) h.update(`${n}\0`).update(fs.readFileSync(path.join(dir, n))).update('\0');
    for (const n of PARSER_SOURCES) h.update(fs.readFileSync(path.join(import.meta.dirname, n))).update('\0');
  } catch {
    // The sources cannot be read (e.g. running from a bundle): no cache, parse.
    const schedule = loadScheduleFromDir(dir, version);
    return { schedule, bytes: v8.serialize(schedule) };
  }
  const file = path.join(cacheDir(), `cdsi-schedule-${h.digest('hex').slice(0, 24)}.v8`);
  try {
    const bytes = fs.readFileSync(file);
    return { schedule: v8.deserialize(bytes) as Schedule, bytes };
  } catch { /* a miss (or an unreadable file): parse and write */ }
  const schedule = loadScheduleFromDir(dir, version);
  const bytes = v8.serialize(schedule);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file); // atomic: a concurrent reader sees the whole file or none
    // Other schedules (another parser or XML version) written over an hour ago are removed, so edits do not pile up.
    for (const n of fs.readdirSync(path.dirname(file))) {
      const f = path.join(path.dirname(file), n);
      if (/^cdsi-schedule-.*\.v8$/.test(n) && f !== file && Date.now() - fs.statSync(f).mtimeMs > 3_600_000) fs.rmSync(f, { force: true });
    }
  } catch { /* a read-only checkout: no cache */ }
  return { schedule, bytes };
}

/** A schedule handed over as bytes (from loadScheduleCached) in another thread. */
export function scheduleFromBytes(bytes: Uint8Array): Schedule {
  return v8.deserialize(bytes) as Schedule;
}
