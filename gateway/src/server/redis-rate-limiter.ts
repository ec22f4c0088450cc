/**
 * Rate limits shared by every gateway replica through Redis (REDIS_URL): one counter per rule, subject and
 * fixed window, INCR + PEXPIRE in one transaction. While Redis is unreachable the limiter counts in memory
 * (per replica) rather than refusing every call: an outage of the limiter must not become an outage of the
 * gateway.
 */

import { connectRedis, type RedisClient } from '../redis/redis-client.ts';
import { MemoryRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface RedisRateLimiterOptions {
  url: string;
  /** Key prefix; default 'raku:ratelimit:'. */
  prefix?: string;
  log?: (message: string) => void;
  now?: () => number;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly fallback: MemoryRateLimiter;
  private readonly prefix: string;
  private readonly now: () => number;
  private degraded = false;

  private constructor(
    private readonly client: RedisClient,
    private readonly options: RedisRateLimiterOptions,
  ) {
    this.prefix = options.prefix ?? 'raku:ratelimit:';
    this.now = options.now ?? Date.now;
    this.fallback = new MemoryRateLimiter(this.now);
  }

  /** Connects (failing the start when Redis cannot be reached at all: a misconfigured URL is a user error). */
  static async connect(options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
    let limiter: RedisRateLimiter | undefined;
    const client = await connectRedis(options.url, (err) => limiter?.markDegraded(err));
    limiter = new RedisRateLimiter(client, options);
    return limiter;
  }

  private markDegraded(err: Error): void {
    if (!this.degraded)
      this.options.log?.(`rate limits counted per replica while Redis is unreachable: ${err.message}`);
    this.degraded = true;
  }

  async hit(key: string, limit: number, windowSeconds: number): Promise<boolean> {
    const now = this.now();
    const windowMs = windowSeconds * 1000;
    const redisKey = `${this.prefix}${key.replaceAll('\0', '|')}:${now - (now % windowMs)}`;
    try {
      const [count] = await this.client
        .multi()
        .incr(redisKey)
        .pExpire(redisKey, windowMs + 1000)
        .exec();
      this.degraded = false;
      return Number(count) <= limit;
    } catch (err) {
      this.markDegraded(err as Error);
      return this.fallback.hit(key, limit, windowSeconds);
    }
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}
