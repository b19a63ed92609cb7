// The forecast hook the registry's HL7 interface loads for QBP Z44 (see src/registry/context.ts).
import type { Pool } from 'pg';
import type { Config } from '../config.ts';
import type { ForecastForZ42 } from '../registry/context.ts';
import { forecastForPatient, toEvaluatedHistoryAndForecast } from './registry-forecast.ts';
import { currentSchedule } from './store.ts';

/** Undefined when no schedule can be had (nothing stored, no IIS_CDSI_DIR): Z44 then answers with a clear error. */
export async function makeZ42Forecast(pool: Pool, config: Config): Promise<ForecastForZ42 | undefined> {
  try {
    await currentSchedule(pool, config);
  } catch {
    return undefined;
  }
  return async (db, patientId, vaccinations, today) => {
    const schedule = await currentSchedule(pool, config);
    const result = await forecastForPatient(db, schedule, patientId, today);
    return toEvaluatedHistoryAndForecast(result, vaccinations, schedule);
  };
}
