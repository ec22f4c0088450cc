/**
 * Reads traces back for the admin API and the console: a filtered listing (time range, subject, tool, status,
 * decision, rule, zone; newest first; keyset pages), one trace by id, and the per-tool charts (calls, errors,
 * latency percentiles per time bucket) computed by the database with date_bin and percentile_cont.
 *
 * Speed at 1,000,000 traces (measured with EXPLAIN ANALYZE, see docs/traces.md "Indexes"): every filter the
 * console uses has a (column, time desc) index, and a cursor page bounds `time <= cursor time` besides the
 * (time, id) tie-break, so a deep page starts its index scan at the cursor instead of filtering its way down
 * from the newest trace (3.7 s without the bound, 9 ms with it).
 */
import { afterCursor, decodeCursor, pageSize, toPage } from '../db/cursor.ts';
import { inScope, type ScopedDatabase, scopedClient } from '../db/tenant-scope.ts';
import { Prisma, type Trace } from '../generated/prisma/client.ts';
import { type TenantScope, tenantCondition } from '../tenancy/scope.ts';
import {
  type StoredTrace,
  TRACE_ERROR_STATUSES,
  type TraceFilter,
  type TraceReader,
  type TraceStats,
  type TraceStatsPoint,
  type TraceStatsQuery,
} from './types.ts';

/** The charts' caps: buckets per series and series (the busiest tools in the range). */
export const STATS_MAX_BUCKETS = 500;
export const STATS_MAX_TOOLS = 20;
/** The widest bucket a caller may ask for: 30 days. */
export const STATS_MAX_BUCKET_SECONDS = 2_592_000;
/** Without `from`, the charts cover the hour before `to`, in about this many buckets. */
export const STATS_DEFAULT_RANGE_MS = 3_600_000;
const TARGET_BUCKETS = 60;

/** Round bucket widths, in seconds; past the last one, whole days. */
const ROUND_WIDTHS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];

/** The smallest round width of at least `seconds`. */
export function roundBucket(seconds: number): number {
  const wanted = Math.max(1, Math.ceil(seconds));
  return ROUND_WIDTHS.find((w) => w >= wanted) ?? Math.ceil(wanted / 86400) * 86400;
}

function stored(r: Trace): StoredTrace {
  return { ...r, time: r.time.toISOString(), args: r.args ?? null, result: r.result ?? null };
}

/** One tool and bucket as a database answers the chart query (Postgres here, ClickHouse in ./clickhouse-reader.ts). */
export interface StatsRow {
  tool: string;
  bucket: Date;
  calls: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  tool_calls: number;
  tools_total: number;
}

/** The time range, bucket width and first bucket of a stats query (defaults and caps applied). Pure. */
export function statsWindow(query: TraceStatsQuery, now: Date = new Date()) {
  const to = query.to ?? now;
  const from = query.from ?? new Date(to.getTime() - STATS_DEFAULT_RANGE_MS);
  const rangeSeconds = Math.max(1, (to.getTime() - from.getTime()) / 1000);
  let bucketSeconds = query.bucketSeconds ?? roundBucket(rangeSeconds / TARGET_BUCKETS);
  // Buckets are aligned to the Unix epoch, so the first one may start before `from`.
  const start = (width: number) => Math.floor(from.getTime() / 1000 / width) * width;
  const count = (width: number) => Math.ceil((to.getTime() / 1000 - start(width)) / width);
  let bucketWidened = false;
  if (count(bucketSeconds) > STATS_MAX_BUCKETS) {
    bucketWidened = true;
    bucketSeconds = roundBucket(rangeSeconds / STATS_MAX_BUCKETS);
    while (count(bucketSeconds) > STATS_MAX_BUCKETS) bucketSeconds = roundBucket(bucketSeconds + 1);
  }
  return {
    from,
    to,
    bucketSeconds,
    bucketWidened,
    firstBucket: new Date(start(bucketSeconds) * 1000),
    buckets: count(bucketSeconds),
  };
}

export function createTraceReader(db: ScopedDatabase): TraceReader {
  const { prisma } = db;
  return {
    async list(scope: TenantScope, filter: TraceFilter) {
      const tenants = tenantCondition(scope, filter.tenant);
      const size = pageSize(filter.limit, 100, 500);
      const time: { gte?: Date; lt?: Date } = {};
      if (filter.from) time.gte = filter.from;
      if (filter.to) time.lt = filter.to;
      // `time <= cursor time` lets the index scan start at the cursor (the OR below alone cannot bound it).
      const cursorTime = filter.cursor ? { time: { lte: decodeCursor(filter.cursor).time } } : {};
      const rows = await scopedClient(db, scope).trace.findMany({
        where: {
          AND: [
            tenants ? { tenant: { in: tenants } } : {},
            filter.from || filter.to ? { time } : {},
            filter.subject ? { subject: filter.subject } : {},
            filter.tool ? { tool: filter.tool } : {},
            filter.status ? { status: filter.status } : {},
            filter.decision ? { decision: filter.decision } : {},
            filter.rule ? { rule: filter.rule } : {},
            filter.zone ? { zone: filter.zone } : {},
            cursorTime,
            afterCursor('time', filter.cursor),
          ],
        },
        orderBy: [{ time: 'desc' }, { id: 'desc' }],
        take: size + 1,
      });
      const page = toPage(rows, size, (r) => r.time);
      return { items: page.items.map(stored), nextCursor: page.nextCursor };
    },

    async get(scope: TenantScope, id: string) {
      const row = await scopedClient(db, scope).trace.findUnique({ where: { id } });
      return row ? stored(row) : null;
    },

    async stats(scope: TenantScope, query: TraceStatsQuery): Promise<TraceStats> {
      const w = statsWindow(query);
      const tool = query.tool ? Prisma.sql`AND "tool" = ${query.tool}` : Prisma.empty;
      const zone = query.zone ? Prisma.sql`AND "zone" = ${query.zone}` : Prisma.empty;
      const tenants = tenantCondition(scope, query.tenant);
      const tenant = tenants ? Prisma.sql`AND "tenant" = ANY(${tenants}::text[])` : Prisma.empty;
      // One pass over the range: the busiest tools (and how many there were), then per tool and bucket the
      // counts and the three percentiles (ordered-set aggregates with the same ORDER BY share one sort).
      const [rows] = await inScope(db, scope, [
        prisma.$queryRaw<StatsRow[]>`
        WITH scope AS (
          SELECT "tool", "time", "latency_ms", "status" FROM "traces"
          WHERE "time" >= ${w.from} AND "time" < ${w.to} ${tool} ${zone} ${tenant}
        ), top AS (
          SELECT "tool", count(*)::int AS tool_calls, (count(*) OVER ())::int AS tools_total
          FROM scope GROUP BY "tool" ORDER BY tool_calls DESC, "tool" LIMIT ${STATS_MAX_TOOLS}
        )
        SELECT s."tool", date_bin(${w.bucketSeconds}::int * interval '1 second', s."time", ${w.firstBucket}) AS bucket,
          count(*)::int AS calls,
          (count(*) FILTER (WHERE s."status" IN (${Prisma.join([...TRACE_ERROR_STATUSES])})))::int AS errors,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY s."latency_ms") AS p50,
          percentile_cont(0.95) WITHIN GROUP (ORDER BY s."latency_ms") AS p95,
          percentile_cont(0.99) WITHIN GROUP (ORDER BY s."latency_ms") AS p99,
          t.tool_calls, t.tools_total
        FROM scope s JOIN top t ON t."tool" = s."tool"
        GROUP BY s."tool", bucket, t.tool_calls, t.tools_total`,
      ]);
      return toStats(rows, w);
    },
  };
}

/** Dense series (a point per bucket, empty ones with zero calls) from the database's sparse rows. */
export function toStats(rows: StatsRow[], w: ReturnType<typeof statsWindow>): TraceStats {
  const width = w.bucketSeconds * 1000;
  const first = w.firstBucket.getTime();
  const series = new Map<string, { tool: string; calls: number; points: TraceStatsPoint[] }>();
  for (const row of rows) {
    let s = series.get(row.tool);
    if (!s) {
      const points = Array.from({ length: w.buckets }, (_, i) => ({
        time: new Date(first + i * width).toISOString(),
        calls: 0,
        errors: 0,
        p50: null,
        p95: null,
        p99: null,
      }));
      s = { tool: row.tool, calls: Number(row.tool_calls), points };
      series.set(row.tool, s);
    }
    const index = Math.round((new Date(row.bucket).getTime() - first) / width);
    const point = s.points[index];
    if (!point) continue;
    point.calls = Number(row.calls);
    point.errors = Number(row.errors);
    point.p50 = row.p50 === null ? null : Number(row.p50);
    point.p95 = row.p95 === null ? null : Number(row.p95);
    point.p99 = row.p99 === null ? null : Number(row.p99);
  }
  return {
    from: w.from.toISOString(),
    to: w.to.toISOString(),
    bucketSeconds: w.bucketSeconds,
    bucketWidened: w.bucketWidened,
    maxBuckets: STATS_MAX_BUCKETS,
    maxTools: STATS_MAX_TOOLS,
    toolsTotal: rows.length > 0 ? Number(rows[0]!.tools_total) : 0,
    errorStatuses: [...TRACE_ERROR_STATUSES],
    series: [...series.values()].sort((a, b) => b.calls - a.calls || (a.tool < b.tool ? -1 : 1)),
  };
}
