/**
 * The gateway's tool catalog: what an agent may list and call. For each call: policy decision (deny
 * overrides allow, unknown denies), sensitive-tool and approval handling (the approval step is in
 * ./call-approval.ts), rate limit, the answer cache of tools that opt in (../cache), routing with fallback,
 * and exactly one trace. Tool errors go back as `isError` results with the reason, so agents can act on them.
 */

import { IMPLICIT_TENANT } from '@raku/config';
import {
  type CallToolResult,
  errorResult,
  firstText,
  type McpToolDefinition,
  STATUS_META,
} from '@raku/pack-runtime';
import type { CompiledPolicy, Decision, Subject } from '@raku/policy';
import { decide, toolsVisibleTo, withSensitiveRule } from '@raku/policy';
import type { GatewayBundle } from '@raku/render';
import type { ApprovalStore } from '../approvals/types.ts';
import { type Caller, callerKindOf, principalsOf } from '../auth/caller.ts';
import { type CacheCounter, toolCacheCounter } from '../cache/cache-metrics.ts';
import type { CacheStore } from '../cache/cache-store.ts';
import { cachedRoute, type RoutedAnswer } from '../cache/cached-route.ts';
import { claimsReadBy, pickClaims } from '../jobs/job-claims.ts';
import type { JobCaller, JobRunner, JobService, ToolCall, ToolCallResult } from '../jobs/types.ts';
import type { RefusedCall } from '../mcp/node-handler.ts';
import { type CallRequest, PACK_VERSION_META, type ToolCatalog, ToolNotFound } from '../mcp/tool-endpoint.ts';
import type { RouteTable } from '../routing/route-table.ts';
import { candidatesFor, NoRouteError, Router, VersionRequestError } from '../routing/router.ts';
import { annotateCallSpan } from '../telemetry/call-attributes.ts';
import {
  type CallerChoice,
  callerInTenant,
  claimsReadByMembership,
  memberTenants,
} from '../tenancy/membership.ts';
import { buildToolViews, bundleOfView, type ToolView, type ToolViews } from '../tenancy/tool-views.ts';
import { truncatedMarker } from '../traces/trace-row.ts';
import type { TraceDecision, TraceSink, TraceStatus } from '../traces/types.ts';
import { a2aHopTimeoutMs, followedTask, handOverRunningTask } from './a2a-task-job.ts';
import { awaitApproval, refuseUnlessApproved } from './call-approval.ts';
import { type CallLabels, type RuntimeMetrics, recordCall } from './metrics.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { quotaExceededResult, quotaRule, TenantQuotaGate } from './tenant-quota.ts';

export interface GatewayCatalogOptions {
  bundle: GatewayBundle;
  /** The compiled policy; null denies everything (fail closed). */
  policy: CompiledPolicy | null;
  routes: RouteTable;
  traces: TraceSink;
  metrics: RuntimeMetrics;
  rateLimiter: RateLimiter;
  /** Where the answers of tools with `cache` are kept (../cache). Default none: every call is routed. */
  cache?: CacheStore;
  approvals?: ApprovalStore;
  jobs?: JobService;
  /**
   * How long a call that needs approval waits for the decision before the agent gets a job id to poll
   * instead. Default 20 000 ms.
   */
  approvalWaitMs?: number;
  /** Call budget per target attempt when the tool sets none. Default 30 000 ms. */
  defaultTimeoutMs?: number;
  /**
   * Where tenant quotas are counted (./tenant-quota.ts). Default: a gate over `rateLimiter` (Redis when
   * REDIS_URL is set). Share one gate between the catalogs of reloads, so calls in flight stay counted.
   */
  quotas?: TenantQuotaGate;
  now?: () => Date;
  /**
   * Whether a caller holds the admin role (an organisation admin, who may act in any tenant by naming it): its
   * jobs run in their tenant without being members. Default: nobody.
   */
  orgAdmin?: (caller: Caller) => boolean;
}

/** The policy's view of a caller: 'user:alice' → { kind: 'user', id: 'alice' }. */
export function subjectOf(caller: Pick<Caller, 'subject' | 'kind' | 'groups' | 'claims'>): Subject {
  const colon = caller.subject.indexOf(':');
  return {
    id: colon < 0 ? caller.subject : caller.subject.slice(colon + 1),
    // The real kind: the policy engine grants nothing to service or anonymous callers, not even '*'.
    kind: caller.kind,
    groups: caller.groups,
    claims: caller.claims,
  };
}

interface Finished extends RoutedAnswer {
  decision: TraceDecision;
  rule: string | null;
}

export class GatewayCatalog implements ToolCatalog, JobRunner {
  private readonly router: Router;
  /** Each tenant's tools, computed once per bundle (../tenancy/tool-views.ts). */
  readonly views: ToolViews;
  /**
   * Claim names this policy's conditions and the tenants' membership read: what a job (and the admin API's
   * caller) keeps of its caller's token.
   */
  private readonly claimNames: string[];
  /** Claim names the tenants' membership reads (claimsReadByMembership). */
  private readonly membershipClaims: string[];
  private readonly cache: { store: CacheStore | undefined; counter: CacheCounter };
  private readonly quotas: TenantQuotaGate;
  private readonly viewBundles = new Map<string, GatewayBundle>();
  /**
   * The tools whose route holds a reviewed Agent Card (A2A packs), found once per bundle: a listing asks the
   * route table about these only, so its cost does not grow with the routes of other tenants.
   */
  private readonly carded: ReadonlySet<GatewayBundle['tools'][number]>;

  constructor(private readonly options: GatewayCatalogOptions) {
    this.views = buildToolViews(options.bundle);
    this.carded = new Set(
      options.bundle.tools.filter((t) => options.routes.hasReviewedCard(t.name, t.tenant)),
    );
    this.membershipClaims = claimsReadByMembership(options.bundle.tenants ?? []);
    this.claimNames = [...new Set([...claimsReadBy(options.policy), ...this.membershipClaims])].sort();
    this.cache = { store: options.cache, counter: toolCacheCounter(options.metrics) };
    this.quotas = options.quotas ?? new TenantQuotaGate(options.rateLimiter);
    this.router = new Router({
      breaker: (id) => options.routes.breaker(id),
      availability: (c) => options.routes.availability(c),
    });
  }

  /** The bundle as `tenant` sees it (../tenancy/tool-views.ts bundleOfView), made once per tenant. */
  bundleOf(tenant: string): GatewayBundle {
    let bundle = this.viewBundles.get(tenant);
    if (!bundle) {
      bundle = bundleOfView(this.options.bundle, tenant);
      this.viewBundles.set(tenant, bundle);
    }
    return bundle;
  }

  /** The caller acting in the tenant it belongs to or names (X-Raku-Tenant); see callerInTenant. */
  withTenant(caller: Caller, requested: string | undefined): CallerChoice {
    return callerInTenant(caller, this.options.bundle.tenants ?? [], requested);
  }

  /** The tools of the caller's tenant its policy lets it see, in name order. */
  async listTools(caller: Caller): Promise<McpToolDefinition[]> {
    if (!this.options.policy) return [];
    const view = this.views.viewOf(caller.tenant);
    const visible = toolsVisibleTo(this.options.policy, subjectOf(caller), view.names, caller.tenant);
    const out: McpToolDefinition[] = [];
    for (const name of visible) {
      const def = await this.definition(view, name);
      if (def) out.push(def);
    }
    return out;
  }

  private async definition(view: ToolView, name: string): Promise<McpToolDefinition | undefined> {
    const tool = view.tools.get(name);
    if (!tool) return undefined;
    if (tool.definition) {
      // An A2A pack's tool is hidden while its agent's card is not the reviewed one.
      if (this.carded.has(tool) && !(await this.options.routes.cardMatches(name, tool.tenant)))
        return undefined;
      const d = tool.definition;
      const def: McpToolDefinition = { name, description: d.description, inputSchema: d.inputSchema };
      if (d.title) def.title = d.title;
      if (d.outputSchema) def.outputSchema = d.outputSchema;
      if (d.annotations) def.annotations = { ...d.annotations };
      // The pack version this zone serves, so an agent knows what it calls and what to ask for.
      if (tool.source.kind === 'pack') def._meta = { [PACK_VERSION_META]: tool.source.version };
      return def;
    }
    if (tool.source.kind !== 'remote') return undefined;
    // A third-party tool is listed only while its live definition matches the reviewed hash.
    const live = await this.options.routes.remoteDefinition(
      tool.source.remote,
      tool.source.tool,
      tool.contentHash,
    );
    return live && { ...live, name };
  }

  async callTool(
    name: string,
    args: Record<string, unknown>,
    caller: Caller,
    signal: AbortSignal,
    request: CallRequest = {},
  ): Promise<CallToolResult> {
    // Only a job the gateway made follows an A2A task (./a2a-task-job.ts), never an agent's _meta.
    const { a2aTask: _notAnAgents, ...own } = request;
    return this.handle(name, args, caller, signal, null, own);
  }

  /**
   * Traces a call the endpoint refused before it ran (its body nested past the JSON bounds): status invalid,
   * the policy not asked, the arguments replaced by a marker with the request's size.
   */
  recordRefused(name: string, caller: Caller, refusal: RefusedCall): void {
    this.options.metrics.calls.inc({
      ...this.callLabels(this.views.viewOf(caller.tenant).tools.get(name), name, null),
      status: 'invalid',
    });
    this.options.traces.record({
      time: this.options.now?.() ?? new Date(),
      subject: caller.subject,
      subjectKind: caller.kind,
      ...(caller.tenant !== undefined ? { tenant: caller.tenant } : {}),
      tool: name,
      route: null,
      target: null,
      decision: 'none',
      rule: null,
      revision: this.options.bundle.revision,
      zone: this.options.bundle.zone,
      latencyMs: 0,
      status: 'invalid',
      argsBytes: refusal.bytes,
      args: truncatedMarker(refusal.reason, refusal.bytes),
      error: refusal.message,
    });
  }

  /**
   * What a job keeps of `caller` to be decided later as this call would be now: subject, kind, groups and
   * the claims this policy reads (never the token). A policy reloaded before the job runs that reads other
   * claims finds them missing, which fails closed (allows need them, denies apply).
   */
  jobCaller(caller: Caller): JobCaller {
    return {
      subject: caller.subject,
      subjectKind: caller.kind,
      groups: caller.groups,
      claims: this.keptClaims(caller.claims),
      // The tenant chosen when the call was made: the job runs in it, whatever the header of a later request.
      ...(caller.tenant !== undefined ? { tenant: caller.tenant } : {}),
    };
  }

  /**
   * pickClaims, except that a membership claim holding a list of strings is kept as it is rather than as `{}`,
   * so the admin API's caller (whose claims these are) is found a member by a list claim as on /mcp. The
   * policy decides the same either way: no condition compares a list. Only with tenants in the bundle.
   */
  private keptClaims(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const kept = pickClaims(claims, this.claimNames);
    const lists: [string, string[]][] = [];
    for (const name of this.membershipClaims) {
      const value = Object.hasOwn(claims, name) ? claims[name] : undefined;
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) lists.push([name, [...value]]);
    }
    // fromEntries defines own properties: a claim named `__proto__` stays data.
    return lists.length === 0 ? kept : Object.fromEntries([...Object.entries(kept), ...lists]);
  }

  /** JobRunner: runs a job's call (after its approval, when it had one) through the same pipeline. */
  async run(
    call: ToolCall,
    context: { signal: AbortSignal; approvalId: string | null },
  ): Promise<ToolCallResult> {
    const caller: Caller = {
      subject: call.caller.subject,
      kind: callerKindOf(call.caller.subjectKind),
      groups: call.caller.groups,
      claims: call.caller.claims,
      ...(call.caller.tenant !== undefined ? { tenant: call.caller.tenant } : {}),
    };
    // A job following an A2A task that outlived its call keeps the task in its arguments (./a2a-task-job.ts).
    const { args, a2aTask } = followedTask(call.arguments);
    const request = a2aTask ? { ...call, a2aTask } : call;
    return this.handle(call.tool, args, caller, context.signal, context.approvalId, request, true);
  }

  private async handle(
    name: string,
    args: Record<string, unknown>,
    caller: Caller,
    signal: AbortSignal,
    approvedBy: string | null,
    request: CallRequest = {},
    job = false,
  ): Promise<CallToolResult> {
    const time = this.options.now?.() ?? new Date();
    const started = performance.now();
    const view = this.views.viewOf(caller.tenant);
    // Resolved in the caller's view only: another tenant's tool of this name is as unknown as no tool.
    const tool = view.tools.get(name);
    let finished: Finished;
    try {
      finished = await this.pipeline(name, tool, view, args, caller, signal, time, approvedBy, request, job);
    } catch (err) {
      // An internal fault: its text (a database error may quote source lines and SQL) goes to the trace,
      // which operators read, never to the agent.
      const message = err instanceof Error ? err.message : String(err);
      finished = {
        status: 'error',
        decision: 'allow',
        rule: null,
        result: errorResult(`internal error: ${name} failed inside the gateway (recorded in its trace)`),
        error: message,
      };
    }
    const latencyMs = performance.now() - started;
    annotateCallSpan(request.span, {
      zone: this.options.bundle.zone,
      revision: this.options.bundle.revision,
      decision: finished.decision,
      rule: finished.rule,
      status: finished.status,
      route: finished.route ?? null,
      target: finished.target ?? null,
      // The version of the pack server that answered (a canary shows), else the one the bundle names.
      ...(tool?.source.kind === 'pack'
        ? { pack: tool.source.pack, packVersion: packVersionOfRoute(finished.route) || tool.source.version }
        : {}),
    });
    recordCall(
      this.options.metrics,
      this.callLabels(tool, name, finished.route),
      finished.status,
      latencyMs / 1000,
    );
    if (this.views.tenancy) this.options.metrics.tenantCalls.inc({ tenant: view.tenant });
    this.options.traces.record({
      ...(request.traceId ? { id: request.traceId } : {}),
      traceId: request.w3cTraceId ?? null,
      time,
      subject: caller.subject,
      subjectKind: caller.kind,
      ...(caller.tenant !== undefined ? { tenant: caller.tenant } : {}),
      tool: name,
      route: finished.route ?? null,
      target: finished.target ?? null,
      decision: finished.decision,
      rule: finished.rule,
      revision: this.options.bundle.revision,
      zone: this.options.bundle.zone,
      latencyMs,
      status: finished.status,
      args,
      result: finished.result,
      error: finished.error ?? (finished.result.isError ? firstText(finished.result.content) : null) ?? null,
      ...(tool?.definition ? { inputSchema: tool.definition.inputSchema } : {}),
    });
    if (finished.status === 'unknown_tool') throw new ToolNotFound(`unknown tool "${name}"`);
    return finished.result;
  }

  /** The metric labels of a call: its pack from the bundle, the version from the route that answered. */
  private callLabels(
    tool: GatewayBundle['tools'][number] | undefined,
    name: string,
    route?: string | null,
  ): CallLabels {
    const zone = this.options.bundle.zone;
    if (!tool) return { tool: '(unknown)', zone, pack: '', pack_version: '' };
    return {
      tool: name,
      zone,
      pack: tool.source.kind === 'pack' ? tool.source.pack : '',
      pack_version: packVersionOfRoute(route),
    };
  }

  private decide(name: string, args: Record<string, unknown>, caller: Caller, now: Date): Decision {
    if (!this.options.policy) {
      return {
        allowed: false,
        effect: 'deny',
        rule: 'no-policy',
        reason: 'the gateway has no compiled policy',
      };
    }
    return decide(this.options.policy, {
      tool: name,
      args,
      subject: subjectOf(caller),
      environment: this.options.bundle.environment,
      ...(caller.tenant !== undefined ? { tenant: caller.tenant } : {}),
      now,
    });
  }

  private async pipeline(
    name: string,
    tool: GatewayBundle['tools'][number] | undefined,
    view: ToolView,
    args: Record<string, unknown>,
    caller: Caller,
    signal: AbortSignal,
    now: Date,
    approvedBy: string | null,
    request: CallRequest,
    job: boolean,
  ): Promise<Finished> {
    if (!tool) {
      // Not a policy outcome: no rule decided anything, so none is named (and none is counted).
      return {
        status: 'unknown_tool',
        decision: 'none',
        rule: null,
        result: errorResult(`unknown tool "${name}"`),
      };
    }
    // A job runs later, perhaps on a reloaded bundle: its caller must still belong to the tenant it was made in.
    const tenant = view.tenant;
    if (job && this.views.tenancy && tenant !== IMPLICIT_TENANT && !this.options.orgAdmin?.(caller)) {
      if (!memberTenants(caller, this.options.bundle.tenants ?? []).includes(tenant)) {
        return {
          status: 'denied',
          decision: 'deny',
          rule: `tenants/${tenant}/members`,
          result: errorResult(
            `call denied: the job's caller is no longer a member of tenant "${tenant}", in which it was made`,
          ),
        };
      }
    }
    const decision = this.decide(name, args, caller, now);
    this.options.metrics.decisions.inc({ decision: decision.effect, rule: decision.rule });
    if (!decision.allowed) {
      return {
        status: 'denied',
        decision: 'deny',
        rule: decision.rule,
        result: errorResult(`call denied: ${decision.reason}`),
      };
    }
    const held = withSensitiveRule(decision, name, tool.sensitive);
    if (!held.allowed) {
      return {
        status: 'denied',
        decision: 'deny',
        rule: held.rule,
        result: errorResult(`call denied: ${held.reason}`),
      };
    }
    // The requested pack version is checked before the rate limit counts the call and before it is parked
    // for approval: nobody should approve a call that has nowhere to go.
    let candidates: ReturnType<typeof candidatesFor>;
    try {
      candidates = candidatesFor(
        name,
        this.options.routes.candidates(name, tool.tenant),
        request.packVersion,
      );
    } catch (err) {
      if (!(err instanceof VersionRequestError)) throw err;
      return {
        status: 'no_route',
        decision: 'allow',
        rule: decision.rule,
        result: errorResult(err.message),
        error: err.message,
      };
    }
    // The tenant's quotas, after policy (a denied call uses none) and before the rate limit. A call run after
    // its approval was counted when it was made.
    const quotas = view.quotas;
    if (!quotas || approvedBy !== null) {
      return this.admitted(name, tool, args, caller, signal, approvedBy, request, decision, candidates);
    }
    const admission = await this.quotas.admit(view.tenant, quotas);
    if (!admission.ok) {
      this.options.metrics.tenantQuotaExceeded.inc({ tenant: view.tenant, quota: admission.quota });
      return {
        status: 'rate_limited',
        decision: 'allow',
        rule: quotaRule(view.tenant, admission.quota),
        result: quotaExceededResult(admission),
      };
    }
    try {
      return await this.admitted(name, tool, args, caller, signal, approvedBy, request, decision, candidates);
    } finally {
      admission.release();
    }
  }

  /** The pipeline after policy and quotas: rate limit, approval, cache, route. */
  private async admitted(
    name: string,
    tool: GatewayBundle['tools'][number],
    args: Record<string, unknown>,
    caller: Caller,
    signal: AbortSignal,
    approvedBy: string | null,
    request: CallRequest,
    decision: Decision,
    candidates: ReturnType<typeof candidatesFor>,
  ): Promise<Finished> {
    if (decision.rateLimit) {
      const { rule, limit, windowSeconds } = decision.rateLimit;
      const within = await this.options.rateLimiter.hit(`${rule}\0${caller.subject}`, limit, windowSeconds);
      if (!within) {
        return {
          status: 'rate_limited',
          decision: 'allow',
          rule,
          result: errorResult(`rate limit exceeded: at most ${limit} calls per ${windowSeconds} s (${rule})`),
        };
      }
    }
    let traceDecision: TraceDecision = 'allow';
    let rule = decision.rule;
    // Following an A2A task sends nothing new: the call that started it was the one approved.
    if (decision.approval && approvedBy === null && !request.a2aTask) {
      traceDecision = 'approval';
      rule = decision.approval.rule;
      const parked = await awaitApproval(this.options, {
        name,
        tool,
        args,
        caller,
        jobCaller: this.jobCaller(caller),
        approval: decision.approval,
        signal,
        request,
      });
      if (parked) return { ...parked, decision: 'approval', rule };
    } else if (decision.approval) {
      traceDecision = 'approval';
      rule = decision.approval.rule;
      // A call run later (a job) must be the one approved: the same tool, arguments of the approved hash.
      // Looked up in the call's tenant: row-level security keeps the request to it.
      const refused = await refuseUnlessApproved(
        this.options.approvals,
        approvedBy,
        name,
        args,
        caller.tenant,
      );
      if (refused) return { ...refused, decision: traceDecision, rule };
    }
    // The cache is read after every check that may refuse the call: a cached answer is still a call.
    const routed = await cachedRoute(this.cache, { name, tool, candidates, args, caller }, () =>
      this.route(name, tool, candidates, args, signal, request).then((answer) =>
        request.a2aTask
          ? answer
          : handOverRunningTask(
              this.options.jobs,
              {
                name,
                args,
                jobCaller: this.jobCaller(caller),
                ...(request.packVersion !== undefined ? { packVersion: request.packVersion } : {}),
              },
              answer,
            ),
      ),
    );
    return { ...routed, decision: traceDecision, rule };
  }

  /** Sends an allowed call along its candidates (fallback, retries, breakers: ../routing/router.ts). */
  private async route(
    name: string,
    tool: GatewayBundle['tools'][number],
    candidates: ReturnType<typeof candidatesFor>,
    args: Record<string, unknown>,
    signal: AbortSignal,
    request: Pick<CallRequest, 'span' | 'onProgress' | 'a2aTask'>,
  ): Promise<RoutedAnswer> {
    const annotations = tool.definition?.annotations;
    const idempotent = annotations?.readOnlyHint === true || annotations?.idempotentHint === true;
    try {
      const outcome = await this.router.call(candidates, {
        tool: name,
        args,
        idempotent,
        signal,
        timeoutMs: () => {
          const budget = tool.definition?.timeoutMs ?? this.options.defaultTimeoutMs ?? 30_000;
          return tool.definition?.a2a ? a2aHopTimeoutMs(budget, request.a2aTask !== undefined) : budget;
        },
        ...(request.span ? { parent: request.span } : {}),
        // Only A2A tools and third-party servers send progress: other pack tools keep the pack server's hot path.
        ...(request.onProgress && (tool.definition?.a2a || tool.source.kind === 'remote')
          ? { onProgress: request.onProgress }
          : {}),
        ...(request.a2aTask ? { a2aTask: { taskId: request.a2aTask.taskId } } : {}),
      });
      return {
        status: statusOf(outcome.result),
        result: withoutStatusNote(outcome.result),
        route: outcome.route,
        target: outcome.target,
      };
    } catch (err) {
      if (!(err instanceof NoRouteError)) throw err;
      return {
        status: err.timedOut ? 'timeout' : 'no_route',
        result: errorResult(err.message),
        route: err.lastTarget?.route ?? null,
        target: err.lastTarget?.target.id ?? null,
        error: err.message,
      };
    }
  }
}

/** The version in a route label 'pack:<pack>@<version>' (Candidate.route); '' for a remote or no route. */
function packVersionOfRoute(route: string | null | undefined): string {
  if (!route?.startsWith('pack:')) return '';
  const at = route.lastIndexOf('@');
  return at < 0 ? '' : route.slice(at + 1);
}

/** The trace status of a routed call's result: the pack's own note ('invalid', 'timeout'), else ok/error. */
function statusOf(result: CallToolResult): TraceStatus {
  const note = (result._meta as Record<string, unknown> | undefined)?.[STATUS_META];
  if (note === 'invalid' || note === 'timeout') return note;
  return result.isError ? 'error' : 'ok';
}

function withoutStatusNote(result: CallToolResult): CallToolResult {
  const meta = result._meta as Record<string, unknown> | undefined;
  if (!meta || !(STATUS_META in meta)) return result;
  const { [STATUS_META]: _note, ...rest } = meta;
  const { _meta: _m, ...plain } = result;
  return Object.keys(rest).length > 0 ? { ...plain, _meta: rest } : plain;
}

/** Whether a caller holds the admin role: any of its principals matches one of `adminSubjects`. */
export function isAdmin(caller: Caller, adminSubjects: readonly string[]): boolean {
  const mine = new Set(principalsOf(caller));
  return adminSubjects.some((s) => mine.has(s));
}
