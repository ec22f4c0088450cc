/** RedisCacheStore against the real Redis on 127.0.0.1:6379, each test under a key prefix of its own. */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheStore } from '../../src/cache/redis-cache-store.ts';

const REDIS = 'redis://127.0.0.1:6379';
let redis: ReturnType<typeof createClient>;
const prefixes: string[] = [];

function prefix(): string {
  const p = `raku:cache:test-${randomBytes(6).toString('hex')}:`;
  prefixes.push(p);
  return p;
}

beforeAll(async () => {
  redis = createClient({ url: REDIS });
  await redis.connect();
});

afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length > 0) await redis.del(keys);
  }
  await redis.close();
});

describe('RedisCacheStore (Redis on 127.0.0.1:6379)', () => {
  it('shares entries between two stores under one prefix, and not with another prefix', async () => {
    const p = prefix();
    const a = await RedisCacheStore.connect({ url: REDIS, prefix: p });
    const b = await RedisCacheStore.connect({ url: REDIS, prefix: p });
    const other = await RedisCacheStore.connect({ url: REDIS, prefix: prefix() });
    try {
      expect(await a.set('k1', '{"x":1}', 60_000)).toBe(true);
      expect(await b.get('k1')).toBe('{"x":1}');
      expect(await other.get('k1')).toBeUndefined();
      expect(await redis.get(`${p}k1`)).toBe('{"x":1}');
    } finally {
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });

  it('writes with PX, so Redis itself drops the entry when its ttl is up', async () => {
    const p = prefix();
    const store = await RedisCacheStore.connect({ url: REDIS, prefix: p });
    try {
      await store.set('k', 'v', 30_000);
      const pttl = await redis.pTTL(`${p}k`);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(30_000);
      await store.set('short', 'v', 20);
      // Wait for Redis to expire it (a condition, not a guessed sleep), then the store reads a miss.
      while ((await redis.exists(`${p}short`)) === 1) await new Promise((r) => setTimeout(r, 10));
      expect(await store.get('short')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('does not keep a value over maxValueBytes', async () => {
    const p = prefix();
    const store = await RedisCacheStore.connect({ url: REDIS, prefix: p, maxValueBytes: 4 });
    try {
      expect(await store.set('k', '12345', 60_000)).toBe(false);
      expect(await redis.exists(`${p}k`)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('turns a Redis failure into a miss and a dropped write, logged once', async () => {
    const lines: string[] = [];
    const store = await RedisCacheStore.connect({ url: REDIS, prefix: prefix(), log: (l) => lines.push(l) });
    await store.close(); // every command now fails, as it would with Redis gone
    expect(await store.get('k')).toBeUndefined();
    expect(await store.set('k', 'v', 1000)).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tool cache bypassed while Redis fails: /);
  });

  it('fails to connect when Redis cannot be reached at all', async () => {
    await expect(RedisCacheStore.connect({ url: 'redis://127.0.0.1:1' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
