/**
 * The cache of one gateway replica when there is no Redis: a map bounded by entries and bytes, least
 * recently used entries evicted first, each entry dropped once its time is up (read with an injectable clock).
 */
import { type CacheStore, DEFAULT_MAX_VALUE_BYTES } from './cache-store.ts';

export interface MemoryCacheStoreOptions {
  /** Most entries kept at once; the least recently used go first. Default 10 000. */
  maxEntries?: number;
  /** Most bytes (UTF-8 of keys and values) kept at once; the least recently used go first. Default 64 MiB. */
  maxBytes?: number;
  /** Largest value kept; a larger one is not cached. Default 1 MiB. */
  maxValueBytes?: number;
  /** The clock, in milliseconds. Default Date.now. */
  now?: () => number;
}

interface Entry {
  value: string;
  bytes: number;
  expiresAt: number;
}

export class MemoryCacheStore implements CacheStore {
  /** In recency order: a Map iterates in insertion order, and a read re-inserts its entry at the end. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxValueBytes: number;
  private readonly now: () => number;

  constructor(options: MemoryCacheStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.now = options.now ?? Date.now;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.delete(key, entry);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<boolean> {
    const valueBytes = Buffer.byteLength(value);
    const bytes = Buffer.byteLength(key) + valueBytes;
    const old = this.entries.get(key);
    if (old) this.delete(key, old);
    if (ttlMs <= 0 || this.maxEntries < 1 || valueBytes > this.maxValueBytes || bytes > this.maxBytes)
      return false;
    while (this.entries.size >= this.maxEntries || this.bytes + bytes > this.maxBytes) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.delete(oldestKey, oldest);
    }
    this.entries.set(key, { value, bytes, expiresAt: this.now() + ttlMs });
    this.bytes += bytes;
    return true;
  }

  /** What the store holds now (expired entries not yet dropped included). */
  stats(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private delete(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
