/**
 * Async tool calls. The admin/agent API and the runtime submit jobs; a queue stored in Postgres runs them
 * through a `JobRunner` the MCP runtime provides, so jobs survive a gateway restart.
 */
import type { Page } from '../db/cursor.ts';
import type { TenantScope } from '../tenancy/scope.ts';

export type JobStatus = 'queued' | 'waiting_approval' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/**
 * The argument key of a job following an A2A task that outlived its call (`{ taskId, contextId? }`; see
 * ../server/a2a-task-job.ts). Reserved: never a tool's; POST /v1/jobs refuses arguments holding it.
 */
export const A2A_TASK_ARG = 'dev.raku/a2a-task';

/** The caller a job runs as (re-checked by the runner against the policy when the job runs). */
export interface JobCaller {
  subject: string;
  /** 'user', 'agent', 'service' or 'anonymous', as authentication established it. */
  subjectKind: string;
  groups: string[];
  /**
   * The token claims the policy's conditions read (`pickClaims(claims, claimsReadBy(policy))` of
   * ./job-claims.ts), so the job is decided as the call would be now. Never the token itself. At most
   * MAX_JOB_CLAIMS_BYTES as JSON; kept in the job row only until the job finishes.
   */
  claims: Record<string, unknown>;
  /** The tenant the job's call is made in (chooseTenant at submission). Absent: IMPLICIT_TENANT. */
  tenant?: string;
}

/** A tool call to run: exposed tool name, arguments, and who asked. */
export interface ToolCall {
  tool: string;
  arguments: Record<string, unknown>;
  caller: JobCaller;
  /** The semver range of the pack the call asked for (`_meta` dev.raku/pack-version), when it asked. */
  packVersion?: string;
}

/** What a tool call produced: an MCP CallToolResult (content, structuredContent, isError). */
export interface ToolCallResult {
  content: unknown[];
  structuredContent?: unknown;
  isError?: boolean;
  [key: string]: unknown;
}

export interface JobRunContext {
  jobId: string;
  /** Aborted when the job is cancelled or the gateway shuts down. */
  signal: AbortSignal;
  /** Set when the call was approved through this approval request: the runner must not ask again. */
  approvalId: string | null;
}

/**
 * Implemented by the MCP runtime: runs one tool call through policy, routing and the target, and returns its
 * result. Throwing marks the job failed with the error's message; a result with `isError` also fails it.
 */
export interface JobRunner {
  run(call: ToolCall, context: JobRunContext): Promise<ToolCallResult>;
}

export interface JobView {
  id: string;
  status: JobStatus;
  tool: string;
  subject: string;
  approvalId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  result: ToolCallResult | null;
  error: string | null;
  /** The tenant the job's call is made in ('default' for jobs stored before tenants). */
  tenant: string;
}

export interface JobListFilter {
  status?: JobStatus;
  subject?: string;
  /** One tenant of the scope (`?tenant=`); a tenant outside it matches nothing. */
  tenant?: string;
  cursor?: string;
  limit?: number;
}

export interface SubmitJobOptions {
  /** The call waits for this approval request; it runs once approved and fails if rejected or expired. */
  approvalId?: string;
}

/** A submission the job service refuses (the API answers 400 with `code`). */
export class JobSubmissionError extends Error {
  constructor(
    readonly code: 'claims_too_large' | 'invalid_pack_version',
    message: string,
  ) {
    super(message);
    this.name = 'JobSubmissionError';
  }
}

/**
 * The job service the API and the runtime use. Reads and writes run under a tenant scope (row-level
 * security): a submission under its caller's tenant, the API's reads and cancels under the API caller's
 * scope (a job of another tenant reads as absent), the workers under every tenant (the queue holds ids only).
 */
export interface JobService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Stores and queues a call, in `call.caller.tenant` (absent: IMPLICIT_TENANT). Throws JobSubmissionError
   * when the caller's claims cannot be kept or the packVersion is not a semver range.
   */
  submit(call: ToolCall, options?: SubmitJobOptions): Promise<JobView>;
  get(scope: TenantScope, id: string): Promise<JobView | null>;
  list(scope: TenantScope, filter?: JobListFilter): Promise<Page<JobView>>;
  /** Cancels a queued, waiting or running job; returns null when the job does not exist in the scope. */
  cancel(scope: TenantScope, id: string, by: string): Promise<JobView | null>;
  /** Queues jobs whose approval was granted and fails rejected/expired ones (the admin API calls it after a decision). */
  settleApprovals?(): Promise<number>;
}
