// Public face of the CDSi engine (CDC logic spec 4.6): load the supporting data once, then evaluate and forecast.
import { loadScheduleFromDir } from './schedule.ts';
import type { Schedule } from './schedule.ts';

export type { Schedule } from './schedule.ts';
export type {
  EngineInput, EngineResult, AntigenResult, VaccineGroupResult, DoseEvaluation, Forecast, EvaluationStatus, SeriesStatus,
} from './engine.ts';
export { evaluateAndForecast } from './engine.ts';
export { checkProposedDose } from './dose-check.ts';
export { buildSchedule, parseAntigenXml } from './schedule.ts';

/** Parse a CDC supporting-data directory (ScheduleSupportingData.xml + AntigenSupportingData-*.xml) into an immutable schedule. */
export function loadSchedule(dir: string, version?: string): Schedule {
  return loadScheduleFromDir(dir, version);
}
