import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../../test/support/postgres.ts';
import { birthDateVariants, candidateIds } from './candidates.ts';
import { scorePair } from './score.ts';

const db = await freshDatabase();
after(() => db.close());

test('birth date variants: swapped day/month and +-1 day, month, year, only valid dates', () => {
  const v = birthDateVariants('2019-03-07');
  for (const d of ['2019-03-07', '2019-07-03', '2019-03-06', '2019-03-08', '2019-02-07', '2019-04-07', '2018-03-07', '2020-03-07']) assert.ok(v.includes(d), d);
  assert.equal(v.length, 8);
  assert.ok(!birthDateVariants('2019-01-31').includes('2019-31-01'));
  assert.deepEqual(birthDateVariants('garbage'), []);
  assert.ok(birthDateVariants('20190307').includes('2019-07-03'));
});

test('candidate selection by identifier, typo\'d birth date + phonetic name, and name alone', async () => {
  const ins = async (family: string, given: string, dob: string, status = 'active') =>
    (await db.pool.query<{ id: number }>(`INSERT INTO patient (family_name, given_name, birth_date, status) VALUES ($1,$2,$3,$4) RETURNING id`, [family, given, dob, status])).rows[0]!.id;
  const smith = await ins('Smith', 'Katherine', '2015-06-04');
  const other = await ins('Jones', 'Peter', '2015-06-04');
  const merged = await ins('Smith', 'Katherine', '2015-06-04', 'merged');
  const byId = await ins('Unrelated', 'Name', '1990-01-01');
  await db.pool.query(`INSERT INTO patient_identifier (patient_id, id_value, authority, id_type) VALUES ($1, 'X-1', 'A', 'MR')`, [byId]);

  const swapped = await candidateIds(db.pool, { family: 'Smyth', given: 'Kathryn', birthDate: '2015-04-06' });
  assert.ok(swapped.includes(smith));
  assert.ok(!swapped.includes(other), 'different names on the same date are not candidates');
  assert.ok(!swapped.includes(merged), 'merged patients are never candidates');
  // A record with enough besides the names to be listed beside a patient born on another date finds the same names
  // whatever the birth date...
  const rich = { family: 'Smith', given: 'Katherine', sex: 'F', motherMaidenName: 'Jones', street: '1 Main St', zip: '02118', phone: '6175550100' };
  const wrongDob = await candidateIds(db.pool, { ...rich, birthDate: '2001-01-01' });
  assert.ok(wrongDob.includes(smith));
  // ...a sparse one (names, birth date and sex: at most 2.5 against such a patient) only those born on a date its own
  // is a typo of, here one digit of the day (neither +-1 nor swapped, so no other key finds it).
  const sparse = { family: 'Smith', given: 'Katherine', sex: 'F' };
  assert.ok(!(await candidateIds(db.pool, { ...sparse, birthDate: '2001-01-01' })).includes(smith));
  assert.ok((await candidateIds(db.pool, { ...sparse, birthDate: '2015-06-09' })).includes(smith));
  // An impossible birth date prunes nothing: the scorer compares its digits (2015-06-31 is one from 2015-06-01), the SQL
  // would compare with its first real variant (2015-06-30).
  const june1 = await ins('Smith', 'Katherine', '2015-06-01');
  assert.ok((await candidateIds(db.pool, { ...sparse, birthDate: '2015-06-31' })).includes(june1));
  const viaId = await candidateIds(db.pool, { family: 'Zzz', identifiers: [{ value: 'X-1' }] });
  assert.deepEqual(viaId, [byId]);
  assert.deepEqual(await candidateIds(db.pool, {}), []);
});

test('birth_dates_close (SQL) is true of exactly the dates the scorer does not rate disagree', async () => {
  for (const dob of ['2019-03-07', '2020-02-29', '2011-12-31', '2000-01-10']) {
    const y = Number(dob.slice(0, 4));
    const { rows } = await db.pool.query<{ d: string; close: boolean }>(
      `SELECT d::date::text AS d, birth_dates_close($1::date, d::date) AS close
         FROM generate_series($2::date, $3::date, '1 day') AS d
        UNION ALL SELECT d, birth_dates_close($1::date, d::date) FROM unnest($4::text[]) AS d`,
      // Far years a digit apart (2019 / 2919 / 1019) besides every date within twelve years.
      [dob, `${y - 12}-01-01`, `${y + 12}-12-31`, [`${y + 900}${dob.slice(4)}`, `${y - 1000}${dob.slice(4)}`, `${y + 40}${dob.slice(4)}`]]);
    assert.ok(rows.length > 8000);
    for (const r of rows) {
      const disagree = scorePair({ birthDate: dob }, { birthDate: r.d }).reasons.some((x) => x.startsWith('birthDate:disagree'));
      assert.equal(r.close, !disagree, `${dob} vs ${r.d}`);
    }
  }
});
