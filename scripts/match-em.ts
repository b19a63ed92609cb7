// npm run match:em [-- --pairs FILE] : a check on the hand-set weights of src/matching/score.ts.
// Runs Fellegi-Sunter EM (two latent classes, fields conditionally independent) on the field agreement
// levels of the pairs WITHOUT looking at their labels, and prints the estimated log2(m/u) of every level
// beside the weight the scorer uses. Not used at run time: the scorer's weights stay round, explained values.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { airaPerson, type AiraPair } from '../src/matching/aira-pairs.ts';
import { scorePair, WEIGHTS } from '../src/matching/score.ts';

const i = process.argv.indexOf('--pairs');
const file = i >= 0 ? process.argv[i + 1]! : fileURLToPath(new URL('../../shared/matching/pairs_AIRA-C.jsonl', import.meta.url));
const pairs = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as AiraPair);

// Each pair becomes { field: level } from the scorer's reasons ('given:nickname(+4)').
const vectors = pairs.map((p) => {
  const v: Record<string, string> = {};
  for (const r of scorePair(airaPerson(p.a), airaPerson(p.b)).reasons) {
    const m = /^(\w+):(\w+)\(/.exec(r);
    if (m && m[1] !== 'rule') v[m[1]!] = m[2]!;
  }
  return v;
});
const fields = Object.keys(WEIGHTS) as (keyof typeof WEIGHTS)[];
const levels = (f: string) => [...Object.keys(WEIGHTS[f as keyof typeof WEIGHTS]), 'absent'];
const lvl = (v: Record<string, string>, f: string) => v[f] ?? 'absent';

let prior = 0.3;
const m: Record<string, Record<string, number>> = {}, u: Record<string, Record<string, number>> = {};
for (const f of fields) {
  m[f] = {}; u[f] = {};
  const w = WEIGHTS[f] as Record<string, number>;
  // Start from "agreeing levels are likelier among matches": enough to break the symmetry of EM.
  for (const l of levels(f)) { m[f]![l] = l === 'absent' ? 1 : Math.max(0.05, w[l]! > 0 ? 2 : 0.2); u[f]![l] = l === 'absent' ? 1 : Math.max(0.05, w[l]! > 0 ? 0.2 : 2); }
}
const norm = (t: Record<string, number>) => { const s = Object.values(t).reduce((a, b) => a + b, 0); for (const k in t) t[k] = t[k]! / s; };
for (const f of fields) { norm(m[f]!); norm(u[f]!); }
for (let iter = 0; iter < 200; iter++) {
  const g = vectors.map((v) => {
    let lm = Math.log(prior), lu = Math.log(1 - prior);
    for (const f of fields) { lm += Math.log(m[f]![lvl(v, f)]!); lu += Math.log(u[f]![lvl(v, f)]!); }
    return 1 / (1 + Math.exp(lu - lm));
  });
  prior = g.reduce((a, b) => a + b, 0) / g.length;
  for (const f of fields) {
    const cm: Record<string, number> = {}, cu: Record<string, number> = {};
    for (const l of levels(f)) { cm[l] = 1e-3; cu[l] = 1e-3; }
    vectors.forEach((v, k) => { cm[lvl(v, f)]! += g[k]!; cu[lvl(v, f)]! += 1 - g[k]!; });
    norm(cm); norm(cu); m[f] = cm; u[f] = cu;
  }
}
console.log(`EM on ${vectors.length} pairs (labels unused); estimated share of matches: ${prior.toFixed(3)}`);
console.log('field.level'.padEnd(28) + 'EM log2(m/u)'.padStart(14) + 'scorer weight'.padStart(15));
const rows: Record<string, { em: number; weight: number }> = {};
for (const f of fields) {
  for (const l of Object.keys(WEIGHTS[f])) {
    const em = Math.log2(m[f]![l]! / u[f]![l]!);
    const weight = (WEIGHTS[f] as Record<string, number>)[l]!;
    rows[`${f}.${l}`] = { em: Math.round(em * 10) / 10, weight };
    console.log(`${f}.${l}`.padEnd(28) + em.toFixed(1).padStart(14) + String(weight).padStart(15));
  }
}
console.log(JSON.stringify({ pairs: vectors.length, matchShare: Math.round(prior * 1000) / 1000, levels: rows }));
