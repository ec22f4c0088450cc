/**
 * The ClickHouse trace store: one HTTP client (the official @clickhouse/client), the table created at start
 * when missing, and the writer, reader and retention sweep over it. persistence.ts decides which of them the
 * gateway uses (RAKU_TRACE_STORE).
 */
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { createClickHouseTraceReader } from './clickhouse-reader.ts';
import { type ClickHouseRetention, createClickHouseRetention } from './clickhouse-retention.ts';
import {
  addMissingColumnsDdl,
  CLICKHOUSE_TRACE_TABLE,
  sqlString,
  traceTableDdl,
} from './clickhouse-schema.ts';
import { createClickHouseTraceWriter } from './clickhouse-writer.ts';
import type { TraceWriter } from './trace-writer.ts';
import type { TraceReader } from './types.ts';

export interface ClickHouseStoreOptions {
  /**
   * The server's HTTP interface, `http[s]://[user:password@]host:8123` (RAKU_CLICKHOUSE_URL). Security: it may
   * hold a password; it is never logged. Use https across networks you do not control.
   */
  url: string;
  /** Database holding the `traces` table, created when missing (RAKU_CLICKHOUSE_DATABASE). Default 'raku'. */
  database: string;
  /** Days traces are kept (day partitions dropped past it); 0 keeps them forever. */
  retentionDays: number;
  /** Per-request timeout in ms. Default 30 000 (the sink bounds writes by the same default). */
  requestTimeoutMs?: number;
  /** Delay of the first retention sweep, in ms. Default one minute. */
  retentionFirstRunDelayMs?: number;
  log: (message: string) => void;
}

export interface ClickHouseStore {
  writer: TraceWriter;
  reader: TraceReader;
  retention: ClickHouseRetention;
  /** The server answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Connects and creates the database and table when missing. Throws (naming the server's error) when it cannot. */
export async function openClickHouseStore(options: ClickHouseStoreOptions): Promise<ClickHouseStore> {
  const client: ClickHouseClient = createClient({
    url: options.url,
    request_timeout: options.requestTimeoutMs ?? 30_000,
    // Failures reach the sink's onError (logged once, without the URL); the client's own log would repeat them.
    log: { level: ClickHouseLogLevel.OFF },
  });
  try {
    for (const query of traceTableDdl(options.database)) await client.command({ query });
    const columns = await (
      await client.query({
        query: `SELECT name FROM system.columns WHERE database = ${sqlString(options.database)} AND table = ${sqlString(CLICKHOUSE_TRACE_TABLE)}`,
        format: 'JSONEachRow',
      })
    ).json<{ name: string }>();
    const existing = columns.map((c) => c.name);
    for (const query of addMissingColumnsDdl(options.database, existing)) await client.command({ query });
  } catch (err) {
    await client.close();
    throw new Error(`ClickHouse trace store: cannot create its table: ${(err as Error)?.message ?? err}`, {
      cause: err,
    });
  }
  const retention = createClickHouseRetention(client, options.database, {
    days: options.retentionDays,
    log: options.log,
    ...(options.retentionFirstRunDelayMs !== undefined
      ? { firstRunDelayMs: options.retentionFirstRunDelayMs }
      : {}),
  });
  return {
    writer: createClickHouseTraceWriter(client, options.database),
    reader: createClickHouseTraceReader(client, options.database),
    retention,
    async ping() {
      return (await client.ping()).success;
    },
    async close() {
      await retention.stop();
      await client.close();
    },
  };
}
