// The real CDSi engine (src/cdsi) behind the school evaluator's CdsiEngine interface: per input dose, its
// validity per antigen in the best series, and per antigen the forecast of the next dose. A dose counts for
// school only when CDSi finds it valid (an extraneous dose, given after the series was already complete, is
// still a valid dose and counts too); sub-standard and not-valid doses never count.
import { evaluateAndForecast, type EngineResult, type Schedule } from '../cdsi/index.ts';
import { loadScheduleCached, scheduleFromBytes, type CachedSchedule } from '../cdsi/schedule-cache.ts';
import type { ForecastInput } from './evaluate.ts';
import type { Pack } from './pack.ts';
import type { CdsiEngine, CdsiResult } from './with-cdsi.ts';

/** Turns an engine result into what the school evaluator needs. */
export function schoolCdsiResult(r: EngineResult, doseCount: number, antigens?: ReadonlySet<string>): CdsiResult {
  const doses: Record<string, boolean>[] = new Array(doseCount);
  for (let i = 0; i < doseCount; i++) doses[i] = {};
  const forecast: ForecastInput = {};
  for (const a of r.antigens) {
    if (antigens && !antigens.has(a.antigen)) continue;
    for (const e of a.evaluations) {
      const v = doses[e.doseIndex];
      if (!v) continue;
      const ok = e.status === 'valid' || e.status === 'extraneous';
      // A dose evaluated twice for one antigen (several best series) counts when any evaluation is valid.
      v[a.antigen] = (v[a.antigen] ?? false) || ok;
    }
    const complete = a.status === 'complete' || a.status === 'immune';
    const f: ForecastInput[string] = {};
    if (complete) f.complete = true;
    if (a.forecast && !complete) {
      f.earliest = a.forecast.earliestDate;
      if (a.forecast.pastDueDate) f.pastDue = a.forecast.pastDueDate;
    }
    forecast[a.antigen] = f;
  }
  return { doses, forecast };
}

const DOSE_IDS = Array.from({ length: 200 }, (_, i) => String(i));
function engineDoses(doses: { date: string; cvx: string }[]) {
  const out = new Array(doses.length);
  for (let i = 0; i < doses.length; i++) out[i] = { id: DOSE_IDS[i] ?? String(i), date: doses[i].date, cvx: doses[i].cvx };
  return out;
}

const byPack = new WeakMap<Pack, WeakMap<Schedule, Map<string, CdsiEngine>>>();

/** The pack's levels hold its requirements; a grade's level decides which antigens the evaluation reads. */
export function levelOfGrade(pack: Pack, grade: string | undefined): Pack['levels'][number] | undefined {
  return grade === undefined ? undefined : pack.levels.find((l) => l.grades.includes(String(grade)));
}

/**
 * The engine for a pack: evaluates only the vaccine groups holding the pack's antigens, or, given a level,
 * only those of the level's requirements (a K-6 student needs no Hib or meningococcal evaluation). The school
 * evaluator reads validity and forecast of the level's antigens only, and the engine computes any antigen
 * another one depends on (live virus conflicts) on demand, so the narrower run gives the same results.
 */
export function cdsiEngineFor(pack: Pack, schedule: Schedule, level?: Pack['levels'][number]): CdsiEngine {
  let m = byPack.get(pack);
  if (!m) byPack.set(pack, m = new WeakMap());
  let perLevel = m.get(schedule);
  if (!perLevel) m.set(schedule, perLevel = new Map());
  const key = level?.id ?? '';
  let e = perLevel.get(key);
  if (e) return e;
  const antigens = new Set((level ? [level] : pack.levels).flatMap((l) => l.requirements.flatMap((r) => r.antigens)));
  const groups = new Set([...antigens].map((a) => schedule.antigenToGroup.get(a)).filter((g): g is string => !!g));
  e = (patient, doses, asOf) => schoolCdsiResult(
    evaluateAndForecast({ patient: { birthDate: patient.dob, gender: patient.sex ?? null }, doses: engineDoses(doses), assessmentDate: asOf },
      schedule, groups.size ? groups : undefined),
    doses.length, antigens);
  perLevel.set(key, e);
  return e;
}

let defaultSchedule: CachedSchedule | undefined;
/**
 * The schedule of IIS_CDSI_DIR (default ../shared/cdsi/supporting-data-4.64), loaded once per thread through
 * the on-disk cache of the parsed schedule (src/cdsi/schedule-cache.ts), with its serialized bytes for workers.
 */
export function defaultCdsiScheduleCached(dir = process.env.IIS_CDSI_DIR || new URL('../../../shared/cdsi/supporting-data-4.64', import.meta.url).pathname): CachedSchedule {
  return defaultSchedule ??= loadScheduleCached(dir);
}
export function defaultCdsiSchedule(dir?: string): Schedule {
  return defaultCdsiScheduleCached(dir).schedule;
}
/** A worker thread takes the main thread's schedule (its serialized bytes) instead of loading its own. */
export function useDefaultCdsiSchedule(bytes: Uint8Array): void {
  defaultSchedule = { schedule: scheduleFromBytes(bytes), bytes };
}
