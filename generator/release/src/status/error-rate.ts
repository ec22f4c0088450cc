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

/**
 * Adapter: reads the statuses of the traces since `from` through the gateway admin API (GET /v1/traces, newest
 * first, 500 per page), at most `maxPages` pages.
 */
export async function readTraceStatuses(
  adminUrl: string,
  token: string,
  from: Date,
  options: { maxPages?: number; fetch?: typeof fetch } = {},
): Promise<{ statuses: string[]; sampled: boolean }> {
  const fetchFn = options.fetch ?? fetch;
  const maxPages = options.maxPages ?? 10;
  const statuses: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const url = new URL(`${adminUrl.replace(/\/+$/, '')}/v1/traces`);
    url.searchParams.set('from', from.toISOString());
    url.searchParams.set('limit', '500');
    if (cursor) url.searchParams.set('cursor', cursor);
    const res = await fetchFn(url, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok)
      throw new Error(
        `GET ${url.origin}${url.pathname}: ${res.status} ${(await res.text().catch(() => '')).slice(0, 300)}`,
      );
    const body = (await res.json()) as { items?: { status?: string }[]; nextCursor?: string | null };
    for (const item of body.items ?? []) if (typeof item.status === 'string') statuses.push(item.status);
    cursor = body.nextCursor ?? null;
    if (!cursor) return { statuses, sampled: false };
  }
  return { statuses, sampled: true };
}
