// Vaccination de-duplication, pure core. Doses of the same vaccine group given on the same day, or within a
// window shorter than any real minimum interval, reported by different sources (or twice by one), are one
// dose: they are grouped and one of them is chosen as the consolidated dose. The others stay stored and
// visible, pointing at it (vaccination.consolidated_into).
// The preferred record: administered beats historical, a specific CVX beats an unspecified one, a record
// with a lot number beats one without, then the earliest reported (lowest id) for stability.

export interface DoseForDedup {
  id: number;
  date: string;                 // YYYY-MM-DD
  cvx?: string;
  historical: boolean;
  lotNumber?: string;
  deleted?: boolean;
  /** Not given (refused, not administered): never merged with a given dose. */
  notGiven?: boolean;
}

export interface VaccineGroupMap {
  /** Vaccine groups (CDSi names, e.g. 'DTaP/Tdap/Td', 'MMR') a CVX belongs to. */
  groupsOf(cvx: string): string[];
  /** True for "unspecified formulation" CVX codes. */
  isUnspecified(cvx: string): boolean;
}

export interface DedupOptions {
  /** Doses of one vaccine group closer than this many days are the same dose. Default 0: same day only. */
  windowDays?: number;
  /** Per vaccine group override, e.g. { Rabies: 0 } because rabies post-exposure doses on days 0, 3, 7 are real. */
  windowDaysByGroup?: Record<string, number>;
}

/** Default: doses of one group within 3 days are one dose (no minimum interval is that short), except
 * rabies (days 0, 3, 7, 14) and cholera, whose accelerated schedules have legitimately close doses. */
export const DEFAULT_DEDUP_OPTIONS: DedupOptions = { windowDays: 3, windowDaysByGroup: { Rabies: 0, Cholera: 0 } };

const dayNumber = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);

function better(a: DoseForDedup, b: DoseForDedup, map: VaccineGroupMap): number {
  // negative: a preferred
  if (a.historical !== b.historical) return a.historical ? 1 : -1;
  const ua = !a.cvx || map.isUnspecified(a.cvx), ub = !b.cvx || map.isUnspecified(b.cvx);
  if (ua !== ub) return ua ? 1 : -1;
  const la = !!a.lotNumber?.trim(), lb = !!b.lotNumber?.trim();
  if (la !== lb) return la ? -1 : 1;
  return a.id - b.id;
}

/**
 * Returns, for every dose, the id of the dose it is consolidated into (null = it is itself the consolidated
 * dose or stands alone). Deleted and not-given doses are left alone.
 */
export function consolidateDoses(doses: DoseForDedup[], map: VaccineGroupMap, opts: DedupOptions = DEFAULT_DEDUP_OPTIONS): Map<number, number | null> {
  const result = new Map<number, number | null>(doses.map((d) => [d.id, null]));
  const live = doses.filter((d) => !d.deleted && !d.notGiven && d.cvx);
  // Union-find over doses that share a vaccine group within the window.
  const parent = new Map<number, number>(live.map((d) => [d.id, d.id]));
  const find = (x: number): number => { while (parent.get(x)! !== x) x = parent.get(x)!; return x; };
  const groups = new Map<number, string[]>(live.map((d) => [d.id, map.groupsOf(d.cvx!)]));
  for (let i = 0; i < live.length; i++) {
    for (let j = i + 1; j < live.length; j++) {
      const a = live[i]!, b = live[j]!;
      const shared = groups.get(a.id)!.filter((g) => groups.get(b.id)!.includes(g));
      if (!shared.length) continue;
      const gap = Math.abs(dayNumber(a.date) - dayNumber(b.date));
      const window = Math.min(...shared.map((g) => opts.windowDaysByGroup?.[g] ?? opts.windowDays ?? 0));
      if (gap <= window) parent.set(find(a.id), find(b.id));
    }
  }
  const clusters = new Map<number, DoseForDedup[]>();
  for (const d of live) {
    const r = find(d.id);
    clusters.set(r, [...(clusters.get(r) ?? []), d]);
  }
  for (const members of clusters.values()) {
    if (members.length < 2) continue;
    const keep = [...members].sort((x, y) => better(x, y, map))[0]!;
    for (const m of members) if (m.id !== keep.id) result.set(m.id, keep.id);
  }
  return result;
}
