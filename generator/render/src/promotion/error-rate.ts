/**
 * The error rate of a zone's tool calls from their trace statuses: what the promotion gate compares with
 * `promotion.healthGate.maxErrorRate`. Pure; `raku status` reads the statuses through the admin API, the
 * gateway from its own trace store.
 */

/** Trace statuses that count as a failed tool call of the deployment (policy outcomes do not). */
export const FAILED_STATUSES: readonly string[] = ['error', 'timeout', 'no_route'];
/** Statuses that count as calls the deployment served. Denials, approvals and rate limits are not counted. */
const SERVED_STATUSES: readonly string[] = ['ok', ...FAILED_STATUSES];

export interface ErrorRate {
  /** Failed share of served calls, 0–1; 0 when there were none. */
  rate: number;
  failed: number;
  served: number;
  /** Window the traces were read over, e.g. '15m'. */
  window: string;
  /** True when only the first pages of a busy window were counted. */
  sampled: boolean;
}

/** The error rate of tool calls from their trace statuses. Pure. */
export function errorRate(statuses: readonly string[], window: string, sampled: boolean): ErrorRate {
  let failed = 0;
  let served = 0;
  for (const s of statuses) {
    if (!SERVED_STATUSES.includes(s)) continue;
    served++;
    if (FAILED_STATUSES.includes(s)) failed++;
  }
  return { rate: served === 0 ? 0 : failed / served, failed, served, window, sampled };
}
