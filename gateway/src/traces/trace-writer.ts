/**
 * Writes batches of trace rows with one `INSERT … SELECT * FROM unnest(…)` statement (DESIGN.md measured it at
 * ~119k rows/s through Prisma's $executeRaw and ~169k with raw `pg`, against ~7k/s for createMany). With
 * Postgres the batch goes straight to the pg pool Prisma's adapter holds: Prisma's mapping of each argument
 * cost more CPU per row than building the row (bench/gateway/trace-cost.ts). With PGlite it goes through
 * Prisma. `ON CONFLICT (id) DO NOTHING` makes a retried batch idempotent: a batch whose commit succeeded but
 * whose reply was lost is not doubled.
 */
import type pg from 'pg';
import { inScope, type ScopedDatabase, scopeStatement } from '../db/tenant-scope.ts';
import { type TenantScope, tenantScope } from '../tenancy/scope.ts';
import type { TraceRow } from './trace-row.ts';

export interface TraceWriter {
  write(rows: readonly TraceRow[]): Promise<void>;
  /** True when the database answers; tells a bad batch (data error) from an unreachable database. */
  ping(): Promise<boolean>;
}

/** The stored columns, in the order of the INSERT below. */
const COLUMNS = [
  'id',
  'time',
  'subject',
  'subjectKind',
  'tool',
  'route',
  'target',
  'decision',
  'rule',
  'revision',
  'latencyMs',
  'status',
  'argsBytes',
  'resultBytes',
  'args',
  'result',
  'error',
  'zone',
  'traceId',
  'tenant',
] as const satisfies readonly (keyof TraceRow)[];

const INSERT = `INSERT INTO "traces" ("id", "time", "subject", "subject_kind", "tool", "route", "target",
  "decision", "rule", "revision", "latency_ms", "status", "args_bytes", "result_bytes", "args", "result", "error", "zone", "trace_id", "tenant")
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
    $8::text[], $9::text[], $10::text[], $11::float8[], $12::text[], $13::int4[], $14::int4[], $15::jsonb[],
    $16::jsonb[], $17::text[], $18::text[], $19::text[], $20::text[])
  ON CONFLICT ("id") DO NOTHING`;

/**
 * The Postgres writer. Each batch is written under the scope of exactly the tenants its rows belong to, so the
 * row-level security policies check every row against its own tenant (a row of a tenant outside the scope is
 * refused by the database, not by this code).
 */
export function createPrismaTraceWriter(db: ScopedDatabase): TraceWriter {
  const { prisma, pool } = db;
  return {
    async write(rows) {
      if (rows.length === 0) return;
      const col = <K extends keyof TraceRow>(key: K) => rows.map((r) => r[key]);
      const scope = tenantScope(col('tenant'));
      if (pool) {
        await inPoolScope(pool, db.rlsRole, scope, INSERT, COLUMNS.map(col));
        return;
      }
      await inScope(db, scope, [prisma.$executeRawUnsafe(INSERT, ...COLUMNS.map(col))]);
    },
    async ping() {
      try {
        await prisma.$queryRaw`SELECT 1`;
        return true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * Runs one statement in a transaction on a pooled connection whose first statement sets the tenant scope, as
 * inScope does through Prisma (../db/tenant-scope.ts). A connection that failed, or fails even to roll back, is
 * discarded.
 */
async function inPoolScope(
  pool: pg.Pool,
  rlsRole: string | null,
  scope: TenantScope,
  text: string,
  params: unknown[],
): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // While checked out the pool does not listen: a connection lost mid-batch must fail the batch, not the process.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const set = scopeStatement(rlsRole, scope);
    await client.query(set.text, set.params);
    await client.query(text, params);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch((rollback: Error) => {
      broken = rollback;
    });
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
