/**
 * A TraceWriter for ClickHouse: each batch the sink hands over is one INSERT … FORMAT JSONEachRow through the
 * official client (HTTP). ClickHouse wants few large inserts (each makes a part on disk, merged later), which is
 * what the sink's batches are; rows are converted here, nothing is buffered.
 *
 * A retried batch (its reply lost) is stored twice until ClickHouse merges the parts; the table's
 * ReplacingMergeTree engine then keeps one copy (see ./clickhouse-schema.ts).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { toClickHouseRow, traceTable } from './clickhouse-schema.ts';
import type { TraceWriter } from './trace-writer.ts';

export function createClickHouseTraceWriter(client: ClickHouseClient, database: string): TraceWriter {
  const table = traceTable(database);
  return {
    async write(rows) {
      if (rows.length === 0) return;
      await client.insert({ table, values: rows.map(toClickHouseRow), format: 'JSONEachRow' });
    },
    async ping() {
      // The client's ping never throws: it answers { success: false, error } when the server does not.
      return (await client.ping()).success;
    },
  };
}
