/**
 * Makes sure the gateway's queries are held by row-level security. Postgres lets superusers, roles with
 * BYPASSRLS and (unless FORCE is set, which our migration does, though the owner can undo it) the tables'
 * owner past the policies, so after migrating:
 *
 * - the application's login (DATABASE_URL) is neither: nothing to do; when the migration ran through another
 *   login (RAKU_DATABASE_OWNER_URL), that owner grants the application's login what it needs. This is the
 *   set-up to run in production: no statement the gateway sends can lift the policies.
 * - it is one of them (one URL for everything, PGlite's single user, the tests' superuser): the NOLOGIN role
 *   RLS_ROLE is created if missing and granted the tables, and every scoped transaction switches to it with
 *   SET LOCAL ROLE (./tenant-scope.ts). The policies hold for every store query; SQL sent outside the stores
 *   still runs as the login. docs/tenancy.md says which to choose.
 */
import { UserError } from '@raku/config';
import { MIGRATION_LOCK_KEY } from './migrate.ts';
import type { SqlSession } from './sql-session.ts';

/** The role scoped transactions switch to when the login itself bypasses row-level security. */
export const RLS_ROLE = 'raku_app';

/** Tables the gateway reads and writes at run time (tenant-owned ones and the organisation-wide deployments). */
export const APP_TABLES = ['traces', 'approvals', 'jobs', 'deployments'] as const;

interface LoginFacts {
  login: string;
  superuser: boolean;
  bypassrls: boolean;
  createrole: boolean;
  owner: boolean;
  roleExists: boolean;
  /** Already a member of RLS_ROLE (may SET ROLE to it). */
  member: boolean;
}

/** What the session's login is, as far as row-level security goes. */
export async function loginFacts(session: SqlSession): Promise<LoginFacts> {
  const rows = await session.query<LoginFacts>(
    `SELECT current_user AS login, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
            r.rolcreaterole AS createrole,
            EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema() AND t.tablename = 'traces'
                    AND t.tableowner = current_user) AS owner,
            EXISTS (SELECT 1 FROM pg_roles x WHERE x.rolname = $1) AS "roleExists",
            EXISTS (SELECT 1 FROM pg_roles x WHERE x.rolname = $1
                    AND pg_has_role(current_user, x.oid, 'MEMBER')) AS member
       FROM pg_roles r WHERE r.rolname = current_user`,
    [RLS_ROLE],
  );
  const facts = rows[0];
  if (!facts) throw new Error('cannot read the database login (pg_roles has no row for current_user)');
  return facts;
}

/** Double-quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The SQL that lets `role` use the gateway's tables in `schema` (the operator's grant, docs/tenancy.md). */
export function grantTablesSql(
  role: string,
  schema = 'public',
  tables: readonly string[] = APP_TABLES,
): string {
  const names = tables.map((t) => `${quoteIdent(schema)}.${quoteIdent(t)}`).join(', ');
  return `GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${quoteIdent(role)};
GRANT SELECT, INSERT, UPDATE, DELETE ON ${names} TO ${quoteIdent(role)};`;
}

/**
 * Decides, after migrating, which role scoped transactions run as: null when the application's login is held
 * by row-level security, else RLS_ROLE (created and granted here, through `owner`). `app` is the
 * application's own session; `owner` the migrating one (the same session when there is one URL).
 * Throws a UserError when the login bypasses the policies and no role can be made for it.
 */
export async function prepareRlsRole(
  app: SqlSession,
  owner: SqlSession,
  warn: (message: string) => void,
): Promise<string | null> {
  // Replicas starting together would GRANT on the same tables at once, which Postgres can refuse ("tuple
  // concurrently updated"): one at a time, under the migrations' lock.
  await owner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
  try {
    return await prepare(app, owner, warn);
  } finally {
    await owner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => {});
  }
}

async function prepare(
  app: SqlSession,
  owner: SqlSession,
  warn: (message: string) => void,
): Promise<string | null> {
  const me = await loginFacts(app);
  const grant = async (role: string) => {
    // Only the tables this database has (a migrations folder of another build may lack some).
    const rows = await owner.query<{ schema: string; table: string }>(
      `SELECT schemaname AS schema, tablename AS table FROM pg_tables
        WHERE schemaname = current_schema() AND tablename = ANY($1::text[])`,
      [[...APP_TABLES]],
    );
    const schema = rows[0]?.schema;
    if (schema)
      await owner.exec(
        grantTablesSql(
          role,
          schema,
          rows.map((r) => r.table),
        ),
      );
  };
  if (!me.superuser && !me.bypassrls && !me.owner) {
    if (app !== owner) await grant(me.login);
    return null;
  }
  if (!me.superuser && !me.member && !me.createrole) {
    if (me.bypassrls) {
      throw new UserError(
        `the database login ${me.login} (DATABASE_URL) bypasses row-level security (BYPASSRLS) and may not create or take the role ${RLS_ROLE} the gateway would run its queries as: connect as a login without BYPASSRLS, or GRANT ${RLS_ROLE} TO ${me.login} (docs/tenancy.md, "Database isolation")`,
      );
    }
    warn(
      `the database login ${me.login} owns the tables: row-level security is forced on it, but it could lift it; GRANT ${RLS_ROLE} TO ${me.login}, or connect as another login (docs/tenancy.md, "Database isolation")`,
    );
    return null;
  }
  if (!me.roleExists) {
    try {
      await app.exec(`CREATE ROLE ${quoteIdent(RLS_ROLE)} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT`);
    } catch (error) {
      // Another replica (or database of this server: roles are server-wide) created it first.
      const code = (error as { code?: unknown }).code;
      if (code !== '42710' && code !== '23505') throw error;
    }
  }
  await refuseRoleThatBypasses(app);
  // SET ROLE needs membership unless the login is a superuser.
  if (!me.superuser && !me.member) {
    await app.exec(`GRANT ${quoteIdent(RLS_ROLE)} TO ${quoteIdent(me.login)}`);
  }
  await grant(RLS_ROLE);
  return RLS_ROLE;
}

/**
 * Roles are server-wide: a RLS_ROLE made by someone else (or a login of that name) may be a superuser, bypass
 * row-level security or own the tables, and every scoped transaction would then run unscoped. Refuse to start
 * rather than trust its name.
 */
async function refuseRoleThatBypasses(session: SqlSession): Promise<void> {
  const rows = await session.query<{ superuser: boolean; bypassrls: boolean; owner: boolean }>(
    `SELECT r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
            EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema()
                    AND t.tablename = ANY($2::text[]) AND t.tableowner = r.rolname) AS owner
       FROM pg_roles r WHERE r.rolname = $1`,
    [RLS_ROLE, [...APP_TABLES]],
  );
  const role = rows[0];
  if (!role) throw new Error(`the role ${RLS_ROLE} was not found after it was created`);
  const why = [
    role.superuser && 'is a superuser',
    role.bypassrls && 'has BYPASSRLS',
    role.owner && "owns the gateway's tables",
  ].filter(Boolean);
  if (why.length > 0) {
    throw new UserError(
      `the database role ${RLS_ROLE}, which the gateway runs its scoped queries as, ${why.join(' and ')}: row-level security would not hold. ALTER ROLE ${RLS_ROLE} NOSUPERUSER NOBYPASSRLS (and give its tables to another owner), or drop it and let the gateway create it (docs/tenancy.md, "Database isolation")`,
    );
  }
}
