/**
 * Per-subject rate limits (fixed windows). In memory for one replica; with several replicas the counters
 * must be shared, so REDIS_URL selects a Redis-backed limiter (see redis-rate-limiter.ts).
 */
export interface RateLimiter {
  /** Counts one call under `key`; true when it is within `limit` calls per `windowSeconds`. */
  hit(key: string, limit: number, windowSeconds: number): Promise<boolean>;
  close?(): Promise<void>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private sweeps = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<boolean> {
    const now = this.now();
    const windowMs = windowSeconds * 1000;
    const start = now - (now % windowMs);
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    // Forget finished windows now and then so the map does not grow with every subject ever seen.
    if (++this.sweeps % 1024 === 0) {
      for (const [k, v] of this.windows) if (v.start + windowMs * 2 < now) this.windows.delete(k);
    }
    return w.count <= limit;
  }
}
