/**
 * Trace retention in ClickHouse: drops the day partitions that lie wholly before the retention cutoff
 * (RAKU_TRACE_RETENTION_DAYS, the same setting as Postgres; 0 keeps traces forever). ClickHouse 19.6+ could
 * do this with a TTL clause; 18.16, the release Debian ships and Raku is tested against, has no TTL, and
 * dropping a partition is one metadata operation whatever its size, so this works on every release.
 *
 * A trace is deleted with its whole UTC day: it is kept at least `days` days and less than `days + 1`.
 * Every replica may run the sweep: dropping a partition twice is harmless (the second finds nothing).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { CLICKHOUSE_TRACE_TABLE, sqlString, traceTable } from './clickhouse-schema.ts';
import { retentionCutoff } from './trace-retention.ts';

export interface ClickHouseRetentionOptions {
  /** Days a trace is kept; 0 keeps traces forever (no sweep runs). */
  days: number;
  /** Time between runs, in ms. Default one hour. */
  intervalMs?: number;
  /** Delay of the first run after start, in ms. Default one minute. */
  firstRunDelayMs?: number;
  /** Clock, for tests. */
  now?: () => Date;
  log?: (message: string) => void;
}

export interface ClickHouseRetention {
  /** Drops the expired day partitions now; answers the days dropped ('YYYY-MM-DD'). Throws when ClickHouse fails. */
  runOnce(): Promise<string[]>;
  start(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** The first day kept: partitions of earlier days hold only traces older than the cutoff. Pure. */
export function firstKeptDay(now: Date, days: number): string | null {
  const cutoff = retentionCutoff(now, days);
  return cutoff ? cutoff.toISOString().slice(0, 10) : null;
}

export function createClickHouseRetention(
  client: ClickHouseClient,
  database: string,
  options: ClickHouseRetentionOptions,
): ClickHouseRetention {
  const table = traceTable(database);
  const now = options.now ?? (() => new Date());
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  async function runOnce(): Promise<string[]> {
    const keep = firstKeptDay(now(), options.days);
    if (!keep) return [];
    // Partitions are toDate(time): system.parts shows them as 'YYYY-MM-DD', which sorts as dates do.
    const parts = await (
      await client.query({
        query: `SELECT DISTINCT partition FROM system.parts
          WHERE active AND database = ${sqlString(database)} AND table = ${sqlString(CLICKHOUSE_TRACE_TABLE)}
            AND partition < ${sqlString(keep)} ORDER BY partition`,
        format: 'JSONEachRow',
      })
    ).json<{ partition: string }>();
    const dropped: string[] = [];
    for (const { partition } of parts) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(partition)) continue;
      await client.command({ query: `ALTER TABLE ${table} DROP PARTITION ${sqlString(partition)}` });
      dropped.push(partition);
    }
    if (dropped.length > 0) options.log?.(`trace retention (ClickHouse): dropped ${dropped.join(', ')}`);
    return dropped;
  }

  function run(): void {
    if (running) return;
    running = runOnce()
      .catch((err) => options.log?.(`trace retention (ClickHouse) failed: ${(err as Error)?.message ?? err}`))
      .finally(() => {
        running = null;
      });
  }

  return {
    runOnce,
    start() {
      if (options.days === 0 || timer) return;
      timer = setTimeout(function tick() {
        run();
        timer = setTimeout(tick, options.intervalMs ?? 3_600_000);
        timer.unref();
      }, options.firstRunDelayMs ?? 60_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
