/**
 * A tenant's quotas (tenants/<name>.yaml `quotas`), enforced by the gateway on every call of the tenant's
 * callers: calls per minute and per UTC day counted in fixed windows through the gateway's rate-limit store
 * (Redis when REDIS_URL is set, so every replica of the zone shares one count; in memory per replica
 * otherwise), and calls in flight counted per replica. A call over a quota gets a tool error naming the quota
 * and when to retry, in its text and in `_meta["dev.raku/retry-after"]` (seconds), like an HTTP Retry-After.
 *
 * Concurrency is checked first (local, and it keeps a refused call from being counted in the shared
 * windows); then the minute, then the day. A call refused by the day's quota has been counted in the minute's
 * window: the windows are counters, not reservations.
 */
import type { TenantQuotas } from '@raku/config';
import { type CallToolResult, errorResult } from '@raku/pack-runtime';
import type { RateLimiter } from './rate-limiter.ts';

/** The `_meta` key of a quota error naming the seconds after which a call may succeed again. */
export const RETRY_AFTER_META = 'dev.raku/retry-after';

/** The quotas the gateway enforces per call (traceRetentionDays is the retention sweep's). */
export type CallQuota = 'callsPerMinute' | 'callsPerDay' | 'concurrentCalls';

const WINDOWS: readonly { quota: 'callsPerMinute' | 'callsPerDay'; seconds: number; per: string }[] = [
  { quota: 'callsPerMinute', seconds: 60, per: 'minute' },
  { quota: 'callsPerDay', seconds: 86_400, per: 'UTC day' },
];

/** Seconds a refused concurrent call is told to wait: a slot frees when any call of the tenant ends. */
const CONCURRENT_RETRY_SECONDS = 1;

/** The outcome of admitting a call: a release to call when it ends, or the quota it exceeds. */
export type QuotaAdmission =
  | { ok: true; release: () => void }
  | { ok: false; quota: CallQuota; limit: number; retryAfterSeconds: number; message: string };

const NOTHING_HELD = () => {};

/**
 * The rule a quota refusal names in the call's trace and span: the config field that set the limit
 * ('tenants/payments/quotas/callsPerMinute').
 */
export function quotaRule(tenant: string, quota: CallQuota): string {
  return `tenants/${tenant}/quotas/${quota}`;
}

/** The tool error of a refused call: the reason and retry delay in its text, the delay in `_meta` too. */
export function quotaExceededResult(refusal: Extract<QuotaAdmission, { ok: false }>): CallToolResult {
  return { ...errorResult(refusal.message), _meta: { [RETRY_AFTER_META]: refusal.retryAfterSeconds } };
}

export class TenantQuotaGate {
  private readonly inFlight = new Map<string, number>();

  /**
   * @param counters the gateway's rate-limit store (shared through Redis when configured)
   * @param now the clock the windows' ends are computed from (the store's windows start at multiples of their
   *   length since the epoch, so a day's window is a UTC day)
   */
  constructor(
    private readonly counters: RateLimiter,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a call of `tenant` against `quotas`; on success the caller must call `release` when it ends. */
  async admit(tenant: string, quotas: TenantQuotas): Promise<QuotaAdmission> {
    const concurrent = quotas.concurrentCalls;
    let release = NOTHING_HELD;
    if (concurrent !== undefined) {
      const held = this.inFlight.get(tenant) ?? 0;
      if (held >= concurrent) {
        return {
          ok: false,
          quota: 'concurrentCalls',
          limit: concurrent,
          retryAfterSeconds: CONCURRENT_RETRY_SECONDS,
          message: `quota exceeded: tenant "${tenant}" may have at most ${concurrent} calls in flight on this gateway replica (concurrentCalls); retry after ${CONCURRENT_RETRY_SECONDS} s`,
        };
      }
      this.inFlight.set(tenant, held + 1);
      let released = false;
      release = () => {
        if (released) return;
        released = true;
        const left = (this.inFlight.get(tenant) ?? 1) - 1;
        if (left > 0) this.inFlight.set(tenant, left);
        else this.inFlight.delete(tenant);
      };
    }
    try {
      for (const window of WINDOWS) {
        const limit = quotas[window.quota];
        if (limit === undefined) continue;
        // A NUL first: no policy rate-limit rule name starts with one, so the two never share a counter.
        const within = await this.counters.hit(
          `\0tenant-quota\0${tenant}\0${window.quota}`,
          limit,
          window.seconds,
        );
        if (within) continue;
        release();
        const windowMs = window.seconds * 1000;
        const now = this.now();
        const retryAfterSeconds = Math.max(1, Math.ceil((windowMs - (now % windowMs)) / 1000));
        return {
          ok: false,
          quota: window.quota,
          limit,
          retryAfterSeconds,
          message: `quota exceeded: tenant "${tenant}" may make at most ${limit} calls per ${window.per} (${window.quota}); retry after ${retryAfterSeconds} s`,
        };
      }
    } catch (err) {
      release();
      throw err;
    }
    return { ok: true, release };
  }

  /** Calls of `tenant` in flight on this replica (counted only while the tenant has a concurrentCalls quota). */
  inFlightOf(tenant: string): number {
    return this.inFlight.get(tenant) ?? 0;
  }
}
