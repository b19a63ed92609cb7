import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshDatabase, sharedDir } from '../../test/support/postgres.ts';
import { CODE_SET, codeValueUpsert, codeSetsFromRows, codeSetsToRows, parseAiraCodebase } from './codesets.ts';
import { parseCdsiObservations } from './cdsi-observations.ts';

const xml = readFileSync(join(sharedDir(), 'hl7/aira-codebase/Compiled.xml'), 'utf8');
const codes = parseAiraCodebase(xml);

test('AIRA codebase: CVX, MVX, NDC, VIS, observation ids, HL7 tables, race, ethnicity', () => {
  assert.ok(codes.size > 5000);
  assert.equal(codes.cvx('08')?.links[CODE_SET.vaccineGroup]?.[0], 'HepB');
  const c208 = codes.cvx('208')!;
  assert.equal(c208.notAfter, '2023-10-24');
  assert.ok(c208.ageMonthsMin !== undefined);
  assert.equal(codes.mvx('PFR')?.label, 'Pfizer, Inc');
  assert.equal(codes.ndcToCvx('00069-0207-01'), '305');
  assert.equal(codes.ndcToMvx('00069-0207-01'), 'PFR');
  assert.equal(codes.ndc('0069-0207-01')?.status, 'Deprecated');
  assert.equal(codes.ndcToCvx('0069-0207-01'), '305', 'deprecated 10-digit form follows its new code');
  assert.equal(codes.ndcToCvx('00069020701'), '305');
  assert.ok(codes.get(CODE_SET.observation, '59784-9'));
  assert.ok(codes.get(CODE_SET.race, '2106-3'));
  assert.ok(codes.get(CODE_SET.ethnicity, '2135-2'));
  assert.ok(codes.has(CODE_SET.visDoc));
  assert.equal(codes.get(CODE_SET.sex, 'Q'), undefined);
  assert.throws(() => parseAiraCodebase('<other/>'), /Not an AIRA codebase/);
});

test('CDSi observations: SNOMED and CDCPHINVS cross references', () => {
  const o = parseCdsiObservations(readFileSync(join(sharedDir(), 'cdsi/supporting-data-4.64/ScheduleSupportingData.xml'), 'utf8'));
  assert.ok(o.observations.length > 200);
  assert.equal(o.lookup('370388006', 'SCT'), '003');
  assert.equal(o.lookup('VXC27', 'CDCPHINVS'), '003');
  assert.equal(o.lookup('no-such-code'), undefined);
});

const db = await freshDatabase(2);
after(() => db.close());

test('code sets round-trip through the code_value table in PostgreSQL', async () => {
  const rows = codeSetsToRows(codes);
  assert.equal(rows.length, codes.size);
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    // The test template already holds the imported code sets (with CDSi observations): start from an empty table.
    await client.query('DELETE FROM code_value');
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      await client.query(codeValueUpsert(chunk));
    }
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  const { rows: back } = await db.pool.query('SELECT * FROM code_value');
  const loaded = codeSetsFromRows(back);
  assert.equal(loaded.size, codes.size);
  assert.deepEqual(loaded.cvx('208'), codes.cvx('208'));
  assert.deepEqual(loaded.ndc('00069-0207-01'), codes.ndc('00069-0207-01'));
  assert.equal(loaded.ndcToCvx('0069-0207-01'), '305');
  for (const e of codes.entries().slice(0, 500)) assert.deepEqual(loaded.get(e.set, e.code), e);
});

test('CDSi observations travel through CodeSets rows and give the same lookups', async () => {
  const { readReferenceCodeSets } = await import('./files.ts');
  const { cdsiObservationsFromCodeSets, parseCdsiObservations: parse } = await import('./cdsi-observations.ts');
  const all = readReferenceCodeSets(sharedDir());
  const direct = parse(readFileSync(join(sharedDir(), 'cdsi/supporting-data-4.64/ScheduleSupportingData.xml'), 'utf8'));
  const back = cdsiObservationsFromCodeSets(codeSetsFromRows(codeSetsToRows(all).reverse()));
  assert.equal(back.observations.length, direct.observations.length);
  for (const o of direct.observations) for (const c of o.codedValues) assert.equal(back.lookup(c.code, c.codeSystem), direct.lookup(c.code, c.codeSystem), `${c.codeSystem}|${c.code}`);
  assert.equal(back.lookup('38907003', 'SCT'), direct.lookup('38907003', 'SNOMED'));
});
