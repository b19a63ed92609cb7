// Code sets (CVX, MVX, NDC, VIS, CDSi observations...) live in the code_value table as data; this module imports
// them from the reference files and loads them back for the pipeline.
import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { CodeSets, codeSetsFromRows, codeSetsToRows, codeValueUpsert, parseAiraCodebase } from '../codes/codesets.ts';
import { addCdsiObservations, parseCdsiObservations } from '../codes/cdsi-observations.ts';

/** Reads the AIRA code base (codesDir/Compiled.xml) and, when present, CDSi's observation codes (cdsiDir). */
export function readCodeFiles(codesDir: string, cdsiDir?: string): CodeSets {
  const aira = path.join(codesDir, 'Compiled.xml');
  if (!fs.existsSync(aira)) throw new Error(`Code base not found: ${aira} (set IIS_CODES_DIR to the directory holding the AIRA Compiled.xml)`);
  let codes = parseAiraCodebase(fs.readFileSync(aira, 'utf8'));
  const sched = cdsiDir ? path.join(cdsiDir, 'ScheduleSupportingData.xml') : undefined;
  if (sched && fs.existsSync(sched)) codes = addCdsiObservations(codes, parseCdsiObservations(fs.readFileSync(sched, 'utf8')));
  return codes;
}

/** Upserts every code into code_value, in chunks; returns the number of rows. */
export async function importCodeSets(pool: Pool, codes: CodeSets, onProgress?: (done: number, total: number) => void): Promise<number> {
  const rows = codeSetsToRows(codes);
  for (let i = 0; i < rows.length; i += 1000) {
    const q = codeValueUpsert(rows.slice(i, i + 1000));
    await pool.query(q.text, q.values);
    onProgress?.(Math.min(i + 1000, rows.length), rows.length);
  }
  return rows.length;
}

export async function loadCodeSets(pool: Pool): Promise<CodeSets> {
  const { rows } = await pool.query(`SELECT code_set, code, label, status, use_date, not_before, not_after, detail FROM code_value`);
  return codeSetsFromRows(rows);
}

/** Code sets from the database; on an empty table they are imported from the configured files first (fresh start). */
export async function ensureCodeSets(pool: Pool, dirs: { codesDir: string; cdsiDir?: string }): Promise<CodeSets> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM code_value`);
  if (rows[0]!.n === 0 && fs.existsSync(path.join(dirs.codesDir, 'Compiled.xml'))) {
    const client = await pool.connect();
    try {
      await client.query(`SELECT pg_advisory_lock(727401)`);
      const again = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM code_value`);
      if (again.rows[0]!.n === 0) await importCodeSets(pool, readCodeFiles(dirs.codesDir, dirs.cdsiDir));
    } finally {
      await client.query(`SELECT pg_advisory_unlock(727401)`).catch(() => {});
      client.release();
    }
  }
  return loadCodeSets(pool);
}
