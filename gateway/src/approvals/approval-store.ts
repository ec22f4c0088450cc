/**
 * Approval requests in Postgres/PGlite through Prisma. Decisions are conditional updates (`WHERE status =
 * 'pending' AND expires_at > now`), so two approvers racing, or a decision racing the expiry, end with exactly
 * one outcome. Waiting polls the row (any replica may take the decision) and wakes at once for decisions taken
 * in this process.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { IMPLICIT_TENANT } from '@raku/config';
import { afterCursor, pageSize, toPage } from '../db/cursor.ts';
import { type ScopedClient, type ScopedDatabase, scopedClient } from '../db/tenant-scope.ts';
import type { Approval } from '../generated/prisma/client.ts';
import { ALL_TENANTS, type TenantScope, tenantCondition, tenantScope } from '../tenancy/scope.ts';
import { compileRedaction, type RedactionRules, redactWithReport } from '../traces/redaction.ts';
import { checkApprover } from './approver.ts';
import { argsHash } from './args-hash.ts';
import type { ApprovalRequest, ApprovalStatus, ApprovalStore, DecideResult } from './types.ts';

/**
 * What an approver is shown: every argument whole, secrets masked (and listed), e-mail addresses kept (the
 * approver needs to see who a message goes to). Strings past 64 KiB and nesting past 64 levels are cut, and
 * listed with how much is not shown; the hash still binds the approval to all of it.
 */
export const APPROVAL_VIEW: RedactionRules = compileRedaction({
  redactEmails: false,
  maxStringLength: 65_536,
  maxDepth: 64,
});

export interface ApprovalStoreOptions {
  /** How arguments are shown to approvers. Default APPROVAL_VIEW. */
  redaction?: RedactionRules;
  /** How often a waiter re-reads the request, in ms. Default 250. */
  pollIntervalMs?: number;
  /** Clock, for tests of expiry. */
  now?: () => Date;
  /**
   * Told about each request created, decided or expired by this process (the live event stream), as
   * GET /v1/approvals/{id} returns it. Must not throw or wait; errors are ignored.
   */
  onChange?: (request: ApprovalRequest) => void;
}

export function toApprovalRequest(row: Approval): ApprovalRequest {
  return {
    id: row.id,
    status: row.status as ApprovalStatus,
    rule: row.rule,
    approvers: row.approvers,
    tool: row.tool,
    subject: row.subject,
    principal: row.principal,
    args: row.args ?? null,
    argsHash: row.argsHash,
    maskedPaths: row.maskedPaths ?? [],
    truncated: Array.isArray(row.truncated) ? (row.truncated as ApprovalRequest['truncated']) : [],
    revision: row.revision,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    decidedAt: row.decidedAt,
    decidedBy: row.decidedBy,
    reason: row.reason,
    jobId: row.jobId,
    tenant: row.tenant,
  };
}

/** The scope of the gateway's own work on a call's request: the call's tenant (absent: IMPLICIT_TENANT). */
const callScope = (tenant: string | undefined): TenantScope => tenantScope([tenant || IMPLICIT_TENANT]);

export function createApprovalStore(db: ScopedDatabase, options: ApprovalStoreOptions = {}): ApprovalStore {
  const client = (scope: TenantScope): ScopedClient => scopedClient(db, scope);
  const rules = options.redaction ?? APPROVAL_VIEW;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const now = options.now ?? (() => new Date());
  const decided = new EventEmitter();
  decided.setMaxListeners(0);
  const changed = (row: Approval): ApprovalRequest => {
    const request = toApprovalRequest(row);
    try {
      options.onChange?.(request);
    } catch {
      // a listener's fault is not the store's
    }
    return request;
  };

  async function expireIfDue(row: Approval): Promise<Approval> {
    if (row.status !== 'pending' || row.expiresAt > now()) return row;
    const prisma = client(tenantScope([row.tenant]));
    const expired = await prisma.approval.updateMany({
      where: { id: row.id, status: 'pending', expiresAt: { lte: now() } },
      data: { status: 'expired', decidedAt: now() },
    });
    const after = await prisma.approval.findUniqueOrThrow({ where: { id: row.id } });
    if (expired.count > 0) changed(after);
    return after;
  }

  async function expireDue(at = now()): Promise<number> {
    // Maintenance: every tenant's requests expire.
    const prisma = client(ALL_TENANTS);
    if (options.onChange) {
      const rows = await prisma.approval.updateManyAndReturn({
        where: { status: 'pending', expiresAt: { lte: at } },
        data: { status: 'expired', decidedAt: at },
      });
      for (const row of rows) changed(row);
      return rows.length;
    }
    const result = await prisma.approval.updateMany({
      where: { status: 'pending', expiresAt: { lte: at } },
      data: { status: 'expired', decidedAt: at },
    });
    return result.count;
  }

  function countPending(at = now()): Promise<number> {
    // The backlog metric counts every tenant's requests.
    return client(ALL_TENANTS).approval.count({ where: { status: 'pending', expiresAt: { gt: at } } });
  }

  async function withdraw(id: string, by: string, tenant?: string): Promise<void> {
    if (!isUuid(id)) return;
    const rows = await client(callScope(tenant)).approval.updateManyAndReturn({
      where: { id, status: 'pending' },
      data: { status: 'withdrawn', decidedAt: now(), reason: `the job was cancelled by ${by}` },
    });
    for (const row of rows) changed(row);
  }

  async function get(scope: TenantScope, id: string): Promise<ApprovalRequest | null> {
    if (!isUuid(id)) return null;
    const row = await client(scope).approval.findUnique({ where: { id } });
    return row ? toApprovalRequest(await expireIfDue(row)) : null;
  }

  return {
    async create(input) {
      if (!Number.isFinite(input.timeoutSeconds) || input.timeoutSeconds <= 0) {
        throw new Error(`approval rule ${input.rule}: timeoutSeconds must be a positive number`);
      }
      const created = now();
      const hash = argsHash(input.args);
      const view = redactWithReport(input.args ?? null, input.inputSchema, rules);
      const tenant = input.tenant || IMPLICIT_TENANT;
      const row = await client(callScope(tenant)).approval.create({
        data: {
          id: randomUUID(),
          tenant,
          status: 'pending',
          rule: input.rule,
          approvers: [...input.approvers],
          tool: input.tool,
          subject: input.subject,
          principal: input.principal ?? null,
          args: view.value as object,
          argsHash: hash,
          maskedPaths: view.report.masked,
          truncated: view.report.truncated,
          revision: input.revision,
          createdAt: created,
          expiresAt: new Date(created.getTime() + input.timeoutSeconds * 1000),
        },
      });
      return changed(row);
    },

    get,

    async list(scope, filter = {}) {
      const size = pageSize(filter.limit, 50, 200);
      if (filter.status === 'expired' || filter.status === 'pending' || filter.status === undefined) {
        await expireDue();
      }
      const tenants = tenantCondition(scope, filter.tenant);
      const approver = filter.approver
        ? {
            AND: [
              { approvers: { hasSome: ['*', ...filter.approver.principals] } },
              // Never one's own calls (four eyes), by subject and by principal; old rows have no principal.
              { subject: { not: filter.approver.subject } },
              filter.approver.principal
                ? { OR: [{ principal: null }, { principal: { not: filter.approver.principal } }] }
                : {},
            ],
          }
        : {};
      const rows = await client(scope).approval.findMany({
        where: {
          AND: [
            tenants ? { tenant: { in: tenants } } : {},
            filter.status ? { status: filter.status } : {},
            filter.requester ? { subject: filter.requester } : {},
            filter.approver && filter.allOf?.length
              ? { OR: [{ tenant: { in: [...filter.allOf] } }, approver] }
              : approver,
            afterCursor('createdAt', filter.cursor),
          ],
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: size + 1,
      });
      const page = toPage(rows, size, (r) => r.createdAt);
      return { items: page.items.map(toApprovalRequest), nextCursor: page.nextCursor };
    },

    async decide(scope, id, input): Promise<DecideResult> {
      const prisma = client(scope);
      const current = isUuid(id) ? await prisma.approval.findUnique({ where: { id } }) : null;
      if (!current) return { ok: false, code: 'not_found', message: `approval ${id} does not exist` };
      const allowed = checkApprover(current, input.approver);
      if (!allowed.ok) return { ok: false, code: 'forbidden', message: allowed.message };
      if (input.argsHash !== undefined && input.argsHash !== current.argsHash) {
        return {
          ok: false,
          code: 'args_mismatch',
          message: `approval ${id} is for arguments ${current.argsHash ?? '(not recorded)'}, not ${input.argsHash}`,
        };
      }
      const fresh = await expireIfDue(current);
      if (fresh.status === 'expired')
        return { ok: false, code: 'expired', message: `approval ${id} has expired` };
      if (fresh.status !== 'pending') {
        return { ok: false, code: 'not_pending', message: `approval ${id} was already ${fresh.status}` };
      }
      const at = now();
      const updated = await prisma.approval.updateMany({
        where: { id, status: 'pending', expiresAt: { gt: at } },
        data: {
          status: input.approve ? 'approved' : 'rejected',
          decidedAt: at,
          decidedBy: input.approver.subject,
          reason: input.reason ?? null,
        },
      });
      const after = await prisma.approval.findUniqueOrThrow({ where: { id } });
      if (updated.count === 0) {
        // Someone else decided, or it expired, between the read and the update.
        return after.status === 'pending' || after.status === 'expired'
          ? { ok: false, code: 'expired', message: `approval ${id} has expired` }
          : { ok: false, code: 'not_pending', message: `approval ${id} was already ${after.status}` };
      }
      decided.emit(id);
      return { ok: true, request: changed(after) };
    },

    async waitForDecision(id, { timeoutMs, signal, tenant }) {
      const deadline = Date.now() + Math.max(0, timeoutMs);
      for (;;) {
        const request = await get(callScope(tenant), id);
        if (!request) throw new Error(`approval ${id} does not exist`);
        const remaining = deadline - Date.now();
        if (request.status !== 'pending' || remaining <= 0 || signal?.aborted) return request;
        await sleepUntilEvent(
          decided,
          id,
          Math.min(pollIntervalMs, remaining, request.expiresAt.getTime() - now().getTime() + 1),
          signal,
        );
      }
    },

    async checkApproved(id, call) {
      const request = await get(callScope(call.tenant), id);
      if (!request) return { ok: false, message: `approval ${id} does not exist` };
      if (request.status !== 'approved') return { ok: false, message: `approval ${id} is ${request.status}` };
      if (request.tool !== call.tool) {
        return { ok: false, message: `approval ${id} is for ${request.tool}, not ${call.tool}` };
      }
      let actual: string;
      try {
        actual = argsHash(call.args);
      } catch (error) {
        return { ok: false, message: `the arguments cannot be hashed: ${(error as Error).message}` };
      }
      if (actual !== request.argsHash) {
        return {
          ok: false,
          message: `the arguments differ from those approved in ${id} (${request.argsHash ?? 'no hash recorded'}; these are ${actual}): the call was not run`,
        };
      }
      return { ok: true };
    },

    async attachJob(id, jobId, tenant) {
      await client(callScope(tenant)).approval.update({ where: { id }, data: { jobId } });
    },

    expireDue,
    countPending,
    withdraw,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

function sleepUntilEvent(
  emitter: EventEmitter,
  event: string,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      emitter.off(event, done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(1, ms));
    emitter.once(event, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
