/**
 * Applies pending SQL migrations at start, because `prisma migrate deploy` needs a schema-engine binary that
 * cannot be downloaded everywhere the gateway runs. Several replicas may start at once: a session-level
 * advisory lock serialises them, and each migration is applied in a transaction together with its row in
 * `_prisma_migrations` (the table Prisma itself uses, so `prisma migrate status/deploy` agree with us).
 */
import { randomUUID } from 'node:crypto';
import { UserError } from '@raku/config';
import type { Migration } from './migrations.ts';
import type { SqlSession } from './sql-session.ts';

/** Arbitrary constant advisory-lock key shared by every gateway replica ('raku-mig' as bytes). */
export const MIGRATION_LOCK_KEY = 0x72616b756d6967n;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrateResult {
  /** Names applied by this call, in order. */
  applied: string[];
  /** Names that were already applied before. */
  skipped: string[];
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

/**
 * Applies every migration not yet recorded as finished. Refuses to continue when an applied migration's file
 * changed (checksum differs) or an earlier attempt failed half-way (a row without finished_at).
 */
export async function applyMigrations(
  session: SqlSession,
  migrations: readonly Migration[],
): Promise<MigrateResult> {
  await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
  try {
    await session.exec(CREATE_MIGRATIONS_TABLE);
    const rows = await session.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const applied = new Map(rows.map((r) => [r.migration_name, r]));
    const result: MigrateResult = { applied: [], skipped: [] };
    for (const migration of migrations) {
      const row = applied.get(migration.name);
      if (row) {
        if (row.finished_at === null) {
          throw new UserError(
            `migration ${migration.name} failed or was interrupted earlier; fix the database and mark it rolled back in _prisma_migrations`,
          );
        }
        if (row.checksum !== migration.checksum) {
          throw new UserError(
            `migration ${migration.name} was modified after it was applied (checksum differs): this database was migrated by another build of the gateway; run the build that migrated it, or use another database`,
          );
        }
        result.skipped.push(migration.name);
        continue;
      }
      await applyOne(session, migration);
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => {});
  }
}

async function applyOne(session: SqlSession, migration: Migration): Promise<void> {
  const id = randomUUID();
  await session.exec('BEGIN');
  try {
    await session.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
      [id, migration.checksum, migration.name],
    );
    await session.exec(migration.sql);
    await session.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await session.exec('COMMIT');
  } catch (error) {
    await session.exec('ROLLBACK').catch(() => {});
    // 42501: the role may not create what the migration creates; the operator grants it, no code change.
    if ((error as { code?: unknown }).code === '42501') {
      throw new UserError(
        `migration ${migration.name} failed: ${(error as Error).message}: the DATABASE_URL role needs the right to create tables in its schema (or connect as the database owner)`,
        { cause: error },
      );
    }
    throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
  }
}
