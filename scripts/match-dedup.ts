// npm run match:dedup -- --dataset febrl3|febrl1|febrl2|splink [--file PATH] [--with-possible]
// Deduplicates a public benchmark with the registry's scorer and prints pairwise precision and recall
// (last line: JSON). Records linked = scored Match (or also Possible Match with --with-possible).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { febrlRecords, splinkRecords, deduplicate } from '../src/matching/dedup-datasets.ts';

const args = process.argv.slice(2);
const opt = (n: string) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : undefined; };
const dataset = opt('dataset') ?? 'febrl3';
const shared = process.env.IIS_SHARED_DIR || fileURLToPath(new URL('../../shared', import.meta.url));
const files: Record<string, string> = {
  febrl1: `${shared}/matching/febrl/dataset1.csv`, febrl2: `${shared}/matching/febrl/dataset2.csv`,
  febrl3: `${shared}/matching/febrl/dataset3.csv`, splink: `${shared}/matching/splink/fake_1000_from_splink_demos.csv`,
};
const file = opt('file') ?? files[dataset];
if (!file) { console.error(`match:dedup: unknown dataset "${dataset}" (febrl1, febrl2, febrl3, splink)`); process.exit(2); }
let text: string;
try { text = readFileSync(file, 'utf8'); } catch (e) { console.error(`match:dedup: cannot read ${file}: ${(e as Error).message}`); process.exit(2); }
const records = dataset === 'splink' ? splinkRecords(text) : febrlRecords(text);
const accept = new Set(args.includes('--with-possible') ? ['match', 'possible'] : ['match']);
const t0 = Date.now();
const r = deduplicate(records, accept);
console.log(`${dataset}: ${r.records} records, ${r.truePairs} true pairs, ${r.comparedPairs} pairs compared after blocking, ${Date.now() - t0} ms`);
console.log(JSON.stringify({ dataset, linked: [...accept], ...r }));
