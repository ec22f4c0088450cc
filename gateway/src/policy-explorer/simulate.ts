/**
 * POST /v1/policies/simulate: the decision the gateway would make for one call, as `raku policy check
 * --tenant` decides it, with every rule considered (@raku/policy's explainDecision). The call is made in a
 * tenant (default IMPLICIT_TENANT) over that tenant's view of the tools: another tenant's tool is as unknown
 * to it as no tool at all, and another tenant's rules are listed as not applying, saying why.
 */
import { type Environment, IMPLICIT_TENANT } from '@raku/config';
import { type DecisionTrace, explainDecision, type Subject, withSensitiveRule } from '@raku/policy';
import { environmentOf, PolicyExplorerError, type PolicySource, tenantOf } from './policy-explorer.ts';

export interface PolicySimulation {
  subject: {
    id: string;
    kind: Subject['kind'];
    groups?: string[];
    claims?: Record<string, unknown>;
  };
  tool: string;
  arguments?: Record<string, unknown>;
  environment: string;
  /** The tenant the call is made in; absent: IMPLICIT_TENANT. */
  tenant?: string;
  time?: string;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** The date part names a day of the calendar (Date would read 2026-02-30 as 2026-03-02 without a word). */
function realDay(time: string): boolean {
  const [y, m, d] = time.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** Where the call is made, said as the tool error says it: `dev` or `tenant payments in dev`. */
function where(source: PolicySource, environment: Environment, tenant: string): string {
  return source.tenants.length > 1 || tenant !== IMPLICIT_TENANT
    ? `tenant ${tenant} in ${environment}`
    : environment;
}

/** explainDecision for the simulated call; each rule names its tenant (null: organisation-wide). */
export function simulate(source: PolicySource, request: PolicySimulation) {
  const environment = environmentOf(source, request.environment, 'request body: environment');
  const tenant = tenantOf(source, request.tenant, 'request body: tenant');
  const tools = source.tools(environment, tenant);
  if (!tools.includes(request.tool))
    throw new PolicyExplorerError(
      400,
      'bad_request',
      `request body: tool: ${JSON.stringify(request.tool.slice(0, 200))} is not a tool of ${where(source, environment, tenant)} (${tools.length} tools; GET /v1/policies lists them)`,
    );
  const now = request.time === undefined ? new Date() : new Date(request.time);
  if (
    request.time !== undefined &&
    (!DATE_TIME.test(request.time) || Number.isNaN(now.getTime()) || !realDay(request.time))
  )
    throw new PolicyExplorerError(
      400,
      'bad_request',
      'request body: time: must be an RFC 3339 date-time such as 2026-12-04T09:30:00Z',
    );
  const subject: Subject = {
    id: request.subject.id,
    kind: request.subject.kind,
    groups: request.subject.groups ?? [],
    claims: request.subject.claims ?? {},
  };
  const compiled = source.compile(environment);
  const trace: DecisionTrace = explainDecision(compiled, {
    tool: request.tool,
    args: request.arguments ?? {},
    subject,
    environment,
    tenant,
    now,
  });
  const tenantOfRule = new Map<string, string>();
  for (const rule of [...compiled.allows, ...compiled.denies, ...compiled.approvals, ...compiled.rateLimits])
    if (rule.tenant !== undefined) tenantOfRule.set(rule.id, rule.tenant);
  return {
    source: source.source,
    note: source.note,
    environment,
    tenant,
    revision: source.revision,
    time: now.toISOString(),
    // What the gateway decides: the policy's decision, then the rule for sensitive tools it applies after it.
    decision: withSensitiveRule(
      trace.decision,
      request.tool,
      source.sensitive(environment, tenant).has(request.tool),
    ),
    rules: trace.rules.map((r) => ({ ...r, tenant: tenantOfRule.get(r.id) ?? null, line: r.line ?? null })),
  };
}
