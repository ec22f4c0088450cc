/**
 * The smallest SQL port the migrator needs: one session (one connection, so a session-level advisory lock
 * holds) that can run parameterised queries and multi-statement scripts. One adapter per database kind.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface SqlSession {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs a script of several statements (simple query protocol, no parameters). */
  exec(script: string): Promise<void>;
  /**
   * Runs `fn` in one transaction (committed when it resolves, rolled back when it throws). With PGlite no
   * other query of the process runs in between, which BEGIN through `exec` would not ensure.
   */
  transaction<T>(fn: (tx: Pick<SqlSession, 'query' | 'exec'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Opens a dedicated connection to a Postgres server. */
export async function openPgSession(
  url: string,
  options: { connectTimeoutMs?: number } = {},
): Promise<SqlSession> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  });
  // A connection that dies while idle must not crash the process; the next query reports it.
  client.on('error', () => {});
  await client.connect();
  const session: SqlSession = {
    async query<R>(text: string, params: unknown[] = []) {
      return (await client.query(text, params)).rows as R[];
    },
    async exec(script) {
      await client.query(script);
    },
    async transaction(fn) {
      await client.query('BEGIN');
      try {
        const result = await fn(session);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    },
    async close() {
      await client.end().catch(() => {});
    },
  };
  return session;
}

/** Wraps an open PGlite instance (single connection by nature). Closing the session leaves PGlite open. */
export function pgliteSession(db: PGlite): SqlSession {
  return {
    async query<R>(text: string, params: unknown[] = []) {
      return (await db.query<R>(text, params)).rows;
    },
    async exec(script) {
      await db.exec(script);
    },
    transaction(fn) {
      return db.transaction((tx) =>
        fn({
          query: async <R>(text: string, params: unknown[] = []) => (await tx.query<R>(text, params)).rows,
          exec: async (script: string) => {
            await tx.exec(script);
          },
        }),
      );
    },
    async close() {},
  };
}

export { PGlite };
