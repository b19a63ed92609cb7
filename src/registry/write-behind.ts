// Writes an answer does not wait for (the audit events of a Z31's candidate list): each pool keeps its writes in
// flight, so closing the registry (runtime.ts) and tests can wait for them. A failed write is logged with what it held.
import type { Pool } from 'pg';

const pending = new WeakMap<Pool, Set<Promise<unknown>>>();

/** Runs `write` without the caller waiting; flushWriteBehind(pool) waits for it. */
export function writeBehind(pool: Pool, what: string, write: () => Promise<unknown>): void {
  let set = pending.get(pool);
  if (!set) pending.set(pool, (set = new Set()));
  const p = write().catch((e) => console.error(`write-behind ${what} failed:`, (e as Error).message));
  set.add(p);
  void p.finally(() => set.delete(p));
}

/** Waits for every write-behind started on `pool` so far (and those they start). */
export async function flushWriteBehind(pool: Pool): Promise<void> {
  const set = pending.get(pool);
  while (set?.size) await Promise.all([...set]);
}
