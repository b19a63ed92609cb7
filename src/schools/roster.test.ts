import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoster, normalizeGrade, parseRosterDate } from './roster.ts';
import { parseCsv, toCsv } from './csv.ts';

const grades = ['CC', 'PK', 'K', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', 'college'];

test('a roster with quoting, aliases and optional columns', () => {
  const csv = [
    'Student ID,First Name,Last Name,DOB,Gender,Grade,Address,City,State,Zip,Parent Name,Parent Phone',
    'S1,Ana,"O\'Neil, Jr.",2019-09-01,F,KG,"12 Elm St, Apt 3",Boston,MA,02118,"Rosa ""Ro"" O\'Neil",617-555-0101',
    'S2,Ben,Li,9/3/2012,male,07,,,,,,',
    '',
  ].join('\r\n');
  const r = parseRoster(csv, { grades, asOf: '2025-10-01' });
  assert.deepEqual(r.errors, []);
  assert.equal(r.students.length, 2);
  assert.deepEqual(r.students[0], {
    line: 2, studentId: 'S1', firstName: 'Ana', lastName: "O'Neil, Jr.", dob: '2019-09-01', sex: 'F', grade: 'K',
    address: { street: '12 Elm St, Apt 3', city: 'Boston', state: 'MA', zip: '02118' },
    guardian: { name: 'Rosa "Ro" O\'Neil', phone: '617-555-0101', email: undefined },
  });
  assert.equal(r.students[1].dob, '2012-09-03');
  assert.equal(r.students[1].grade, '7');
  assert.equal(r.students[1].sex, 'M');
  assert.equal(r.students[1].guardian, undefined);
});

test('bad rows get per-row errors and the good rows are kept', () => {
  const csv = [
    'student_id,first_name,last_name,birth_date,sex,grade',
    'A1,Cal,Moss,2018-02-30,F,1',
    'A2,Dee,Park,2018-03-01,Q,1',
    'A3,,Ray,2018-03-01,M,1',
    'A4,Eve,Stone,2018-03-01,F,13',
    'A5,Fay,Tran,2018-03-01,F,1',
    'A5,Gus,Tran,2018-03-01,M,1',
    'A7,Hal,Vo,2030-01-01,M,1',
    'A8,Ida,Wu,2018-03-01,F',
  ].join('\n');
  const r = parseRoster(csv, { grades, asOf: '2025-10-01' });
  assert.deepEqual(r.students.map((s) => s.studentId), ['A5']);
  const by = (line: number) => r.errors.filter((e) => e.line === line).map((e) => `${e.field} ${e.message}`);
  assert.deepEqual(by(2), ['birth_date "2018-02-30" is not a date (use YYYY-MM-DD or MM/DD/YYYY)']);
  assert.deepEqual(by(3), ['sex "Q" is not F, M, X or U']);
  assert.deepEqual(by(4), ['first_name is required']);
  assert.match(by(5)[0], /^grade "13" is not a grade of the requirement pack/);
  assert.deepEqual(by(7), ['student_id A5 repeats the student on line 6']);
  assert.deepEqual(by(8), ['birth_date 2030-01-01 is in the future']);
  assert.deepEqual(by(9), ['(row) has 5 fields, the header has 6', 'grade is required']);
});

test('file-level problems', () => {
  assert.match(parseRoster('').errors[0].message, /empty/);
  assert.match(parseRoster('name,grade\nA,1').errors[0].message, /missing column\(s\): student_id, first_name, last_name, birth_date/);
  assert.match(parseRoster('student_id,first_name,last_name,dob,grade\n"S1,A,B,2019-01-01,K').errors[0].message, /unterminated quoted field/);
});

test('helpers', () => {
  assert.equal(normalizeGrade('Grade 03'), '3');
  assert.equal(normalizeGrade('Pre-K'), 'PK');
  assert.equal(parseRosterDate('02/29/2021'), undefined);
  assert.deepEqual(parseCsv('a,"b\nc"\r\nd,e').rows, [['a', 'b\nc'], ['d', 'e']]);
  assert.equal(toCsv(['x'], [['=cmd()'], ['a,b']]), 'x\r\n"=cmd()"\r\n"a,b"\r\n');
});
