import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from './rate-limiter.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';

describe('MemoryRateLimiter', () => {
  it('allows `limit` calls per window and starts over in the next window', async () => {
    let now = 10_000;
    const limiter = new MemoryRateLimiter(() => now);
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await limiter.hit('r|bot', 2, 60));
    expect(results).toEqual([true, true, false]);
    expect(await limiter.hit('r|other', 2, 60)).toBe(true);
    now += 60_000;
    expect(await limiter.hit('r|bot', 2, 60)).toBe(true);
  });
});

describe('RedisRateLimiter (Redis on 127.0.0.1:6379)', () => {
  it('shares one count between replicas', async () => {
    const prefix = `raku:test:${randomBytes(4).toString('hex')}:`;
    const now = () => 1_000_000;
    const a = await RedisRateLimiter.connect({ url: 'redis://127.0.0.1:6379', prefix, now });
    const b = await RedisRateLimiter.connect({ url: 'redis://127.0.0.1:6379', prefix, now });
    try {
      const results = [await a.hit('rule\0agent:bot', 3, 60), await b.hit('rule\0agent:bot', 3, 60)];
      results.push(await a.hit('rule\0agent:bot', 3, 60), await b.hit('rule\0agent:bot', 3, 60));
      expect(results).toEqual([true, true, true, false]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('fails the start with the reason when Redis cannot be reached', async () => {
    await expect(RedisRateLimiter.connect({ url: 'redis://127.0.0.1:1' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
