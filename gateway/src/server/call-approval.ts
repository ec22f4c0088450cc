/**
 * The approval step of a gateway call (GatewayCatalog's pipeline, after the policy allowed it with an approval
 * rule): the call is parked, the agent waits a bounded time for the decision, and a call that outlives the wait
 * becomes a job run once approved. A job's call runs only if it is the one approved (tool and argument hash).
 */

import { type CallToolResult, errorResult } from '@raku/pack-runtime';
import type { Decision } from '@raku/policy';
import type { GatewayBundle } from '@raku/render';
import type { ApprovalStore } from '../approvals/types.ts';
import { type Caller, principalOf } from '../auth/caller.ts';
import { checkJobClaims } from '../jobs/job-claims.ts';
import type { JobCaller, JobService } from '../jobs/types.ts';
import type { CallRequest } from '../mcp/tool-endpoint.ts';
import { storableJson } from '../traces/trace-row.ts';
import type { TraceStatus } from '../traces/types.ts';

/** How a call stopped at the approval step ends: its trace status and the answer the agent gets. */
export interface ApprovalOutcome {
  status: TraceStatus;
  result: CallToolResult;
}

/** What the approval step needs of the gateway (GatewayCatalogOptions has these). */
export interface CallApprovalOptions {
  approvals?: ApprovalStore;
  jobs?: JobService;
  /** How long the agent waits for the decision before it gets a job id. Default 20 000 ms. */
  approvalWaitMs?: number;
  bundle: Pick<GatewayBundle, 'revision'>;
}

/** A call an approval rule matched, as the pipeline hands it over. */
export interface ApprovalCall {
  name: string;
  tool: GatewayBundle['tools'][number];
  args: Record<string, unknown>;
  caller: Caller;
  /** What a job keeps of the caller, should the call become one (GatewayCatalog.jobCaller). */
  jobCaller: JobCaller;
  approval: NonNullable<Decision['approval']>;
  signal: AbortSignal;
  request: CallRequest;
}

/** Refuses (status denied) a call that is not the approved one: undefined when it may run. */
export async function refuseUnlessApproved(
  store: ApprovalStore | undefined,
  approvalId: string | null,
  name: string,
  args: Record<string, unknown>,
  /** The call's tenant: the request is looked up in it (row-level security). Absent: IMPLICIT_TENANT. */
  tenant?: string,
): Promise<ApprovalOutcome | undefined> {
  if (approvalId === null || !store) return undefined;
  const check = await store.checkApproved(approvalId, {
    tool: name,
    args,
    ...(tenant !== undefined ? { tenant } : {}),
  });
  return check.ok ? undefined : { status: 'denied', result: errorResult(`call refused: ${check.message}`) };
}

/**
 * Parks a call that needs approval and waits (bounded) for the decision. Returns undefined when approved
 * (the call proceeds), or the final answer: refused, expired, or pending with a job id to poll.
 */
export async function awaitApproval(
  options: CallApprovalOptions,
  call: ApprovalCall,
): Promise<ApprovalOutcome | undefined> {
  const { name, tool, args, caller, jobCaller, approval, signal } = call;
  const store = options.approvals;
  if (!store) {
    return {
      status: 'denied',
      result: errorResult(`${name} needs approval (${approval.rule}) but this gateway has no approval store`),
    };
  }
  // A call that outlives its wait becomes a job; refuse now what a job could not keep, before anyone is
  // asked to approve it.
  const unkeepable = options.jobs ? checkJobClaims(jobCaller.claims) : undefined;
  if (unkeepable) return { status: 'denied', result: errorResult(`call refused: ${unkeepable}`) };
  // An approver must see exactly what will run; text the database cannot store as it is (NUL, an unpaired
  // surrogate) could only be shown altered, so such a call is refused before anyone is asked.
  const json = JSON.stringify(args);
  if (storableJson(json) !== json) {
    return {
      status: 'invalid',
      result: errorResult(
        `call refused: the arguments of ${name} hold text an approver could not be shown as it is (a NUL character or an unpaired surrogate); send well-formed text`,
      ),
    };
  }
  const request = await store.create({
    rule: approval.rule,
    approvers: approval.approvers,
    timeoutSeconds: approval.timeoutSeconds,
    tool: name,
    subject: caller.subject,
    principal: principalOf(caller),
    args,
    ...(tool.definition ? { inputSchema: tool.definition.inputSchema } : {}),
    revision: options.bundle.revision,
    ...(caller.tenant !== undefined ? { tenant: caller.tenant } : {}),
  });
  const decided = await store.waitForDecision(request.id, {
    timeoutMs: options.approvalWaitMs ?? 20_000,
    signal,
    ...(caller.tenant !== undefined ? { tenant: caller.tenant } : {}),
  });
  switch (decided.status) {
    case 'approved':
      return refuseUnlessApproved(store, decided.id, name, args, caller.tenant);
    case 'rejected':
      return {
        status: 'rejected',
        result: errorResult(
          `approval ${decided.id} was rejected by ${decided.decidedBy ?? 'an approver'}${decided.reason ? `: ${decided.reason}` : ''}`,
        ),
      };
    case 'expired':
      return {
        status: 'expired',
        result: errorResult(`approval ${decided.id} expired before anyone decided`),
      };
    case 'withdrawn':
      return {
        status: 'rejected',
        result: errorResult(
          `approval ${decided.id} was withdrawn: ${decided.reason ?? 'its job was cancelled'}`,
        ),
      };
    case 'pending':
      return parkAsJob(store, options.jobs, call, decided.id);
  }
}

/** The wait ran out: the call becomes a job run once approved (or stays pending when there is no job service). */
async function parkAsJob(
  store: ApprovalStore,
  jobs: JobService | undefined,
  call: ApprovalCall,
  approvalId: string,
): Promise<ApprovalOutcome> {
  if (!jobs) {
    return {
      status: 'pending',
      result: errorResult(`approval ${approvalId} is still pending; call again once it is approved`),
    };
  }
  const job = await jobs.submit(
    {
      tool: call.name,
      arguments: call.args,
      caller: call.jobCaller,
      // Only what the job must keep of the request: its traceId names the parked call's trace, not the job's.
      ...(call.request.packVersion !== undefined ? { packVersion: call.request.packVersion } : {}),
    },
    { approvalId },
  );
  await store.attachJob(approvalId, job.id, call.caller.tenant);
  const text = `approval ${approvalId} is pending (approvers: ${call.approval.approvers.join(', ')}); the call will run once approved as job ${job.id}: poll GET /v1/jobs/${job.id}`;
  return {
    status: 'pending',
    result: {
      content: [{ type: 'text', text }],
      structuredContent: { status: 'pending', approvalId, jobId: job.id },
    },
  };
}
