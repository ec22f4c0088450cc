/**
 * A recorded trace as the live stream sends it: the row the sink stores, shaped as GET /v1/traces returns it
 * (StoredTrace: ISO time, the redacted payloads as JSON values), so a live tail and a refetched list agree.
 */
import type { TraceRow } from '../traces/trace-row.ts';
import type { StoredTrace } from '../traces/types.ts';

const parsed = (json: string | null): unknown => (json === null ? null : JSON.parse(json));

export function storedTraceOfRow(row: TraceRow): StoredTrace {
  return { ...row, time: row.time.toISOString(), args: parsed(row.args), result: parsed(row.result) };
}
