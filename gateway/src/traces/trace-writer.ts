/**
 * Writes batches of trace rows with one `INSERT … SELECT … FROM jsonb_array_elements($1)` statement (DESIGN.md
 * measured one multi-row statement at ~119k rows/s through Prisma's $executeRaw and ~169k with raw `pg`,
 * against ~7k/s for createMany). With Postgres the batch goes straight to the pg pool Prisma's adapter holds:
 * Prisma's mapping of the arguments cost more CPU per row than building the row (bench/gateway/trace-cost.ts).
 * With PGlite it goes through Prisma. `ON CONFLICT (id) DO NOTHING` makes a retried batch idempotent: a batch
 * whose commit succeeded but whose reply was lost is not doubled.
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

/**
 * One statement per batch, its one parameter the rows as a JSON array of arrays (see batchJson): encoding a
 * batch so costs a third of what pg's array literals of the same rows did (one per column, each element
 * escaped by two regular expressions), and it is no longer. The payloads travel as JSON text in strings and
 * are cast to jsonb here, as the array elements were.
 */
const INSERT = `INSERT INTO "traces" ("id", "time", "subject", "subject_kind", "tool", "route", "target",
  "decision", "rule", "revision", "latency_ms", "status", "args_bytes", "result_bytes", "args", "result", "error", "zone", "trace_id", "tenant")
  SELECT (r->>0)::uuid, (r->>1)::timestamptz, r->>2, r->>3, r->>4, r->>5, r->>6, r->>7, r->>8, r->>9,
    (r->>10)::float8, r->>11, (r->>12)::int4, (r->>13)::int4, (r->>14)::jsonb, (r->>15)::jsonb, r->>16, r->>17,
    r->>18, r->>19
  FROM jsonb_array_elements($1::jsonb) AS r
  ON CONFLICT ("id") DO NOTHING`;

/** The rows as JSON, each an array of its columns in the order INSERT reads them. */
function batchJson(rows: readonly TraceRow[]): string {
  return JSON.stringify(
    rows.map((r) => [
      r.id,
      storedTime(r.time),
      r.subject,
      r.subjectKind,
      r.tool,
      r.route,
      r.target,
      r.decision,
      r.rule,
      r.revision,
      r.latencyMs,
      r.status,
      r.argsBytes,
      r.resultBytes,
      r.args,
      r.result,
      r.error,
      r.zone,
      r.traceId,
      r.tenant,
    ]),
  );
}

function ordinaryYear(time: Date): boolean {
  const year = time.getUTCFullYear();
  return year >= 1 && year <= 9999;
}

/**
 * A time as Postgres reads it. JSON.stringify writes a Date in ISO 8601, which Postgres reads for years 1 to 9999
 * only; a row may hold any time Postgres stores (./trace-row.ts), so other years are spelt out (BC before 1).
 */
function storedTime(time: Date): Date | string {
  if (ordinaryYear(time)) return time;
  const year = time.getUTCFullYear();
  const iso = time.toISOString(); // ±YYYYYY-MM-DDTHH:mm:ss.sssZ, or 0000-… for year 0
  const rest = iso.slice(iso.indexOf('-', 1));
  return year > 0 ? `${year}${rest}` : `${String(1 - year).padStart(4, '0')}${rest} BC`;
}

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
      const scope = tenantScope(rows.map((r) => r.tenant));
      const batch = batchJson(rows);
      if (pool) {
        await inPoolScope(pool, db.rlsRole, scope, INSERT, [batch]);
        return;
      }
      await inScope(db, scope, [prisma.$executeRawUnsafe(INSERT, batch)]);
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
