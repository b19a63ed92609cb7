// What the registry's pipeline needs at hand: the database, configuration, code sets (from the code_value table),
// the CDSi observation lookup, the vaccine-group map for de-duplication, and the forecast hook for Z44.
import type { Pool, PoolClient } from 'pg';
import type { Config } from '../config.ts';
import type { CodeSets } from '../codes/codesets.ts';
import { cdsiObservationsFromCodeSets } from '../codes/cdsi-observations.ts';
import type { VaccinationRecord } from '../pipeline/canonical.ts';
import type { EvaluatedHistoryAndForecast } from '../hl7v2/rsp.ts';
import type { VaccineGroupMap } from '../matching/dedup.ts';
import { loadVaccineGroupMap } from '../matching/vaccine-groups.ts';
import { ensureCodeSets } from './codes.ts';

/** Evaluated history and forecast for one stored patient (QBP Z44 → RSP Z42); provided by the CDSi module. */
export type ForecastForZ42 = (db: Pick<PoolClient, 'query'>, patientId: number, vaccinations: VaccinationRecord[], today: string) => Promise<EvaluatedHistoryAndForecast>;

export interface RegistryContext {
  pool: Pool;
  config: Config;
  codes: CodeSets;
  cdsiLookup: (code: string | undefined, codeSystem?: string) => string | undefined;
  vaccineGroups: VaccineGroupMap;
  /** MSH-3/MSH-4 of the registry's answers. */
  receivingApplication: string;
  receivingFacility: string;
  /** Unset until a CDSi schedule is available: Z44 then answers with a clear error. */
  forecast?: ForecastForZ42;
  /** The clock, replaceable in tests. */
  now: () => Date;
}

const cache = new WeakMap<Pool, Promise<RegistryContext>>();

/** One context per pool (code sets loaded once; imported from IIS_CODES_DIR on an empty database). */
export function getRegistryContext(pool: Pool, config: Config): Promise<RegistryContext> {
  let p = cache.get(pool);
  if (!p) {
    p = build(pool, config);
    p.catch(() => cache.delete(pool));
    cache.set(pool, p);
  }
  return p;
}

async function build(pool: Pool, config: Config): Promise<RegistryContext> {
  const codes = await ensureCodeSets(pool, { codesDir: config.codesDir, cdsiDir: config.cdsiDir });
  const obs = cdsiObservationsFromCodeSets(codes);
  let vaccineGroups: VaccineGroupMap;
  try { vaccineGroups = loadVaccineGroupMap(config.cdsiDir); } catch { vaccineGroups = { groupsOf: () => [], isUnspecified: () => false }; }
  const ctx: RegistryContext = {
    pool, config, codes, vaccineGroups,
    cdsiLookup: (code, system) => obs.lookup(code, system),
    receivingApplication: 'IIS',
    receivingFacility: 'IIS',
    now: () => new Date(),
  };
  ctx.forecast = await loadForecastHook(pool, config);
  return ctx;
}

/** The CDSi module plugs in here when present (kept dynamic so the registry core does not depend on it). */
async function loadForecastHook(pool: Pool, config: Config): Promise<ForecastForZ42 | undefined> {
  try {
    const mod = await import('../cdsi/z42.ts' as string) as { makeZ42Forecast?: (pool: Pool, config: Config) => Promise<ForecastForZ42 | undefined> };
    return await mod.makeZ42Forecast?.(pool, config);
  } catch {
    return undefined;
  }
}
