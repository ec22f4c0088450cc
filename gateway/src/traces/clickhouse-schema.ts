/**
 * The ClickHouse trace table: its DDL, the row it stores, and the SQL literals the reader builds. Pure.
 *
 * Written for the oldest server Raku is tested against, Debian's clickhouse-server 18.16 (2018), so it uses
 * only what that release has: no DateTime64 (the time is a DateTime plus its milliseconds), no LowCardinality
 * (experimental there), no TTL clause (ClickHouse 19.6; retention drops whole day partitions instead, see
 * ./clickhouse-retention.ts), no query parameters (19.x; values are inlined as escaped literals here).
 *
 * Layout: one partition per UTC day (retention drops a day in one cheap metadata operation), sorted by
 * (tool, time, id): the charts read one time range, per tool, and ClickHouse skips the granules of other
 * tools and other times through the sparse primary index. ReplacingMergeTree on that key removes the copy of
 * a batch written twice (the sink retries a batch whose reply was lost; a non-replicated MergeTree does not
 * deduplicate inserts) when parts merge, so a duplicate can be counted in the charts until then.
 */
import type { TraceRow } from './trace-row.ts';

/** The table's name inside the configured database. */
export const CLICKHOUSE_TRACE_TABLE = 'traces';

/** A ClickHouse database name Raku accepts (RAKU_CLICKHOUSE_DATABASE): a plain identifier, never quoted input. */
export const CLICKHOUSE_DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** `database`.`traces`, for a database name that matched CLICKHOUSE_DATABASE_NAME. */
export function traceTable(database: string): string {
  if (!CLICKHOUSE_DATABASE_NAME.test(database)) {
    throw new Error(`ClickHouse database name "${database}" is not a plain identifier`);
  }
  return `\`${database}\`.\`${CLICKHOUSE_TRACE_TABLE}\``;
}

/** CREATE DATABASE and CREATE TABLE, both IF NOT EXISTS: run at every start, so a new server is set up. */
export function traceTableDdl(database: string): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS \`${database}\``,
    `CREATE TABLE IF NOT EXISTS ${traceTable(database)} (
      id UUID,
      time DateTime('UTC'),
      time_ms UInt16,
      subject String,
      subject_kind String,
      tool String,
      route Nullable(String),
      target Nullable(String),
      decision String,
      rule Nullable(String),
      revision String,
      latency_ms Float64,
      status String,
      args_bytes UInt32,
      result_bytes UInt32,
      args Nullable(String),
      result Nullable(String),
      error Nullable(String),
      zone Nullable(String),
      trace_id Nullable(String),
      tenant String DEFAULT 'default'
    ) ENGINE = ReplacingMergeTree
    PARTITION BY toDate(time)
    ORDER BY (tool, time, id)`,
  ];
}

/** Columns added after the table's first release, with their definition: an older table gains them at start. */
export const ADDED_COLUMNS: readonly { name: string; definition: string }[] = [
  // The tenant (issue #17); rows written before it read as the implicit tenant.
  { name: 'tenant', definition: "tenant String DEFAULT 'default'" },
];

/**
 * ALTER TABLE … ADD COLUMN for each added column the table lacks (`existing`: its column names, from
 * system.columns). 18.16 has no ADD COLUMN IF NOT EXISTS, hence the look first.
 */
export function addMissingColumnsDdl(database: string, existing: readonly string[]): string[] {
  return ADDED_COLUMNS.filter((c) => !existing.includes(c.name)).map(
    (c) => `ALTER TABLE ${traceTable(database)} ADD COLUMN ${c.definition}`,
  );
}

/** A TraceRow field's column name: camelCase to snake_case ('subjectKind' → 'subject_kind'). */
type Column<K extends string> = K extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${Column<T>}`
  : K;

/**
 * A trace as ClickHouse stores it (JSONEachRow keys are the column names): TraceRow's fields under their column
 * names, so a field added to TraceRow must be stored here too, except the time, split into whole seconds since
 * the Unix epoch (DateTime reaches 1970 to 2106) and milliseconds.
 */
export type ClickHouseTraceRow = { [K in Exclude<keyof TraceRow, 'time'> as Column<K>]: TraceRow[K] } & {
  time: number;
  time_ms: number;
};

/** The last millisecond a ClickHouse DateTime holds (2106-02-07). */
const MAX_TIME_MS = (2 ** 32 - 1) * 1000 + 999;

/** Milliseconds since the epoch, clamped to what DateTime stores (a clock far off must not refuse the batch). */
export function storableEpochMs(time: Date): number {
  const ms = time.getTime();
  return Number.isFinite(ms) ? Math.min(Math.max(Math.floor(ms), 0), MAX_TIME_MS) : 0;
}

/** The stored row of a trace. Its strings are already storable (./trace-row.ts made them so). */
export function toClickHouseRow(row: TraceRow): ClickHouseTraceRow {
  const ms = storableEpochMs(row.time);
  return {
    id: row.id,
    time: Math.floor(ms / 1000),
    time_ms: ms % 1000,
    subject: row.subject,
    subject_kind: row.subjectKind,
    tool: row.tool,
    route: row.route,
    target: row.target,
    decision: row.decision,
    rule: row.rule,
    revision: row.revision,
    latency_ms: Number.isFinite(row.latencyMs) ? row.latencyMs : 0,
    status: row.status,
    args_bytes: row.argsBytes,
    result_bytes: row.resultBytes,
    args: row.args,
    result: row.result,
    error: row.error,
    zone: row.zone,
    trace_id: row.traceId,
    tenant: row.tenant,
  };
}

/** A ClickHouse string literal: backslash and quote escaped, so any value is data, never SQL. */
export function sqlString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** The row's time in milliseconds, as an expression (the sort key holds whole seconds, `time_ms` the rest). */
export const TIME_MS_SQL = '(toUInt64(time) * 1000 + time_ms)';

/**
 * `time` in [from, to): the whole-second bounds first, so the primary index narrows the scan, then the exact
 * millisecond bounds.
 */
export function timeRangeSql(from: Date | undefined, to: Date | undefined): string[] {
  const terms: string[] = [];
  if (from) {
    const ms = storableEpochMs(from);
    terms.push(`time >= toDateTime(${Math.floor(ms / 1000)})`, `${TIME_MS_SQL} >= ${ms}`);
  }
  if (to) {
    const ms = storableEpochMs(to);
    terms.push(`time <= toDateTime(${Math.floor(ms / 1000)})`, `${TIME_MS_SQL} < ${ms}`);
  }
  return terms;
}
