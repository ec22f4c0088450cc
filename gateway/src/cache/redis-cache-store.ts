/**
 * The cache every gateway replica of a zone shares when REDIS_URL is set: one string per entry under
 * `<prefix><sha256 key>`, written with SET … PX so Redis drops it when its time is up. Redis trouble never
 * fails a call: a read that errs or takes longer than `commandTimeoutMs` is a miss, a write that fails is
 * dropped, and the first failure after a success is logged once.
 */
import { connectRedis, type RedisClient } from '../redis/redis-client.ts';
import { type CacheStore, DEFAULT_MAX_VALUE_BYTES } from './cache-store.ts';

export interface RedisCacheStoreOptions {
  url: string;
  /** Key prefix. Default 'raku:cache:'; the gateway uses 'raku:cache:<zone>:'. */
  prefix?: string;
  /**
   * How long a cache read or write may take before the call goes on without it, in milliseconds. Default
   * 500: a slow Redis must not make a cached tool slower than an uncached one by more than this.
   */
  commandTimeoutMs?: number;
  /** Largest value kept; a larger one is not cached (Redis memory is shared). Default 1 MiB. */
  maxValueBytes?: number;
  log?: (message: string) => void;
}

export class RedisCacheStore implements CacheStore {
  private readonly prefix: string;
  private readonly maxValueBytes: number;
  private readonly commands: RedisClient;
  private degraded = false;

  private constructor(
    private readonly client: RedisClient,
    private readonly options: RedisCacheStoreOptions,
  ) {
    this.prefix = options.prefix ?? 'raku:cache:';
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.commands = client.withCommandOptions({ timeout: options.commandTimeoutMs ?? 500 }) as RedisClient;
  }

  /** Connects, rejecting when Redis cannot be reached at all (a misconfigured URL fails the start). */
  static async connect(options: RedisCacheStoreOptions): Promise<RedisCacheStore> {
    let store: RedisCacheStore | undefined;
    const client = await connectRedis(options.url, (err) => store?.failed(err));
    store = new RedisCacheStore(client, options);
    return store;
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const value = await this.commands.get(this.prefix + key);
      this.degraded = false;
      return value ?? undefined;
    } catch (err) {
      this.failed(err as Error);
      return undefined;
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (ttlMs <= 0 || Buffer.byteLength(value) > this.maxValueBytes) return false;
    try {
      await this.commands.set(this.prefix + key, value, { expiration: { type: 'PX', value: ttlMs } });
      this.degraded = false;
      return true;
    } catch (err) {
      this.failed(err as Error);
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }

  private failed(err: Error): void {
    if (!this.degraded) this.options.log?.(`tool cache bypassed while Redis fails: ${err.message}`);
    this.degraded = true;
  }
}
