/** Adapter: the statuses of a zone's recent traces through the gateway admin API (rated by render's errorRate). */
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
