import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApprovalStore } from '../../src/approvals/approval-store.ts';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { createJobService, JOB_QUEUE, type JobServiceWithApprovals } from '../../src/jobs/job-service.ts';
import { createPgBoss } from '../../src/jobs/pg-boss.ts';
import {
  type JobRunContext,
  type JobRunner,
  type JobStatus,
  JobSubmissionError,
  type ToolCall,
  type ToolCallResult,
} from '../../src/jobs/types.ts';
import { ALL_TENANTS } from '../../src/tenancy/scope.ts';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.ts';

/** Starting PGlite (initdb in WASM) takes tens of seconds on a loaded 2-core machine. */
const PGLITE_START_MS = 180_000;

/**
 * Stands in for the MCP runtime at the JobRunner seam: `echo.*` returns its arguments, `fail.error` returns an
 * isError result, `fail.throw` throws, `slow.*` runs until aborted.
 */
class ScriptedRunner implements JobRunner {
  calls: { call: ToolCall; context: JobRunContext }[] = [];
  aborted: string[] = [];
  async run(call: ToolCall, context: JobRunContext): Promise<ToolCallResult> {
    this.calls.push({ call, context });
    if (call.tool === 'fail.error')
      return { content: [{ type: 'text', text: 'upstream said 503' }], isError: true };
    if (call.tool === 'fail.throw') throw new Error('no route left for fail.throw');
    if (call.tool.startsWith('slow.')) {
      await new Promise<void>((resolve) =>
        context.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      this.aborted.push(context.jobId);
      throw new Error('aborted');
    }
    return {
      content: [{ type: 'text', text: JSON.stringify(call.arguments) }],
      structuredContent: call.arguments,
    };
  }
}

const caller = {
  subject: 'agent:triage-bot',
  subjectKind: 'agent',
  groups: ['bots'],
  claims: { tier: 'gold' },
  // The tenant a job is stored in and run in (a repository without tenants: the implicit one).
  tenant: 'default',
};
const call = (tool: string, args: Record<string, unknown> = {}): ToolCall => ({
  tool,
  arguments: args,
  caller,
});

async function settled(
  jobs: JobServiceWithApprovals,
  id: string,
  statuses: JobStatus[] = ['succeeded', 'failed', 'cancelled'],
) {
  let status: JobStatus | undefined;
  await vi.waitFor(
    async () => {
      status = (await jobs.get(ALL_TENANTS, id))?.status;
      expect(statuses).toContain(status);
    },
    { timeout: 30_000, interval: 100 },
  );
  return (await jobs.get(ALL_TENANTS, id))!;
}

let pgDatabase: TestDatabase;
let dir: string;
beforeAll(async () => {
  pgDatabase = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'raku-jobs-'));
});
afterAll(async () => {
  await pgDatabase?.drop();
  await rm(dir, { recursive: true, force: true });
});

function jobSuite(kind: string, open: () => Promise<Database>) {
  describe(`jobs on ${kind}`, () => {
    let db: Database;
    let runner: ScriptedRunner;
    let jobs: JobServiceWithApprovals;
    const approvalsOf = (d: Database) => createApprovalStore(d, { pollIntervalMs: 20 });

    beforeAll(async () => {
      db = await open();
      await db.migrate();
      runner = new ScriptedRunner();
      jobs = createJobService({ db, runner, approvals: approvalsOf(db), approvalSweepMs: 100 });
      await jobs.start();
    }, PGLITE_START_MS);
    afterAll(async () => {
      await jobs?.stop();
      await db?.close();
    });

    it('runs a submitted call and keeps its result', async () => {
      const submitted = await jobs.submit(call('echo.say', { word: 'hi' }));
      expect(submitted).toMatchObject({
        status: 'queued',
        tool: 'echo.say',
        subject: 'agent:triage-bot',
        result: null,
      });
      const done = await settled(jobs, submitted.id);
      expect(done).toMatchObject({
        status: 'succeeded',
        result: { content: [{ type: 'text', text: '{"word":"hi"}' }], structuredContent: { word: 'hi' } },
        error: null,
      });
      expect(done.startedAt).not.toBeNull();
      expect(done.finishedAt).not.toBeNull();
      const row = await db.prisma.job.findUniqueOrThrow({ where: { id: submitted.id } });
      expect(row.arguments, 'raw arguments are not kept after the job ran').toEqual({});
      expect(row.claims, 'nor the caller claims').toEqual({});
      const seen = runner.calls.find((c) => c.context.jobId === submitted.id);
      expect(seen?.call).toEqual(call('echo.say', { word: 'hi' }));
      expect(seen?.context.approvalId).toBeNull();
    });

    it('fails a job whose tool returns an error result, with the tool message', async () => {
      const done = await settled(jobs, (await jobs.submit(call('fail.error'))).id);
      expect(done).toMatchObject({ status: 'failed', error: 'upstream said 503' });
      expect(done.result?.isError).toBe(true);
    });

    it('fails a job whose run throws, with the reason', async () => {
      const done = await settled(jobs, (await jobs.submit(call('fail.throw'))).id);
      expect(done).toMatchObject({
        status: 'failed',
        error: 'tool call failed: no route left for fail.throw',
        result: null,
      });
    });

    it('cancels a running job: the run is aborted and its outcome is not recorded over the cancellation', async () => {
      const submitted = await jobs.submit(call('slow.export'));
      await settled(jobs, submitted.id, ['running']);
      const cancelled = await jobs.cancel(ALL_TENANTS, submitted.id, 'user:ann');
      expect(cancelled).toMatchObject({ status: 'cancelled' });
      await vi.waitFor(() => expect(runner.aborted).toContain(submitted.id), { timeout: 10_000 });
      const row = await db.prisma.job.findUniqueOrThrow({ where: { id: submitted.id } });
      expect(row).toMatchObject({ status: 'cancelled', cancelledBy: 'user:ann', error: null });
    });

    it('does not cancel a finished job, and answers null for unknown ids', async () => {
      const done = await settled(jobs, (await jobs.submit(call('echo.x'))).id);
      expect((await jobs.cancel(ALL_TENANTS, done.id, 'user:ann'))?.status).toBe('succeeded');
      expect(await jobs.cancel(ALL_TENANTS, '00000000-0000-4000-8000-000000000000', 'user:ann')).toBeNull();
      expect(await jobs.get(ALL_TENANTS, 'not-a-uuid')).toBeNull();
    });

    it('runs a job that waited for an approval once it is approved, telling the runner the approval', async () => {
      const approvals = approvalsOf(db);
      const approval = await approvals.create({
        rule: 'default/approvals/pet-deletion',
        approvers: ['group:pet-admins'],
        timeoutSeconds: 600,
        tool: 'echo.delete_pet',
        subject: caller.subject,
        args: { petId: 1 },
        revision: 'rev-1',
      });
      const submitted = await jobs.submit(call('echo.delete_pet', { petId: 1 }), { approvalId: approval.id });
      expect(submitted.status).toBe('waiting_approval');
      expect(await jobs.settleApprovals()).toBe(0);
      expect((await jobs.get(ALL_TENANTS, submitted.id))?.status).toBe('waiting_approval');
      await approvals.decide(ALL_TENANTS, approval.id, {
        approve: true,
        approver: { subject: 'user:pat', principals: ['user:pat', 'group:pet-admins'] },
      });
      const done = await settled(jobs, submitted.id);
      expect(done.status).toBe('succeeded');
      expect(runner.calls.find((c) => c.context.jobId === submitted.id)?.context.approvalId).toBe(
        approval.id,
      );
    });

    /** A delete_pet job waiting for a pending approval of group:pet-admins. */
    async function parkedJob() {
      const approvals = approvalsOf(db);
      const approval = await approvals.create({
        rule: 'r',
        approvers: ['group:pet-admins'],
        timeoutSeconds: 600,
        tool: 'echo.delete_pet',
        subject: caller.subject,
        args: {},
        revision: 'rev-1',
      });
      const submitted = await jobs.submit(call('echo.delete_pet'), { approvalId: approval.id });
      return { approvals, approval, submitted };
    }

    it('fails a job whose approval is rejected, without running it', async () => {
      const { approvals, approval, submitted } = await parkedJob();
      await approvals.decide(ALL_TENANTS, approval.id, {
        approve: false,
        reason: 'not this one',
        approver: { subject: 'user:pat', principals: ['group:pet-admins'] },
      });
      const done = await settled(jobs, submitted.id);
      expect(done).toMatchObject({
        status: 'failed',
        error: `approval ${approval.id} was rejected by user:pat: not this one`,
      });
      expect(runner.calls.some((c) => c.context.jobId === submitted.id)).toBe(false);
    });

    it('withdraws the pending approval of a job cancelled while it waits, so no approver is left with it', async () => {
      const { approvals, approval, submitted } = await parkedJob();
      expect((await jobs.cancel(ALL_TENANTS, submitted.id, 'user:ann'))?.status).toBe('cancelled');
      expect(await approvals.get(ALL_TENANTS, approval.id)).toMatchObject({
        status: 'withdrawn',
        reason: 'the job was cancelled by user:ann',
      });
      const inbox = await approvals.list(ALL_TENANTS, {
        status: 'pending',
        approver: { subject: 'user:pat', principals: ['group:pet-admins'] },
      });
      expect(inbox.items.map((a) => a.id)).not.toContain(approval.id);
      const decided = await approvals.decide(ALL_TENANTS, approval.id, {
        approve: true,
        approver: { subject: 'user:pat', principals: ['group:pet-admins'] },
      });
      expect(decided).toMatchObject({ ok: false, code: 'not_pending' });
      expect(runner.calls.some((c) => c.context.jobId === submitted.id)).toBe(false);
    });

    it("keeps the caller's claims only while the job may run, and hands them to the runner", async () => {
      const approvals = approvalsOf(db);
      const park = () =>
        approvals.create({
          rule: 'r',
          approvers: ['group:pet-admins'],
          timeoutSeconds: 600,
          tool: 'echo.claims',
          subject: caller.subject,
          args: {},
          revision: 'rev-1',
        });
      const approver = { subject: 'user:pat', principals: ['group:pet-admins'] };
      const kept = await park();
      const waiting = await jobs.submit(call('echo.claims'), { approvalId: kept.id });
      const row = await db.prisma.job.findUniqueOrThrow({ where: { id: waiting.id } });
      expect(row.claims).toEqual({ tier: 'gold' });
      await approvals.decide(ALL_TENANTS, kept.id, { approve: true, approver });
      expect((await settled(jobs, waiting.id)).status).toBe('succeeded');
      expect(runner.calls.find((c) => c.context.jobId === waiting.id)?.call.caller).toEqual(caller);
      expect((await db.prisma.job.findUniqueOrThrow({ where: { id: waiting.id } })).claims).toEqual({});

      // A job stored before the column existed has NULL claims: it runs with none (claim rules then deny).
      const old = await park();
      const legacy = await jobs.submit(call('echo.claims'), { approvalId: old.id });
      await db.prisma.$executeRaw`UPDATE "jobs" SET "claims" = NULL WHERE "id" = ${legacy.id}::uuid`;
      await approvals.decide(ALL_TENANTS, old.id, { approve: true, approver });
      expect((await settled(jobs, legacy.id)).status).toBe('succeeded');
      expect(runner.calls.find((c) => c.context.jobId === legacy.id)?.call.caller.claims).toEqual({});
    });

    it('refuses to store claims larger than MAX_JOB_CLAIMS_BYTES, naming them', async () => {
      const before = await db.prisma.job.count();
      const big = { ...caller, claims: { team: 'é'.repeat(2100), tier: 'gold' } };
      await expect(jobs.submit({ tool: 'echo.big', arguments: {}, caller: big })).rejects.toThrow(
        new JobSubmissionError(
          'claims_too_large',
          'the token claims the policy reads (team, tier) take 4225 bytes as JSON; a job keeps at most 4096, so this call cannot run asynchronously',
        ),
      );
      expect(await db.prisma.job.count()).toBe(before);
    });

    it('fails a job delivered again after its gateway died mid-run instead of running it twice', async () => {
      const submitted = await jobs.submit(call('echo.twice'));
      await settled(jobs, submitted.id);
      // What a crash leaves behind: the row says running, and pg-boss delivers the job again after expiry.
      await db.prisma.job.update({
        where: { id: submitted.id },
        data: { status: 'running', finishedAt: null },
      });
      const before = runner.calls.filter((c) => c.context.jobId === submitted.id).length;
      const boss = createPgBoss(db, () => {});
      await boss.start();
      await boss.send(JOB_QUEUE, { jobId: submitted.id });
      await boss.stop({ graceful: false, close: true, wait: true });
      const done = await settled(jobs, submitted.id, ['failed']);
      expect(done.error).toMatch(/^interrupted: /);
      expect(runner.calls.filter((c) => c.context.jobId === submitted.id)).toHaveLength(before);
    });

    it('lists jobs newest first, by subject and status', async () => {
      const page = await jobs.list(ALL_TENANTS, { subject: caller.subject, status: 'succeeded', limit: 2 });
      expect(page.items.length).toBe(2);
      expect(page.items.every((j) => j.status === 'succeeded')).toBe(true);
      expect(page.nextCursor).not.toBeNull();
      const next = await jobs.list(ALL_TENANTS, {
        subject: caller.subject,
        status: 'succeeded',
        limit: 2,
        cursor: page.nextCursor!,
      });
      expect(next.items.map((j) => j.id)).not.toContain(page.items[0]!.id);
    });
  });
}

jobSuite('Postgres', () => createDatabase({ url: pgDatabase.url }));
jobSuite('PGlite', () => createDatabase({ dataDir: 'memory://' }));

describe('jobs survive a gateway restart', () => {
  async function restartScenario(open: () => Promise<Database>) {
    // First gateway: accepts the calls but stops before running them (concurrency 0 = submit only).
    const first = await open();
    await first.migrate();
    const idle = createJobService({
      db: first,
      runner: new ScriptedRunner(),
      approvals: createApprovalStore(first),
      concurrency: 0,
    });
    await idle.start();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await idle.submit(call('echo.after_restart', { i }))).id);
    await idle.stop();
    await first.close();
    // Second gateway on the same database runs them.
    const second = await open();
    await second.migrate();
    const runner = new ScriptedRunner();
    const jobs = createJobService({ db: second, runner, approvals: createApprovalStore(second) });
    await jobs.start();
    try {
      for (const [i, id] of ids.entries()) {
        expect(await settled(jobs, id)).toMatchObject({
          status: 'succeeded',
          result: { structuredContent: { i } },
        });
      }
      expect(runner.calls.map((c) => c.context.jobId).sort()).toEqual([...ids].sort());
    } finally {
      await jobs.stop();
      await second.close();
    }
  }

  it('on Postgres', async () => {
    const target = await createTestDatabase();
    try {
      await restartScenario(() => createDatabase({ url: target.url }));
    } finally {
      await target.drop();
    }
  });

  it(
    'on PGlite stored in a data directory',
    async () => {
      const dataDir = join(dir, 'pglite');
      await restartScenario(() => createDatabase({ dataDir }));
    },
    PGLITE_START_MS * 2,
  );
});
