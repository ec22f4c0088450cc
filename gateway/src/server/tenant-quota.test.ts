import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from './rate-limiter.ts';
import { quotaExceededResult, RETRY_AFTER_META, TenantQuotaGate } from './tenant-quota.ts';

/** 10 s into a minute (and 36 010 s into a UTC day). */
const NOW = Date.UTC(2026, 0, 1, 10, 0, 10);

function gate() {
  const counted: string[] = [];
  const memory = new MemoryRateLimiter(() => NOW);
  const limiter = {
    hit: (key: string, limit: number, windowSeconds: number) => {
      counted.push(key);
      return memory.hit(key, limit, windowSeconds);
    },
  };
  return { gate: new TenantQuotaGate(limiter, () => NOW), counted };
}

describe('TenantQuotaGate', () => {
  it('admits calls within the minute and refuses the next with the seconds left in the minute', async () => {
    const { gate: g } = gate();
    expect((await g.admit('acme', { callsPerMinute: 2 })).ok).toBe(true);
    expect((await g.admit('acme', { callsPerMinute: 2 })).ok).toBe(true);
    const refused = await g.admit('acme', { callsPerMinute: 2 });
    expect(refused).toMatchObject({ ok: false, quota: 'callsPerMinute', limit: 2, retryAfterSeconds: 50 });
    // Another tenant has its own count.
    expect((await g.admit('globex', { callsPerMinute: 2 })).ok).toBe(true);
  });

  it('names the seconds left in the UTC day for the day’s quota', async () => {
    const { gate: g } = gate();
    await g.admit('acme', { callsPerDay: 1 });
    expect(await g.admit('acme', { callsPerDay: 1 })).toMatchObject({
      ok: false,
      quota: 'callsPerDay',
      retryAfterSeconds: 86_400 - 36_010,
    });
  });

  it('holds a slot per call in flight until released, and releases each slot once only', async () => {
    const { gate: g } = gate();
    const first = await g.admit('acme', { concurrentCalls: 2 });
    const second = await g.admit('acme', { concurrentCalls: 2 });
    expect(await g.admit('acme', { concurrentCalls: 2 })).toMatchObject({
      ok: false,
      quota: 'concurrentCalls',
    });
    if (!first.ok || !second.ok) throw new Error('admitted calls expected');
    first.release();
    first.release();
    expect(g.inFlightOf('acme')).toBe(1);
    second.release();
    expect(g.inFlightOf('acme')).toBe(0);
  });

  it('does not count a call refused for concurrency in the shared windows', async () => {
    const { gate: g, counted } = gate();
    const quotas = { concurrentCalls: 1, callsPerMinute: 10 };
    await g.admit('acme', quotas);
    await g.admit('acme', quotas);
    expect(counted).toHaveLength(1);
  });

  it('frees the slot of a call refused by a window', async () => {
    const { gate: g } = gate();
    const quotas = { concurrentCalls: 1, callsPerMinute: 1 };
    const first = await g.admit('acme', quotas);
    if (first.ok) first.release();
    expect(await g.admit('acme', quotas)).toMatchObject({ ok: false, quota: 'callsPerMinute' });
    expect(g.inFlightOf('acme')).toBe(0);
  });

  it('frees the slot when the counters fail, and passes the failure on', async () => {
    const g = new TenantQuotaGate({ hit: () => Promise.reject(new Error('store down')) }, () => NOW);
    await expect(g.admit('acme', { concurrentCalls: 1, callsPerDay: 5 })).rejects.toThrow('store down');
    expect(g.inFlightOf('acme')).toBe(0);
  });

  it('answers a refusal as a tool error with the retry-after in its text and _meta', () => {
    const result = quotaExceededResult({
      ok: false,
      quota: 'callsPerMinute',
      limit: 1,
      retryAfterSeconds: 7,
      message: 'quota exceeded: … retry after 7 s',
    });
    expect(result).toEqual({
      content: [{ type: 'text', text: 'quota exceeded: … retry after 7 s' }],
      isError: true,
      _meta: { [RETRY_AFTER_META]: 7 },
    });
  });
});
