/**
 * Runs the stores' queries under a tenant scope (../tenancy/scope.ts), the way Prisma documents row-level
 * security: every query goes in a transaction whose first statement sets the scope with `set_config(…, true)`
 * (SET LOCAL: it ends with the transaction, so a pooled connection never carries it to the next caller).
 * The policies of migration 20261205000000_tenant_rls read `raku.tenants` (comma list) and
 * `raku.all_tenants` ('on'); a transaction that set neither sees and writes no row.
 *
 * When the database's login would bypass the policies (a superuser, BYPASSRLS, or the tables' owner), the
 * same first statement also switches the transaction to the role `rlsRole` (./rls-role.ts), which cannot.
 */
import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { PrismaPromise } from '../generated/prisma/internal/prismaNamespace.ts';
import type { TenantScope } from '../tenancy/scope.ts';

/** What scoped queries need of the database: its client and the role transactions switch to, if any. */
export interface ScopedDatabase {
  prisma: PrismaClient;
  /** Role each scoped transaction switches to (SET LOCAL ROLE); null when the login is held by RLS itself. */
  readonly rlsRole: string | null;
  /**
   * The pg pool under Prisma's adapter (Postgres only): a hot writer may send its scoped statements on it
   * directly, in the same transaction shape (scopeStatement first).
   */
  readonly pool?: pg.Pool | null;
}

/**
 * The first statement of every scoped transaction, with its parameters: through Prisma (setScope), on a raw
 * SqlSession (the retention sweep) or a pooled connection (the trace writer), right after BEGIN.
 */
export function scopeStatement(
  rlsRole: string | null,
  scope: TenantScope,
): { text: string; params: string[] } {
  const tenants = scope.all ? '' : scope.tenants.join(',');
  const all = scope.all ? 'on' : 'off';
  const settings = "set_config('raku.tenants', $1, true), set_config('raku.all_tenants', $2, true)";
  // set_config('role', …) is SET LOCAL ROLE: evaluated first, so the settings after it are made as that role.
  return rlsRole === null
    ? { text: `SELECT ${settings}`, params: [tenants, all] }
    : { text: `SELECT set_config('role', $3, true), ${settings}`, params: [tenants, all, rlsRole] };
}

/** The statement that opens every scoped transaction (scopeStatement, through Prisma). */
export function setScope(db: ScopedDatabase, scope: TenantScope): PrismaPromise<unknown> {
  const { text, params } = scopeStatement(db.rlsRole, scope);
  return db.prisma.$queryRawUnsafe(text, ...params);
}

/**
 * Runs raw queries (built on `db.prisma`, not awaited yet) in one transaction under the scope; returns
 * their results in order.
 */
export async function inScope<const T extends readonly PrismaPromise<unknown>[]>(
  db: ScopedDatabase,
  scope: TenantScope,
  queries: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const [, ...results] = await db.prisma.$transaction([setScope(db, scope), ...queries]);
  return results as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/** A client whose every model query runs in its own transaction under the scope (Prisma's RLS extension). */
export type ScopedClient = ReturnType<typeof extend>;

function extend(db: ScopedDatabase, scope: TenantScope) {
  return db.prisma.$extends({
    query: {
      $allModels: {
        async $allOperations({ args, query }) {
          const [, result] = await db.prisma.$transaction([setScope(db, scope), query(args)]);
          return result;
        },
      },
    },
  });
}

const CACHE_LIMIT = 256;
const clients = new WeakMap<PrismaClient, Map<string, ScopedClient>>();

/**
 * The scoped client of `scope` (cached per client, role and scope: an extension is cheap but not free, and
 * the trace path asks for one per batch).
 */
export function scopedClient(db: ScopedDatabase, scope: TenantScope): ScopedClient {
  let cache = clients.get(db.prisma);
  if (!cache) {
    cache = new Map();
    clients.set(db.prisma, cache);
  }
  const key = `${db.rlsRole ?? ''}|${scope.all ? '*' : scope.tenants.join(',')}`;
  let client = cache.get(key);
  if (!client) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    client = extend(db, scope);
    cache.set(key, client);
  }
  return client;
}
