/**
 * Which store writes traces and which answers the admin API, by RAKU_TRACE_STORE: Postgres alone, ClickHouse
 * alone, or both, where every trace goes to both and each answers what it is good at: Postgres the filtered
 * listing and the lookup by id (indexed point reads), ClickHouse the per-tool charts (a scan of a time range).
 * Pure.
 */
import { createFanOutTraceWriter } from './fan-out-trace-writer.ts';
import type { TraceWriter } from './trace-writer.ts';
import type { TraceReader } from './types.ts';

/**
 * `postgres`: the database only (DATABASE_URL, else PGlite). `clickhouse`: ClickHouse only; the admin API lists,
 * looks up and charts traces from it. `both`: every trace to both; listing and lookup by id from Postgres, the
 * per-tool charts from ClickHouse.
 */
export const TRACE_STORES = ['postgres', 'clickhouse', 'both'] as const;
export type TraceStore = (typeof TRACE_STORES)[number];

export interface TraceStoreParts {
  writer: TraceWriter;
  reader: TraceReader;
}

/** The writer and reader for `store`; ClickHouse's parts must be given unless it is 'postgres'. */
export function combineTraceStores(
  store: TraceStore,
  postgres: TraceStoreParts,
  clickhouse: TraceStoreParts | undefined,
): TraceStoreParts {
  if (store === 'postgres') return postgres;
  if (!clickhouse) throw new Error(`RAKU_TRACE_STORE=${store} needs the ClickHouse store`);
  if (store === 'clickhouse') return clickhouse;
  return {
    writer: createFanOutTraceWriter([
      { name: 'postgres', writer: postgres.writer },
      { name: 'clickhouse', writer: clickhouse.writer },
    ]),
    reader: {
      list: (scope, filter) => postgres.reader.list(scope, filter),
      get: (scope, id) => postgres.reader.get(scope, id),
      stats: (scope, query) => clickhouse.reader.stats(scope, query),
    },
  };
}
