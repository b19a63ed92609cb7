// Pure patient match scorer (no I/O). Fellegi-Sunter style: each field comparison falls into an agreement
// level, each level carries a weight = log2(m/u), where m = P(level | same person) and u = P(level |
// different people). The weights below are ROUND HAND-SET values justified by field reliability, not fitted
// to any labelled pair:
//  - u is roughly 1 / (number of distinct values a field takes among people who already share a blocking
//    key): a birth date is shared by ~1/2000 of a cohort (+8..11 bits, we use 8), a given or family name by
//    ~1/100 (+6), sex by 1/2 (+0.5 since m is ~0.98 and u ~0.5 after blocking on DOB);
//  - a "disagree" weight is log2(m_dis/u_dis) with u_dis ~0.95 for any field: given names rarely differ for
//    one person (m ~0.02: -6), surnames change by marriage/hyphenation (-4), birth dates are typo-prone but
//    rarely wholly different (-10), middle names are often dropped but rarely changed (m ~0.1: -3), mothers'
//    maiden names and guardians are re-reported differently more often (m ~0.15-0.2: -2.5/-2), and phones and
//    street addresses change with moves (m ~0.3: -1.5);
//  - identifiers: an SSN or Medicaid id is near-unique (+7/+6) but shared or mistyped ids exist, so a
//    disagreement is -4/-3 and never decisive alone; a medical record number is per facility and in practice
//    re-used by mistake, so it counts +3 and its disagreement 0.
// Thresholds: name + birth date agreement alone (~20 bits) must NOT be enough for an automatic Match; one
// more corroborating field (>= ~2 bits: address, phone, identifier, mother's maiden name) makes it 22.
// Possible from 12 bits (e.g. names agree but birth date is a typo, or birth date + surname + sex only).
// Outcome: total >= MATCH_THRESHOLD -> Match, >= POSSIBLE_THRESHOLD -> Possible Match, else Not a Match;
// then hard rules can only LOWER an automatic Match to Possible (twins: same birth date and surname with a
// different or typo'd first name, or a multiple birth whose first names differ; placeholder names such as
// BABY BOY; different sex; conflicting SSN/Medicaid; different suffix; swapped name fields; a birth date that
// is not exact), and twins with a different birth order and first name are Not a Match.
import { distance } from 'fastest-levenshtein';
import { areNicknames } from './nicknames.ts';
import type { PatientRecord } from '../pipeline/canonical.ts';

export interface MatchIdentifier { value: string; authority?: string; type?: string }

/** The demographic fields the scorer compares, as plain strings (any case, any accents). */
export interface MatchPerson {
  given?: string;
  middle?: string;
  family?: string;
  suffix?: string;
  aliases?: { given?: string; family?: string }[];
  birthDate?: string;          // YYYY-MM-DD or YYYYMMDD
  sex?: string;
  motherMaidenName?: string;
  guardians?: { given?: string; family?: string }[];
  street?: string;
  city?: string;
  zip?: string;
  phone?: string;
  email?: string;
  identifiers?: MatchIdentifier[];
  multipleBirth?: boolean;
  birthOrder?: number;
}

export type MatchOutcome = 'match' | 'possible' | 'new';

export interface MatchScore {
  outcome: MatchOutcome;
  score: number;
  /** One reason per field that counted, e.g. 'birthDate:swapped(+2)', plus hard rules applied. */
  reasons: string[];
}

export const MATCH_THRESHOLD = 22;
export const POSSIBLE_THRESHOLD = 12;

export const WEIGHTS = {
  given: { exact: 6, nickname: 4, similar: 3, swapped: 2, disagree: -6 },
  family: { exact: 6, partial: 4, similar: 3, disagree: -4 },
  middle: { exact: 2, initial: 1, similar: 1, disagree: -3 },
  suffix: { exact: 1, disagree: -6 },
  birthDate: { exact: 8, swapped: 2, offByOne: 1, disagree: -10 },
  sex: { agree: 0.5, disagree: -5 },
  motherMaidenName: { exact: 3, similar: 2, disagree: -2.5 },
  guardianGiven: { exact: 1.5, similar: 1, disagree: -2 },
  guardianFamily: { exact: 1, disagree: 0 },
  phone: { exact: 3, similar: 2, disagree: -1.5 },
  // Shared by families, changed often: like a phone number.
  email: { exact: 3, similar: 2, disagree: -1 },
  street: { exact: 3, similar: 2, disagree: -1.5 },
  zip: { exact: 1, disagree: -0.5 },
  city: { exact: 0.5, disagree: 0 },
  ssn: { exact: 7, similar: 3, disagree: -4 },
  medicaid: { exact: 6, similar: 2, disagree: -3 },
  mrn: { exact: 3, disagree: 0 },
} as const;

const PLACEHOLDER_GIVEN = new Set([
  'BABY', 'BABYBOY', 'BABYGIRL', 'BOY', 'GIRL', 'INFANT', 'NEWBORN', 'NB', 'BB', 'BG', 'TWIN', 'TWINA', 'TWINB',
  'TWINC', 'TRIPLETA', 'TRIPLETB', 'TRIPLETC', 'UNKNOWN', 'UNK', 'NONAME', 'NOTNAMED', 'UNNAMED', 'INFANTBOY',
  'INFANTGIRL', 'MALE', 'FEMALE', 'BABYA', 'BABYB', 'BABYBOYA', 'BABYBOYB', 'BABYGIRLA', 'BABYGIRLB', 'NEWBORNBOY',
  'NEWBORNGIRL', 'TEST',
]);
const SUFFIXES = new Set(['JR', 'SR', 'II', 'III', 'IV', 'V', 'JUNIOR', 'SENIOR', '2ND', '3RD']);
const SUFFIX_CANON: Record<string, string> = { JUNIOR: 'JR', SENIOR: 'SR', '2ND': 'II', '3RD': 'III' };

/** Upper case, accents (and their mojibake) removed, only letters, digits, space and hyphen kept. */
export function normalizeText(s: string | undefined): string {
  if (!s) return '';
  let n = normalizedText.get(s);
  if (n === undefined) {
    n = s.normalize('NFD').replace(/[^\x20-\x7e]/g, '').toUpperCase().replace(/[^A-Z0-9 \-']/g, ' ')
      .replace(/'/g, '').replace(/\s+/g, ' ').trim();
    remember(normalizedText, s, n);
  }
  return n;
}
const squash = (s: string) => {
  let q = squashed.get(s);
  if (q === undefined) remember(squashed, s, (q = s.replace(/[ \-]/g, '')));
  return q;
};

// Names, streets and cities repeat across the records scored (every candidate's normalized afresh): their normal
// forms are remembered, up to a bound (then forgotten all at once; the cache is a speed-up, not state).
const normalizedText = new Map<string, string>();
const squashed = new Map<string, string>();
function remember(cache: Map<string, string>, k: string, v: string): void {
  if (k.length > 200) return; // a name that long is no common name; not worth the memory
  if (cache.size >= 100_000) cache.clear();
  cache.set(k, v);
}

export function isPlaceholderName(given: string | undefined): boolean {
  const g = squash(normalizeText(given));
  return g !== '' && PLACEHOLDER_GIVEN.has(g);
}

/** Identifiers senders fill in when they have none: 000000000, 999-99-9999, 123456789, UNKNOWN... */
export function isPlaceholderIdentifier(value: string | undefined): boolean {
  const v = (value ?? '').toUpperCase().replace(/[^0-9A-Z]/g, '');
  if (v.length < 2) return true;
  if (/^(.)\1+$/.test(v)) return true;
  return ['123456789', '012345678', '987654321', 'UNKNOWN', 'UNK', 'NONE', 'NA', 'NULL', 'TEST'].includes(v);
}

/** Jaro-Winkler similarity in [0,1]. */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return a.length ? 1 : 0;
  if (!a.length || !b.length) return 0;
  const range = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const am = new Array<boolean>(a.length).fill(false), bm = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = Math.max(0, i - range); j < Math.min(b.length, i + range + 1); j++) {
      if (!bm[j] && a[i] === b[j]) { am[i] = bm[j] = true; matches++; break; }
    }
  }
  if (!matches) return 0;
  let t = 0, k = 0;
  for (let i = 0; i < a.length; i++) {
    if (!am[i]) continue;
    while (!bm[k]) k++;
    if (a[i] !== b[k]) t++;
    k++;
  }
  const jaro = (matches / a.length + matches / b.length + (matches - t / 2) / matches) / 3;
  let p = 0;
  while (p < 4 && p < a.length && p < b.length && a[p] === b[p]) p++;
  return jaro + p * 0.1 * (1 - jaro);
}

/** Typo-level similarity of two normalized strings: one edit, transposition, or Jaro-Winkler >= 0.9. */
function similar(a: string, b: string): boolean {
  const x = squash(a), y = squash(b);
  if (!x || !y) return false;
  if (x === y) return true;
  const d = distance(x, y);
  if (d <= 1 && Math.min(x.length, y.length) >= 3) return true;
  if (d === 2 && x.length === y.length && x.length >= 3 && isTransposition(x, y)) return true;
  if (d <= 2 && Math.min(x.length, y.length) >= 7) return true;
  return jaroWinkler(x, y) >= 0.92;
}

/** Two adjacent letters swapped ('ONAH' / 'NOAH'). */
function isTransposition(x: string, y: string): boolean {
  const diff: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff.push(i);
  return diff.length === 2 && diff[1] === diff[0]! + 1 && x[diff[0]!] === y[diff[1]!] && x[diff[1]!] === y[diff[0]!];
}

function tokens(s: string): string[] { return s.split(/[ \-]+/).filter(Boolean); }

interface Norm {
  given: string; middle: string; family: string; suffix: string; placeholder: boolean;
  aliases: { given: string; family: string }[];
  dob?: [number, number, number]; sex: string; mmn: string;
  guardians: { given: string; family: string }[];
  street: string; city: string; zip: string; phone: string; email: string;
  ids: { value: string; authority: string; type: string }[];
  multipleBirth: boolean; birthOrder?: number;
}

function splitSuffix(name: string): [string, string] {
  const t = tokens(name);
  let suffix = '';
  while (t.length > 1 && SUFFIXES.has(t[t.length - 1]!)) suffix = t.pop()!;
  return [t.join(' '), SUFFIX_CANON[suffix] ?? suffix];
}

function parseDate(s: string | undefined): [number, number, number] | undefined {
  if (!s) return undefined;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(s.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function normType(t: string | undefined): string {
  const x = (t ?? '').toUpperCase();
  if (x === 'SS' || x === 'SSN') return 'SS';
  if (x === 'MA' || x === 'MC' || x === 'MEDICAID') return 'MA';
  return x || 'MR';
}

// A record is normalized once however many candidates it is scored against (records are not changed once built).
const normalized = new WeakMap<MatchPerson, Norm>();

export function normalizePerson(p: MatchPerson): Norm {
  let n = normalized.get(p);
  if (!n) normalized.set(p, (n = normalizeUncached(p)));
  return n;
}

function normalizeUncached(p: MatchPerson): Norm {
  let [given, gsuf] = splitSuffix(normalizeText(p.given));
  let [family, fsuf] = splitSuffix(normalizeText(p.family));
  const suffix = (() => { const s = normalizeText(p.suffix).replace(/[ .]/g, ''); return SUFFIX_CANON[s] ?? s; })() || fsuf || gsuf;
  const placeholder = isPlaceholderName(p.given);
  if (placeholder) given = '';
  return {
    given, middle: normalizeText(p.middle), family, suffix, placeholder,
    aliases: (p.aliases ?? []).map((a) => ({ given: normalizeText(a.given), family: normalizeText(a.family) })),
    dob: parseDate(p.birthDate), sex: normalizeText(p.sex).slice(0, 1),
    mmn: normalizeText(p.motherMaidenName),
    guardians: (p.guardians ?? []).map((g) => ({ given: normalizeText(g.given), family: normalizeText(g.family) })),
    street: normalizeText(p.street), city: squash(normalizeText(p.city)), zip: (p.zip ?? '').replace(/\D/g, '').slice(0, 5),
    phone: (p.phone ?? '').toUpperCase().replace(/[^0-9A-Z]/g, ''),
    email: (p.email ?? '').trim().toLowerCase(),
    ids: (p.identifiers ?? []).filter((i) => !isPlaceholderIdentifier(i.value)).map((i) => ({
      value: i.value.toUpperCase().replace(/[^0-9A-Z]/g, ''), authority: (i.authority ?? '').toUpperCase(), type: normType(i.type),
    })),
    multipleBirth: !!p.multipleBirth, birthOrder: p.birthOrder && p.birthOrder > 0 ? p.birthOrder : undefined,
  };
}

type GivenLevel = 'exact' | 'nickname' | 'similar' | 'swapped' | 'disagree' | 'missing';

function compareGiven(a: Norm, b: Norm): GivenLevel {
  if (!a.given || !b.given) return 'missing';
  if (squash(a.given) === squash(b.given)) return 'exact';
  const ta = tokens(a.given), tb = tokens(b.given);
  if (areNicknames(squash(a.given), squash(b.given)) || ta.some((x) => tb.some((y) => areNicknames(x, y)))) return 'nickname';
  // "Ziazan Avice" vs "Ziazan": the middle name written into the first-name field.
  if (ta[0] === tb[0] && ta[0]!.length > 1) return 'similar';
  if (similar(a.given, b.given)) return 'similar';
  const x = squash(a.given), y = squash(b.given);
  if (Math.min(x.length, y.length) >= 2 && (x.startsWith(y) || y.startsWith(x))) return 'similar';
  if ((a.middle && squash(a.middle) === squash(b.given)) || (b.middle && squash(b.middle) === squash(a.given))) return 'swapped';
  if (a.family && b.family && squash(a.given) === squash(b.family) && squash(b.given) === squash(a.family)) return 'swapped';
  if (a.aliases.some((al) => al.given && squash(al.given) === y) || b.aliases.some((al) => al.given && squash(al.given) === x)) return 'nickname';
  return 'disagree';
}

type FamilyLevel = 'exact' | 'partial' | 'similar' | 'disagree' | 'missing';

function compareFamily(a: Norm, b: Norm): FamilyLevel {
  if (!a.family || !b.family) return 'missing';
  const x = squash(a.family), y = squash(b.family);
  if (x === y) return 'exact';
  if (similar(a.family, b.family)) return 'similar';
  const ta = tokens(a.family), tb = tokens(b.family);
  // Hyphenated / double surnames and changed surnames reported as an alias.
  if (ta.some((t) => t.length > 1 && tb.includes(t))) return 'partial';
  const fams = (n: Norm) => [n.family, ...n.aliases.map((al) => al.family)].filter(Boolean).map(squash);
  if (fams(a).some((f) => fams(b).includes(f))) return 'partial';
  // First and last swapped: scored under the given-name comparison.
  if (a.given && b.given && x === squash(b.given) && y === squash(a.given)) return 'missing';
  return 'disagree';
}

function compareDob(a: Norm, b: Norm): 'exact' | 'swapped' | 'offByOne' | 'disagree' | 'missing' {
  if (!a.dob || !b.dob) return 'missing';
  const [ay, am, ad] = a.dob, [by, bm, bd] = b.dob;
  if (ay === by && am === bm && ad === bd) return 'exact';
  if (ay === by && am === bd && ad === bm) return 'swapped';
  const diffs = [ay !== by, am !== bm, ad !== bd].filter(Boolean).length;
  if (diffs === 1) {
    if (Math.abs(ay - by) === 1 || Math.abs(am - bm) === 1 || Math.abs(ad - bd) === 1) return 'offByOne';
    const s1 = `${ay}${String(am).padStart(2, '0')}${String(ad).padStart(2, '0')}`;
    const s2 = `${by}${String(bm).padStart(2, '0')}${String(bd).padStart(2, '0')}`;
    if (distance(s1, s2) <= 1) return 'offByOne';
  }
  return 'disagree';
}

function idsOfType(n: Norm, type: string) { return n.ids.filter((i) => i.type === type); }

/** Scores two patient records. Pure and deterministic. */
export function scorePair(pa: MatchPerson, pb: MatchPerson): MatchScore {
  const a = normalizePerson(pa), b = normalizePerson(pb);
  const reasons: string[] = [];
  let score = 0;
  const add = (field: string, level: string, w: number) => {
    score += w;
    reasons.push(`${field}:${level}(${w >= 0 ? '+' : ''}${w})`);
  };

  const given = compareGiven(a, b);
  if (given !== 'missing') add('given', given, WEIGHTS.given[given]);
  const family = compareFamily(a, b);
  if (family !== 'missing') add('family', family, WEIGHTS.family[family]);
  if (a.middle && b.middle && given !== 'swapped') {
    const x = squash(a.middle), y = squash(b.middle);
    if (x === y) add('middle', 'exact', WEIGHTS.middle.exact);
    else if ((x.length === 1 || y.length === 1) && x[0] === y[0]) add('middle', 'initial', WEIGHTS.middle.initial);
    else if (similar(a.middle, b.middle) || tokens(a.middle)[0] === tokens(b.middle)[0]) add('middle', 'similar', WEIGHTS.middle.similar);
    else add('middle', 'disagree', WEIGHTS.middle.disagree);
  }
  if (a.suffix && b.suffix) {
    if (a.suffix === b.suffix) add('suffix', 'exact', WEIGHTS.suffix.exact);
    else add('suffix', 'disagree', WEIGHTS.suffix.disagree);
  }
  const dob = compareDob(a, b);
  if (dob !== 'missing') add('birthDate', dob, WEIGHTS.birthDate[dob]);
  if (a.sex && b.sex && 'MF'.includes(a.sex) && 'MF'.includes(b.sex)) {
    add('sex', a.sex === b.sex ? 'agree' : 'disagree', a.sex === b.sex ? WEIGHTS.sex.agree : WEIGHTS.sex.disagree);
  }
  if (a.mmn && b.mmn) {
    if (squash(a.mmn) === squash(b.mmn)) add('motherMaidenName', 'exact', WEIGHTS.motherMaidenName.exact);
    else if (similar(a.mmn, b.mmn) || tokens(a.mmn).some((t) => tokens(b.mmn).includes(t))) add('motherMaidenName', 'similar', WEIGHTS.motherMaidenName.similar);
    else add('motherMaidenName', 'disagree', WEIGHTS.motherMaidenName.disagree);
  }
  const gGiven = (n: Norm) => n.guardians.map((g) => g.given).filter(Boolean);
  const gFamily = (n: Norm) => n.guardians.map((g) => g.family).filter(Boolean);
  if (gGiven(a).length && gGiven(b).length) {
    if (gGiven(a).some((x) => gGiven(b).some((y) => squash(x) === squash(y)))) add('guardianGiven', 'exact', WEIGHTS.guardianGiven.exact);
    else if (gGiven(a).some((x) => gGiven(b).some((y) => similar(x, y) || areNicknames(squash(x), squash(y))))) add('guardianGiven', 'similar', WEIGHTS.guardianGiven.similar);
    else add('guardianGiven', 'disagree', WEIGHTS.guardianGiven.disagree);
  }
  if (gFamily(a).length && gFamily(b).length && gFamily(a).some((x) => gFamily(b).some((y) => squash(x) === squash(y)))) {
    add('guardianFamily', 'exact', WEIGHTS.guardianFamily.exact);
  }
  if (a.phone && b.phone) {
    if (a.phone === b.phone) add('phone', 'exact', WEIGHTS.phone.exact);
    else if (distance(a.phone, b.phone) <= 1 || (a.phone.length >= 10 && b.phone.length >= 10 && (a.phone.slice(-7) === b.phone.slice(-7) || distance(a.phone, b.phone) <= 2 && jaroWinkler(a.phone, b.phone) > 0.9))) add('phone', 'similar', WEIGHTS.phone.similar);
    else add('phone', 'disagree', WEIGHTS.phone.disagree);
  }
  if (a.email && b.email) {
    if (a.email === b.email) add('email', 'exact', WEIGHTS.email.exact);
    else if (distance(a.email, b.email) <= 1) add('email', 'similar', WEIGHTS.email.similar);
    else add('email', 'disagree', WEIGHTS.email.disagree);
  }
  if (a.street && b.street) {
    const x = squash(a.street), y = squash(b.street);
    if (x === y) add('street', 'exact', WEIGHTS.street.exact);
    else if (similar(a.street, b.street) || (tokens(a.street)[0] === tokens(b.street)[0] && jaroWinkler(x, y) >= 0.85)) add('street', 'similar', WEIGHTS.street.similar);
    else add('street', 'disagree', WEIGHTS.street.disagree);
  }
  if (a.zip && b.zip) add('zip', a.zip === b.zip ? 'exact' : 'disagree', a.zip === b.zip ? WEIGHTS.zip.exact : WEIGHTS.zip.disagree);
  if (a.city && b.city && a.city === b.city) add('city', 'exact', WEIGHTS.city.exact);

  // Identifiers, compared per type and assigning authority (an SSN has one implicit authority).
  let conflictingId = false;
  for (const [type, field] of [['SS', 'ssn'], ['MA', 'medicaid']] as const) {
    const xa = idsOfType(a, type), xb = idsOfType(b, type);
    if (!xa.length || !xb.length) continue;
    const sameAuth = (i: { authority: string }, j: { authority: string }) => type === 'SS' || !i.authority || !j.authority || i.authority === j.authority;
    const pairs = xa.flatMap((i) => xb.filter((j) => sameAuth(i, j)).map((j) => [i.value, j.value] as const));
    if (!pairs.length) continue;
    if (pairs.some(([i, j]) => i === j)) add(field, 'exact', WEIGHTS[field].exact);
    else if (pairs.some(([i, j]) => distance(i, j) <= 1 || (i.length === j.length && distance(i, j) === 2 && [...i].sort().join() === [...j].sort().join()))) add(field, 'similar', WEIGHTS[field].similar);
    else { add(field, 'disagree', WEIGHTS[field].disagree); conflictingId = true; }
  }
  const mrA = a.ids.filter((i) => i.type !== 'SS' && i.type !== 'MA'), mrB = b.ids.filter((i) => i.type !== 'SS' && i.type !== 'MA');
  if (mrA.some((i) => mrB.some((j) => i.value === j.value && i.authority === j.authority))) add('mrn', 'exact', WEIGHTS.mrn.exact);

  let outcome: MatchOutcome = score >= MATCH_THRESHOLD ? 'match' : score >= POSSIBLE_THRESHOLD ? 'possible' : 'new';

  // Hard rules: they only ever take away an automatic match.
  const cap = (why: string) => { if (outcome === 'match') outcome = 'possible'; reasons.push(`rule:${why}`); };
  const firstNamesAgree = given === 'exact' || given === 'nickname' || given === 'similar';
  if (a.birthOrder && b.birthOrder && a.birthOrder !== b.birthOrder) {
    // Different birth order on the same birth date: twins, different people.
    if (dob === 'exact' && !firstNamesAgree) { outcome = 'new'; reasons.push('rule:twinsDifferentBirthOrder'); }
    else cap('differentBirthOrder');
  }
  // A missing first name is let through only when a one-per-person identifier (SSN, Medicaid) agrees:
  // twins share surname, birth date, address and mother, never an SSN.
  const personalIdAgrees = reasons.includes(`ssn:exact(+${WEIGHTS.ssn.exact})`) || reasons.includes(`medicaid:exact(+${WEIGHTS.medicaid.exact})`);
  if (dob === 'exact' && (family === 'exact' || family === 'partial' || family === 'similar') && given !== 'exact' && given !== 'nickname'
    && !(given === 'missing' && !a.placeholder && !b.placeholder && personalIdAgrees)) {
    cap('twinProtection');
  }
  if ((a.multipleBirth || b.multipleBirth) && given !== 'exact' && given !== 'nickname') cap('multipleBirthNameDiffers');
  if (a.placeholder || b.placeholder) cap('placeholderName');
  // First/last or first/middle written in each other's place: the name fields are unreliable, a person decides.
  if (given === 'swapped') cap('namesSwapped');
  if (a.sex && b.sex && 'MF'.includes(a.sex) && 'MF'.includes(b.sex) && a.sex !== b.sex) cap('differentSex');
  if (conflictingId) cap('conflictingIdentifier');
  if (a.suffix && b.suffix && a.suffix !== b.suffix) cap('differentSuffix');
  if (dob !== 'exact') cap('birthDateNotExact');

  return { outcome, score: Math.round(score * 100) / 100, reasons };
}

/** The highest score record `p` could reach against any stored patient whose birth date the scorer rates 'disagree'
 *  (-10): every other field `p` carries at its best weight, the fields it lacks at 0 (each comparison needs both
 *  sides). Below POSSIBLE_THRESHOLD such a patient can never be listed, so candidate selection need not load the
 *  same-name patients born on other dates (candidates.ts). A sparse record (name, birth date, sex: 2.5) prunes them; one
 *  with a mother's maiden name, address and phone (13) keeps them. */
export function bestScoreIfBirthDateDisagrees(p: MatchPerson): number {
  const n = normalizePerson(p);
  const W = WEIGHTS;
  const has = (type: string) => n.ids.some((i) => i.type === type);
  let best = W.birthDate.disagree;
  if (n.given) best += W.given.exact;
  if (n.family) best += W.family.exact;
  if (n.middle) best += W.middle.exact;
  if (n.suffix) best += W.suffix.exact;
  if (n.sex === 'M' || n.sex === 'F') best += W.sex.agree;
  if (n.mmn) best += W.motherMaidenName.exact;
  if (n.guardians.some((g) => g.given)) best += W.guardianGiven.exact;
  if (n.guardians.some((g) => g.family)) best += W.guardianFamily.exact;
  if (n.phone) best += W.phone.exact;
  if (n.email) best += W.email.exact;
  if (n.street) best += W.street.exact;
  if (n.zip) best += W.zip.exact;
  if (n.city) best += W.city.exact;
  if (has('SS')) best += W.ssn.exact;
  if (has('MA')) best += W.medicaid.exact;
  if (n.ids.some((i) => i.type !== 'SS' && i.type !== 'MA')) best += W.mrn.exact;
  return best;
}

/** The scorer's view of a canonical PatientRecord. */
export function personFromRecord(r: PatientRecord): MatchPerson {
  return {
    given: r.name.given, middle: r.name.middle, family: r.name.family, suffix: r.name.suffix,
    aliases: r.aliases.map((a) => ({ given: a.given, family: a.family })),
    birthDate: r.birthDate, sex: r.sex, motherMaidenName: r.motherMaidenName,
    guardians: r.guardians.map((g) => ({ given: g.name?.given, family: g.name?.family })),
    street: r.address?.street, city: r.address?.city, zip: r.address?.zip, phone: r.phone, email: r.email,
    identifiers: r.identifiers.map((i) => ({ value: i.value, authority: i.authority, type: i.type })),
    multipleBirth: (r.multipleBirth ?? '').toUpperCase() === 'Y', birthOrder: r.birthOrder,
  };
}
