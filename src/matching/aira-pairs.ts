// Reading the AIRA patient-matching test pairs (/work/shared/matching/pairs_AIRA-C.jsonl) into the
// scorer's MatchPerson, and summarising scorer agreement with the expected outcomes. Pure.
import type { MatchPerson, MatchOutcome } from './score.ts';
import { scorePair } from './score.ts';

export interface AiraPair {
  test: string; id: string; idPrefix: string; generatedAs: string; expect: string;
  a: Record<string, string>; b: Record<string, string>;
}

export function airaPerson(r: Record<string, string>): MatchPerson {
  const v = (k: string) => (r[k] ?? '').trim() || undefined;
  const identifiers = [] as NonNullable<MatchPerson['identifiers']>;
  if (v('ssn')) identifiers.push({ value: v('ssn')!, type: 'SS', authority: 'SSA' });
  if (v('medicaid')) identifiers.push({ value: v('medicaid')!, type: 'MA', authority: 'MEDICAID' });
  for (const mrn of (v('mrns') ?? '').split(/[;,~ ]+/).filter(Boolean)) {
    // '5-V27': the facility number, then that facility's record number.
    const m = /^(\w+)-(.+)$/.exec(mrn);
    identifiers.push(m ? { value: m[2]!, authority: m[1]!, type: 'MR' } : { value: mrn, type: 'MR' });
  }
  const birthType = Number(v('birthType') ?? '0');
  return {
    given: v('nameFirst'), middle: v('nameMiddle'), family: v('nameLast'), suffix: v('nameSuffix'),
    aliases: v('nameAlias') ? [{ given: v('nameAlias') }] : [],
    birthDate: v('birthDate'), sex: v('gender'), motherMaidenName: v('motherMaidenName'),
    guardians: v('guardianNameFirst') || v('guardianNameLast') ? [{ given: v('guardianNameFirst'), family: v('guardianNameLast') }] : [],
    street: v('addressStreet1'), city: v('addressCity'), zip: v('addressZip'), phone: v('phone'),
    identifiers,
    multipleBirth: birthType > 1 || v('birthStatus') === 'Y',
    birthOrder: v('birthOrder') ? Number(v('birthOrder')) : undefined,
  };
}

const EXPECT: Record<string, MatchOutcome | undefined> = { 'Match': 'match', 'Possible Match': 'possible', 'Not a Match': 'new' };

export interface EvalResult {
  pairs: number; scored: number; notSureExcluded: number;
  agreement: number; autoMatchPrecision: number; autoMatchRecall: number;
  confusion: Record<string, Record<string, number>>;
  falseMatches: string[];
}

/** 'Not Sure' rows (and any unknown expectation) are excluded from agreement. */
export function evaluatePairs(pairs: AiraPair[]): EvalResult {
  let scored = 0, agree = 0, notSure = 0, autoMatches = 0, autoMatchesSame = 0, samePersonExpectMatch = 0, recalled = 0;
  const confusion: Record<string, Record<string, number>> = {};
  const falseMatches: string[] = [];
  for (const p of pairs) {
    const got = scorePair(airaPerson(p.a), airaPerson(p.b)).outcome;
    const want = EXPECT[p.expect];
    if (!want) notSure++;
    else {
      scored++;
      if (got === want) agree++;
      (confusion[want] ??= {})[got] = (confusion[want]![got] ?? 0) + 1;
    }
    if (p.generatedAs === 'same-person' || p.generatedAs === 'different-person') {
      if (got === 'match') {
        autoMatches++;
        if (p.generatedAs === 'same-person') autoMatchesSame++;
        else falseMatches.push(p.test);
      }
      if (p.generatedAs === 'same-person' && want === 'match') {
        samePersonExpectMatch++;
        if (got === 'match') recalled++;
      }
    }
  }
  const r = (x: number) => Math.round(x * 10000) / 10000;
  return {
    pairs: pairs.length, scored, notSureExcluded: notSure,
    agreement: r(scored ? agree / scored : 0),
    autoMatchPrecision: r(autoMatches ? autoMatchesSame / autoMatches : 1),
    autoMatchRecall: r(samePersonExpectMatch ? recalled / samePersonExpectMatch : 0),
    confusion, falseMatches,
  };
}
