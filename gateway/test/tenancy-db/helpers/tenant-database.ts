/**
 * A throw-away database on the machine's Postgres with its own two logins, as docs/tenancy.md tells an
 * operator to set one up: an owner that migrates (RAKU_DATABASE_OWNER_URL) and the gateway's login
 * (DATABASE_URL) that owns nothing and lacks BYPASSRLS. Dropped with its roles afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env['RAKU_TEST_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TenantDatabase {
  name: string;
  /** The owner's URL: migrations. */
  ownerUrl: string;
  /** The gateway's URL: every query at run time. */
  appUrl: string;
  /** A superuser's URL of the same database: what the test looks at behind the gateway's back. */
  superUrl: string;
  /** A login with BYPASSRLS (and nothing else): what the gateway must refuse to run as. */
  bypassUrl: string;
  appLogin: string;
  drop(): Promise<void>;
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function urlOf(user: string, database: string): string {
  const url = new URL(ADMIN_URL);
  url.username = user;
  url.password = '';
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createTenantDatabase(): Promise<TenantDatabase> {
  const id = randomBytes(5).toString('hex');
  const name = `raku_tenancy_${id}`;
  const owner = `raku_owner_${id}`;
  const app = `raku_gateway_${id}`;
  const bypass = `raku_bypass_${id}`;
  await admin(ADMIN_URL, async (c) => {
    await c.query(`CREATE ROLE ${owner} LOGIN`);
    await c.query(`CREATE ROLE ${app} LOGIN NOSUPERUSER NOBYPASSRLS`);
    await c.query(`CREATE ROLE ${bypass} LOGIN NOSUPERUSER BYPASSRLS`);
    await c.query(`CREATE DATABASE ${name} OWNER ${owner}`);
    // pg-boss keeps its queue in a schema of its own, which the gateway's login creates.
    await c.query(`GRANT CREATE ON DATABASE ${name} TO ${app}`);
  });
  return {
    name,
    ownerUrl: urlOf(owner, name),
    appUrl: urlOf(app, name),
    superUrl: urlOf(new URL(ADMIN_URL).username || 'postgres', name),
    bypassUrl: urlOf(bypass, name),
    appLogin: app,
    async drop() {
      await admin(ADMIN_URL, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${app}`);
        await c.query(`DROP ROLE IF EXISTS ${bypass}`);
        await c.query(`DROP ROLE IF EXISTS ${owner}`);
      });
    },
  };
}

/** Runs one query as the superuser on the database (behind the gateway's back). */
export function asSuperuser<R extends pg.QueryResultRow>(
  db: TenantDatabase,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  return admin(db.superUrl, async (c) => (await c.query<R>(text, params)).rows);
}
