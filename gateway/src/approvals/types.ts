/**
 * Approval requests: a call to a tool matched by an approval rule is parked until an approver allowed by
 * that rule approves or rejects it, or the rule's timeout passes. Stored in Postgres so any replica can
 * decide and any replica can see the decision.
 */
import type { Page } from '../db/cursor.ts';
import type { TenantScope } from '../tenancy/scope.ts';

/**
 * How a request stands. `withdrawn`: the call it parked no longer waits — its job was cancelled — so nobody
 * can decide it any more. Written once here; the admin router's filter and the OpenAPI document use it.
 */
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'withdrawn'] as const;

export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** The identity deciding: its subject and every principal string it is ('user:ann', 'group:maintainers'). */
export interface Approver {
  subject: string;
  /**
   * Who the approver is whatever kind its token claims (issuer + sub, `principalOf` in auth/caller.ts):
   * nobody approves a call of the same principal (four eyes). Absent: the id part of the subject is compared.
   */
  principal?: string;
  /**
   * Everything the approver is, matched against the rule's `approvers` patterns (wildcards as in tool
   * patterns). Include the subject itself and 'group:<name>' for each group.
   */
  principals: readonly string[];
}

export interface ApprovalRequest {
  id: string;
  status: ApprovalStatus;
  /** Approval rule that parked the call. */
  rule: string;
  /** Approver patterns copied from the rule when the request was created. */
  approvers: string[];
  tool: string;
  subject: string;
  /** The principal (issuer + sub) of the caller; null on requests stored before it was kept. */
  principal: string | null;
  /**
   * The arguments the call will be sent with, whole, except secrets: each masked value is `[REDACTED]` (or the
   * masked part of a string) and listed in `maskedPaths`. Nothing is cut unless listed in `truncated`.
   */
  args: unknown;
  /** `sha256:<hex>` of the canonical JSON of the exact arguments: the call runs only with arguments of this hash. */
  argsHash: string | null;
  /** JSON Pointers (RFC 6901) into `args` of every value masked as a secret. */
  maskedPaths: string[];
  /** JSON Pointers of values cut short in `args`, with how many characters are not shown. Empty normally. */
  truncated: { path: string; omittedCharacters: number }[];
  revision: string;
  createdAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  reason: string | null;
  /** Job that runs the call once approved, when the call outlived the agent's request. */
  jobId: string | null;
  /** The tenant the parked call was made in ('default' for requests stored before tenants). */
  tenant: string;
}

export interface CreateApprovalInput {
  rule: string;
  approvers: readonly string[];
  /** The rule's timeoutSeconds; the request expires after it. */
  timeoutSeconds: number;
  tool: string;
  subject: string;
  /** The caller's principal (`principalOf`): four-eyes compares it with the approver's. */
  principal?: string;
  /** Raw arguments; the store hashes them, and masks their secrets (with the tool's input schema) for display. */
  args: unknown;
  inputSchema?: Record<string, unknown>;
  revision: string;
  /** The tenant the parked call was made in; row-level security keeps the request to it. Absent: IMPLICIT_TENANT. */
  tenant?: string;
}

export interface DecideInput {
  approve: boolean;
  approver: Approver;
  reason?: string;
  /**
   * The `argsHash` the approver was shown. When given and it is not the request's, the decision is refused
   * (`args_mismatch`): the approver decided on other arguments.
   */
  argsHash?: string;
}

/** Whether an approved call may run with these arguments, or why not. */
export type ApprovalCheck = { ok: true } | { ok: false; message: string };

/** Outcome of `decide`: the updated request, or why it could not be decided (mapped to HTTP by the API). */
export type DecideResult =
  | { ok: true; request: ApprovalRequest }
  | {
      ok: false;
      code: 'not_found' | 'not_pending' | 'expired' | 'forbidden' | 'args_mismatch';
      message: string;
    };

export interface ApprovalListFilter {
  status?: ApprovalStatus;
  /** Only requests this approver may decide. */
  approver?: Approver;
  /** Only requests of calls this subject made (the requester's own). */
  requester?: string;
  /**
   * With `approver`: tenants whose requests are all listed whatever the approver may decide (the tenants the
   * caller administers). Default none.
   */
  allOf?: readonly string[];
  /** One tenant of the scope (`?tenant=`); a tenant outside it matches nothing. */
  tenant?: string;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  /** Page size (1..200, default 50). */
  limit?: number;
}

/**
 * Every read and write runs under a tenant scope (row-level security): the admin API passes its caller's
 * (`scope`), the gateway's own pipeline the tenant of the call (`tenant`, absent: IMPLICIT_TENANT), and the
 * maintenance (expiry, the backlog metric) every tenant. A request of a tenant outside the scope reads as absent.
 */
export interface ApprovalStore {
  create(input: CreateApprovalInput): Promise<ApprovalRequest>;
  get(scope: TenantScope, id: string): Promise<ApprovalRequest | null>;
  list(scope: TenantScope, filter?: ApprovalListFilter): Promise<Page<ApprovalRequest>>;
  /** Approve or reject a pending request. Only an approver matching the rule's `approvers` may decide. */
  decide(scope: TenantScope, id: string, input: DecideInput): Promise<DecideResult>;
  /**
   * Waits until the request is decided or expires, at most `timeoutMs`; returns its state then (still
   * `pending` when the bound passed first). Expiry is applied on the way out. `tenant`: the call's.
   */
  waitForDecision(
    id: string,
    options: { timeoutMs: number; signal?: AbortSignal; tenant?: string },
  ): Promise<ApprovalRequest>;
  /**
   * Before an approved call runs: the request exists in the call's tenant, is approved, is for this tool, and
   * `args` hash to the approved `argsHash`. Anything else refuses the call.
   */
  checkApproved(id: string, call: { tool: string; args: unknown; tenant?: string }): Promise<ApprovalCheck>;
  /** Links the job that will run the call once approved (`tenant`: the call's). */
  attachJob(id: string, jobId: string, tenant?: string): Promise<void>;
  /** Marks every pending request past its expiry as expired, in every tenant; returns how many. */
  expireDue(now?: Date): Promise<number>;
  /** Requests waiting for a decision in every tenant: pending and not past their expiry (the backlog metric). */
  countPending(now?: Date): Promise<number>;
  /**
   * The call a pending request parked will not run (its job was cancelled by `by`): the request becomes
   * `withdrawn` so approvers no longer see it as waiting. A request already decided is left as it is.
   * `tenant`: the job's.
   */
  withdraw(id: string, by: string, tenant?: string): Promise<void>;
}
