/**
 * Writes every batch to several stores (RAKU_TRACE_STORE=both: Postgres and ClickHouse), in parallel. A batch
 * counts as written when every store has it, so the stores hold the same traces: while one store is down, the
 * sink keeps the traces in its bounded buffer and retries, as it does for a single store (overflow is counted
 * in `dropped`). The price: one store's outage holds back the other's writes too.
 *
 * A store that took a batch is not sent it again when the sink retries it because another store failed: the
 * rows it wrote are remembered (the sink reuses the same row objects across retries). So a ClickHouse insert,
 * which is not idempotent, is not repeated because Postgres was down.
 */
import type { TraceRow } from './trace-row.ts';
import type { TraceWriter } from './trace-writer.ts';

/** The stores' writers, in a fixed order; failures are reported with the store's name. */
export interface NamedTraceWriter {
  name: string;
  writer: TraceWriter;
}

export function createFanOutTraceWriter(stores: readonly NamedTraceWriter[]): TraceWriter {
  const written = stores.map(() => new WeakSet<TraceRow>());
  return {
    async write(rows) {
      const results = await Promise.allSettled(
        stores.map(async ({ writer }, i) => {
          const seen = written[i]!;
          const pending = rows.filter((row) => !seen.has(row));
          if (pending.length === 0) return;
          await writer.write(pending);
          for (const row of pending) seen.add(row);
        }),
      );
      const failed = results.flatMap((r, i) =>
        r.status === 'rejected' ? [{ r, name: stores[i]!.name }] : [],
      );
      if (failed.length === 0) return;
      const message = failed.map(
        ({ r, name }) => `${name}: ${errorText((r as PromiseRejectedResult).reason)}`,
      );
      throw new Error(`trace write failed in ${message.join('; ')}`, {
        cause: (failed[0]!.r as PromiseRejectedResult).reason,
      });
    },
    async ping() {
      const answers = await Promise.all(stores.map(({ writer }) => writer.ping().catch(() => false)));
      return answers.every(Boolean);
    },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
