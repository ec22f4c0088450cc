/**
 * Trace retention: deletes traces older than the retention (RAKU_TRACE_RETENTION_DAYS, default 30; 0 keeps
 * them forever) in bounded batches, so no statement holds row locks or builds WAL for long and inserts keep
 * flowing between batches. Every replica runs the sweep on a timer; a Postgres advisory lock (tried, never
 * waited for) lets exactly one of them sweep at a time, the others skip that round. Within a process a flag
 * does the same, since with PGlite every caller shares one connection (and a session lock is re-entrant).
 *
 * Plain DELETE rather than dropping time partitions: see docs/traces.md ("Retention") for why.
 */
import type { Database } from '../db/database.ts';
import type { SqlSession } from '../db/sql-session.ts';

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
      cutoff: Date;
      deleted: number;
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

// Oldest first through traces_time_id_idx; each statement is its own transaction.
const DELETE_BATCH = `WITH doomed AS (
    SELECT "id" FROM "traces" WHERE "time" < $1::timestamptz ORDER BY "time" LIMIT $2::int
  ), gone AS (
    DELETE FROM "traces" t USING doomed WHERE t."id" = doomed."id" RETURNING 1
  )
  SELECT count(*)::int AS deleted FROM gone`;

/**
 * Deletes traces older than `cutoff`, at most `batchSize` rows per statement and `maxBatches` statements.
 * `stopping()` is checked between batches.
 */
export async function deleteTracesBefore(
  session: SqlSession,
  cutoff: Date,
  limits: { batchSize: number; maxBatches: number; stopping?: () => boolean },
): Promise<{ batches: number[]; more: boolean }> {
  const batches: number[] = [];
  while (batches.length < limits.maxBatches && !limits.stopping?.()) {
    const [row] = await session.query<{ deleted: number }>(DELETE_BATCH, [
      cutoff.toISOString(),
      limits.batchSize,
    ]);
    const deleted = row?.deleted ?? 0;
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
    if (!cutoff) return { outcome: 'disabled' };
    const session = await db.session();
    try {
      const [lock] = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        RETENTION_LOCK_KEY.toString(),
      ]);
      if (!lock?.locked) return { outcome: 'busy' };
      try {
        const { batches, more } = await deleteTracesBefore(session, cutoff, {
          batchSize,
          maxBatches,
          stopping: () => stopping,
        });
        const deleted = batches.reduce((sum, n) => sum + n, 0);
        const finished = now();
        stats.deleted += deleted;
        stats.lastDeleted = deleted;
        stats.lastRunAt = finished;
        log(
          `trace retention: deleted ${deleted} traces older than ${cutoff.toISOString()} (${options.days} days) in ${batches.length} batches of at most ${batchSize}, ${finished.getTime() - started.getTime()} ms${more ? '; more remain, the next run continues' : ''}`,
        );
        return { outcome: 'swept', cutoff, deleted, batches, more };
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
      if (options.days === 0) return Promise.resolve({ outcome: 'disabled' });
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
      if (options.days === 0 || started) return;
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
