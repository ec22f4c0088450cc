/**
 * Trace retention benchmark, in one run against the machine's Postgres (a fresh database, dropped afterwards).
 * The same N trace rows (all past the retention), generated server-side, are:
 *  1. inserted into `traces` (baseline: what writing them cost);
 *  2. deleted by the retention sweep (`deleteTracesBefore`, batches of 5000): rows/s, and the longest and
 *     median batch, which is how long one statement holds its row locks;
 *  3. inserted into a table partitioned by day on `time` with the same indexes, and dropped as whole
 *     partitions (DETACH + DROP): what declarative partitioning would buy.
 * It decides docs/traces.md "Retention": batched DELETE is enough while the sweep deletes a day of traces in a
 * small fraction of a day and each batch stays far below a second.
 */
import { performance } from 'node:perf_hooks';
import { createDatabase } from '../gateway/src/db/database.ts';
import { deleteTracesBefore } from '../gateway/src/traces/trace-retention.ts';
import { createTestDatabase } from '../gateway/test/persistence/helpers/test-database.ts';

const N = 200_000;
const DAYS = 4;
const BATCH = 5000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** N rows spread over DAYS days of October 2026, shaped like real traces (JSON arguments and result). */
const ROWS = (table: string) => `INSERT INTO ${table} (id, time, subject, subject_kind, tool, route, target,
    decision, rule, revision, latency_ms, status, args_bytes, result_bytes, args, result, error)
  SELECT gen_random_uuid(), timestamptz '2026-10-01' + (i * interval '${(DAYS * 86_400) / N} seconds'),
    'agent:bot-' || (i % 10), 'agent', 'github.list_issues', 'pack:github-issues',
    'http://github-issues-mcp.raku-dev.svc.cluster.local:8080/mcp', 'allow', 'default/bindings[0]', 'a1b2c3d',
    1.2, 'ok', 80, 120, jsonb_build_object('owner', 'acme', 'repo', 'web', 'page', i),
    jsonb_build_object('content', jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'Bug ' || i))), NULL
  FROM generate_series(0, ${N - 1}) AS i`;

export default async function bench(): Promise<void> {
  const target = await createTestDatabase();
  const db = await createDatabase({ url: target.url });
  const session = await db.session();
  try {
    await db.migrate();

    // 1. baseline: writing the rows
    let t = performance.now();
    await session.exec(ROWS('traces'));
    const insertMs = performance.now() - t;
    await session.exec('VACUUM ANALYZE traces');

    // 2. the sweep, batch by batch
    const cutoff = new Date('2026-11-01T00:00:00Z');
    const times: number[] = [];
    t = performance.now();
    let deleted = 0;
    for (;;) {
      const b = performance.now();
      const { batches } = await deleteTracesBefore(session, cutoff, { batchSize: BATCH, maxBatches: 1 });
      if (batches.length === 0) break;
      times.push(performance.now() - b);
      deleted += batches[0]!;
      if (batches[0]! < BATCH) break;
    }
    const sweepMs = performance.now() - t;
    const plan = await session.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT id FROM traces WHERE time < $1::timestamptz ORDER BY time LIMIT ${BATCH}`,
      [cutoff.toISOString()],
    );
    times.sort((a, b) => a - b);

    // 3. the same rows in daily partitions, dropped whole
    await session.exec(`CREATE TABLE traces_by_day (LIKE traces INCLUDING DEFAULTS, PRIMARY KEY (id, time))
      PARTITION BY RANGE (time);
      CREATE INDEX ON traces_by_day (time DESC, id DESC);
      CREATE INDEX ON traces_by_day (subject, time DESC);
      CREATE INDEX ON traces_by_day (tool, time DESC);
      CREATE INDEX ON traces_by_day (status, time DESC);`);
    for (let d = 0; d < DAYS; d++) {
      const from = new Date(Date.UTC(2026, 9, 1 + d)).toISOString();
      const to = new Date(Date.UTC(2026, 9, 2 + d)).toISOString();
      await session.exec(
        `CREATE TABLE traces_by_day_${d} PARTITION OF traces_by_day FOR VALUES FROM ('${from}') TO ('${to}')`,
      );
    }
    t = performance.now();
    await session.exec(ROWS('traces_by_day'));
    const partitionedInsertMs = performance.now() - t;
    t = performance.now();
    for (let d = 0; d < DAYS; d++) {
      await session.exec(
        `ALTER TABLE traces_by_day DETACH PARTITION traces_by_day_${d}; DROP TABLE traces_by_day_${d}`,
      );
    }
    const dropMs = performance.now() - t;

    const insertRate = N / (insertMs / 1000);
    const sweepRate = deleted / (sweepMs / 1000);
    console.log(`insert ${fmt(N)} rows (server-side generate_series): ${fmt(insertRate)} rows/s`);
    console.log(
      `retention sweep, batches of ${BATCH}: ${fmt(sweepRate)} rows/s = ${(sweepRate / insertRate).toFixed(2)}x insert; deleted ${fmt(deleted)} in ${times.length} batches, batch median ${times[times.length >> 1]!.toFixed(0)} ms, max ${times[times.length - 1]!.toFixed(0)} ms`,
    );
    console.log(`batch plan: ${plan.map((r) => r['QUERY PLAN'].trim()).join(' / ')}`);
    console.log(
      `daily partitions: insert ${fmt(N / (partitionedInsertMs / 1000))} rows/s = ${(insertMs / partitionedInsertMs).toFixed(2)}x plain; detach + drop ${DAYS} partitions ${dropMs.toFixed(0)} ms = ${(sweepMs / dropMs).toFixed(0)}x faster than the sweep`,
    );
  } finally {
    await session.close();
    await db.close();
    await target.drop();
  }
}
