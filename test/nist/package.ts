// Reads a NIST 2014 MU2 immunization test package (a PDF rendered as text) into its field-by-field test data and
// builds the VXU message from it. The data tables are lines "LOCATION Element Name Data Categorization", e.g.
// "PID.5.1.1 Surname Snow Changeable Data", wrapped over several lines and interrupted by page marks. Element names
// and data are told apart with the element names of NIST's VXU Z22 conformance profile (some are truncated in the
// package, e.g. "Name of Coding"), so no value is retyped by hand.
import fs from 'node:fs';
import path from 'node:path';
import { escapeEr7 } from '../../src/hl7v2/er7.ts';

export interface PackageValue {
  segment: string;
  /** 0-based occurrence of the segment in the message (the package's segment tables, in order). */
  occurrence: number;
  field: number;
  rep: number;
  component: number;
  sub: number;
  value: string;
}

export interface TestPackage {
  id: string;           // IZ_1_1.1
  file: string;
  values: PackageValue[];
  /** Segments in order: name and occurrence. */
  segments: { name: string; occurrence: number }[];
}

const CATEGORY = /\s+(Changeable Data|Configurable Data|IG Fixed Data|Test [Cc]ase Fixed Data|System Generated)$/;
const LOCATION = /^([A-Z][A-Z0-9]{2})\.(\d+)(?:\[(\d+)\])?(?:-[A-Z]{2,3})?(?:\.(\d+))?(?:\.(\d+))?(?:\s|$)/;
const SEGMENT_HEADER = /^([A-Z][A-Z0-9]{2}) : /;
const PAGE_MARK = /^(Page \d+|\d+ of \d+)$/;

/** Element names the packages spell differently from the profile and always give with data. */
const PACKAGE_SPELLINGS = ['Event Type'];

let vocabulary: string[] | undefined;
/** Every field and component name of the VXU profile, and the names of the packages' empty elements. */
function elementNames(sharedDir: string): string[] {
  if (vocabulary) return vocabulary;
  const xml = fs.readFileSync(path.join(sharedDir, 'hl7/nist-iz-profiles/VXU-Z22_Profile.xml'), 'utf8');
  const names = new Set<string>(PACKAGE_SPELLINGS);
  for (const m of xml.matchAll(/<(?:Field|Component) Name="([^"]*)"/g)) names.add(m[1]!.replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim());
  const dir = path.join(sharedDir, 'hl7/nist-mu2-2014-testpackages');
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.txt'))) {
    for (const e of tableEntries(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      const m = LOCATION.exec(e);
      if (m && !CATEGORY.test(e)) names.add(e.slice(m[0].length).replace(/\s+/g, ' ').trim());
    }
  }
  vocabulary = [...names].filter(Boolean);
  return vocabulary;
}

/** The table lines of the "Test Case Information" part, wrapped lines joined onto the entry they continue. */
function tableEntries(text: string): string[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !PAGE_MARK.test(l));
  const start = lines.findIndex((l) => l === 'Test Case Information');
  if (start < 0) return [];
  const entries: string[] = [];
  let inTable = false;
  for (const l of lines.slice(start)) {
    if (SEGMENT_HEADER.test(l)) { entries.push(l); inTable = false; continue; }
    if (l.startsWith('Location Data Element Data Categorization')) { inTable = true; continue; }
    if (!inTable) continue;
    if (LOCATION.test(l)) entries.push(l);
    else if (entries.length) entries[entries.length - 1] += ' ' + l;
  }
  return entries;
}

/** Splits "Element Name Data" at the longest word prefix that begins some profile element name. */
function splitNameAndData(rest: string, names: string[]): { name: string; data: string } {
  const words = rest.split(' ');
  for (let n = words.length; n >= 1; n--) {
    const prefix = words.slice(0, n).join(' ');
    if (names.some((x) => x === prefix || x.startsWith(prefix + ' '))) return { name: prefix, data: words.slice(n).join(' ') };
  }
  throw new Error(`no element name in "${rest}"`);
}

export function readTestPackage(file: string, sharedDir: string): TestPackage {
  const text = fs.readFileSync(file, 'utf8');
  const idLine = /^Test Case ID (.+)$/m.exec(text);
  const id = idLine?.[1]!.trim() ?? path.basename(file);
  const entries = tableEntries(text);
  if (!entries.length) throw new Error(`${file}: no test case tables`);
  const names = elementNames(sharedDir);
  const counts = new Map<string, number>();
  const segments: TestPackage['segments'] = [];
  const values: PackageValue[] = [];
  let current: { name: string; occurrence: number } | undefined;
  for (const e of entries) {
    const h = SEGMENT_HEADER.exec(e);
    if (h) {
      const occurrence = counts.get(h[1]!) ?? 0;
      counts.set(h[1]!, occurrence + 1);
      current = { name: h[1]!, occurrence };
      segments.push(current);
      continue;
    }
    const cat = CATEGORY.exec(e);
    if (!cat) continue; // a composite's heading or an empty element
    const m = LOCATION.exec(e)!;
    if (!current || m[1] !== current.name) throw new Error(`${file}: ${e} outside its segment table`);
    const rest = e.slice(m[0].length, cat.index).replace(/\s+/g, ' ').trim();
    const { name, data } = splitNameAndData(rest, names);
    if (process.env.NIST_DEBUG && !names.includes(name)) console.log(`${id} ${m[0].trim()}: truncated name "${name}" / "${data}"`);
    if (!data) continue;
    values.push({
      segment: current.name, occurrence: current.occurrence, field: Number(m[2]), rep: m[3] ? Number(m[3]) : 1,
      component: m[4] ? Number(m[4]) : 1, sub: m[5] ? Number(m[5]) : 1, value: data,
    });
  }
  return { id, file, values, segments };
}

/** All NIST packages in the shared directory, in order IZ_1 .. IZ_7. */
export function readAllTestPackages(sharedDir: string): TestPackage[] {
  const dir = path.join(sharedDir, 'hl7/nist-mu2-2014-testpackages');
  return fs.readdirSync(dir).filter((f) => /^IZ_\d+_.*\.txt$/.test(f)).sort()
    .map((f) => readTestPackage(path.join(dir, f), sharedDir));
}

/** The value at a location (first occurrence of the segment unless given), e.g. get(p, 'PID', 5, 1, 1). */
export function valueAt(p: TestPackage, segment: string, field: number, component = 1, sub = 1, occurrence = 0, rep = 1): string | undefined {
  return p.values.find((v) => v.segment === segment && v.occurrence === occurrence && v.field === field && v.rep === rep && v.component === component && v.sub === sub)?.value;
}

/** The package as an ER7 VXU message. MSH-7 and MSH-10 are "System Generated" in the packages (placeholders): the
 *  message time is given here and the control id is the test case id. */
export function buildVxu(p: TestPackage, messageTime: string, controlId = `NIST-${p.id}`): string {
  const out: string[] = [];
  for (const s of p.segments) {
    const vals = p.values.filter((v) => v.segment === s.name && v.occurrence === s.occurrence);
    const fields: string[] = [];
    const maxField = Math.max(0, ...vals.map((v) => v.field));
    for (let f = 1; f <= maxField; f++) {
      if (s.name === 'MSH' && f <= 2) continue;
      const fv = vals.filter((v) => v.field === f);
      let value: string;
      if (s.name === 'MSH' && f === 10) value = escapeEr7(controlId);
      else if (s.name === 'MSH' && f === 7) value = messageTime;
      else {
        const reps: string[] = [];
        for (let r = 1; r <= Math.max(0, ...fv.map((v) => v.rep)); r++) {
          const rv = fv.filter((v) => v.rep === r);
          const comps: string[] = [];
          for (let c = 1; c <= Math.max(0, ...rv.map((v) => v.component)); c++) {
            const cv = rv.filter((v) => v.component === c);
            const subs: string[] = [];
            for (let k = 1; k <= Math.max(0, ...cv.map((v) => v.sub)); k++) subs.push(escapeEr7(cv.find((v) => v.sub === k)?.value ?? ''));
            comps.push(subs.join('&'));
          }
          reps.push(comps.join('^').replace(/\^+$/, ''));
        }
        value = reps.join('~');
      }
      fields.push(value);
    }
    if (s.name === 'MSH') out.push(`MSH|^~\\&|${fields.join('|')}`);
    else out.push(`${s.name}|${fields.join('|')}`);
  }
  return out.join('\r');
}
