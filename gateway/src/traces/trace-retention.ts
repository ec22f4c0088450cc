/**
 * Trace retention: deletes traces older than the retention (RAKU_TRACE_RETENTION_DAYS, default 30; 0 keeps
 * them forever) in bounded batches, so no statement holds row locks or builds WAL for long and inserts keep
 * flowing between batches. Every replica runs the sweep on a timer; a Postgres advisory lock (tried, never
 * waited for) lets exactly one of them sweep at a time, the others skip that round. Within a process a flag
 * does the same, since with PGlite every caller shares one connection (and a session lock is re-entrant).
 *
 * Plain DELETE rather than dropping time partitions: see docs/traces.md ("Retention") for why.
 *
 * Per tenant (docs/tenancy.md): a tenant whose quotas name `traceRetentionDays` keeps its traces that long
 * (0: forever); every other trace is kept `days`. Each batch runs in its own transaction under an explicit
 * scope: the tenant it sweeps, or ALL_TENANTS for the rest (maintenance).
 */
import type { Database } from '../db/database.ts';
import type { SqlSession } from '../db/sql-session.ts';
import { scopeStatement } from '../db/tenant-scope.ts';
import { ALL_TENANTS, tenantScope } from '../tenancy/scope.ts';

/** Advisory-lock key of the sweep, shared by every replica ('raku-ret' as bytes). */
export const RETENTION_LOCK_KEY = 0x72616b75726574n;

export const DEFAULT_RETENTION_DAYS = 30;

const DAY_MS = 86_400_000;

export interface TraceRetentionOptions {
  /** Days a trace is kept, counted from its `time`; 0 keeps traces forever (no sweep runs). */
  days: number;
  /**
   * Rows deleted per statement. Default 5000: a few tens of milliseconds of locks per batch on this machine
   * (see `npm run bench retention`), short enough that writers and readers never queue behind it.
   */
  batchSize?: number;
  /** Batches per run; what is left waits for the next run, so one run is bounded too. Default 200. */
  maxBatchesPerRun?: number;
  /** Time between runs, in ms. Default one hour. */
  intervalMs?: number;
  /** Delay of the first run after start, in ms (lets the gateway settle first). Default one minute. */
  firstRunDelayMs?: number;
  /**
   * Tenants with a retention of their own (tenant.quotas.traceRetentionDays from the bundle), read at each
   * run so a reloaded bundle counts: tenant name → days (0: forever). Default none.
   */
  tenantDays?: () => ReadonlyMap<string, number>;
  /** Clock, for tests. */
  now?: () => Date;
  log?: (message: string) => void;
}

export type SweepResult =
  | { outcome: 'disabled' }
  /** Another replica (or a run of this process) holds the sweep. */
  | { outcome: 'busy' }
  | {
      outcome: 'swept';
      /** The cutoff of the traces of tenants without a retention of their own (null: kept forever). */
      cutoff: Date | null;
      deleted: number;
      /** What each tenant with a retention of its own lost (those with days 0 are not listed). */
      tenants: { tenant: string; cutoff: Date; deleted: number }[];
      /** Rows deleted by each statement, in order; each at most `batchSize`. */
      batches: number[];
      /** True when the run stopped at `maxBatchesPerRun` with old rows left. */
      more: boolean;
    };

/** What /metrics exports of the sweeps this process ran. */
export interface TraceRetentionStats {
  days: number;
  /** Rows deleted by this process since it started. */
  deleted: number;
  /** End of the last sweep this process ran (null: none yet). */
  lastRunAt: Date | null;
  /** Rows that sweep deleted. */
  lastDeleted: number;
  failures: number;
}

export interface TraceRetention {
  /** Sweeps once now (unless disabled or busy). Throws when the database fails. */
  runOnce(): Promise<SweepResult>;
  /** Starts the timer (nothing when disabled). */
  start(): void;
  /** Stops the timer and waits for a run in progress, which ends after its current batch. */
  stop(): Promise<void>;
  stats(): TraceRetentionStats;
}

/** The time before which traces are deleted, or null when `days` is 0 (keep forever). */
export function retentionCutoff(now: Date, days: number): Date | null {
  if (!Number.isInteger(days) || days < 0) {
    throw new Error(`trace retention days must be a whole number of days, 0 or more, not ${days}`);
  }
  return days === 0 ? null : new Date(now.getTime() - days * DAY_MS);
}

/**
 * One batch, oldest first: through traces_tenant_time_id_idx for one tenant, else traces_time_id_idx
 * ($3: tenants swept by their own retention, left alone here).
 */
const deleteBatch = (tenant: boolean) => `WITH doomed AS (
    SELECT "id" FROM "traces" WHERE "time" < $1::timestamptz AND ${tenant ? '"tenant" = $3' : 'NOT ("tenant" = ANY($3::text[]))'}
    ORDER BY "time" LIMIT $2::int
  ), gone AS (
    DELETE FROM "traces" t USING doomed WHERE t."id" = doomed."id" RETURNING 1
  )
  SELECT count(*)::int AS deleted FROM gone`;

/** Which traces a sweep deletes besides the age: one tenant's, or every tenant's except some. */
export type SweepTarget = { tenant: string } | { exceptTenants: readonly string[] };

/**
 * Deletes traces older than `cutoff`, at most `batchSize` rows per statement and `maxBatches` statements,
 * each in its own transaction under the target's scope (run as `rlsRole` when there is one, see
 * ../db/rls-role.ts). Default target: every tenant. `stopping()` is checked between batches.
 */
export async function deleteTracesBefore(
  session: SqlSession,
  cutoff: Date,
  limits: {
    batchSize: number;
    maxBatches: number;
    stopping?: () => boolean;
    target?: SweepTarget;
    rlsRole?: string | null;
  },
): Promise<{ batches: number[]; more: boolean }> {
  const target = limits.target ?? { exceptTenants: [] };
  const one = 'tenant' in target;
  const scope = scopeStatement(limits.rlsRole ?? null, one ? tenantScope([target.tenant]) : ALL_TENANTS);
  const sql = deleteBatch(one);
  const batches: number[] = [];
  while (batches.length < limits.maxBatches && !limits.stopping?.()) {
    const deleted = await session.transaction(async (tx) => {
      await tx.query(scope.text, scope.params);
      const [row] = await tx.query<{ deleted: number }>(sql, [
        cutoff.toISOString(),
        limits.batchSize,
        one ? target.tenant : [...target.exceptTenants],
      ]);
      return row?.deleted ?? 0;
    });
    if (deleted > 0) batches.push(deleted);
    if (deleted < limits.batchSize) return { batches, more: false };
  }
  return { batches, more: true };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`trace retention ${name} must be a whole number of 1 or more, not ${value}`);
  }
  return value;
}

export function createTraceRetention(db: Database, options: TraceRetentionOptions): TraceRetention {
  retentionCutoff(new Date(0), options.days); // validates days
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 5000);
  const maxBatches = positiveInteger('maxBatchesPerRun', options.maxBatchesPerRun ?? 200);
  const intervalMs = positiveInteger('intervalMs', options.intervalMs ?? 3_600_000);
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const stats: TraceRetentionStats = {
    days: options.days,
    deleted: 0,
    lastRunAt: null,
    lastDeleted: 0,
    failures: 0,
  };
  let running: Promise<SweepResult> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let started = false;
  /** Bumped by each start(), so a timer of an earlier start never re-arms. */
  let generation = 0;
  /** Set by stop(): the run in progress ends after its current batch. The next run clears it. */
  let stopping = false;

  async function sweep(): Promise<SweepResult> {
    const started = now();
    const cutoff = retentionCutoff(started, options.days);
    const own = [...(options.tenantDays?.() ?? new Map<string, number>())].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const tenantCutoffs = own.flatMap(([tenant, days]) => {
      const at = retentionCutoff(started, days);
      return at ? [{ tenant, cutoff: at }] : [];
    });
    if (!cutoff && tenantCutoffs.length === 0) return { outcome: 'disabled' };
    const session = await db.session();
    try {
      const [lock] = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        RETENTION_LOCK_KEY.toString(),
      ]);
      if (!lock?.locked) return { outcome: 'busy' };
      try {
        const batches: number[] = [];
        let more = false;
        const sum = (ns: number[]) => ns.reduce((total, n) => total + n, 0);
        const tenants: { tenant: string; cutoff: Date; deleted: number }[] = [];
        const limits = { batchSize, stopping: () => stopping, rlsRole: db.rlsRole };
        for (const t of tenantCutoffs) {
          const left = maxBatches - batches.length;
          if (left <= 0) {
            more = true;
            break;
          }
          const swept = await deleteTracesBefore(session, t.cutoff, {
            ...limits,
            maxBatches: left,
            target: { tenant: t.tenant },
          });
          batches.push(...swept.batches);
          more ||= swept.more;
          tenants.push({ ...t, deleted: sum(swept.batches) });
        }
        if (cutoff && batches.length < maxBatches) {
          const swept = await deleteTracesBefore(session, cutoff, {
            ...limits,
            maxBatches: maxBatches - batches.length,
            target: { exceptTenants: own.map(([tenant]) => tenant) },
          });
          batches.push(...swept.batches);
          more ||= swept.more;
        } else if (cutoff) more = true;
        const deleted = sum(batches);
        const finished = now();
        stats.deleted += deleted;
        stats.lastDeleted = deleted;
        stats.lastRunAt = finished;
        const perTenant = tenants.map(
          (t) => `; ${t.deleted} of tenant ${t.tenant} older than ${t.cutoff.toISOString()}`,
        );
        log(
          `trace retention: deleted ${deleted} traces${cutoff ? ` older than ${cutoff.toISOString()} (${options.days} days)` : ''}${perTenant.join('')} in ${batches.length} batches of at most ${batchSize}, ${finished.getTime() - started.getTime()} ms${more ? '; more remain, the next run continues' : ''}`,
        );
        return { outcome: 'swept', cutoff, deleted, tenants, batches, more };
      } finally {
        // A failed unlock means a dead connection, whose locks died with it.
        await session.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY.toString()]).catch(() => {});
      }
    } finally {
      await session.close();
    }
  }

  const retention: TraceRetention = {
    runOnce() {
      if (options.days === 0 && !options.tenantDays) return Promise.resolve({ outcome: 'disabled' });
      if (running) return Promise.resolve({ outcome: 'busy' });
      stopping = false;
      running = sweep()
        .catch((error: unknown) => {
          stats.failures++;
          log(`trace retention failed: ${(error as Error)?.message ?? error}`);
          throw error;
        })
        .finally(() => {
          running = null;
        });
      return running;
    },

    start() {
      if ((options.days === 0 && !options.tenantDays) || started) return;
      started = true;
      const mine = ++generation;
      const tick = (delay: number) => {
        timer = setTimeout(() => {
          retention
            .runOnce()
            .catch(() => {}) // counted and logged by runOnce; the next run tries again
            .finally(() => {
              if (started && generation === mine) tick(intervalMs);
            });
        }, delay);
        timer.unref();
      };
      tick(options.firstRunDelayMs ?? 60_000);
    },

    async stop() {
      started = false;
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running?.catch(() => {});
    },

    stats: () => ({ ...stats }),
  };
  return retention;
}
