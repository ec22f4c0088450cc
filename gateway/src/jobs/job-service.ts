/**
 * Async tool calls. The `jobs` table is the record (status, result, who asked) the API reads; pg-boss carries
 * the work between replicas and across restarts (a queued job is run by whichever gateway is up). Runs are
 * at most once: a job found `running` when it is delivered again (its gateway died mid-call) is failed as
 * interrupted rather than re-run, because tool calls are not all idempotent.
 *
 * A job submitted with an approval id waits (`waiting_approval`) until the approval is decided; a sweep every
 * `approvalSweepMs` (and `settleApprovals()` right after a decision) queues approved ones and fails rejected or
 * expired ones.
 *
 * A job runs as its caller: subject, kind, groups and the token claims the policy reads (see ./job-claims.ts),
 * so a claim-based rule decides a job as it decides the same call made synchronously. The token is never
 * stored; the claims are cleared with the arguments when the job finishes.
 */
import { randomUUID } from 'node:crypto';
import { IMPLICIT_TENANT } from '@raku/config';
import type PgBoss from 'pg-boss';
import { isUuid } from '../approvals/approval-store.ts';
import type { ApprovalStore } from '../approvals/types.ts';
import { afterCursor, pageSize, toPage } from '../db/cursor.ts';
import type { Database } from '../db/database.ts';
import { scopedClient } from '../db/tenant-scope.ts';
import type { Job } from '../generated/prisma/client.ts';
import { versionRangeProblem } from '../routing/router.ts';
import { ALL_TENANTS, type TenantScope, tenantCondition, tenantScope } from '../tenancy/scope.ts';
import { checkJobClaims } from './job-claims.ts';
import { createPgBoss } from './pg-boss.ts';
import {
  type JobRunner,
  type JobService,
  type JobStatus,
  JobSubmissionError,
  type JobView,
  type ToolCall,
  type ToolCallResult,
} from './types.ts';

export const JOB_QUEUE = 'raku-tool-calls';

export interface JobServiceOptions {
  db: Database;
  runner: JobRunner;
  approvals: ApprovalStore;
  /** Jobs run at once by this gateway; 0 submits only (runs nothing). Default 4. */
  concurrency?: number;
  /** How often pg-boss looks for new jobs, in seconds (minimum 0.5). Default 0.5. */
  pollingIntervalSeconds?: number;
  /** After this long a delivered job counts as lost and is delivered again (then failed as interrupted). Default 900. */
  expireInSeconds?: number;
  /** Interval of the approval sweep, in ms. Default 1000. */
  approvalSweepMs?: number;
  onError?: (error: unknown) => void;
  /**
   * Told about every status change this process makes (the live event stream), with the job as
   * GET /v1/jobs/{id} returns it. Must not throw or wait; errors are ignored.
   */
  onChange?: (job: JobView) => void;
}

export interface JobServiceWithApprovals extends JobService {
  /** Queues jobs whose approval was granted and fails those rejected or expired. Returns how many moved. */
  settleApprovals(): Promise<number>;
}

/**
 * Raw arguments are kept only while the job may still run (they can hold secrets a trace would redact); the
 * redacted copy lives in the call's trace. The caller's claims (personal data, often) likewise.
 */
const CLEARED = {};
const CLEAR_INPUTS = { arguments: CLEARED, claims: CLEARED };

const ACTIVE: JobStatus[] = ['queued', 'waiting_approval', 'running'];

export function toJobView(row: Job): JobView {
  return {
    id: row.id,
    status: row.status as JobStatus,
    tool: row.tool,
    subject: row.subject,
    approvalId: row.approvalId,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    result: (row.result as ToolCallResult | null) ?? null,
    error: row.error,
    tenant: row.tenant,
  };
}

export function createJobService(options: JobServiceOptions): JobServiceWithApprovals {
  const { db, runner, approvals } = options;
  const client = (scope: TenantScope) => scopedClient(db, scope);
  /** The scope of the gateway's own writes to a job: the job's tenant. */
  const own = (row: { tenant: string }) => client(tenantScope([row.tenant]));
  const onError = options.onError ?? (() => {});
  const concurrency = options.concurrency ?? 4;
  const running = new Map<string, AbortController>();
  let boss: PgBoss | null = null;
  let sweep: NodeJS.Timeout | null = null;
  let stopping = false;
  const changed = (rows: Job[]): void => {
    if (!options.onChange) return;
    for (const row of rows) {
      try {
        options.onChange(toJobView(row));
      } catch {
        // a listener's fault is not the service's
      }
    }
  };

  async function enqueue(jobId: string): Promise<void> {
    if (!boss) throw new Error('the job service is not started');
    await boss.send(
      JOB_QUEUE,
      { jobId },
      { retryLimit: 3, retryBackoff: true, expireInSeconds: options.expireInSeconds ?? 900 },
    );
  }

  async function finish(
    row: { id: string; tenant: string },
    status: 'succeeded' | 'failed',
    result: ToolCallResult | null,
    error: string | null,
  ) {
    const id = row.id;
    const finished = await own(row).job.updateManyAndReturn({
      where: { id, status: 'running' },
      data: {
        status,
        result: result === null ? undefined : (result as object),
        error,
        finishedAt: new Date(),
        ...CLEAR_INPUTS,
      },
    });
    changed(finished);
  }

  async function execute(jobId: string): Promise<void> {
    // The queue carries only the id: the worker finds the job in whichever tenant it is (maintenance), then
    // works on it under the job's own tenant.
    const row = await client(ALL_TENANTS).job.findUnique({ where: { id: jobId } });
    if (!row) return;
    if (row.status === 'running' && !running.has(jobId)) {
      await finish(
        row,
        'failed',
        null,
        'interrupted: the gateway running this job stopped; not re-run because tool calls may not be idempotent',
      );
      return;
    }
    const claimed = await own(row).job.updateManyAndReturn({
      where: { id: jobId, status: 'queued' },
      data: { status: 'running', startedAt: new Date() },
    });
    if (claimed.length === 0) return; // cancelled, or another worker has it
    changed(claimed);
    const controller = new AbortController();
    running.set(jobId, controller);
    const call: ToolCall = {
      tool: row.tool,
      arguments: row.arguments as Record<string, unknown>,
      caller: {
        subject: row.subject,
        subjectKind: row.subjectKind,
        groups: row.groups,
        // null: stored before claims were kept; no claims deny claim-based rules, as they did then.
        claims: (row.claims as Record<string, unknown> | null) ?? {},
        tenant: row.tenant,
      },
      ...(row.packVersion !== null ? { packVersion: row.packVersion } : {}),
    };
    try {
      const result = await runner.run(call, { jobId, signal: controller.signal, approvalId: row.approvalId });
      const message = result.isError ? errorText(result) : null;
      await finish(row, result.isError ? 'failed' : 'succeeded', result, message);
    } catch (error) {
      const message = stopping
        ? 'interrupted: the gateway stopped while the job was running'
        : `tool call failed: ${(error as Error).message ?? String(error)}`;
      await finish(row, 'failed', null, message);
    } finally {
      running.delete(jobId);
    }
  }

  async function get(scope: TenantScope, id: string): Promise<JobView | null> {
    if (!isUuid(id)) return null;
    const row = await client(scope).job.findUnique({ where: { id } });
    return row ? toJobView(row) : null;
  }

  const service: JobServiceWithApprovals = {
    async start() {
      if (boss) return;
      stopping = false;
      boss = createPgBoss(db, onError);
      await boss.start();
      await boss.createQueue(JOB_QUEUE);
      if (concurrency > 0) {
        await boss.work<{ jobId: string }>(
          JOB_QUEUE,
          {
            batchSize: concurrency,
            pollingIntervalSeconds: Math.max(0.5, options.pollingIntervalSeconds ?? 0.5),
          },
          async (jobs) => {
            await Promise.all(jobs.map((job) => execute(job.data.jobId)));
          },
        );
      }
      sweep = setInterval(() => {
        service.settleApprovals().catch(onError);
      }, options.approvalSweepMs ?? 1_000);
      sweep.unref();
    },

    async stop() {
      if (!boss) return;
      stopping = true;
      if (sweep) clearInterval(sweep);
      sweep = null;
      for (const controller of running.values()) controller.abort(new Error('gateway stopping'));
      await boss.stop({ graceful: true, wait: true, timeout: 10_000, close: true });
      boss = null;
    },

    async submit(call, submitOptions = {}) {
      const tooLarge = checkJobClaims(call.caller.claims);
      if (tooLarge) throw new JobSubmissionError('claims_too_large', tooLarge);
      const badRange = call.packVersion && versionRangeProblem('packVersion', call.packVersion);
      if (badRange) throw new JobSubmissionError('invalid_pack_version', badRange);
      const id = randomUUID();
      const tenant = call.caller.tenant || IMPLICIT_TENANT;
      const row = await own({ tenant }).job.create({
        data: {
          id,
          tenant,
          status: submitOptions.approvalId ? 'waiting_approval' : 'queued',
          tool: call.tool,
          subject: call.caller.subject,
          subjectKind: call.caller.subjectKind,
          groups: call.caller.groups,
          claims: call.caller.claims as object,
          packVersion: call.packVersion ?? null,
          arguments: call.arguments as object,
          approvalId: submitOptions.approvalId ?? null,
        },
      });
      changed([row]);
      if (!submitOptions.approvalId) await enqueue(id);
      return toJobView(row);
    },

    get,

    async list(scope, filter = {}) {
      const size = pageSize(filter.limit, 50, 200);
      const tenants = tenantCondition(scope, filter.tenant);
      const rows = await client(scope).job.findMany({
        where: {
          AND: [
            tenants ? { tenant: { in: tenants } } : {},
            filter.status ? { status: filter.status } : {},
            filter.subject ? { subject: filter.subject } : {},
            afterCursor('createdAt', filter.cursor),
          ],
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: size + 1,
      });
      const page = toPage(rows, size, (r) => r.createdAt);
      return { items: page.items.map(toJobView), nextCursor: page.nextCursor };
    },

    async cancel(scope, id, by) {
      if (!isUuid(id)) return null;
      const cancelled = await client(scope).job.updateManyAndReturn({
        where: { id, status: { in: ACTIVE } },
        data: { status: 'cancelled', cancelledBy: by, finishedAt: new Date(), ...CLEAR_INPUTS },
      });
      changed(cancelled);
      running.get(id)?.abort(new Error(`cancelled by ${by}`));
      // A job waiting for an approval: its request must not stay in approvers' inboxes as if it still waited.
      const approvalId = cancelled[0]?.approvalId;
      if (approvalId) await approvals.withdraw(approvalId, by, cancelled[0]?.tenant);
      return get(scope, id);
    },

    async settleApprovals() {
      await approvals.expireDue();
      // Maintenance: every tenant's waiting jobs; each is then moved under its own tenant.
      const waiting = await client(ALL_TENANTS).job.findMany({
        where: { status: 'waiting_approval' },
        orderBy: { createdAt: 'asc' },
        take: 100,
      });
      let moved = 0;
      for (const job of waiting) {
        const approval = job.approvalId
          ? await approvals.get(tenantScope([job.tenant]), job.approvalId)
          : null;
        if (approval?.status === 'pending') continue;
        if (approval?.status === 'approved') {
          const queued = await own(job).job.updateManyAndReturn({
            where: { id: job.id, status: 'waiting_approval' },
            data: { status: 'queued' },
          });
          changed(queued);
          if (queued.length === 1) {
            await enqueue(job.id);
            moved++;
          }
          continue;
        }
        const why = approval
          ? `approval ${approval.id} was ${approval.status}${approval.decidedBy && approval.status === 'rejected' ? ` by ${approval.decidedBy}` : ''}${approval.reason ? `: ${approval.reason}` : ''}`
          : `approval ${job.approvalId} does not exist`;
        const failed = await own(job).job.updateManyAndReturn({
          where: { id: job.id, status: 'waiting_approval' },
          data: { status: 'failed', error: why, finishedAt: new Date(), ...CLEAR_INPUTS },
        });
        changed(failed);
        moved += failed.length;
      }
      return moved;
    },
  };
  return service;
}

function errorText(result: ToolCallResult): string {
  const first = result.content.find(
    (c): c is { type: 'text'; text: string } =>
      typeof c === 'object' && c !== null && (c as { type?: unknown }).type === 'text',
  );
  return first?.text ?? 'the tool returned an error';
}
