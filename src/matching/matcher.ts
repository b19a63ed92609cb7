// The registry's patient matcher: candidates from PostgreSQL (candidates.ts), scored by the pure scorer.
import type { PoolClient } from 'pg';
import type { MatchDecision, PatientRecord } from '../pipeline/canonical.ts';
import { findCandidates, type Candidate } from './candidates.ts';
import { personFromRecord, scorePair, type MatchPerson } from './score.ts';

/** Same signature as the pipeline's matcher hook. */
export type PatientMatcher = (client: PoolClient, record: PatientRecord, ctx: { organizationId: number }) => Promise<MatchDecision>;

const RANK = { match: 2, possible: 1, new: 0 } as const;

/** Matches a scorer-view person against the stored patients. */
export async function matchPerson(client: Pick<PoolClient, 'query'>, person: MatchPerson): Promise<MatchDecision> {
  return decideMatch(person, await findCandidates(client, person));
}

/** The decision from loaded candidates (pure: the ingest batch scores many records' candidates from one query). */
export function decideMatch(person: MatchPerson, candidates: Candidate[]): MatchDecision {
  // A provisional patient (awaiting review) can take an automatic match too: a resend of the record that
  // created it attaches to it instead of opening a second provisional record and review item.
  const scored = candidates.map((c) => ({ c, s: scorePair(person, c.person) }))
    .sort((x, y) => RANK[y.s.outcome] - RANK[x.s.outcome] || y.s.score - x.s.score);
  const list = scored.filter((x) => x.s.outcome !== 'new').map((x) => ({ patientId: x.c.patientId, score: x.s.score }));
  const best = scored[0];
  if (!best || best.s.outcome === 'new') {
    return { outcome: 'new', candidates: list, reasons: best ? [`best candidate ${best.c.patientId} scored ${best.s.score}`] : ['no candidate'] };
  }
  const matches = scored.filter((x) => x.s.outcome === 'match');
  if (matches.length > 1) {
    // Two existing patients both look certain: that is for a person to decide.
    return { outcome: 'possible', patientId: best.c.patientId, candidates: list, reasons: [...best.s.reasons, `rule:severalMatches(${matches.length})`] };
  }
  return { outcome: best.s.outcome, patientId: best.c.patientId, candidates: list, reasons: best.s.reasons };
}

export const matchPatient: PatientMatcher = (client, record) => matchPerson(client, personFromRecord(record));
