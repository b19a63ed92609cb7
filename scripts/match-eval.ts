// npm run match:eval -- --pairs FILE : scores AIRA-format labelled pairs; the LAST line printed is JSON.
import { readFileSync } from 'node:fs';
import { evaluatePairs, type AiraPair } from '../src/matching/aira-pairs.ts';

const args = process.argv.slice(2);
const i = args.indexOf('--pairs');
const file = i >= 0 ? args[i + 1] : new URL('../../shared/matching/pairs_AIRA-C.jsonl', import.meta.url).pathname;
if (!file) { console.error('usage: match:eval -- --pairs FILE.jsonl'); process.exit(2); }
let pairs: AiraPair[];
try {
  pairs = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l, n) => {
    let row: AiraPair;
    try { row = JSON.parse(l) as AiraPair; } catch { throw new Error(`line ${n + 1} of ${file} is not JSON`); }
    if (!row || typeof row.a !== 'object' || typeof row.b !== 'object' || !row.a || !row.b) throw new Error(`line ${n + 1} of ${file} has no "a" and "b" records`);
    return row;
  });
} catch (e) { console.error(`match:eval: ${(e as Error).message}`); process.exit(2); }
const res = evaluatePairs(pairs);
console.log(`confusion (expected -> scored): ${JSON.stringify(res.confusion)}`);
if (res.falseMatches.length) console.log(`different-person pairs scored Match: ${res.falseMatches.join(', ')}`);
console.log(`'Not Sure' rows excluded from agreement: ${res.notSureExcluded}`);
const { falseMatches: _f, confusion: _c, ...summary } = res;
console.log(JSON.stringify({ ...summary, falseMatchCount: res.falseMatches.length }));
