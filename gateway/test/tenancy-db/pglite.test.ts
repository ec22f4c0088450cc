/**
 * What row-level security holds on PGlite (local mode), as docs/tenancy.md says: its one user is a superuser,
 * so every store query switches to the role raku_app and is held by the same policies as on Postgres; SQL sent
 * outside the stores runs as the superuser and is not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalStore } from '../../src/approvals/approval-store.ts';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { RLS_ROLE } from '../../src/db/rls-role.ts';
import { inScope } from '../../src/db/tenant-scope.ts';
import { tenantScope } from '../../src/tenancy/scope.ts';
import { createTraceReader } from '../../src/traces/trace-reader.ts';
import { BufferedTraceSink } from '../../src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../../src/traces/trace-writer.ts';

/** Starting PGlite (initdb in WASM) takes tens of seconds on a loaded 2-core machine. */
const PGLITE_START_MS = 180_000;

let db: Database;

beforeAll(async () => {
  db = await createDatabase({ dataDir: 'memory://' });
  await db.migrate();
  const sink = new BufferedTraceSink({ writer: createPrismaTraceWriter(db) });
  for (const tenant of ['acme', 'globex']) {
    sink.record({
      time: new Date(),
      subject: `agent:${tenant}-bot`,
      subjectKind: 'agent',
      tool: 'crm.find_customer',
      route: null,
      target: null,
      decision: 'allow',
      rule: 'r',
      revision: 'rev-1',
      latencyMs: 1,
      status: 'ok',
      args: {},
      tenant,
    });
  }
  await sink.close();
}, PGLITE_START_MS);

afterAll(async () => {
  await db?.close();
});

describe('row-level security on PGlite', () => {
  it('switches every scoped transaction to the role raku_app', async () => {
    expect(db.rlsRole).toBe(RLS_ROLE);
    const [who] = await inScope(db, tenantScope(['acme']), [
      db.prisma.$queryRawUnsafe<{ user: string }[]>('SELECT current_user AS "user"'),
    ]);
    expect(who).toEqual([{ user: RLS_ROLE }]);
  });

  it('shows a scoped raw SELECT * with no tenant nothing, and with one tenant its rows only', async () => {
    const [none] = await inScope(db, tenantScope([]), [db.prisma.$queryRawUnsafe('SELECT * FROM traces')]);
    expect(none).toEqual([]);
    const [acme] = await inScope(db, tenantScope(['acme']), [
      db.prisma.$queryRawUnsafe<{ tenant: string }[]>('SELECT tenant FROM traces'),
    ]);
    expect(acme).toEqual([{ tenant: 'acme' }]);
  });

  it('refuses a write of another tenant in a scoped transaction', async () => {
    const insert = db.prisma.$executeRawUnsafe(
      `INSERT INTO approvals (id, status, rule, approvers, tool, subject, masked_paths, revision, expires_at, tenant)
       VALUES (gen_random_uuid(), 'pending', 'r', '{}', 't', 's', '{}', 'rev', now(), 'globex')`,
    );
    await expect(inScope(db, tenantScope(['acme']), [insert])).rejects.toThrow(/row-level security/);
  });

  it("keeps the stores to a tenant: another tenant's rows read as absent", async () => {
    const reader = createTraceReader(db);
    const globex = (await reader.list(tenantScope(['globex']), {})).items;
    expect(globex.map((t) => t.tenant)).toEqual(['globex']);
    expect(await reader.get(tenantScope(['acme']), globex[0]!.id)).toBeNull();
    const approvals = createApprovalStore(db);
    const request = await approvals.create({
      rule: 'r',
      approvers: ['*'],
      timeoutSeconds: 60,
      tool: 'crm.refund',
      subject: 'agent:globex-bot',
      args: {},
      revision: 'rev-1',
      tenant: 'globex',
    });
    expect(await approvals.get(tenantScope(['acme']), request.id)).toBeNull();
  });

  it('does not hold SQL sent outside the stores: that runs as the superuser (the limit docs/tenancy.md names)', async () => {
    const rows = await db.prisma.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM traces');
    expect(rows[0]?.n).toBe(2);
  });
});

describe('a role raku_app that someone else made', () => {
  it(
    'is refused at start when it bypasses row-level security, instead of trusted by its name',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'raku-rls-role-'));
      try {
        const before = new PGlite(dir);
        await before.exec(`CREATE ROLE ${RLS_ROLE} NOLOGIN BYPASSRLS`);
        await before.close();
        const taken = await createDatabase({ dataDir: dir });
        try {
          await expect(taken.migrate()).rejects.toThrow(
            `the database role ${RLS_ROLE}, which the gateway runs its scoped queries as, has BYPASSRLS`,
          );
        } finally {
          await taken.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    PGLITE_START_MS,
  );
});
