/**
 * pg-boss on the gateway's database. With Postgres it opens its own small pool from the URL. With embedded
 * PGlite it runs through pg-boss's `db` option over the single PGlite connection: parameterised statements go
 * through `query`, parameterless scripts (pg-boss's schema setup, multi-statement commands) through `exec`.
 */
import PgBoss from 'pg-boss';
import type { Database } from '../db/database.ts';

export const PG_BOSS_SCHEMA = 'pgboss';

export function createPgBoss(db: Database, onError: (error: unknown) => void): PgBoss {
  const common = { schema: PG_BOSS_SCHEMA, supervise: true, schedule: false } as const;
  let boss: PgBoss;
  if (db.url) {
    boss = new PgBoss({ ...common, connectionString: db.url, max: 3 });
  } else if (db.pglite) {
    const pglite = db.pglite;
    boss = new PgBoss({
      ...common,
      db: {
        async executeSql(text: string, values?: unknown[]) {
          if (!values || values.length === 0) {
            const results = await pglite.exec(text);
            return { rows: results[results.length - 1]?.rows ?? [] };
          }
          return { rows: (await pglite.query(text, values)).rows };
        },
      },
    });
  } else {
    throw new Error('database has neither a Postgres URL nor a PGlite instance');
  }
  boss.on('error', onError);
  return boss;
}
