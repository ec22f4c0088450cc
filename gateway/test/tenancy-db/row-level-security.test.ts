/**
 * Row-level security on the real Postgres, set up as docs/tenancy.md tells an operator to: an owner login
 * migrates, the gateway's login owns nothing and lacks BYPASSRLS. What these tests prove is the database's
 * doing, not a WHERE clause of ours: raw SQL with no WHERE, sent through the gateway's own connection.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalStore } from '../../src/approvals/approval-store.ts';
import type { ApprovalStore, CreateApprovalInput } from '../../src/approvals/types.ts';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { inScope } from '../../src/db/tenant-scope.ts';
import { createJobService, type JobServiceWithApprovals } from '../../src/jobs/job-service.ts';
import { ALL_TENANTS, tenantScope } from '../../src/tenancy/scope.ts';
import { createTraceReader } from '../../src/traces/trace-reader.ts';
import { createTraceRetention } from '../../src/traces/trace-retention.ts';
import { BufferedTraceSink } from '../../src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../../src/traces/trace-writer.ts';
import type { TraceRecord } from '../../src/traces/types.ts';
import { asSuperuser, createTenantDatabase, type TenantDatabase } from './helpers/tenant-database.ts';

const A = tenantScope(['acme']);
const B = tenantScope(['globex']);
const DAY = 86_400_000;

function trace(tenant: string, time: Date, tool = 'crm.find_customer'): TraceRecord {
  return {
    time,
    subject: `agent:${tenant}-bot`,
    subjectKind: 'agent',
    tool,
    route: 'pack:crm@1.0.0',
    target: 'in-process',
    decision: 'allow',
    rule: 'r',
    revision: 'rev-1',
    latencyMs: 3,
    status: 'ok',
    args: { q: tenant },
    tenant,
  };
}

function approval(tenant: string): CreateApprovalInput {
  return {
    rule: `${tenant}/approvals/refunds`,
    approvers: ['group:finance'],
    timeoutSeconds: 3600,
    tool: 'crm.refund',
    subject: `agent:${tenant}-bot`,
    args: { amount: 10 },
    revision: 'rev-1',
    tenant,
  };
}

let target: TenantDatabase;
let db: Database;
let approvals: ApprovalStore;
let jobs: JobServiceWithApprovals;
const now = new Date();

beforeAll(async () => {
  target = await createTenantDatabase();
  db = await createDatabase({ url: target.appUrl, ownerUrl: target.ownerUrl });
  await db.migrate();
  approvals = createApprovalStore(db);
  jobs = createJobService({
    db,
    approvals,
    concurrency: 0,
    approvalSweepMs: 3_600_000,
    runner: { run: () => Promise.reject(new Error('no runs here')) },
  });
  await jobs.start();
  const sink = new BufferedTraceSink({ writer: createPrismaTraceWriter(db) });
  // One batch holding both tenants' rows: the writer scopes it to exactly those two.
  sink.record(trace('acme', new Date(now.getTime() - 60_000)));
  sink.record(trace('globex', new Date(now.getTime() - 30_000)));
  sink.record(trace('acme', new Date(now.getTime() - 5 * DAY)));
  sink.record(trace('globex', new Date(now.getTime() - 5 * DAY)));
  await sink.close();
  expect(sink.stats()).toMatchObject({ written: 4, dropped: 0 });
}, 120_000);

afterAll(async () => {
  await jobs?.stop();
  await db?.close();
  await target?.drop();
});

describe('the gateway login', () => {
  it('is held by row-level security itself, so no role switch is needed', () => {
    expect(db.rlsRole).toBeNull();
  });

  it('sees no row of a raw SELECT * with no tenant set, while the rows are there', async () => {
    const seen = await db.prisma.$queryRawUnsafe<unknown[]>('SELECT * FROM traces');
    expect(seen).toEqual([]);
    expect(await db.prisma.$queryRawUnsafe('SELECT * FROM approvals')).toEqual([]);
    expect(await db.prisma.$queryRawUnsafe('SELECT * FROM jobs')).toEqual([]);
    const [all] = await asSuperuser<{ n: number }>(target, 'SELECT count(*)::int AS n FROM traces');
    expect(all?.n).toBe(4);
    const [flags] = await asSuperuser<{ enabled: boolean; forced: boolean }>(
      target,
      "SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class WHERE relname = 'traces'",
    );
    expect(flags).toEqual({ enabled: true, forced: true });
  });

  it("sees exactly a tenant's rows of the same raw SELECT (no WHERE) once the transaction names it", async () => {
    const [rows] = await inScope(db, A, [
      db.prisma.$queryRawUnsafe<{ tenant: string }[]>('SELECT tenant FROM traces'),
    ]);
    expect(rows.map((r) => r.tenant)).toEqual(['acme', 'acme']);
    const [everything] = await inScope(db, ALL_TENANTS, [
      db.prisma.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM traces'),
    ]);
    expect(everything[0]?.n).toBe(4);
    // The setting is SET LOCAL: the next statement on a pooled connection sees nothing again.
    expect(await db.prisma.$queryRawUnsafe('SELECT * FROM traces')).toEqual([]);
  });

  it("refuses to write a row of another tenant than the transaction's", async () => {
    const insert = db.prisma.$executeRawUnsafe(
      `INSERT INTO traces (id, time, subject, subject_kind, tool, decision, revision, latency_ms, status,
         args_bytes, result_bytes, tenant)
       VALUES ($1, now(), 'agent:x', 'agent', 't', 'allow', 'r', 1, 'ok', 0, 0, 'globex')`,
      randomUUID(),
    );
    await expect(inScope(db, A, [insert])).rejects.toThrow(/row-level security/);
    // Nor can a row be moved into another tenant.
    const move = db.prisma.$executeRawUnsafe("UPDATE traces SET tenant = 'globex'");
    await expect(inScope(db, A, [move])).rejects.toThrow(/row-level security/);
  });

  it('cannot lift the policies: it owns nothing and cannot become the owner', async () => {
    await expect(
      db.prisma.$executeRawUnsafe('ALTER TABLE traces DISABLE ROW LEVEL SECURITY'),
    ).rejects.toThrow(/must be owner/);
    await expect(
      db.prisma.$executeRawUnsafe('DROP POLICY traces_tenant_isolation ON traces'),
    ).rejects.toThrow(/must be owner/);
    const owner = new URL(target.ownerUrl).username;
    await expect(db.prisma.$executeRawUnsafe(`SET ROLE ${owner}`)).rejects.toThrow(/permission denied/);
  });
});

describe('a login that would bypass the policies', () => {
  it('is refused at start when it has BYPASSRLS and cannot run as the role raku_app', async () => {
    const bypass = await createDatabase({ url: target.bypassUrl, ownerUrl: target.ownerUrl });
    try {
      await expect(bypass.migrate()).rejects.toThrow(
        /^the database login raku_bypass_\w+ \(DATABASE_URL\) bypasses row-level security \(BYPASSRLS\) and may not create or take the role raku_app/,
      );
    } finally {
      await bypass.close();
    }
  });

  it("is warned about when it owns the tables and cannot switch roles, and FORCE still holds the owner's queries", async () => {
    const warnings: string[] = [];
    const owned = await createDatabase({ url: target.ownerUrl, onWarning: (w) => warnings.push(w) });
    try {
      await owned.migrate();
      expect(owned.rlsRole).toBeNull();
      expect(warnings).toEqual([
        expect.stringMatching(/^the database login raku_owner_\w+ owns the tables: /),
      ]);
      expect(await owned.prisma.$queryRawUnsafe('SELECT * FROM traces')).toEqual([]);
    } finally {
      await owned.close();
    }
  });
});

describe('the stores under a tenant scope', () => {
  it("read a tenant's traces only, and another tenant's trace as absent", async () => {
    const reader = createTraceReader(db);
    const acme = await reader.list(A, {});
    expect(acme.items.map((t) => t.tenant)).toEqual(['acme', 'acme']);
    const globexId = (await reader.list(B, {})).items[0]?.id as string;
    expect(await reader.get(A, globexId)).toBeNull();
    expect((await reader.get(B, globexId))?.tenant).toBe('globex');
    const stats = await reader.stats(A, { from: new Date(now.getTime() - 3_600_000), to: now });
    expect(stats.series.map((s) => s.calls)).toEqual([1]);
    // A tenant filter outside the scope matches nothing; inside it, narrows.
    expect((await reader.list(A, { tenant: 'globex' })).items).toEqual([]);
    expect((await reader.list(ALL_TENANTS, { tenant: 'globex' })).items).toHaveLength(2);
  });

  it("keep approval requests to their tenant: another tenant's reads, decides and lists as absent", async () => {
    const request = await approvals.create(approval('globex'));
    expect(request.tenant).toBe('globex');
    expect(await approvals.get(A, request.id)).toBeNull();
    expect((await approvals.list(A)).items.map((r) => r.id)).not.toContain(request.id);
    const decided = await approvals.decide(A, request.id, {
      approve: true,
      approver: { subject: 'user:fin', principals: ['user:fin', 'group:finance'] },
    });
    expect(decided).toMatchObject({ ok: false, code: 'not_found' });
    expect((await approvals.get(B, request.id))?.status).toBe('pending');
    // The pipeline's own reads name the call's tenant; in another tenant the request is not there.
    await expect(approvals.waitForDecision(request.id, { timeoutMs: 0, tenant: 'acme' })).rejects.toThrow(
      /does not exist/,
    );
    expect((await approvals.waitForDecision(request.id, { timeoutMs: 0, tenant: 'globex' })).status).toBe(
      'pending',
    );
  });

  it("keep jobs to their tenant: another tenant's job reads and cancels as absent", async () => {
    const job = await jobs.submit({
      tool: 'crm.export',
      arguments: {},
      caller: { subject: 'agent:globex-bot', subjectKind: 'agent', groups: [], claims: {}, tenant: 'globex' },
    });
    expect(job.tenant).toBe('globex');
    expect(await jobs.get(A, job.id)).toBeNull();
    expect(await jobs.cancel(A, job.id, 'user:intruder')).toBeNull();
    expect((await jobs.list(A)).items.map((j) => j.id)).not.toContain(job.id);
    expect((await jobs.get(B, job.id))?.status).toBe('queued');
  });
});

describe('per-tenant trace retention', () => {
  it("deletes a tenant's traces past its own retention and keeps the others' to the default", async () => {
    const lines: string[] = [];
    const retention = createTraceRetention(db, {
      days: 30,
      tenantDays: () => new Map([['globex', 2]]),
      log: (line) => lines.push(line),
    });
    const result = await retention.runOnce();
    expect(result).toMatchObject({
      outcome: 'swept',
      deleted: 1,
      tenants: [{ tenant: 'globex', deleted: 1 }],
    });
    const left = await asSuperuser<{ tenant: string; old: boolean }>(
      target,
      `SELECT tenant, time < now() - interval '1 day' AS old FROM traces ORDER BY tenant, time`,
    );
    expect(left).toEqual([
      { tenant: 'acme', old: true },
      { tenant: 'acme', old: false },
      { tenant: 'globex', old: false },
    ]);
    expect(lines[0]).toMatch(/1 of tenant globex older than/);
  });
});
