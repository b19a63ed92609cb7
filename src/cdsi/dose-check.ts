// The over-immunization check: would a proposed dose be valid and needed, or extraneous, too early,
// contraindicated or not recommended? Runs the engine with and without the dose on its date and compares.
import { addOffset, parseDate } from './dates.ts';
import { evaluateAndForecast, type EngineInput, type EngineResult, type SeriesStatus, type VaccineGroupResult } from './index.ts';
import { normCvx, type Schedule } from './schedule.ts';

export type DoseVerdict = 'valid' | 'extraneous' | 'too_early' | 'contraindicated' | 'not_recommended' | 'not_valid' | 'unknown_vaccine';

export interface GroupCheck {
  vaccineGroup: string;
  verdict: Exclude<DoseVerdict, 'unknown_vaccine'>;
  /** The group's series status before the dose (on the proposed date). */
  statusBefore: SeriesStatus;
  /** The dose number the forecast asked for, and its dates, before the dose. */
  forecast?: { doseNumber: number; earliestDate: string; recommendedDate: string; pastDueDate?: string; latestDate?: string };
  /** How the engine would evaluate the dose in this group (after adding it). */
  evaluation?: { status: string; reason?: string; explanation?: string };
  reason: string;
}

export interface DoseCheck {
  verdict: DoseVerdict;
  /** True when at least one vaccine group needs this dose and it would count there. */
  needed: boolean;
  vaccineGroups: GroupCheck[];
  /** Plain sentences for the person about to record the dose. */
  reasons: string[];
  /** When too early: the first date the dose would count. */
  earliestDate?: string;
  scheduleVersion: string;
}

const RANK: Record<GroupCheck['verdict'], number> = { contraindicated: 6, too_early: 5, not_valid: 4, valid: 3, extraneous: 2, not_recommended: 1 };
const TOO_EARLY = new Set(['age_too_young', 'interval_too_soon', 'live_virus_conflict']);
const STATUS_WORDS: Record<SeriesStatus, string> = {
  not_complete: 'not complete', complete: 'complete', immune: 'immune (evidence of immunity on file)', contraindicated: 'contraindicated',
  aged_out: 'aged out (past the maximum age)', not_recommended: 'not recommended for this patient',
};

export function checkProposedDose(input: EngineInput, proposed: { cvx: string; date: string; mvx?: string | null }, schedule: Schedule): DoseCheck {
  const cvx = normCvx(proposed.cvx);
  const dob = parseDate(input.patient.birthDate);
  const on = parseDate(proposed.date); // throws on a malformed date
  const known = schedule.cvx.get(cvx);
  const groups = [...new Set((known?.associations ?? [])
    .filter((a) => on >= (a.beginAge ? addOffset(dob, a.beginAge) : -1e9) && on < (a.endAge ? addOffset(dob, a.endAge) : 1e9))
    .map((a) => schedule.antigenToGroup.get(a.antigen)).filter((g): g is string => !!g))];
  if (!known || !groups.length) {
    return { verdict: 'unknown_vaccine', needed: false, vaccineGroups: [], scheduleVersion: schedule.version,
      reasons: [known ? `CVX ${cvx} (${known.description}) counts toward no vaccine group at this age in CDSi schedule ${schedule.version}.` : `CVX ${cvx} is not in CDSi schedule ${schedule.version}: it cannot be checked.`] };
  }
  const only = new Set(groups);
  // the history as of the proposed date: later doses cannot make this one early or late
  const history = input.doses.filter((d) => d.date <= proposed.date);
  const base: EngineInput = { ...input, doses: history, assessmentDate: proposed.date };
  const before = evaluateAndForecast(base, schedule, only);
  const idx = history.length;
  const after = evaluateAndForecast({ ...base, doses: [...history, { id: 'proposed', date: proposed.date, cvx, mvx: proposed.mvx ?? null }] }, schedule, only);
  const vaccineContra = vaccineContraindication(input, cvx, on, dob, schedule);
  const checks: GroupCheck[] = groups.map((g) => checkGroup(g, before, after, idx, proposed.date, vaccineContra));
  const verdict = checks.reduce((w, c) => (RANK[c.verdict] > RANK[w] ? c.verdict : w), 'not_recommended' as GroupCheck['verdict']);
  const earliest = checks.filter((c) => c.verdict === 'too_early' && c.forecast && c.forecast.earliestDate > proposed.date).map((c) => c.forecast!.earliestDate).sort().at(-1);
  const reasons = checks.map((c) => `${c.vaccineGroup}: ${c.reason}`);
  if (verdict === 'valid' && checks.some((c) => c.verdict === 'extraneous')) reasons.push('The dose counts where it is needed; the components for complete groups are extra but acceptable in a combination vaccine.');
  return { verdict, needed: checks.some((c) => c.verdict === 'valid'), vaccineGroups: checks, reasons, earliestDate: earliest, scheduleVersion: schedule.version };
}

function checkGroup(group: string, before: EngineResult, after: EngineResult, idx: number, date: string, vaccineContra?: string): GroupCheck {
  const b = before.vaccineGroups.find((g) => g.vaccineGroup === group);
  const a = after.vaccineGroups.find((g) => g.vaccineGroup === group);
  const statusBefore: SeriesStatus = b?.status ?? 'not_recommended';
  const f = b?.forecast;
  const forecast = f ? { doseNumber: f.doseNumber, earliestDate: f.earliestDate, recommendedDate: f.recommendedDate, pastDueDate: f.pastDueDate, latestDate: f.latestDate } : undefined;
  const ev = evaluationOf(after, a, group, idx);
  const out = (verdict: GroupCheck['verdict'], reason: string): GroupCheck => ({ vaccineGroup: group, verdict, statusBefore, forecast, evaluation: ev, reason });
  if (statusBefore === 'contraindicated') return out('contraindicated', `contraindicated: ${contraText(b)}. Do not give.`);
  if (vaccineContra) return out('contraindicated', `this vaccine is contraindicated: ${vaccineContra}. Do not give.`);
  if (statusBefore === 'complete' || statusBefore === 'immune') return out('extraneous', `the series is ${STATUS_WORDS[statusBefore]}; another dose would be extraneous (over-immunization).`);
  if (statusBefore === 'aged_out' || statusBefore === 'not_recommended') return out('not_recommended', `the series is ${STATUS_WORDS[statusBefore]}; no dose is recommended.`);
  if (!ev) return out('not_recommended', 'the engine did not count this vaccine toward the series at this age.');
  if (ev.status === 'valid') {
    const early = forecast && forecast.earliestDate > date ? ` It is ${daysBetween(date, forecast.earliestDate)} day(s) before the earliest date ${forecast.earliestDate}, inside the 4-day grace period.` : '';
    return out('valid', `${forecast ? `dose ${forecast.doseNumber}` : 'the dose'} would be valid and is needed${forecast ? ` (recommended ${forecast.recommendedDate})` : ''}.${early}`);
  }
  if (ev.status === 'extraneous') return out('extraneous', `the dose would be extraneous: ${ev.explanation ?? ev.reason ?? 'not needed'}.`);
  if (ev.reason && TOO_EARLY.has(ev.reason)) {
    const when = forecast && forecast.earliestDate > date ? ` The earliest date it would count is ${forecast.earliestDate}.` : '';
    return out('too_early', `too early, it would not count: ${ev.explanation ?? ev.reason}.${when}`);
  }
  return out('not_valid', `the dose would not be valid: ${ev.explanation ?? ev.reason ?? 'not valid'}.`);
}

function evaluationOf(after: EngineResult, g: VaccineGroupResult | undefined, group: string, idx: number): GroupCheck['evaluation'] {
  const d = g?.doses.find((x) => x.doseIndex === idx);
  if (!d) return undefined;
  // the antigen evaluation behind the group's combined status, for its explanation
  const e = after.antigens.filter((x) => x.vaccineGroup === group).flatMap((x) => x.evaluations).find((x) => x.doseIndex === idx && x.status === d.status && x.reason === d.reason);
  return { status: d.status, reason: d.reason, explanation: e?.explanation };
}

function contraText(g: VaccineGroupResult | undefined): string {
  const m = /contraindicated: ([^|;]+)/.exec(g?.explanation ?? '');
  return m ? m[1]!.trim() : 'an observation on file contraindicates this vaccine group';
}

/** Vaccine-specific contraindications (supporting data <contraindications><vaccine>): an observation of the patient naming this CVX. */
function vaccineContraindication(input: EngineInput, cvx: string, on: number, dob: number, schedule: Schedule): string | undefined {
  const codes = new Set((input.observations ?? []).map((o) => o.code));
  if (!codes.size) return undefined;
  for (const assoc of schedule.cvx.get(cvx)?.associations ?? []) {
    for (const c of schedule.antigens.get(assoc.antigen)?.vaccineContraindications ?? []) {
      if (!codes.has(c.code) || (c.cvx && !c.cvx.has(cvx))) continue;
      if (c.beginAge && on < addOffset(dob, c.beginAge)) continue;
      if (c.endAge && on >= addOffset(dob, c.endAge)) continue;
      return `${c.code} ${c.title}`;
    }
  }
  return undefined;
}

function daysBetween(a: string, b: string): number {
  return parseDate(b) - parseDate(a);
}
