/**
 * Where the gateway stores traces: RAKU_TRACE_STORE, RAKU_CLICKHOUSE_URL and RAKU_CLICKHOUSE_DATABASE, parsed
 * into typed options by a pure function (options.ts calls it; docs/observability.md "ClickHouse" documents them).
 */
import { UserError } from '@raku/config';
import { CLICKHOUSE_DATABASE_NAME } from '../traces/clickhouse-schema.ts';
import { TRACE_STORES, type TraceStore } from '../traces/trace-stores.ts';

export interface ClickHouseSettings {
  /** http[s]://[user:password@]host:port of the HTTP interface. Security: may hold a password, never echoed. */
  url: string;
  /** Database of the `traces` table, created when missing. Default 'raku'. */
  database: string;
}

export interface TraceStoreOptions {
  /** Default: 'both' when RAKU_CLICKHOUSE_URL is set, else 'postgres'. */
  traceStore: TraceStore;
  /** Set when traceStore is 'clickhouse' or 'both'. */
  clickhouse: ClickHouseSettings | undefined;
}

/** RAKU_CLICKHOUSE_URL: http(s), no path, query or fragment; the value is not echoed (it may hold a password). */
function clickhouseUrl(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.pathname !== '/' ||
    url.search ||
    url.hash
  ) {
    throw new UserError(
      'RAKU_CLICKHOUSE_URL must be the HTTP interface of ClickHouse, http[s]://[user:password@]host:port (e.g. http://clickhouse:8123), without a path: name the database in RAKU_CLICKHOUSE_DATABASE',
    );
  }
  return raw.replace(/\/+$/, '');
}

export function traceStoreOptions(env: Readonly<Record<string, string | undefined>>): TraceStoreOptions {
  const rawUrl = env['RAKU_CLICKHOUSE_URL'] || undefined;
  const store = (env['RAKU_TRACE_STORE'] || (rawUrl ? 'both' : 'postgres')) as TraceStore;
  if (!TRACE_STORES.includes(store)) {
    throw new UserError(`RAKU_TRACE_STORE must be one of ${TRACE_STORES.join(', ')}, not "${store}"`);
  }
  if (store === 'postgres') {
    if (rawUrl) {
      throw new UserError(
        'RAKU_CLICKHOUSE_URL is set but RAKU_TRACE_STORE=postgres does not use it: set RAKU_TRACE_STORE to both or clickhouse, or unset RAKU_CLICKHOUSE_URL',
      );
    }
    return { traceStore: store, clickhouse: undefined };
  }
  if (!rawUrl) {
    throw new UserError(`RAKU_TRACE_STORE=${store} needs RAKU_CLICKHOUSE_URL (e.g. http://clickhouse:8123)`);
  }
  const database = env['RAKU_CLICKHOUSE_DATABASE'] || 'raku';
  if (!CLICKHOUSE_DATABASE_NAME.test(database)) {
    throw new UserError(
      `RAKU_CLICKHOUSE_DATABASE must be a plain name (letters, digits, _; not starting with a digit), not "${database}"`,
    );
  }
  return { traceStore: store, clickhouse: { url: clickhouseUrl(rawUrl), database } };
}
