// Synthetic district for the schools benchmark and tests: schools, students of every grade, their
// doses (with realistic gaps) and enrollments, generated inside PostgreSQL with generate_series.
// The enrollment table is migration 0510_enrollment.sql.
import type pg from 'pg';

/** Seeds `students` students over `schools` schools for school year 2025-2026; returns the school ids. */
export async function seedDistrict(db: Pick<pg.Pool, 'query'>, students: number, schools = 20): Promise<number[]> {
  const d = await db.query(`INSERT INTO organization (kind, name) VALUES ('district', 'Bench District') RETURNING id`);
  const s = await db.query(
    `INSERT INTO organization (kind, name, parent_id) SELECT 'school', 'School ' || g, $1 FROM generate_series(1, $2) g RETURNING id`,
    [d.rows[0].id, schools],
  );
  const schoolIds: number[] = s.rows.map((r) => r.id);
  // Grade index 0 = K .. 12; birth dates so that the student is 5 + grade on 2025-09-01.
  await db.query(`CREATE TEMP TABLE bench_students AS
    SELECT g AS n, (g % 13) AS gi, (date '2020-09-01' - make_interval(years => (g % 13)) - ((g * 7919) % 365) * interval '1 day')::date AS dob
      FROM generate_series(1, $1) g`, [students]);
  await db.query(`INSERT INTO patient (family_name, given_name, birth_date, sex)
    SELECT 'Student' || n, 'Bench', dob, CASE WHEN n % 2 = 0 THEN 'F' ELSE 'M' END FROM bench_students ORDER BY n`);
  await db.query(`CREATE TEMP TABLE bench_map AS
    SELECT p.id AS patient_id, b.* FROM bench_students b JOIN patient p ON p.family_name = 'Student' || b.n AND p.given_name = 'Bench'`);
  // The routine schedule as (months after birth, CVX, from grade index); each dose missing for ~3% of students.
  await db.query(`CREATE TEMP TABLE bench_schedule (months int, cvx text, min_gi int)`);
  await db.query(`INSERT INTO bench_schedule VALUES
    (0,'08',0),(2,'110',0),(4,'110',0),(6,'110',0),(2,'48',0),(4,'48',0),(6,'48',0),(15,'48',0),
    (15,'20',0),(12,'03',0),(12,'21',0),(50,'130',0),(50,'94',0),
    (133,'115',7),(133,'114',7),(194,'136',11)`);
  await db.query(`INSERT INTO vaccination (patient_id, administered_date, cvx, historical)
    SELECT m.patient_id, (m.dob + make_interval(months => s.months))::date, s.cvx, (m.n % 5 = 0)
      FROM bench_map m JOIN bench_schedule s ON m.gi >= s.min_gi
     WHERE (m.dob + make_interval(months => s.months))::date <= date '2025-09-30'
       AND ((m.n * 31 + s.months * 17 + length(s.cvx)) % 100) >= 3`);
  await db.query(`INSERT INTO observation (patient_id, kind, code, cdsi_code) SELECT patient_id, 'immunity', '38907003', '024' FROM bench_map WHERE n % 50 = 0`);
  await db.query(`INSERT INTO enrollment (patient_id, school_org_id, school_year, student_id, start_date, grade)
    SELECT m.patient_id, ($1::bigint[])[1 + (m.n % cardinality($1::bigint[]))], '2025-2026', 'S' || m.n, date '2025-08-27',
           CASE WHEN m.gi = 0 THEN 'K' ELSE m.gi::text END
      FROM bench_map m`, [schoolIds]);
  await db.query('DROP TABLE bench_students, bench_map, bench_schedule');
  return schoolIds;
}
