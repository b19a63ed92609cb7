// School roster CSV (pure): one student a row. Bad rows get a clear per-row error and are left out;
// good rows are kept.
import { isIsoDate } from './dates.ts';
import { parseCsv } from './csv.ts';

export interface RosterStudent {
  /** CSV line number of the row (header is line 1). */
  line: number;
  studentId: string;
  firstName: string;
  lastName: string;
  middleName?: string;
  dob: string;
  sex?: 'F' | 'M' | 'X' | 'U';
  grade: string;
  address?: { street?: string; city?: string; state?: string; zip?: string };
  guardian?: { name?: string; phone?: string; email?: string };
}

export interface RosterError { line: number; field?: string; message: string }

const ALIASES: Record<string, string[]> = {
  studentId: ['student_id', 'studentid', 'student id', 'id', 'sis_id', 'local_id'],
  firstName: ['first_name', 'firstname', 'first name', 'given_name', 'first'],
  lastName: ['last_name', 'lastname', 'last name', 'family_name', 'surname', 'last'],
  middleName: ['middle_name', 'middlename', 'middle name', 'middle'],
  dob: ['birth_date', 'birthdate', 'date_of_birth', 'dob', 'birth date', 'date of birth'],
  sex: ['sex', 'gender'],
  grade: ['grade', 'grade_level', 'grade level'],
  street: ['address', 'street', 'address_line1', 'street_address'],
  city: ['city'],
  state: ['state'],
  zip: ['zip', 'zip_code', 'postal_code', 'zipcode'],
  guardianName: ['guardian', 'guardian_name', 'parent_name', 'parent'],
  guardianPhone: ['guardian_phone', 'parent_phone', 'phone'],
  guardianEmail: ['guardian_email', 'parent_email', 'email'],
};

const REQUIRED = ['studentId', 'firstName', 'lastName', 'dob', 'grade'];

/** Dates as schools export them: YYYY-MM-DD or MM/DD/YYYY (M/D/YYYY). */
export function parseRosterDate(s: string): string | undefined {
  const t = s.trim();
  if (isIsoDate(t)) return t;
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  if (!m) return undefined;
  const iso = `${m[3]}-${m[1].padStart(2, '0')}-${m[2].padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : undefined;
}

/** Grade spellings to the pack's grade codes: 'KG'/'Kindergarten' -> 'K', '07' -> '7', 'Pre-K' -> 'PK'. */
export function normalizeGrade(s: string): string {
  const t = s.trim().toUpperCase().replace(/^GRADE\s*/, '');
  if (['K', 'KG', 'KINDERGARTEN', 'KF', 'KH'].includes(t)) return 'K';
  if (['PK', 'PRE-K', 'PREK', 'PRESCHOOL', 'P'].includes(t)) return 'PK';
  if (['CC', 'CHILD CARE', 'CHILDCARE', 'DAYCARE'].includes(t)) return 'CC';
  if (['COLLEGE', 'UNIVERSITY', 'UG', 'GRAD'].includes(t)) return 'college';
  if (/^\d{1,2}$/.test(t)) return String(Number(t));
  return s.trim();
}

export function parseRoster(text: string, opts: { grades?: string[]; asOf?: string } = {}): { students: RosterStudent[]; errors: RosterError[] } {
  const { rows, error } = parseCsv(text);
  const errors: RosterError[] = [];
  if (error) return { students: [], errors: [{ line: 0, message: `not a readable CSV file: ${error}` }] };
  if (!rows.length) return { students: [], errors: [{ line: 1, message: 'the file is empty: expected a header row' }] };
  const norm = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');
  const header = rows[0].map(norm);
  const col: Record<string, number> = {};
  for (const [key, names] of Object.entries(ALIASES)) {
    const i = header.findIndex((h) => names.map(norm).includes(h));
    if (i >= 0) col[key] = i;
  }
  const absent = REQUIRED.filter((k) => col[k] === undefined);
  if (absent.length) {
    return { students: [], errors: [{ line: 1, message: `header is missing column(s): ${absent.map((k) => ALIASES[k][0]).join(', ')} (found: ${rows[0].join(', ')})` }] };
  }
  const students: RosterStudent[] = [];
  const seen = new Map<string, number>();
  rows.slice(1).forEach((r, idx) => {
    const line = idx + 2;
    if (r.every((f) => f.trim() === '')) return;
    const get = (k: string) => (col[k] === undefined ? '' : (r[col[k]] ?? '').trim());
    const rowErrors: RosterError[] = [];
    const err = (field: string, message: string) => rowErrors.push({ line, field, message });
    if (r.length !== header.length) err('(row)', `has ${r.length} fields, the header has ${header.length}`);
    for (const k of REQUIRED) if (!get(k)) err(ALIASES[k][0], 'is required');
    const id = get('studentId');
    if (id && seen.has(id)) err('student_id', `${id} repeats the student on line ${seen.get(id)}`);
    const dobRaw = get('dob');
    const dob = dobRaw ? parseRosterDate(dobRaw) : undefined;
    if (dobRaw && !dob) err('birth_date', `"${dobRaw}" is not a date (use YYYY-MM-DD or MM/DD/YYYY)`);
    if (dob && opts.asOf && dob > opts.asOf) err('birth_date', `${dob} is in the future`);
    const sexRaw = get('sex').toUpperCase();
    const sex = sexRaw === '' ? undefined : ({ F: 'F', FEMALE: 'F', M: 'M', MALE: 'M', X: 'X', U: 'U', UNKNOWN: 'U' } as const)[sexRaw as 'F'];
    if (sexRaw && !sex) err('sex', `"${get('sex')}" is not F, M, X or U`);
    const gradeRaw = get('grade');
    const grade = gradeRaw ? normalizeGrade(gradeRaw) : '';
    if (gradeRaw && opts.grades && !opts.grades.includes(grade)) err('grade', `"${gradeRaw}" is not a grade of the requirement pack (${opts.grades.join(', ')})`);
    if (rowErrors.length) { errors.push(...rowErrors); return; }
    seen.set(id, line);
    const s: RosterStudent = { line, studentId: id, firstName: get('firstName'), lastName: get('lastName'), dob: dob!, grade };
    if (get('middleName')) s.middleName = get('middleName');
    if (sex) s.sex = sex;
    const address = { street: get('street') || undefined, city: get('city') || undefined, state: get('state') || undefined, zip: get('zip') || undefined };
    if (Object.values(address).some(Boolean)) s.address = address;
    const guardian = { name: get('guardianName') || undefined, phone: get('guardianPhone') || undefined, email: get('guardianEmail') || undefined };
    if (Object.values(guardian).some(Boolean)) s.guardian = guardian;
    students.push(s);
  });
  return { students, errors };
}
