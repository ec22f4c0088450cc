/**
 * Approval requests: a call to a tool matched by an approval rule is parked until an approver allowed by
 * that rule approves or rejects it, or the rule's timeout passes. Stored in Postgres so any replica can
 * decide and any replica can see the decision.
 */

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

/** The identity deciding: its subject and every principal string it is ('user:ann', 'group:maintainers'). */
export interface Approver {
  subject: string;
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
  /** Redacted arguments, for the approver to see what they approve. */
  args: unknown;
  revision: string;
  createdAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  reason: string | null;
  /** Job that runs the call once approved, when the call outlived the agent's request. */
  jobId: string | null;
}

export interface CreateApprovalInput {
  rule: string;
  approvers: readonly string[];
  /** The rule's timeoutSeconds; the request expires after it. */
  timeoutSeconds: number;
  tool: string;
  subject: string;
  /** Raw arguments; the store redacts them (with the tool's input schema) before storing. */
  args: unknown;
  inputSchema?: Record<string, unknown>;
  revision: string;
}

export interface DecideInput {
  approve: boolean;
  approver: Approver;
  reason?: string;
}

/** Outcome of `decide`: the updated request, or why it could not be decided (mapped to HTTP by the API). */
export type DecideResult =
  | { ok: true; request: ApprovalRequest }
  | { ok: false; code: 'not_found' | 'not_pending' | 'expired' | 'forbidden'; message: string };

export interface ApprovalListFilter {
  status?: ApprovalStatus;
  /** Only requests this approver may decide. */
  approver?: Approver;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  /** Page size (1..200, default 50). */
  limit?: number;
}

export interface Page<T> {
  items: T[];
  /** Cursor of the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ApprovalStore {
  create(input: CreateApprovalInput): Promise<ApprovalRequest>;
  get(id: string): Promise<ApprovalRequest | null>;
  list(filter?: ApprovalListFilter): Promise<Page<ApprovalRequest>>;
  /** Approve or reject a pending request. Only an approver matching the rule's `approvers` may decide. */
  decide(id: string, input: DecideInput): Promise<DecideResult>;
  /**
   * Waits until the request is decided or expires, at most `timeoutMs`; returns its state then (still
   * `pending` when the bound passed first). Expiry is applied on the way out.
   */
  waitForDecision(id: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<ApprovalRequest>;
  /** Links the job that will run the call once approved. */
  attachJob(id: string, jobId: string): Promise<void>;
  /** Marks every pending request past its expiry as expired; returns how many. */
  expireDue(now?: Date): Promise<number>;
}
