// The engine's result in the words the screens use: per vaccine group "overdue", "due now", "upcoming" or
// "complete" (and immune / contraindicated / not recommended), and each dose's evaluation by vaccination id.
import type { EngineResult } from '../cdsi/engine.ts';

export type GroupStatus = 'overdue' | 'due' | 'upcoming' | 'complete' | 'immune' | 'contraindicated' | 'not_recommended' | 'aged_out' | 'unknown';

export const GROUP_STATUS_TEXT: Record<GroupStatus, string> = {
  overdue: 'Overdue', due: 'Due now', upcoming: 'Upcoming', complete: 'Complete', immune: 'Immune',
  contraindicated: 'Contraindicated', not_recommended: 'Not recommended', aged_out: 'No longer recommended for this age', unknown: 'Unknown',
};

const REASON_TEXT: Record<string, string> = {
  age_too_young: 'Given too young', age_too_old: 'Given too old', interval_too_soon: 'Too soon after the previous dose',
  live_virus_conflict: 'Too soon after another live vaccine', inadvertent_vaccine: 'Wrong vaccine for this person',
  not_preferable_or_allowable_vaccine: 'This vaccine does not count for this dose', gender: 'Not for this sex',
  series_already_complete: 'Extra dose: the series was already complete', expired: 'Expired vaccine', sub_standard: 'Sub-standard dose',
};
export function reasonInWords(r: string | undefined): string | undefined {
  return r ? REASON_TEXT[r] ?? r.replace(/_/g, ' ') : undefined;
}
const EVAL_TEXT: Record<string, string> = { valid: 'Valid', not_valid: 'Not valid', extraneous: 'Extra dose (not needed)', sub_standard: 'Sub-standard' };

export interface GroupView {
  vaccineGroup: string; status: GroupStatus; statusText: string; doseNumber?: number;
  earliestDate?: string; recommendedDate?: string; pastDueDate?: string; latestDate?: string; explanation: string;
}
export interface DoseEvaluationView { antigen: string; vaccineGroup: string; status: string; statusText: string; reason?: string; reasonText?: string; targetDose?: string; series: string }
export interface ForecastView {
  scheduleVersion: string; assessmentDate: string; groups: GroupView[];
  /** by vaccination id */
  evaluations: Record<string, DoseEvaluationView[]>;
  summary: Record<GroupStatus, number>;
}

export function groupStatus(g: EngineResult['vaccineGroups'][number], today: string): GroupStatus {
  switch (g.status) {
    case 'complete': return 'complete';
    case 'immune': return 'immune';
    case 'contraindicated': return 'contraindicated';
    case 'aged_out': return 'aged_out';
    case 'not_recommended': return 'not_recommended';
  }
  const f = g.forecast;
  if (!f) return 'unknown';
  if (f.pastDueDate && today >= f.pastDueDate) return 'overdue';
  if (today >= f.recommendedDate) return 'due';
  return 'upcoming';
}

const ORDER: GroupStatus[] = ['overdue', 'due', 'upcoming', 'contraindicated', 'unknown', 'complete', 'immune', 'aged_out', 'not_recommended'];

export function toForecastView(r: EngineResult, today: string): ForecastView {
  const summary = Object.fromEntries(ORDER.map((s) => [s, 0])) as Record<GroupStatus, number>;
  const groups = r.vaccineGroups.map((g): GroupView => {
    const status = groupStatus(g, today);
    summary[status]++;
    return {
      vaccineGroup: g.vaccineGroup, status, statusText: GROUP_STATUS_TEXT[status], doseNumber: g.forecast?.doseNumber,
      earliestDate: g.forecast?.earliestDate, recommendedDate: g.forecast?.recommendedDate, pastDueDate: g.forecast?.pastDueDate,
      latestDate: g.forecast?.latestDate, explanation: g.explanation,
    };
  }).sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || (a.recommendedDate ?? '').localeCompare(b.recommendedDate ?? '') || a.vaccineGroup.localeCompare(b.vaccineGroup));
  const evaluations: Record<string, DoseEvaluationView[]> = {};
  for (const a of r.antigens) {
    for (const e of a.evaluations) {
      if (!e.id) continue;
      (evaluations[e.id] ??= []).push({
        antigen: e.antigen, vaccineGroup: a.vaccineGroup, status: e.status, statusText: EVAL_TEXT[e.status] ?? e.status,
        reason: e.reason, reasonText: reasonInWords(e.reason), targetDose: e.targetDose, series: e.series,
      });
    }
  }
  return { scheduleVersion: r.scheduleVersion, assessmentDate: r.assessmentDate, groups, evaluations, summary };
}
