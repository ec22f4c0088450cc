import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.ts';
import { openPgSession } from '../../src/db/sql-session.ts';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.ts';

let target: TestDatabase | null = null;
afterAll(async () => {
  await target?.drop();
});

describe('the Postgres pool', () => {
  it('says when an idle connection is lost, and the next query opens another', async () => {
    target = await createTestDatabase();
    const warnings: string[] = [];
    let warned: () => void = () => {};
    const lost = new Promise<void>((resolve) => {
      warned = resolve;
    });
    const db = await createDatabase({
      url: target.url,
      onWarning: (message) => {
        warnings.push(message);
        warned();
      },
    });
    try {
      await db.pool!.query('SELECT 1');
      expect(db.pool!.idleCount).toBe(1);
      // Another session ends every other backend of this scratch database: the pool's idle one.
      const admin = await openPgSession(target.url);
      try {
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
      } finally {
        await admin.close();
      }
      await lost;
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^a pooled database connection was lost while idle \(.+\); the next query opens a new one$/,
      );
      const { rows } = await db.pool!.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });
});
