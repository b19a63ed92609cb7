// Calendar arithmetic on plain 'YYYY-MM-DD' strings (no clock, no time zones), following the CDSi
// convention: adding years/months lands on the same day of the month, and when that day does not
// exist (Feb 29 in a common year, Mar 31 + 1 month) the date moves to the 1st of the next month.
export type IsoDate = string;

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(s: unknown): s is IsoDate {
  if (typeof s !== 'string') return false;
  const m = ISO.exec(s);
  if (!m) return false;
  const y = +m[1], mo = +m[2], d = +m[3];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

const DIM = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysInMonth(y: number, m: number): number {
  return m === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : DIM[m - 1];
}

function parts(d: IsoDate): [number, number, number] {
  // Hot path of every evaluation: slice instead of a regex, then the same checks as isIsoDate.
  if (typeof d === 'string' && d.length === 10 && d[4] === '-' && d[7] === '-') {
    const y = Number(d.slice(0, 4)), m = Number(d.slice(5, 7)), day = Number(d.slice(8, 10));
    if (Number.isInteger(y) && Number.isInteger(m) && Number.isInteger(day) && m >= 1 && m <= 12 && day >= 1 && day <= daysInMonth(y, m) && ISO.test(d)) return [y, m, day];
  }
  throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(d)}`);
}

function fmt(y: number, m: number, d: number): IsoDate {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function addDays(d: IsoDate, n: number): IsoDate {
  if (n === 0) { parts(d); return d; }
  const [y, m, day] = parts(d);
  const t = new Date(Date.UTC(y, m - 1, day + n));
  return fmt(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

export function addMonths(d: IsoDate, n: number): IsoDate {
  const [y, m, day] = parts(d);
  if (n === 0) return d;
  const total = y * 12 + (m - 1) + n;
  const ny = Math.floor(total / 12), nm = (total % 12) + 1;
  if (day <= daysInMonth(ny, nm)) return fmt(ny, nm, day);
  return nm === 12 ? fmt(ny + 1, 1, 1) : fmt(ny, nm + 1, 1);
}

/** A duration as the field writes it: '4y', '12m', '28d', '8w', '4y 6m', '-4d'. */
export interface Duration { years: number; months: number; weeks: number; days: number }

const DUR = /^\s*(-?\d+)\s*(y|m|w|d)\s*/;

const durationCache = new Map<string, Duration>();

export function parseDuration(s: string): Duration {
  const hit = durationCache.get(s);
  if (hit) return hit;
  const d = parseDurationUncached(s);
  if (durationCache.size < 10_000) durationCache.set(s, d);
  return d;
}

function parseDurationUncached(s: string): Duration {
  const out: Duration = { years: 0, months: 0, weeks: 0, days: 0 };
  let rest = s.trim();
  if (!rest) throw new RangeError(`empty duration`);
  while (rest.length) {
    const m = DUR.exec(rest);
    if (!m) throw new RangeError(`bad duration ${JSON.stringify(s)} (expected e.g. '4y', '6m', '28d', '8w', '4y 6m')`);
    const n = Number(m[1]);
    if (m[2] === 'y') out.years += n; else if (m[2] === 'm') out.months += n; else if (m[2] === 'w') out.weeks += n; else out.days += n;
    rest = rest.slice(m[0].length);
  }
  return out;
}

export function isDuration(s: string): boolean {
  try { parseDuration(s); return true; } catch { return false; }
}

/** Years and months first (calendar), then weeks and days, as CDSi does. */
export function addDuration(d: IsoDate, dur: string | Duration): IsoDate {
  const x = typeof dur === 'string' ? parseDuration(dur) : dur;
  let r = addMonths(d, x.years * 12 + x.months);
  if (x.weeks || x.days) r = addDays(r, x.weeks * 7 + x.days);
  return r;
}

export function compareDates(a: IsoDate, b: IsoDate): number {
  parts(a); parts(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function maxDate(...ds: (IsoDate | undefined)[]): IsoDate | undefined {
  let r: IsoDate | undefined;
  for (const d of ds) if (d && (!r || d > r)) r = d;
  return r;
}

/** Whole years of age on a date (the birthday itself counts as the new year of age). */
export function ageInYears(dob: IsoDate, on: IsoDate): number {
  const [by] = parts(dob), [oy] = parts(on);
  let years = oy - by;
  if (addMonths(dob, years * 12) > on) years--;
  return years;
}

export function ageInMonths(dob: IsoDate, on: IsoDate): number {
  const [by, bm] = parts(dob), [oy, om] = parts(on);
  let months = (oy - by) * 12 + (om - bm);
  if (addMonths(dob, months) > on) months--;
  return months;
}

export function daysBetween(a: IsoDate, b: IsoDate): number {
  const [ay, am, ad] = parts(a), [by, bm, bd] = parts(b);
  return Math.round((Date.UTC(by, bm - 1, bd) - Date.UTC(ay, am - 1, ad)) / 86400000);
}
