// HL7 v2 ER7 ("pipe and hat") parsing and building. Hand-written on purpose: the npm HL7 v2 parsers are either
// unmaintained, slow (object-per-component eager trees) or lose escapes; the registry needs >= 1,000 VXU/s on
// 2 cores, so this parser splits segments and fields once and splits components/subcomponents lazily.

export class Er7ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Er7ParseError';
  }
}

export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  truncation?: string;
}

export const STANDARD_DELIMITERS: Delimiters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

export interface Er7Segment {
  name: string;
  /** fields[n] is the raw (still escaped) text of field n; fields[0] is the name. For MSH, fields[1] is the
   * field separator and fields[2] the encoding characters, so MSH-n is fields[n] as for every other segment. */
  fields: string[];
  /** 1-based position of this segment in the message (for diagnostics). */
  line: number;
  /** 1-based occurrence number of this segment name in the message (ERR-2.2 sequence). */
  seq: number;
}

/** A parsed message. Values returned by get() are unescaped; raw() returns escaped text. */
export class Er7Message {
  /** Non-fatal oddities met while parsing (odd encoding characters, junk before MSH...). */
  readonly warnings: string[] = [];
  constructor(
    readonly segments: Er7Segment[],
    readonly delimiters: Delimiters,
  ) {}

  /** The nth (0-based) segment with that name, or undefined. */
  segment(name: string, nth = 0): Er7Segment | undefined {
    let k = 0;
    for (const s of this.segments) if (s.name === name && k++ === nth) return s;
    return undefined;
  }

  all(name: string): Er7Segment[] {
    return this.segments.filter((s) => s.name === name);
  }

  /** Raw field text (all repetitions, escaped). */
  raw(seg: Er7Segment | string | undefined, field: number): string {
    const s = typeof seg === 'string' ? this.segment(seg) : seg;
    if (!s) return '';
    return s.fields[field] ?? '';
  }

  /** Raw repetitions of a field (escaped). An empty field gives []. */
  reps(seg: Er7Segment | string | undefined, field: number): string[] {
    const r = this.raw(seg, field);
    if (r === '') return [];
    const s = typeof seg === 'string' ? this.segment(seg) : seg;
    // MSH-2 holds the encoding characters themselves; never split it.
    if (s?.name === 'MSH' && field <= 2) return [r];
    return r.split(this.delimiters.repetition);
  }

  /** Unescaped value at seg-field[rep].comp.sub (all 1-based). '' when absent. */
  get(seg: Er7Segment | string | undefined, field: number, rep = 1, comp = 1, sub = 1): string {
    const s = typeof seg === 'string' ? this.segment(seg) : seg;
    if (!s) return '';
    const raw = s.fields[field];
    if (raw === undefined || raw === '') return '';
    if (s.name === 'MSH' && field <= 2) return rep === 1 && comp === 1 && sub === 1 ? raw : '';
    const d = this.delimiters;
    let r = raw;
    if (rep > 1 || r.includes(d.repetition)) r = nth(r, d.repetition, rep - 1);
    return this.unescape(component(r, d, comp, sub));
  }

  /** Components of one repetition's raw text, unescaped: comp(rawRep, 2) etc. */
  comp(rawRep: string, comp: number, sub = 1): string {
    return this.unescape(component(rawRep, this.delimiters, comp, sub));
  }

  unescape(v: string): string {
    return v.includes(this.delimiters.escape) ? unescapeEr7(v, this.delimiters) : v;
  }

  /** Serialise back to ER7 with \r segment terminators. */
  toString(): string {
    const d = this.delimiters;
    return this.segments
      .map((s) => (s.name === 'MSH' ? 'MSH' + d.field + s.fields.slice(2).join(d.field) : s.fields.join(d.field)))
      .join('\r');
  }
}

function nth(text: string, sep: string, index: number): string {
  let start = 0;
  for (let i = 0; i < index; i++) {
    const p = text.indexOf(sep, start);
    if (p < 0) return '';
    start = p + sep.length;
  }
  const end = text.indexOf(sep, start);
  return end < 0 ? text.slice(start) : text.slice(start, end);
}

function component(rep: string, d: Delimiters, comp: number, sub: number): string {
  let c = rep;
  if (comp > 1 || c.includes(d.component)) c = nth(c, d.component, comp - 1);
  if (sub > 1 || c.includes(d.subcomponent)) c = nth(c, d.subcomponent, sub - 1);
  return c;
}

export function unescapeEr7(v: string, d: Delimiters = STANDARD_DELIMITERS): string {
  const e = d.escape;
  let out = '';
  let i = 0;
  while (i < v.length) {
    const p = v.indexOf(e, i);
    if (p < 0) {
      out += v.slice(i);
      break;
    }
    out += v.slice(i, p);
    const q = v.indexOf(e, p + 1);
    if (q < 0) {
      // A lone escape character: keep it literally rather than fail.
      out += v.slice(p);
      break;
    }
    const code = v.slice(p + 1, q);
    switch (code) {
      case 'F': out += d.field; break;
      case 'S': out += d.component; break;
      case 'T': out += d.subcomponent; break;
      case 'R': out += d.repetition; break;
      case 'E': out += d.escape; break;
      case '.br': out += '\n'; break;
      default:
        if (code.length > 1 && code[0] === 'X' && /^X[0-9A-Fa-f]+$/.test(code)) {
          const hex = code.slice(1);
          for (let k = 0; k + 1 < hex.length; k += 2) out += String.fromCharCode(parseInt(hex.slice(k, k + 2), 16));
        } else if (code === 'H' || code === 'N') {
          // highlighting on/off: no plain-text equivalent
        } else {
          out += e + code + e;
        }
    }
    i = q + 1;
  }
  return out;
}

export function escapeEr7(v: string, d: Delimiters = STANDARD_DELIMITERS): string {
  let needs = false;
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (ch === d.field || ch === d.component || ch === d.repetition || ch === d.escape || ch === d.subcomponent || ch === '\r' || ch === '\n') {
      needs = true;
      break;
    }
  }
  if (!needs) return v;
  let out = '';
  for (const ch of v) {
    if (ch === d.escape) out += d.escape + 'E' + d.escape;
    else if (ch === d.field) out += d.escape + 'F' + d.escape;
    else if (ch === d.component) out += d.escape + 'S' + d.escape;
    else if (ch === d.subcomponent) out += d.escape + 'T' + d.escape;
    else if (ch === d.repetition) out += d.escape + 'R' + d.escape;
    else if (ch === '\n') out += d.escape + '.br' + d.escape;
    else if (ch === '\r') continue;
    else out += ch;
  }
  return out;
}

const SEGMENT_NAME = /^[A-Z][A-Z0-9]{2}$/;

/**
 * Parse ER7 text. Tolerant of \r, \n or \r\n segment terminators, MLLP framing bytes, a BOM, leading blank lines
 * and junk before MSH (reported in warnings). Throws Er7ParseError only when there is no MSH segment at all.
 */
export function parseEr7(text: string): Er7Message {
  if (typeof text !== 'string' || text.length === 0) throw new Er7ParseError('Empty message: expected HL7 v2 text starting with an MSH segment');
  let start = text.indexOf('MSH');
  if (start < 0) throw new Er7ParseError('Not an HL7 v2 message: no MSH segment found');
  const warnings: string[] = [];
  // MSH must begin a line; skip junk (e.g. MLLP start byte, BOM, whitespace) before it.
  while (start > 0 && !/[\r\n\x0b\ufeff\s]/.test(text[start - 1])) {
    const next = text.indexOf('MSH', start + 3);
    if (next < 0) throw new Er7ParseError('Not an HL7 v2 message: no MSH segment at the start of a line');
    start = next;
  }
  if (text.slice(0, start).trim().replace(/[\x0b\x1c\ufeff]/g, '') !== '') warnings.push('Text before the MSH segment was ignored');
  const fs = text[start + 3];
  if (fs === undefined || /[A-Za-z0-9\s]/.test(fs)) throw new Er7ParseError('Not an HL7 v2 message: MSH is not followed by a field separator');
  let encEnd = text.indexOf(fs, start + 4);
  const lineEnd = text.slice(start).search(/[\r\n]/);
  const absLineEnd = lineEnd < 0 ? text.length : start + lineEnd;
  if (encEnd < 0 || encEnd > absLineEnd) encEnd = absLineEnd;
  const enc = text.slice(start + 4, encEnd);
  const d: Delimiters = {
    field: fs,
    component: enc[0] ?? '^',
    repetition: enc[1] ?? '~',
    escape: enc[2] ?? '\\',
    subcomponent: enc[3] ?? '&',
    truncation: enc[4],
  };
  const chars = [d.field, d.component, d.repetition, d.escape, d.subcomponent];
  if (enc !== '^~\\&' && enc !== '^~\\&#') {
    if (new Set(chars).size !== chars.length || chars.some((c) => /[A-Za-z0-9\s]/.test(c))) {
      warnings.push(`MSH-2 encoding characters '${enc}' are invalid; standard ones (^~\\&) are assumed`);
      d.component = '^';
      d.repetition = '~';
      d.escape = '\\';
      d.subcomponent = '&';
      delete d.truncation;
    } else {
      warnings.push(`MSH-2 encoding characters '${enc}' are not the standard ^~\\&`);
    }
  }
  const body = text.slice(start);
  const lines = body.split(/\r\n|\r|\n/);
  const segments: Er7Segment[] = [];
  const counts = new Map<string, number>();
  let lineNo = 0;
  for (let raw of lines) {
    lineNo++;
    if (raw.length === 0) continue;
    // MLLP end block and stray framing characters.
    if (raw.charCodeAt(raw.length - 1) === 0x1c || raw.charCodeAt(0) === 0x0b || raw.charCodeAt(0) === 0x1c) raw = raw.replace(/[\x0b\x1c]/g, '');
    if (raw.trim() === '') continue;
    const fields = raw.split(d.field);
    const name = fields[0];
    if (name === 'MSH') {
      fields.splice(1, 0, d.field);
      // fields[2] is the encoding characters text as sent
    } else if (!SEGMENT_NAME.test(name)) {
      warnings.push(`Line ${lineNo}: '${name.slice(0, 20)}' is not a segment name; line ignored`);
      continue;
    }
    const seq = (counts.get(name) ?? 0) + 1;
    counts.set(name, seq);
    segments.push({ name, fields, line: lineNo, seq });
  }
  const msg = new Er7Message(segments, d);
  msg.warnings.push(...warnings);
  return msg;
}

/** Split a text holding several messages (batch files, one MSH per message) into message texts. FHS/BHS/BTS/FTS lines are dropped. */
export function splitMessages(text: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const l = line.replace(/^[\x0b\x1c\ufeff]+/, '');
    if (/^(FHS|BHS|BTS|FTS)./.test(l)) continue;
    if (l.startsWith('MSH')) {
      if (cur.length) out.push(cur.join('\r'));
      cur = [l];
    } else if (cur.length && l.trim() !== '') cur.push(l);
  }
  if (cur.length) out.push(cur.join('\r'));
  return out;
}

// ---------------------------------------------------------------------------------------------- building

export type Er7Leaf = string | number | undefined | null;
/** A component: a leaf, or its subcomponents. */
export type Er7Component = Er7Leaf | Er7Leaf[];
/** One repetition: a leaf, or its components. */
export type Er7Repetition = Er7Leaf | Er7Component[];
/** A field: one repetition, several wrapped in { reps }, or { raw } text already in ER7 (escaped, with its own
 *  delimiters: a field echoed from a request). */
export type Er7Field = Er7Repetition | { reps: Er7Repetition[] } | { raw: string };
/** [segmentName, field1, field2, ...]. For MSH give fields from MSH-3 on (MSH-1/MSH-2 are written for you). */
export type Er7SegmentSpec = [string, ...Er7Field[]];

// Built in one pass with string concatenation: trailing empty parts are dropped by writing a separator only when a
// non-empty part follows it (every answer builds a few hundred fields; map/filter/join allocated an array per level).

function leaf(v: Er7Leaf, d: Delimiters): string {
  if (v === undefined || v === null) return '';
  return escapeEr7(typeof v === 'string' ? v : String(v), d);
}

/** parts[from..] built and joined by `sep`, trailing empty ones dropped (a separator is written only before a non-empty
 *  part). */
function joinParts<T>(parts: readonly T[], from: number, sep: string, d: Delimiters, build: (part: T, d: Delimiters) => string): string {
  let out = '';
  let written = from;
  for (let i = from; i < parts.length; i++) {
    const s = build(parts[i]!, d);
    if (s === '') continue;
    while (written < i) { out += sep; written++; }
    out += s;
  }
  return out;
}

function buildComponent(c: Er7Component, d: Delimiters): string {
  return Array.isArray(c) ? joinParts(c, 0, d.subcomponent, d, leaf) : leaf(c, d);
}

function buildRep(r: Er7Repetition, d: Delimiters): string {
  return Array.isArray(r) ? joinParts(r, 0, d.component, d, buildComponent) : leaf(r, d);
}

function buildField(f: Er7Field, d: Delimiters): string {
  if (f !== null && typeof f === 'object' && !Array.isArray(f)) return 'raw' in f ? f.raw : joinParts(f.reps, 0, d.repetition, d, buildRep);
  return buildRep(f as Er7Repetition, d);
}

/** Build an ER7 message (\r terminated segments), escaping every value. */
export function buildEr7(segments: Er7SegmentSpec[], d: Delimiters = STANDARD_DELIMITERS): string {
  let out = '';
  for (const seg of segments) {
    // MSH-1 and MSH-2 are written here; the spec's fields (from MSH-3 on) follow a field separator like any other's.
    const fields = joinParts(seg as Er7Field[], 1, d.field, d, buildField);
    out += (seg[0] === 'MSH' ? 'MSH' + d.field + d.component + d.repetition + d.escape + d.subcomponent : seg[0])
      + (fields === '' ? '' : d.field + fields) + '\r';
  }
  return out;
}

/** Incremental builder, for callers that add segments conditionally. */
export class Er7Builder {
  private readonly segs: Er7SegmentSpec[] = [];
  constructor(private readonly d: Delimiters = STANDARD_DELIMITERS) {}
  add(name: string, ...fields: Er7Field[]): this {
    this.segs.push([name, ...fields]);
    return this;
  }
  get count(): number {
    return this.segs.length;
  }
  toString(): string {
    return buildEr7(this.segs, this.d);
  }
}

// ---------------------------------------------------------------------------------------------- HL7 data types

/** HL7 DTM/TS ('YYYY[MM[DD[HHMM[SS[.S+]]]]][+/-ZZZZ]') to ISO date 'YYYY-MM-DD'. Returns undefined when absent;
 * { error } when present but not a valid full date (partial dates are reported as errors too: IIS need days). */
export function hl7Date(v: string): Readonly<{ date?: string; error?: string; partial?: boolean }> {
  if (!v) return NO_DATE;
  // A message has dozens of dates (birth, doses, VIS, expirations), and they repeat across messages: each read is
  // remembered (the match and its strings were 6% of what ingest allocated), up to a bound.
  let r = readDates.get(v);
  if (!r) {
    r = readDate(v);
    if (v.length > 32) return r; // no date is this long: not worth (or safe) keeping a sender's long text
    if (readDates.size >= 20_000) readDates.clear();
    readDates.set(v, r);
  }
  return r;
}
const NO_DATE = Object.freeze({});
const readDates = new Map<string, Readonly<{ date?: string; error?: string; partial?: boolean }>>();

function readDate(v: string): { date?: string; error?: string; partial?: boolean } {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,4})?([+-]\d{4})?$/.exec(v.trim());
  if (!m) return { error: `'${v}' is not an HL7 date (YYYYMMDD[HHMM[SS]][+/-ZZZZ])` };
  const [, y, mo, da, hh, mi, ss] = m;
  if (!mo || !da) return { error: `'${v}' is not a complete date (day is required)`, partial: true };
  const yi = +y, mi2 = +mo, di = +da;
  if (mi2 < 1 || mi2 > 12) return { error: `'${v}' has month ${mo}` };
  const dim = new Date(Date.UTC(yi, mi2, 0)).getUTCDate();
  if (di < 1 || di > dim) return { error: `'${v}' has day ${da}, month ${mo} has ${dim} days` };
  if (hh !== undefined && +hh > 23) return { error: `'${v}' has hour ${hh}` };
  if (mi !== undefined && +mi > 59) return { error: `'${v}' has minute ${mi}` };
  if (ss !== undefined && +ss > 59) return { error: `'${v}' has second ${ss}` };
  return { date: `${y}-${mo}-${da}` };
}

/** HL7 DTM for a Date, in UTC with an explicit +0000 offset: 'YYYYMMDDHHMMSS+0000'. */
export function hl7Timestamp(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}+0000`;
}

/** ISO date 'YYYY-MM-DD' to HL7 'YYYYMMDD'. */
export function isoToHl7Date(d: string | undefined): string {
  return d ? d.replace(/-/g, '').slice(0, 8) : '';
}

/**
 * Decode message bytes (MLLP, HTTP body) to text. MSH-18 names the character set: ISO 8859 sets are decoded as
 * such; otherwise UTF-8 is tried strictly and, when the bytes are not valid UTF-8 (senders often omit MSH-18
 * and send Windows-1252), decoded as windows-1252 rather than replacing characters.
 */
export function decodeHl7(bytes: Uint8Array, declaredCharset?: string): string {
  // A transport's own declaration (HTTP Content-Type charset) of a single-byte charset is taken at its word; UTF-8 (the
  // usual default label) is still checked, since senders often label windows-1252 bytes as UTF-8.
  const declared = declaredCharset?.trim().toLowerCase().replace(/^"|"$/g, '');
  if (declared && !/^utf-?8$/.test(declared)) {
    try {
      return new TextDecoder(declared).decode(bytes);
    } catch { /* a label TextDecoder does not know: fall through to MSH-18 and sniffing */ }
  }
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 2048));
  const mshAt = head.indexOf('MSH');
  let charset = '';
  if (mshAt >= 0) {
    const fs = head[mshAt + 3];
    const end = head.slice(mshAt).search(/[\r\n]/);
    const line = head.slice(mshAt, end < 0 ? undefined : mshAt + end);
    if (fs) charset = (line.split(fs)[17] ?? '').split(head[mshAt + 4] ?? '^')[0].trim().toUpperCase();
  }
  const latin = /^8859\/(\d+)$/.exec(charset);
  if (latin) {
    try {
      return new TextDecoder(`iso-8859-${latin[1]}`).decode(bytes);
    } catch {
      return new TextDecoder('latin1').decode(bytes);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}
