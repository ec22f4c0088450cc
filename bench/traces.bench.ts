/**
 * Trace benchmark, in one run against the machine's Postgres (a fresh database, dropped afterwards):
 *  1. cost of `TraceSink.record` on the request path vs pushing the same object onto an array (baseline);
 *  2. end-to-end sink throughput (redaction + batched `unnest` insert through Prisma) vs the same INSERT
 *     statement sent with raw `pg` from pre-built arrays (the ceiling DESIGN.md measured, ~169k rows/s).
 *  3. the ClickHouse trace store beside Postgres (./lib/trace-analytics.ts): sustained sink throughput to each
 *     and to both, and the console's chart queries at 10,000,000 rows per store (`--rows N` for a quick run:
 *     `npm run bench traces -- --rows 200000`), on a clickhouse-server started for the run.
 * Goals: record() under 1 µs per call; sink throughput at least 1/4 of the raw ceiling (it also redacts);
 * ClickHouse sustains at least the Postgres sink's rate and answers the 7- and 30-day charts 10x faster.
 */
import { performance } from 'node:perf_hooks';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import pg from 'pg';
import { createDatabase } from '../gateway/src/db/database.ts';
import { openClickHouseStore } from '../gateway/src/traces/clickhouse-store.ts';
import { toTraceRow } from '../gateway/src/traces/trace-row.ts';
import { BufferedTraceSink } from '../gateway/src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../gateway/src/traces/trace-writer.ts';
import type { TraceRecord } from '../gateway/src/traces/types.ts';
import { startClickHouse } from '../gateway/test/clickhouse/helpers/clickhouse-server.ts';
import { createTestDatabase } from '../gateway/test/persistence/helpers/test-database.ts';
import { benchTraceAnalytics, rowsArgument } from './lib/trace-analytics.ts';
import { trace } from './lib/trace-record.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export default async function bench(): Promise<void> {
  const target = await createTestDatabase();
  const db = await createDatabase({ url: target.url });
  try {
    await db.migrate();
    const N = 50_000;
    const traces = Array.from({ length: N }, (_, i) => trace(i));

    // 1. request-path cost
    const idle = new BufferedTraceSink({
      writer: { write: async () => {}, ping: async () => true },
      maxBuffered: N,
      batchSize: N + 1,
      flushIntervalMs: 60_000,
    });
    const array: TraceRecord[] = [];
    let t = performance.now();
    for (const tr of traces) array.push(tr);
    const pushNs = ((performance.now() - t) * 1e6) / N;
    t = performance.now();
    for (const tr of traces) idle.record(tr);
    const recordNs = ((performance.now() - t) * 1e6) / N;
    await idle.close();
    console.log(`record(): ${recordNs.toFixed(0)} ns/call vs array push ${pushNs.toFixed(0)} ns/call`);

    // 2. throughput: raw pg ceiling first (pre-built rows), then the sink end to end
    const rows = traces.map((tr, i) =>
      toTraceRow(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, tr),
    );
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    t = performance.now();
    for (let i = 0; i < rows.length; i += 500) {
      const b = rows.slice(i, i + 500);
      const col = <K extends keyof (typeof b)[number]>(k: K) => b.map((r) => r[k]);
      await client.query(
        `INSERT INTO traces (id, time, subject, subject_kind, tool, route, target, decision, rule, revision, latency_ms, status, args_bytes, result_bytes, args, result, error)
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::float8[], $12::text[], $13::int4[], $14::int4[], $15::jsonb[], $16::jsonb[], $17::text[])`,
        [
          col('id'),
          col('time'),
          col('subject'),
          col('subjectKind'),
          col('tool'),
          col('route'),
          col('target'),
          col('decision'),
          col('rule'),
          col('revision'),
          col('latencyMs'),
          col('status'),
          col('argsBytes'),
          col('resultBytes'),
          col('args'),
          col('result'),
          col('error'),
        ],
      );
    }
    const rawRate = N / ((performance.now() - t) / 1000);
    await client.end();

    // Every trace must fit (rows and bytes), or dropped traces would count as throughput.
    const sink = new BufferedTraceSink({
      writer: createPrismaTraceWriter(db),
      maxBuffered: N,
      maxBufferedBytes: Number.MAX_SAFE_INTEGER,
    });
    t = performance.now();
    for (const tr of traces) sink.record(tr);
    await sink.flush();
    const sinkRate = N / ((performance.now() - t) / 1000);
    const stats = sink.stats();
    await sink.close();
    console.log(`raw pg unnest (pre-built rows): ${fmt(rawRate)} rows/s`);
    console.log(
      `sink (redact + Prisma $executeRaw unnest): ${fmt(sinkRate)} rows/s = ${(sinkRate / rawRate).toFixed(2)}x raw; written ${stats.written}, dropped ${stats.dropped}`,
    );

    // 3. ClickHouse beside Postgres, on a fresh traces table.
    await db.prisma.$executeRawUnsafe('TRUNCATE traces');
    const server = await startClickHouse();
    const chClient = createClient({
      url: server.url,
      request_timeout: 600_000,
      log: { level: ClickHouseLogLevel.OFF },
    });
    const store = await openClickHouseStore({
      url: server.url,
      database: 'raku_bench',
      retentionDays: 0,
      log: console.log,
    });
    try {
      console.log(`clickhouse-server ${server.version}`);
      await benchTraceAnalytics(
        db,
        { store, client: chClient, database: 'raku_bench' },
        rowsArgument(process.argv),
      );
    } finally {
      await store.close();
      await chClient.close();
      await server.stop();
    }
  } finally {
    await db.close();
    await target.drop();
  }
}
