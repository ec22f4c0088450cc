import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { openPgSession } from '../../src/db/sql-session.ts';
import { createMetrics, registerRetentionStats } from '../../src/server/metrics.ts';
import { parseRuntimeOptions } from '../../src/server/options.ts';
import {
  createTraceRetention,
  RETENTION_LOCK_KEY,
  retentionCutoff,
} from '../../src/traces/trace-retention.ts';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.ts';

/** Starting PGlite (initdb in WASM) takes tens of seconds on a loaded 2-core machine. */
const PGLITE_START_MS = 180_000;

const NOW = new Date('2026-11-30T00:00:00.000Z');
const DAY = 86_400_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

/**
 * Counts the rows each DELETE statement removes, seen by the database itself (a statement-level trigger
 * over the transition table), so the batch bound is checked independently of what the sweep reports.
 * SECURITY DEFINER: the sweep deletes as the role raku_app (row-level security), which may not write the log.
 */
const COUNT_DELETES = `
  CREATE TABLE IF NOT EXISTS "trace_delete_log" ("n" SERIAL PRIMARY KEY, "deleted" INT NOT NULL);
  CREATE OR REPLACE FUNCTION log_trace_deletes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
  BEGIN
    INSERT INTO "trace_delete_log" ("deleted") SELECT count(*) FROM gone;
    RETURN NULL;
  END $$;
  DROP TRIGGER IF EXISTS trace_deletes ON "traces";
  CREATE TRIGGER trace_deletes AFTER DELETE ON "traces" REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION log_trace_deletes();`;

let pgDatabase: TestDatabase;
beforeAll(async () => {
  pgDatabase = await createTestDatabase();
});
afterAll(async () => {
  await pgDatabase?.drop();
});

function retentionSuite(kind: 'Postgres' | 'PGlite', open: () => Promise<Database>) {
  describe(`trace retention on ${kind}`, () => {
    let db: Database;

    beforeAll(async () => {
      db = await open();
      await db.migrate();
      const session = await db.session();
      try {
        await session.exec(COUNT_DELETES);
      } finally {
        await session.close();
      }
    }, PGLITE_START_MS);
    afterAll(async () => {
      await db?.close();
    });
    beforeEach(async () => {
      await db.prisma.$executeRaw`TRUNCATE "traces", "trace_delete_log"`;
    });

    async function insert(times: Date[], tool = 'widgets.get_widget'): Promise<string[]> {
      const ids = times.map(() => randomUUID());
      await db.prisma.trace.createMany({
        data: times.map((time, i) => ({
          id: ids[i]!,
          time,
          subject: 'user:ann',
          subjectKind: 'user',
          tool,
          decision: 'allow',
          revision: 'rev-1',
          latencyMs: 1,
          status: 'ok',
          argsBytes: 2,
          resultBytes: 2,
          args: {},
        })),
      });
      return ids;
    }

    const remaining = async () =>
      (await db.prisma.trace.findMany({ select: { id: true } })).map((r) => r.id).sort();
    const statementCounts = async () =>
      (
        await db.prisma.$queryRaw<
          { deleted: number }[]
        >`SELECT "deleted" FROM "trace_delete_log" ORDER BY "n"`
      ).map((r) => r.deleted);

    it('deletes traces older than the retention and keeps the rest, the boundary included', async () => {
      const old = await insert([ago(400 * DAY), ago(31 * DAY), ago(30 * DAY + 1)]);
      const kept = await insert([ago(30 * DAY), ago(29 * DAY), ago(60_000), NOW]);
      const retention = createTraceRetention(db, { days: 30, now: () => NOW });
      const result = await retention.runOnce();
      expect(result).toEqual({
        outcome: 'swept',
        cutoff: ago(30 * DAY),
        deleted: old.length,
        tenants: [],
        batches: [3],
        more: false,
      });
      expect(await remaining()).toEqual([...kept].sort());
      // Prisma's queries still work on what is left.
      expect(await db.prisma.trace.count({ where: { time: { lt: ago(30 * DAY) } } })).toBe(0);
    });

    it('deletes in statements of at most batchSize rows, and at most maxBatchesPerRun statements a run', async () => {
      const old = await insert(Array.from({ length: 30 }, (_, i) => ago(40 * DAY + i * 1000)));
      const kept = await insert(Array.from({ length: 5 }, (_, i) => ago(i * 1000)));
      const retention = createTraceRetention(db, {
        days: 30,
        now: () => NOW,
        batchSize: 7,
        maxBatchesPerRun: 3,
      });
      const first = await retention.runOnce();
      expect(first).toMatchObject({ outcome: 'swept', deleted: 21, batches: [7, 7, 7], more: true });
      expect(await statementCounts()).toEqual([7, 7, 7]);
      expect(await db.prisma.trace.count()).toBe(old.length - 21 + kept.length);
      // Oldest first: what is left of the old rows are the newest of them.
      const left = await db.prisma.trace.findMany({ where: { time: { lt: ago(30 * DAY) } } });
      expect(Math.min(...left.map((r) => r.time.getTime()))).toBe(ago(40 * DAY + 8_000).getTime());

      const second = await retention.runOnce();
      expect(second).toMatchObject({ outcome: 'swept', deleted: 9, batches: [7, 2], more: false });
      expect(await statementCounts()).toEqual([7, 7, 7, 7, 2]);
      expect(await remaining()).toEqual([...kept].sort());
      expect(await retention.runOnce()).toMatchObject({ deleted: 0, batches: [], more: false });
      expect(retention.stats()).toMatchObject({ days: 30, deleted: 30, lastDeleted: 0, failures: 0 });
    });

    it('keeps every trace when the retention is 0 days', async () => {
      const ids = await insert([ago(10_000 * DAY), ago(31 * DAY)]);
      const retention = createTraceRetention(db, {
        days: 0,
        now: () => NOW,
        firstRunDelayMs: 0,
        intervalMs: 1,
      });
      retention.start();
      expect(await retention.runOnce()).toEqual({ outcome: 'disabled' });
      await retention.stop();
      expect(await remaining()).toEqual([...ids].sort());
      expect(await statementCounts()).toEqual([]);
      expect(retention.stats()).toEqual({
        days: 0,
        deleted: 0,
        lastRunAt: null,
        lastDeleted: 0,
        failures: 0,
      });
    });

    it('sweeps once when two sweeps of one process overlap', async () => {
      await insert([ago(31 * DAY), ago(32 * DAY)]);
      const retention = createTraceRetention(db, { days: 30, now: () => NOW });
      const outcomes = await Promise.all([retention.runOnce(), retention.runOnce()]);
      expect(outcomes.map((o) => o.outcome)).toEqual(['swept', 'busy']);
      expect(await db.prisma.trace.count()).toBe(0);
    });

    it('runs on its timer once started, logs each sweep and exports it on /metrics', async () => {
      await insert([ago(31 * DAY), ago(45 * DAY)]);
      const kept = await insert([ago(DAY)]);
      const lines: string[] = [];
      const retention = createTraceRetention(db, {
        days: 30,
        now: () => NOW,
        firstRunDelayMs: 0,
        intervalMs: 3_600_000,
        log: (line) => lines.push(line),
      });
      const metrics = createMetrics({ defaultMetrics: false });
      registerRetentionStats(metrics, () => retention.stats());
      retention.start();
      try {
        await vi.waitFor(() => expect(retention.stats().lastRunAt).not.toBeNull(), { timeout: 30_000 });
      } finally {
        await retention.stop();
      }
      expect(await remaining()).toEqual(kept);
      expect(lines).toEqual([
        expect.stringMatching(
          /^trace retention: deleted 2 traces older than 2026-10-31T00:00:00\.000Z \(30 days\) in 1 batches of at most 5000, \d+ ms$/,
        ),
      ]);
      const text = await metrics.registry.metrics();
      expect(text).toContain('raku_trace_retention_days 30');
      expect(text).toContain('raku_trace_retention_deleted_total 2');
      expect(text).toContain('raku_trace_retention_last_run_deleted 2');
      expect(text).toContain(`raku_trace_retention_last_run_timestamp_seconds ${NOW.getTime() / 1000}`);
      expect(text).toContain('raku_trace_retention_failures_total 0');
      // Stopping ends the timer, not the sweep: a run asked for afterwards still deletes everything due.
      await insert([ago(50 * DAY)]);
      expect(await retention.runOnce()).toMatchObject({ outcome: 'swept', deleted: 1, more: false });
    });
  });
}

retentionSuite('Postgres', () => createDatabase({ url: pgDatabase.url }));
retentionSuite('PGlite', () => createDatabase({ dataDir: 'memory://' }));

describe('trace retention across replicas (Postgres)', () => {
  it('skips the round while another replica holds the sweep, and sweeps once it is released', async () => {
    const target = await createTestDatabase();
    const replica = await createDatabase({ url: target.url });
    const other = await openPgSession(target.url);
    try {
      await replica.migrate();
      await replica.prisma.trace.create({
        data: {
          id: randomUUID(),
          time: ago(90 * DAY),
          subject: 'user:ann',
          subjectKind: 'user',
          tool: 't',
          decision: 'allow',
          revision: 'r',
          latencyMs: 1,
          status: 'ok',
          argsBytes: 0,
          resultBytes: 0,
        },
      });
      const retention = createTraceRetention(replica, { days: 30, now: () => NOW });
      await other.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK_KEY.toString()]);
      expect(await retention.runOnce()).toEqual({ outcome: 'busy' });
      expect(await replica.prisma.trace.count()).toBe(1);
      await other.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY.toString()]);
      expect(await retention.runOnce()).toMatchObject({ outcome: 'swept', deleted: 1 });
      expect(await replica.prisma.trace.count()).toBe(0);
    } finally {
      await other.close();
      await replica.close();
      await target.drop();
    }
  });

  it('counts and logs a failed sweep, and rejects with the reason', async () => {
    const unreachable = await createDatabase({
      url: 'postgresql://postgres@127.0.0.1:1/none',
      connectTimeoutMs: 2000,
    });
    const lines: string[] = [];
    const retention = createTraceRetention(unreachable, { days: 30, log: (l) => lines.push(l) });
    try {
      await expect(retention.runOnce()).rejects.toThrow(/ECONNREFUSED/);
      expect(retention.stats().failures).toBe(1);
      expect(lines).toEqual([expect.stringMatching(/^trace retention failed: .*ECONNREFUSED/)]);
    } finally {
      await unreachable.close();
    }
  });
});

describe('retention settings', () => {
  it('computes the cutoff, or none for 0 days', () => {
    expect(retentionCutoff(NOW, 30)).toEqual(new Date('2026-10-31T00:00:00.000Z'));
    expect(retentionCutoff(NOW, 0)).toBeNull();
  });

  it.each([-1, 1.5, Number.NaN])('refuses %s days', (days) => {
    expect(() => retentionCutoff(NOW, days)).toThrow(
      `trace retention days must be a whole number of days, 0 or more, not ${days}`,
    );
  });

  it('refuses a batch size or batch count below 1', async () => {
    const db = await createDatabase({ url: 'postgresql://postgres@127.0.0.1:1/none' });
    try {
      expect(() => createTraceRetention(db, { days: 30, batchSize: 0 })).toThrow(
        'trace retention batchSize must be a whole number of 1 or more, not 0',
      );
      expect(() => createTraceRetention(db, { days: 30, maxBatchesPerRun: 2.5 })).toThrow(
        'trace retention maxBatchesPerRun must be a whole number of 1 or more, not 2.5',
      );
    } finally {
      await db.close();
    }
  });

  it('reads RAKU_TRACE_RETENTION_DAYS: 30 by default, 0 keeps traces, anything else is refused', () => {
    const days = (value?: string) =>
      parseRuntimeOptions(value === undefined ? {} : { RAKU_TRACE_RETENTION_DAYS: value }, ['gateway'], '/x')
        .traceRetentionDays;
    expect(days()).toBe(30);
    expect(days('')).toBe(30);
    expect(days('0')).toBe(0);
    expect(days('90')).toBe(90);
    for (const bad of ['-1', '7d', '1.5', '36501']) {
      expect(() => days(bad)).toThrow(
        `RAKU_TRACE_RETENTION_DAYS must be an integer between 0 and 36500, not "${bad}"`,
      );
    }
  });
});
