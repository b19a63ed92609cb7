// Date arithmetic per CDSi chapter 3 (CALCDT-1..6). Dates are integer day numbers (days since 1970-01-01 UTC)
// so the engine compares and offsets them without allocating Date objects.

export type DayNum = number;

/** An offset such as "6 weeks - 4 days" or "3 months + 4 weeks": months (years folded in) and days. */
export interface Offset { readonly months: number; readonly days: number; readonly text: string; /** unique per parsed offset: lets the engine memoize dates per patient */ readonly id: number }
let nextOffsetId = 0;

const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
function isLeap(y: number): boolean { return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0; }
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysInMonth(y: number, m: number): number { return m === 2 ? (isLeap(y) ? 29 : 28) : MONTH_DAYS[m - 1]!; }

/** Day number of a calendar date (month 1-12); the day may exceed the month (CALCDT-5 handled by caller). */
export function fromYmd(y: number, m: number, d: number): DayNum {
  // days from civil (Howard Hinnant's algorithm)
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function toYmd(n: DayNum): [number, number, number] {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Parse an ISO date (YYYY-MM-DD) or CDC's YYYYMMDD / MM/DD/YYYY; throws a clear error otherwise. */
export function parseDate(s: string): DayNum {
  let y: number, m: number, d: number;
  const a = ISO.exec(s);
  if (a) { y = +a[1]!; m = +a[2]!; d = +a[3]!; }
  else if (/^\d{8}$/.test(s)) { y = +s.slice(0, 4); m = +s.slice(4, 6); d = +s.slice(6, 8); }
  else {
    const b = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
    if (!b) throw new Error(`invalid date '${s}' (expected YYYY-MM-DD)`);
    m = +b[1]!; d = +b[2]!; y = +b[3]!;
  }
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) throw new Error(`invalid date '${s}'`);
  return fromYmd(y, m, d);
}

const TWO = Array.from({ length: 32 }, (_, i) => (i < 10 ? '0' : '') + i);
// formatted dates repeat a lot (assessment dates, ages): a dense cache indexed by day number over 1900-2199 saves the
// civil conversion and a hash lookup
const CACHE_FROM = fromYmd(1900, 1, 1), CACHE_SIZE = fromYmd(2200, 1, 1) - CACHE_FROM;
const formatted: (string | undefined)[] = new Array(CACHE_SIZE).fill(undefined);
function formatUncached(n: DayNum): string {
  const [y, m, d] = toYmd(n);
  return `${y >= 1000 ? y : String(y).padStart(4, '0')}-${TWO[m]}-${TWO[d]}`;
}
export function formatDate(n: DayNum): string {
  const k = n - CACHE_FROM;
  if (k >= 0 && k < CACHE_SIZE) return formatted[k] ??= formatUncached(n);
  return formatUncached(n);
}

const PART = /([+-])?\s*(\d+)\s*(year|month|week|day)s?/gi;
/** Parse a CDSi offset ("12 months - 4 days", "1 year", "0 days"). Blank gives undefined. */
export function parseOffset(text: string | undefined | null): Offset | undefined {
  if (text == null) return undefined;
  const t = String(text).trim();
  if (!t || t.toLowerCase() === 'n/a') return undefined;
  let months = 0, days = 0, matched = 0;
  PART.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PART.exec(t))) {
    matched++;
    const sign = m[1] === '-' ? -1 : 1;
    const n = sign * Number(m[2]);
    const unit = m[3]!.toLowerCase();
    if (unit === 'year') months += 12 * n; else if (unit === 'month') months += n;
    else if (unit === 'week') days += 7 * n; else days += n;
  }
  if (!matched) throw new Error(`invalid CDSi offset '${t}'`);
  return { months, days, text: t, id: nextOffsetId++ };
}

// civil dates of day numbers over 1900-2199 packed as y << 9 | m << 5 | d, and the day number of each month's 1st:
// addOffset (months) then needs no division (CALCDT-1/2/5 on table lookups); outside the range it computes
const YMD_FROM = fromYmd(1900, 1, 1), YMD_SIZE = fromYmd(2200, 1, 1) - YMD_FROM;
const YMD = new Int32Array(YMD_SIZE);
const MONTH_START = new Int32Array(300 * 12 + 1);
for (let y = 1900, i = 0, n = YMD_FROM; y < 2200; y++) for (let m = 1; m <= 12; m++, i++) {
  MONTH_START[i] = n;
  const dim = daysInMonth(y, m);
  for (let d = 1; d <= dim; d++, n++) YMD[n - YMD_FROM] = (y << 9) | (m << 5) | d;
}
MONTH_START[300 * 12] = fromYmd(2200, 1, 1);

/** date + offset: years and months first (CALCDT-1/2), a non-existent day moves to the 1st of the next month (CALCDT-5), then weeks/days (CALCDT-3/4, CALCDT-6). */
export function addOffset(date: DayNum, off: Offset): DayNum {
  if (off.months === 0) return date + off.days;
  const k = date - YMD_FROM;
  if (k >= 0 && k < YMD_SIZE) {
    const p = YMD[k]!, d = p & 31;
    const mi = ((p >> 9) - 1900) * 12 + ((p >> 5) & 15) - 1 + off.months;
    if (mi >= 0 && mi < 300 * 12) {
      const start = MONTH_START[mi]!, dim = MONTH_START[mi + 1]! - start;
      return (d > dim ? start + dim : start + d - 1) + off.days;
    }
  }
  const [y, m, d] = toYmd(date);
  const total = y * 12 + (m - 1) + off.months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  const dim = daysInMonth(ny, nm);
  const base = d > dim ? fromYmd(ny, nm, dim) + 1 : fromYmd(ny, nm, d);
  return base + off.days;
}
