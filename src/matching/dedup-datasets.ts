// Deduplicating the public record-linkage benchmarks (Febrl, Splink demo) with the registry's scorer:
// in-memory blocking, pairwise scoring, clustering of Match pairs (union-find), pairwise precision/recall
// of the clusters against the truth. Pure (takes file contents).
import type { MatchPerson } from './score.ts';
import { scorePair, normalizeText } from './score.ts';

export interface LabelledRecord { id: string; truth: string; person: MatchPerson }

function csvRows(text: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const head = lines[0]!.split(',').map((h) => h.trim());
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(head.map((h, i) => [h, (cells[i] ?? '').trim()]));
  });
}

/** Febrl: rec-K-org / rec-K-dup-J are person K. */
export function febrlRecords(text: string): LabelledRecord[] {
  return csvRows(text).map((r) => ({
    id: r.rec_id!, truth: /^rec-(\d+)-/.exec(r.rec_id!)?.[1] ?? r.rec_id!,
    person: {
      given: r.given_name, family: r.surname, birthDate: /^\d{8}$/.test(r.date_of_birth ?? '') ? r.date_of_birth : undefined,
      street: [r.street_number, r.address_1].filter(Boolean).join(' '), city: r.suburb, zip: r.postcode,
      identifiers: r.soc_sec_id ? [{ value: r.soc_sec_id, type: 'SS' }] : [],
    },
  }));
}

/** Splink demo: `cluster` is the person. */
export function splinkRecords(text: string): LabelledRecord[] {
  return csvRows(text).map((r) => ({
    id: r.unique_id!, truth: r.cluster!,
    person: { given: r.first_name, family: r.surname, birthDate: r.dob || undefined, city: r.city, email: r.email },
  }));
}

function blockingKeys(p: MatchPerson): string[] {
  const f = normalizeText(p.family).replace(/[^A-Z]/g, ''), g = normalizeText(p.given).replace(/[^A-Z]/g, '');
  const dob = (p.birthDate ?? '').replace(/-/g, '');
  const keys: string[] = [];
  if (dob) keys.push(`d:${dob}`, `dy:${dob.slice(0, 4)}:${f.slice(0, 2)}`, `dm:${dob.slice(4)}:${g.slice(0, 2)}`);
  if (f && g) keys.push(`n:${f.slice(0, 3)}:${g.slice(0, 3)}`, `r:${g.slice(0, 3)}:${f.slice(0, 3)}`);
  if (p.zip && f) keys.push(`z:${p.zip}:${f.slice(0, 1)}`);
  if (p.email) keys.push(`e:${p.email.trim().toLowerCase()}`);
  for (const i of p.identifiers ?? []) keys.push(`i:${i.value}`);
  return keys;
}

export interface DedupResult { records: number; truePairs: number; comparedPairs: number; predictedPairs: number; correctPairs: number; precision: number; recall: number }

/** `accept` chooses which outcomes link records ('match' only, or 'match' and 'possible'). */
export function deduplicate(records: LabelledRecord[], accept: ReadonlySet<string> = new Set(['match'])): DedupResult {
  const blocks = new Map<string, number[]>();
  records.forEach((r, i) => { for (const k of blockingKeys(r.person)) blocks.set(k, [...(blocks.get(k) ?? []), i]); });
  const parent = records.map((_, i) => i);
  const find = (x: number): number => { while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!; return x; };
  const seen = new Set<number>();
  let compared = 0;
  for (const members of blocks.values()) {
    if (members.length > 200) continue; // a block that big is not discriminating
    for (let a = 0; a < members.length; a++) {
      for (let b = a + 1; b < members.length; b++) {
        const i = members[a]!, j = members[b]!;
        const key = Math.min(i, j) * records.length + Math.max(i, j);
        if (seen.has(key)) continue;
        seen.add(key); compared++;
        if (accept.has(scorePair(records[i]!.person, records[j]!.person).outcome)) parent[find(i)] = find(j);
      }
    }
  }
  const pairsIn = (groups: Map<string | number, number>) => [...groups.values()].reduce((s, n) => s + (n * (n - 1)) / 2, 0);
  const count = <K>(keys: K[]) => { const m = new Map<K, number>(); for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1); return m; };
  const truePairs = pairsIn(count(records.map((r) => r.truth)) as Map<string, number>);
  const predicted = pairsIn(count(records.map((_, i) => find(i))) as Map<number, number>);
  const correct = pairsIn(count(records.map((r, i) => `${find(i)}|${r.truth}`)) as Map<string, number>);
  const r4 = (x: number) => Math.round(x * 10000) / 10000;
  return { records: records.length, truePairs, comparedPairs: compared, predictedPairs: predicted, correctPairs: correct,
    precision: r4(predicted ? correct / predicted : 1), recall: r4(truePairs ? correct / truePairs : 1) };
}
