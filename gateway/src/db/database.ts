/**
 * Opens the gateway's database: Prisma Client over `@prisma/adapter-pg` when a Postgres URL is given, else over
 * an embedded PGlite stored under a local data directory (what `npm start` uses on a machine with no server).
 * The data directory holds every trace (arguments and results of tool calls): it is created 0700, like a
 * Postgres data directory, and an existing one open to other users is tightened (or refused, see below).
 * Start-up failures the environment causes are UserErrors (./connection-error.ts).
 */
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { UserError } from '@raku/config';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.ts';
import { databaseConnectError, dataDirError } from './connection-error.ts';
import { applyMigrations, type MigrateResult } from './migrate.ts';
import { readMigrations } from './migrations.ts';
import { prepareRlsRole } from './rls-role.ts';
import { openPgSession, PGlite, pgliteSession, type SqlSession } from './sql-session.ts';

export const DEFAULT_PGLITE_DIR = '.raku/pglite';

/**
 * Every store query runs in a transaction (row-level security's scope, ./tenant-scope.ts). Prisma's defaults
 * (2 s to get a connection, 5 s to finish) would fail queries that ran before on a busy pool or a long chart;
 * these bound them as the pool and the statements did before: 30 s to start, 5 minutes to finish.
 */
const SCOPED_TRANSACTIONS = { maxWait: 30_000, timeout: 300_000 };

export interface DatabaseOptions {
  /** Postgres connection string (DATABASE_URL). Unset: embedded PGlite under `dataDir`. */
  url?: string;
  /**
   * The tables' owner (RAKU_DATABASE_OWNER_URL), used only to migrate and to grant `url`'s login the tables.
   * Unset: `url` migrates too. Set it and make `url` a login without BYPASSRLS that owns nothing: then no
   * statement the gateway sends can lift row-level security (docs/tenancy.md, "Database isolation").
   */
  ownerUrl?: string;
  /** PGlite data directory, default `.raku/pglite` (relative to the working directory). 'memory://' keeps it in RAM. */
  dataDir?: string;
  /** Migrations folder; default gateway/prisma/migrations (or prisma/migrations beside the bundle). */
  migrationsDir?: string;
  /** Postgres pool size (default 5). */
  poolSize?: number;
  /** Postgres connect timeout in ms (default 5000): a down database fails fast instead of stalling writers. */
  connectTimeoutMs?: number;
  /** Told what was changed on the way (a data directory's mode tightened). */
  onWarning?: (message: string) => void;
}

export interface Database {
  kind: 'postgres' | 'pglite';
  prisma: PrismaClient;
  /** The Postgres URL in postgres mode (pg-boss needs its own connections); null with PGlite. */
  url: string | null;
  /** The PGlite instance in pglite mode; null with Postgres. */
  pglite: PGlite | null;
  /**
   * The connection pool Prisma's adapter queries through, with Postgres (null with PGlite): the trace writer
   * sends its batches on it directly (../traces/trace-writer.ts), sparing each row Prisma's argument mapping.
   */
  pool: pg.Pool | null;
  /**
   * The role scoped transactions switch to (../db/rls-role.ts), set by migrate(): null when the login is held by
   * row-level security itself.
   */
  readonly rlsRole: string | null;
  /** Applies pending migrations under an advisory lock, then makes sure queries are held by row-level security. */
  migrate(): Promise<MigrateResult>;
  /** Opens a session for raw SQL (a dedicated connection with Postgres, the shared one with PGlite). */
  session(): Promise<SqlSession>;
  /** True when a trivial query succeeds (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function createDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const migrations = () => readMigrations(options.migrationsDir);
  const warn = (message: string) => options.onWarning?.(message);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  if (options.url) {
    const url = options.url;
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 5,
      connectionTimeoutMillis: connectTimeoutMs,
    });
    // A connection that dies while idle (the server restarted, a proxy cut it) must not crash the process: the
    // pool drops it and the next query opens another. Said once per connection, so an operator sees why.
    pool.on('error', (err) =>
      warn(
        `a pooled database connection was lost while idle (${err.message}); the next query opens a new one`,
      ),
    );
    const adapter = new PrismaPg(pool);
    const prisma = new PrismaClient({ adapter, transactionOptions: SCOPED_TRANSACTIONS });
    const session = () => openPgSession(url, { connectTimeoutMs });
    const ownerUrl = options.ownerUrl ?? url;
    let rlsRole: string | null = null;
    return {
      kind: 'postgres',
      prisma,
      url,
      pglite: null,
      pool,
      get rlsRole() {
        return rlsRole;
      },
      session,
      async migrate() {
        // The first connection of the process: whatever stops it is the environment's (./connection-error.ts).
        const connect = (to: string) =>
          openPgSession(to, { connectTimeoutMs }).catch((err: unknown) => {
            throw databaseConnectError(err, to);
          });
        const owner = await connect(ownerUrl);
        try {
          const result = await applyMigrations(owner, await migrations());
          const app = ownerUrl === url ? owner : await connect(url);
          try {
            rlsRole = await prepareRlsRole(app, owner, warn);
          } finally {
            if (app !== owner) await app.close();
          }
          return result;
        } finally {
          await owner.close();
        }
      },
      ping: () => ping(prisma),
      async close() {
        await prisma.$disconnect();
        if (!pool.ended) await pool.end();
      },
    };
  }
  const dataDir = options.dataDir ?? DEFAULT_PGLITE_DIR;
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) prepareDataDir(resolve(dataDir), options.onWarning);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(inMemory ? dataDir : resolve(dataDir));
  } catch (err) {
    throw inMemory ? err : dataDirError(err, resolve(dataDir));
  }
  const prisma = new PrismaClient({
    adapter: new PrismaPGlite(pglite),
    transactionOptions: SCOPED_TRANSACTIONS,
  });
  let rlsRole: string | null = null;
  return {
    kind: 'pglite',
    prisma,
    url: null,
    pglite,
    pool: null,
    get rlsRole() {
      return rlsRole;
    },
    session: async () => pgliteSession(pglite),
    async migrate() {
      const session = pgliteSession(pglite);
      const result = await applyMigrations(session, await migrations());
      // PGlite's one user is a superuser: scoped transactions switch to RLS_ROLE.
      rlsRole = await prepareRlsRole(session, session, warn);
      return result;
    },
    ping: () => ping(prisma),
    async close() {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
    },
  };
}

/**
 * Creates the PGlite data directory 0700, or tightens an existing one that group or others may read or
 * write: when this user owns it and it is empty or already a PGlite data directory (PG_VERSION). A folder
 * of someone else's, or holding other files, is refused rather than changed.
 */
export function prepareDataDir(dir: string, onWarning?: (message: string) => void): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw dataDirError(err, dir);
  }
  if (process.platform === 'win32') return;
  let mode: number;
  let owner: number;
  let entries: string[];
  try {
    const stat = statSync(dir);
    if (!stat.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    mode = stat.mode & 0o777;
    owner = stat.uid;
    entries = mode & 0o077 ? readdirSync(dir) : [];
  } catch (err) {
    throw dataDirError(err, dir);
  }
  if ((mode & 0o077) === 0) return;
  const octal = mode.toString(8).padStart(3, '0');
  const mine = process.getuid === undefined || owner === process.getuid();
  if (!mine || (entries.length > 0 && !entries.includes('PG_VERSION'))) {
    throw new UserError(
      `the embedded database folder ${dir} (RAKU_DATA_DIR) is open to other users (mode ${octal}) and ${mine ? 'holds files that are not a PGlite database' : 'belongs to another user'}: run chmod 700 on it, or set RAKU_DATA_DIR to another folder`,
    );
  }
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    throw dataDirError(err, dir);
  }
  onWarning?.(
    `the embedded database folder ${dir} was open to other users (mode ${octal}): changed it to 700`,
  );
}

async function ping(prisma: PrismaClient): Promise<boolean> {
  try {
    await prisma.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}
