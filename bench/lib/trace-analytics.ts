/**
 * The ClickHouse side of `npm run bench traces`, side by side with Postgres in one run:
 *  1. sustained sink throughput (redaction + batched inserts) to Postgres, to ClickHouse, and to both (the
 *     fan-out writer), the same traces to each;
 *  2. the console's per-tool chart queries (TraceReader.stats: calls, errors, p50/p95/p99 per tool and bucket)
 *     over a history of `rows` traces (default 10,000,000; `--rows N` for a quick run) spread over 30 days,
 *     loaded server-side into both stores; each query run three times, first and best reported.
 */
import { performance } from 'node:perf_hooks';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Database } from '../../gateway/src/db/database.ts';
import { ALL_TENANTS } from '../../gateway/src/tenancy/scope.ts';
import { traceTable } from '../../gateway/src/traces/clickhouse-schema.ts';
import type { ClickHouseStore } from '../../gateway/src/traces/clickhouse-store.ts';
import { createTraceReader } from '../../gateway/src/traces/trace-reader.ts';
import { BufferedTraceSink } from '../../gateway/src/traces/trace-sink.ts';
import { combineTraceStores } from '../../gateway/src/traces/trace-stores.ts';
import { createPrismaTraceWriter, type TraceWriter } from '../../gateway/src/traces/trace-writer.ts';
import type { TraceReader, TraceStatsQuery } from '../../gateway/src/traces/types.ts';
import { clickhouseHistorySql, type HistoryShape, postgresHistorySql } from './trace-analytics-data.ts';
import { trace } from './trace-record.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CHUNK = 1_000_000;

/** `--rows N` (also `--rows=N`), default 10,000,000. */
export function rowsArgument(argv: readonly string[]): number {
  const i = argv.findIndex((a) => a === '--rows' || a.startsWith('--rows='));
  if (i < 0) return 10_000_000;
  const raw = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1_000)
    throw new Error(`--rows must be a whole number of at least 1000, not "${raw}"`);
  return n;
}

async function sinkRate(name: string, writer: TraceWriter, count: number, offset: number): Promise<number> {
  // Every trace must fit (rows and bytes): a dropped trace must not count as throughput.
  const sink = new BufferedTraceSink({
    writer,
    maxBuffered: count,
    maxBufferedBytes: Number.MAX_SAFE_INTEGER,
  });
  const traces = Array.from({ length: count }, (_, i) => trace(offset + i));
  const t = performance.now();
  for (const tr of traces) sink.record(tr);
  await sink.flush();
  const rate = count / ((performance.now() - t) / 1000);
  const stats = sink.stats();
  await sink.close();
  if (stats.written !== count) throw new Error(`sink to ${name} wrote ${stats.written} of ${count} traces`);
  console.log(
    `sink to ${name}: ${fmt(rate)} traces/s (${fmt(count)} traces; written ${fmt(stats.written)}, dropped ${stats.dropped}, failed writes ${stats.failures})`,
  );
  return rate;
}

async function timed(run: () => Promise<unknown>): Promise<{ first: number; best: number; result: unknown }> {
  const times: number[] = [];
  let result: unknown;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    result = await run();
    times.push(performance.now() - t);
  }
  return { first: times[0]!, best: Math.min(...times), result };
}

/** The store under test, and a client and database name for loading its history. */
export interface ClickHouseUnderTest {
  store: ClickHouseStore;
  client: ClickHouseClient;
  database: string;
}

export async function benchTraceAnalytics(
  db: Database,
  clickhouse: ClickHouseUnderTest,
  rows: number,
): Promise<void> {
  const { store } = clickhouse;
  const postgres = { writer: createPrismaTraceWriter(db), reader: createTraceReader(db) };
  const sustained = Math.min(100_000, Math.floor(rows / 4));
  const pg = await sinkRate('Postgres', postgres.writer, sustained, 0);
  const ch = await sinkRate('ClickHouse', store.writer, sustained, sustained);
  const both = await sinkRate(
    'both (fan-out)',
    combineTraceStores('both', postgres, store).writer,
    sustained,
    2 * sustained,
  );
  console.log(
    `sustained: ClickHouse ${(ch / pg).toFixed(2)}x Postgres; both ${(both / pg).toFixed(2)}x Postgres alone`,
  );

  // Fill both stores to `rows` traces: the sink runs above wrote 2 × sustained to each.
  const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const history = rows - 2 * sustained;
  const shape = (first: number, count: number): HistoryShape => ({
    first,
    count,
    total: history,
    end,
    days: 30,
  });
  const session = await db.session();
  let t = performance.now();
  for (let first = 0; first < history; first += CHUNK) {
    await session.exec(postgresHistorySql(shape(first, Math.min(CHUNK, history - first))));
  }
  await session.exec('ANALYZE traces');
  await session.close();
  const pgLoad = history / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let first = 0; first < history; first += CHUNK) {
    const sql = clickhouseHistorySql(
      traceTable(clickhouse.database),
      shape(first, Math.min(CHUNK, history - first)),
    );
    await clickhouse.client.command({ query: sql });
  }
  const chLoad = history / ((performance.now() - t) / 1000);
  console.log(
    `history of ${fmt(history)} traces over 30 days, server-side: Postgres ${fmt(pgLoad)} rows/s, ClickHouse ${fmt(chLoad)} rows/s`,
  );

  const queries: [string, TraceStatsQuery][] = [
    ['last hour, all tools', { from: new Date(end.getTime() - HOUR), to: end }],
    ['last 24 h, all tools', { from: new Date(end.getTime() - DAY), to: end }],
    ['last 7 days, all tools', { from: new Date(end.getTime() - 7 * DAY), to: end }],
    ['last 30 days, all tools', { from: new Date(end.getTime() - 30 * DAY), to: end }],
    ['last 7 days, one tool', { from: new Date(end.getTime() - 7 * DAY), to: end, tool: 'tool.05' }],
    ['last 7 days, zone prod', { from: new Date(end.getTime() - 7 * DAY), to: end, zone: 'prod' }],
  ];
  const calls = (r: unknown) =>
    (r as Awaited<ReturnType<TraceReader['stats']>>).series.reduce((n, s) => n + s.calls, 0);
  console.log(`chart queries at ${fmt(rows)} rows per store (first run / best of 3):`);
  for (const [name, query] of queries) {
    const p = await timed(() => postgres.reader.stats(ALL_TENANTS, query));
    const c = await timed(() => store.reader.stats(ALL_TENANTS, query));
    console.log(
      `  ${name}: Postgres ${fmt(p.first)} / ${fmt(p.best)} ms, ClickHouse ${fmt(c.first)} / ${fmt(c.best)} ms = ${(p.best / c.best).toFixed(1)}x; calls charted ${fmt(calls(p.result))} vs ${fmt(calls(c.result))}`,
    );
  }
}
