import {
  ENVIRONMENTS,
  type Environment,
  exposedToolsIn,
  IMPLICIT_TENANT,
  loadValidModel,
  type RepoModel,
  tenantNames,
  UserError,
} from '@raku/config';
import type { Decision, Subject } from '@raku/policy';
import { accessMatrix, compilePolicies, decide, describeAccess } from '@raku/policy';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { DENIED_EXIT_CODE } from './exit-codes.ts';
import { repoRoot } from './repo-root.ts';

export interface CheckOptions {
  env: string;
  subject: string;
  tool: string;
  group: string[];
  claim: string[];
  args: string;
  at?: string;
  tenant?: string;
  format: string;
}

export interface AccessOptions {
  env: string;
  subject?: string;
  tenant?: string;
  format: string;
}

function formatDecision(d: Decision): string {
  const lines = [`${d.effect}  ${d.rule}`, d.reason];
  if (d.approval)
    lines.push(
      `approval: ${d.approval.rule} by ${d.approval.approvers.join(', ')}, refused after ${d.approval.timeoutSeconds}s`,
    );
  if (d.rateLimit)
    lines.push(
      `rate limit: ${d.rateLimit.rule}, ${d.rateLimit.limit} calls per ${d.rateLimit.windowSeconds}s`,
    );
  return `${lines.join('\n')}\n`;
}

function checkFormat(format: string): 'text' | 'json' {
  if (format !== 'text' && format !== 'json')
    throw new UserError(`--format must be text or json, not "${format}"`);
  return format;
}

function checkEnvironment(env: string): Environment {
  if (!(ENVIRONMENTS as readonly string[]).includes(env))
    throw new UserError(`--env must be one of ${ENVIRONMENTS.join(', ')}, not "${env}"`);
  return env as Environment;
}

function parseSubject(text: string): Pick<Subject, 'kind' | 'id'> {
  const match = /^(user|agent):(\S{1,256})$/.exec(text);
  if (!match) throw new UserError(`--subject must be 'user:<id>' or 'agent:<id>', not "${text}"`);
  return { kind: match[1] as Subject['kind'], id: match[2] as string };
}

function parseClaims(pairs: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UserError(`--claim must be name=value, not "${pair}"`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: the claim is the string as given
    }
    Object.defineProperty(claims, pair.slice(0, eq), {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return claims;
}

function parseJson(option: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${option} is not valid JSON: ${(err as Error).message}`);
  }
}

/** The tenant --tenant names: IMPLICIT_TENANT or one of tenants/ (absent: IMPLICIT_TENANT). */
function checkTenant(model: RepoModel, tenant: string | undefined): string {
  const known = tenantNames(model);
  if (tenant === undefined) return IMPLICIT_TENANT;
  if (!known.includes(tenant))
    throw new UserError(`--tenant must be one of ${known.join(', ')}, not "${tenant}"`);
  return tenant;
}

function parseTime(text: string): Date {
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new UserError(`--at must be an ISO 8601 time, not "${text}"`);
  return at;
}

export async function runPolicyCheck(opts: CheckOptions, cmd: Command, ctx: CliContext): Promise<void> {
  const format = checkFormat(opts.format);
  const environment = checkEnvironment(opts.env);
  const subject: Subject = {
    ...parseSubject(opts.subject),
    groups: opts.group,
    claims: parseClaims(opts.claim),
  };
  const now = opts.at === undefined ? new Date() : parseTime(opts.at);
  const args = parseJson('--args', opts.args);
  const model = await loadValidModel(await repoRoot(cmd, ctx));
  const tenant = checkTenant(model, opts.tenant);
  const decision = decide(compilePolicies(model.policies, environment), {
    tool: opts.tool,
    args,
    subject,
    environment,
    tenant,
    now,
  });
  ctx.stdout(format === 'json' ? `${JSON.stringify(decision, null, 2)}\n` : formatDecision(decision));
  // The policies may allow a name the tenant cannot reach: the gateway neither lists nor routes it.
  if (!exposedToolsIn(model, environment, tenant).includes(opts.tool))
    ctx.stderr(
      `note: ${opts.tool} is not a tool of ${tenant === IMPLICIT_TENANT ? 'callers of no tenant' : `tenant ${tenant}`} in ${environment}; the gateway would not list or route it\n`,
    );
  // A script can branch on the exit code alone; the decision printed above is the explanation.
  if (!decision.allowed) throw new UserError('', { exitCode: DENIED_EXIT_CODE });
}

export async function runPolicyAccess(opts: AccessOptions, cmd: Command, ctx: CliContext): Promise<void> {
  const format = checkFormat(opts.format);
  const environment = checkEnvironment(opts.env);
  const model = await loadValidModel(await repoRoot(cmd, ctx));
  const compiled = compilePolicies(model.policies, environment);
  // Without tenants (or with --tenant) one matrix, as before tenancy; with tenants, one per tenant, each over
  // the tenant's own tools and the shared ones it is granted, under the organisation's and its own policies.
  const tenants = opts.tenant !== undefined ? [checkTenant(model, opts.tenant)] : tenantNames(model);
  // Each entry names its tenant when several are listed.
  const tenanted = tenants.length > 1;
  const entries = tenants.flatMap((tenant) =>
    accessMatrix(compiled, exposedToolsIn(model, environment, tenant), tenant)
      .filter((e) => opts.subject === undefined || e.subject === opts.subject)
      .map((e) => (tenanted ? { tenant, ...e } : e)),
  );
  if (format === 'json') {
    ctx.stdout(`${JSON.stringify(entries, null, 2)}\n`);
    return;
  }
  const column = (e: (typeof entries)[number]) => ('tenant' in e ? `${e.tenant}  ` : '');
  const tenantWidth = Math.max(0, ...entries.map((e) => column(e).length));
  const width = Math.max(0, ...entries.map((e) => e.subject.length));
  const toolWidth = Math.max(0, ...entries.map((e) => e.tool.length));
  for (const e of entries)
    ctx.stdout(
      `${column(e).padEnd(tenantWidth)}${e.subject.padEnd(width)}  ${e.tool.padEnd(toolWidth)}  ${describeAccess(e)}\n`,
    );
  if (entries.length === 0) ctx.stdout(`no subject may call any tool in ${environment}\n`);
}
