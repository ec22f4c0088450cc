import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../../src/cache/memory-cache-store.ts';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('MemoryCacheStore', () => {
  it('serves an entry until its ttl is up, and not from that millisecond on', async () => {
    const c = clock();
    const store = new MemoryCacheStore({ now: c.now });
    expect(await store.set('k', 'v', 1000)).toBe(true);
    c.advance(999);
    expect(await store.get('k')).toBe('v');
    c.advance(1);
    expect(await store.get('k')).toBeUndefined();
    expect(store.stats()).toEqual({ entries: 0, bytes: 0 });
  });

  it('evicts the least recently used entry when it holds maxEntries', async () => {
    const store = new MemoryCacheStore({ maxEntries: 2, now: clock().now });
    await store.set('a', '1', 60_000);
    await store.set('b', '2', 60_000);
    expect(await store.get('a')).toBe('1'); // a is now more recent than b
    await store.set('c', '3', 60_000);
    expect(await store.get('b')).toBeUndefined();
    expect([await store.get('a'), await store.get('c')]).toEqual(['1', '3']);
    expect(store.stats().entries).toBe(2);
  });

  it('evicts by bytes (UTF-8 of key and value) when maxBytes would be passed', async () => {
    const store = new MemoryCacheStore({ maxBytes: 10, now: clock().now });
    await store.set('a', '1234', 60_000); // 5 bytes
    await store.set('b', 'é12', 60_000); // 1 + 4 bytes: 10 in all
    expect(store.stats()).toEqual({ entries: 2, bytes: 10 });
    await store.set('c', 'x', 60_000); // 2 more: a goes
    expect(await store.get('a')).toBeUndefined();
    expect(store.stats()).toEqual({ entries: 2, bytes: 7 });
  });

  it('refuses a value larger than maxValueBytes or than the whole store, keeping what it had', async () => {
    const store = new MemoryCacheStore({ maxBytes: 100, maxValueBytes: 8, now: clock().now });
    await store.set('a', 'kept', 60_000);
    expect(await store.set('b', '123456789', 60_000)).toBe(false);
    expect(await new MemoryCacheStore({ maxBytes: 4 }).set('b', '1234', 60_000)).toBe(false);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe('kept');
  });

  it('replaces an entry set again, counting its bytes once', async () => {
    const c = clock();
    const store = new MemoryCacheStore({ now: c.now });
    await store.set('k', 'old', 1000);
    c.advance(900);
    await store.set('k', 'newer', 1000);
    c.advance(900);
    expect(await store.get('k')).toBe('newer');
    expect(store.stats()).toEqual({ entries: 1, bytes: 6 });
  });

  it('keeps nothing with a ttl of 0 or with maxEntries 0', async () => {
    expect(await new MemoryCacheStore().set('k', 'v', 0)).toBe(false);
    expect(await new MemoryCacheStore({ maxEntries: 0 }).set('k', 'v', 1000)).toBe(false);
  });
});
