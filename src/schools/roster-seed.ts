// A realistic school for demonstrations and the browser walk: children already in the registry (with the
// routine childhood schedule, a few doses missing or given too early), and the school's roster CSV naming
// them as the school knows them (most exactly, some with a nickname; a share never reported to the registry).
import type pg from 'pg';

export interface SeedStudent {
  studentId: string; firstName: string; lastName: string; dob: string; sex: 'F' | 'M'; grade: string;
  street: string; city: string; zip: string; guardian: string;
  /** Patient id when the child is in the registry already. */
  patientId?: number;
}

const GIRLS = ['Olivia', 'Emma', 'Charlotte', 'Amelia', 'Sophia', 'Mia', 'Isabella', 'Ava', 'Evelyn', 'Harper', 'Luna', 'Camila', 'Sofia', 'Scarlett', 'Elizabeth', 'Eleanor', 'Emily', 'Chloe', 'Mila', 'Violet', 'Penelope', 'Gianna', 'Aria', 'Abigail', 'Ella', 'Avery', 'Hazel', 'Nora', 'Layla', 'Lily', 'Priya', 'Aaliyah', 'Mei', 'Fatima', 'Zoe', 'Grace', 'Maya', 'Leah', 'Naomi', 'Ruby'];
const BOYS = ['Liam', 'Noah', 'Oliver', 'James', 'Elijah', 'Mateo', 'Theodore', 'Henry', 'Lucas', 'William', 'Benjamin', 'Levi', 'Sebastian', 'Jack', 'Ezra', 'Michael', 'Daniel', 'Leo', 'Owen', 'Samuel', 'Hudson', 'Alexander', 'Asher', 'Luca', 'Ethan', 'John', 'David', 'Jackson', 'Joseph', 'Mason', 'Arjun', 'Omar', 'Wei', 'Kwame', 'Diego', 'Malik', 'Ryan', 'Isaac', 'Gabriel', 'Caleb'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Patel', 'Okafor', 'Kowalski', 'Chen', 'Murphy', 'Sullivan', 'Oliveira', 'Cohen', 'Haddad', 'Tran'];
const STREETS = ['Maple St', 'Oak Ave', 'Elm St', 'Pine Rd', 'Cedar Ln', 'Birch Way', 'Walnut St', 'Chestnut St', 'Spruce Ct', 'Willow Dr', 'Main St', 'Church St', 'High St', 'Summer St', 'Union Ave'];
const NICK: Record<string, string> = { Elizabeth: 'Liz', William: 'Will', Benjamin: 'Ben', Alexander: 'Alex', Michael: 'Mike', Samuel: 'Sam', Joseph: 'Joe', Daniel: 'Dan', Abigail: 'Abby', Isabella: 'Bella', Theodore: 'Teddy', Gabriel: 'Gabe' };

/** Routine childhood doses: months after birth, CVX, from which grade index (K = 0). */
const SCHEDULE: [number, string, number][] = [
  [0, '08', 0], [2, '110', 0], [4, '110', 0], [6, '110', 0], [2, '48', 0], [4, '48', 0], [6, '48', 0], [15, '48', 0],
  [15, '20', 0], [12, '03', 0], [12, '21', 0], [50, '130', 0], [50, '94', 0], [133, '115', 7], [133, '114', 7], [194, '136', 11],
];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

function iso(y: number, m: number, d: number): string {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.toISOString().slice(0, 10);
}

function addMonths(dob: string, months: number, days = 0): string {
  const [y, m, d] = dob.split('-').map(Number);
  return iso(y, m + months, d + days);
}

/**
 * Inserts the registry children (inRegistryShare of them, with doses) and returns every student with the
 * roster CSV the school would send. Grades are 'K' and '1'.. ; ages fit the grade on September 1 of the year.
 */
export async function seedSchoolChildren(db: Pick<pg.Pool, 'query'>, o: {
  count: number; grades: string[]; schoolYear: string; seed?: number; inRegistryShare?: number; studentIdPrefix?: string; asOf?: string;
}): Promise<{ students: SeedStudent[]; csv: string }> {
  const rand = rng(o.seed ?? 42);
  const pick = <T,>(a: T[]) => a[Math.floor(rand() * a.length)];
  const y = Number(o.schoolYear.slice(0, 4));
  const asOf = o.asOf ?? `${y}-09-30`;
  const seen = new Set<string>();
  const students: SeedStudent[] = [];
  for (let n = 0; n < o.count; n++) {
    const grade = o.grades[n % o.grades.length];
    const gi = grade === 'K' ? 0 : Number(grade);
    const sex = rand() < 0.5 ? 'F' : 'M';
    let first = '', last = '';
    do { first = pick(sex === 'F' ? GIRLS : BOYS); last = pick(LAST); } while (seen.has(`${first} ${last} ${grade}`));
    seen.add(`${first} ${last} ${grade}`);
    const dob = iso(y - 5 - gi, 9, 1 - 1 - Math.floor(rand() * 365));
    students.push({
      studentId: `${o.studentIdPrefix ?? 'S'}${String(100000 + n * 7 + 3)}`, firstName: first, lastName: last, dob, sex, grade,
      street: `${1 + Math.floor(rand() * 300)} ${pick(STREETS)}`, city: 'Riverside', zip: `01${String(100 + Math.floor(rand() * 50))}`,
      guardian: `${pick(sex === 'F' ? BOYS : GIRLS)} ${last}`,
    });
  }
  const share = o.inRegistryShare ?? 0.9;
  const inRegistry = students.filter(() => rand() < share);
  if (inRegistry.length) {
    const ins = await db.query(
      `INSERT INTO patient (family_name, given_name, birth_date, sex, address)
       SELECT x.last, x.first, x.dob::date, x.sex, jsonb_build_object('street', x.street, 'city', x.city, 'state', 'MA', 'zip', x.zip)
         FROM jsonb_to_recordset($1::jsonb) AS x(first text, last text, dob text, sex text, street text, city text, zip text) RETURNING id`,
      [JSON.stringify(inRegistry.map((s) => ({ first: s.firstName, last: s.lastName, dob: s.dob, sex: s.sex, street: s.street, city: s.city, zip: s.zip })))]);
    inRegistry.forEach((s, i) => { s.patientId = ins.rows[i].id; });
    const doses: { p: number; d: string; c: string; h: boolean }[] = [];
    for (const s of inRegistry) {
      const gi = s.grade === 'K' ? 0 : Number(s.grade);
      const historical = rand() < 0.2;
      // Doses due at the same age are given at one visit (same day), a few days off the due date; now and
      // then a visit is too early.
      const visits = new Map<number, number>();
      for (const [months] of SCHEDULE) if (!visits.has(months)) visits.set(months, months > 0 && rand() > 0.985 ? -40 : Math.floor(rand() * 20));
      for (const [months, cvx, minGi] of SCHEDULE) {
        if (gi < minGi) continue;
        if (rand() < 0.03) continue;                              // a dose never given (or never reported)
        const date = addMonths(s.dob, months, visits.get(months)!);
        if (date > asOf) continue;
        doses.push({ p: s.patientId!, d: date, c: cvx, h: historical });
      }
    }
    await db.query(
      `INSERT INTO vaccination (patient_id, administered_date, cvx, historical, information_source)
       SELECT x.p, x.d::date, x.c, x.h, CASE WHEN x.h THEN '01' ELSE '00' END FROM jsonb_to_recordset($1::jsonb) AS x(p bigint, d text, c text, h boolean)`,
      [JSON.stringify(doses)]);
  }
  const header = 'student_id,first_name,last_name,birth_date,sex,grade,address,city,state,zip,guardian';
  const lines = students.map((s) => {
    // The school knows some children by a nickname; US-style dates as schools export them.
    const first = s.patientId && NICK[s.firstName] && rand() < 0.5 ? NICK[s.firstName] : s.firstName;
    const [yy, mm, dd] = s.dob.split('-');
    return [s.studentId, first, s.lastName, `${mm}/${dd}/${yy}`, s.sex, s.grade, s.street, s.city, 'MA', s.zip, s.guardian].join(',');
  });
  return { students, csv: [header, ...lines].join('\n') + '\n' };
}
