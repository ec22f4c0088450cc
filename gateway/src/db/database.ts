/**
 * Opens the gateway's database: Prisma Client over `@prisma/adapter-pg` when a Postgres URL is given, else over
 * an embedded PGlite stored under a local data directory (what `npm start` uses on a machine with no server).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations, type MigrateResult } from './migrate.ts';
import { readMigrations } from './migrations.ts';
import { openPgSession, PGlite, pgliteSession, type SqlSession } from './sql-session.ts';

export const DEFAULT_PGLITE_DIR = '.raku/pglite';

export interface DatabaseOptions {
  /** Postgres connection string (DATABASE_URL). Unset: embedded PGlite under `dataDir`. */
  url?: string;
  /** PGlite data directory, default `.raku/pglite` (relative to the working directory). 'memory://' keeps it in RAM. */
  dataDir?: string;
  /** Migrations folder; default gateway/prisma/migrations (or prisma/migrations beside the bundle). */
  migrationsDir?: string;
  /** Postgres pool size (default 5). */
  poolSize?: number;
  /** Postgres connect timeout in ms (default 5000): a down database fails fast instead of stalling writers. */
  connectTimeoutMs?: number;
}

export interface Database {
  kind: 'postgres' | 'pglite';
  prisma: PrismaClient;
  /** The Postgres URL in postgres mode (pg-boss needs its own connections); null with PGlite. */
  url: string | null;
  /** The PGlite instance in pglite mode; null with Postgres. */
  pglite: PGlite | null;
  /** Applies pending migrations under an advisory lock. */
  migrate(): Promise<MigrateResult>;
  /** Opens a session for raw SQL (a dedicated connection with Postgres, the shared one with PGlite). */
  session(): Promise<SqlSession>;
  /** True when a trivial query succeeds (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function createDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const migrations = () => readMigrations(options.migrationsDir);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  if (options.url) {
    const url = options.url;
    const adapter = new PrismaPg({
      connectionString: url,
      max: options.poolSize ?? 5,
      connectionTimeoutMillis: connectTimeoutMs,
    });
    const prisma = new PrismaClient({ adapter });
    const session = () => openPgSession(url, { connectTimeoutMs });
    return {
      kind: 'postgres',
      prisma,
      url,
      pglite: null,
      session,
      async migrate() {
        const s = await session();
        try {
          return await applyMigrations(s, await migrations());
        } finally {
          await s.close();
        }
      },
      ping: () => ping(prisma),
      close: () => prisma.$disconnect(),
    };
  }
  const dataDir = options.dataDir ?? DEFAULT_PGLITE_DIR;
  if (!dataDir.startsWith('memory://')) mkdirSync(resolve(dataDir), { recursive: true });
  const pglite = await PGlite.create(dataDir.startsWith('memory://') ? dataDir : resolve(dataDir));
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    kind: 'pglite',
    prisma,
    url: null,
    pglite,
    session: async () => pgliteSession(pglite),
    migrate: async () => applyMigrations(pgliteSession(pglite), await migrations()),
    ping: () => ping(prisma),
    async close() {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
    },
  };
}

async function ping(prisma: PrismaClient): Promise<boolean> {
  try {
    await prisma.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}
