/**
 * Where the gateway keeps cached tool answers (docs/gateway.md, "Cache"): Redis when REDIS_URL is set, so
 * every replica shares one cache (./redis-cache-store.ts), else a bounded map in the process
 * (./memory-cache-store.ts). Keys are already hashes (./cache-key.ts) and values serialised answers: a store
 * only keeps strings for a while.
 */
export interface CacheStore {
  /**
   * The value kept under `key`; undefined when there is none, it expired, or the store cannot answer now. A
   * cache that cannot answer is a miss, never an error: the call then goes to its route as if uncached.
   */
  get(key: string): Promise<string | undefined>;
  /**
   * Keeps `value` under `key` for `ttlMs` milliseconds. Resolves false when the store did not keep it (too
   * large for it, or unreachable); never rejects.
   */
  set(key: string, value: string, ttlMs: number): Promise<boolean>;
  close?(): Promise<void>;
}

/** Largest serialised answer a store keeps, by default: 1 MiB. Larger answers are served uncached. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
