// Fixed-window counters per key (client IP) kept in memory: enough for one registry process. Behind a reverse
// proxy, set Fastify's trustProxy so req.ip is the client's address and not the proxy's.
export class RateLimiter {
  private hits = new Map<string, { start: number; count: number }>();
  constructor(readonly limit: number, readonly windowMs: number, private now: () => number = Date.now) {}

  /** Count one attempt; false when the key is over its limit for the current window. */
  take(key: string): boolean {
    const t = this.now();
    let h = this.hits.get(key);
    if (!h || t - h.start >= this.windowMs) {
      h = { start: t, count: 0 };
      this.hits.set(key, h);
      if (this.hits.size > 10_000) this.sweep(t);
    }
    h.count++;
    return h.count <= this.limit;
  }

  retryAfterSeconds(key: string): number {
    const h = this.hits.get(key);
    return h ? Math.max(1, Math.ceil((h.start + this.windowMs - this.now()) / 1000)) : 0;
  }

  private sweep(t: number) {
    for (const [k, h] of this.hits) if (t - h.start >= this.windowMs) this.hits.delete(k);
  }
}
