/**
 * The policy explorer (console part 2): the policies as their files define them, the access matrix and the
 * decision simulator, per environment and tenant. Read from the config repository when the gateway has one
 * (every environment, rules with file:line), else from the bundle in use (its environment only, no lines).
 * This file reads the source and answers GET /v1/policies; ./access-overview.ts and ./simulate.ts answer the
 * matrix and the simulator.
 *
 * The engines are @raku/policy's: `compilePolicies`, `accessMatrix` (what `raku policy access` and
 * `raku plan` show) and `explainDecision` (decide's decision, with every rule considered). Nothing here
 * caches a snapshot: each request reads the repository afresh (ConfigRepository.snapshot).
 *
 * Tenants (docs/tenancy.md): a rule of a tenant's policy applies only to calls made in that tenant, and a
 * tenant's callers see only its view of the tools. The matrix and the simulator take a tenant (default
 * IMPLICIT_TENANT, which in a repository without tenants/ is everyone, as before tenancy).
 */
import {
  type Diagnostic,
  documentKind,
  ENVIRONMENTS,
  type Environment,
  exposedToolsIn,
  IMPLICIT_TENANT,
  isUserError,
  sensitiveToolsIn,
  tenantNames,
  validateRepo,
} from '@raku/config';
import { type CompiledPolicy, compilePolicies, describeCondition } from '@raku/policy';
import { bundleTenantNames, type GatewayBundle, toolsOfTenant } from '@raku/render';
import type { ConfigRepository } from '../config-repo/types.ts';

/** A documented error of the explorer; the admin router answers it as `{ error: { code, message } }`. */
export class PolicyExplorerError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PolicyRole {
  policy: string;
  /** The tenant of the role's policy; null: organisation-wide. */
  tenant: string | null;
  name: string;
  description: string | null;
  tools: string[];
  file: string;
  line: number | null;
}

/** What the explorer reads, wherever it came from. */
export interface PolicySource {
  source: 'repository' | 'bundle';
  /** Why the answer is partial, when it is (the bundle fallback). */
  note: string | null;
  revision: string | null;
  environments: Environment[];
  defaultEnvironment: Environment;
  /** IMPLICIT_TENANT, then the repository's tenants by name (IMPLICIT_TENANT alone without tenants/). */
  tenants: string[];
  /**
   * The policy files; `content` is the YAML text (null from a bundle, which keeps no source), `tenant` the
   * policy's tenant (null: organisation-wide, or a file that does not load, whose `policy` is null).
   */
  files: { path: string; policy: string | null; tenant: string | null; content: string | null }[];
  roles: PolicyRole[];
  compile(environment: Environment): CompiledPolicy;
  /** The tenant's view of the environment's tools (its own packs and the shared ones it is granted), sorted. */
  tools(environment: Environment, tenant: string): string[];
  /** The tools of the tenant's view marked sensitive: callable only through an approval (withSensitiveRule). */
  sensitive(environment: Environment, tenant: string): ReadonlySet<string>;
}

export interface PolicyExplorerDeps {
  configRepository?: ConfigRepository;
  bundle?: () => GatewayBundle;
}

const decoder = new TextDecoder('utf-8');

/** The environment to show by default: the gateway's own, else dev. */
function ownEnvironment(deps: PolicyExplorerDeps): Environment {
  return deps.bundle?.().environment ?? 'dev';
}

/** Reads the policies from the config repository, or from the bundle when there is none. */
export async function readPolicySource(deps: PolicyExplorerDeps): Promise<PolicySource> {
  if (deps.configRepository) return fromRepository(deps.configRepository, ownEnvironment(deps));
  if (deps.bundle) return fromBundle(deps.bundle());
  throw new PolicyExplorerError(
    404,
    'not_found',
    'this gateway has neither a config repository nor a bundle to read policies from',
  );
}

async function fromRepository(repository: ConfigRepository, own: Environment): Promise<PolicySource> {
  const snapshot = await repository.snapshot();
  const validation = validateRepo(snapshot.files);
  const { model, positions } = validation;
  const lineOf = (file: string, path: readonly (string | number)[]) => positions.get(file)?.at(path).line;
  const policies = [...model.policies].sort((a, b) => cmp(a.file, b.file));
  const names = new Map(policies.map((p) => [p.file, p.value.name]));
  const owners = new Map(policies.map((p) => [p.file, p.value.tenant ?? null]));
  const compiled = new Map<Environment, CompiledPolicy>();
  return {
    source: 'repository',
    note: problemsNote(validation.diagnostics, validation.rejected),
    revision: snapshot.revision,
    environments: [...ENVIRONMENTS],
    defaultEnvironment: own,
    tenants: tenantNames(model),
    // Every policy file, loaded or not: a file that fails to load can still be opened and fixed in the Edit tab.
    files: snapshot.files
      .filter((f) => documentKind(f.path) === 'policy')
      .map((f) => ({
        path: f.path,
        policy: names.get(f.path) ?? null,
        tenant: owners.get(f.path) ?? null,
        content: f.refused ? null : decoder.decode(f.bytes),
      })),
    roles: policies.flatMap(({ file, value }) =>
      (value.roles ?? []).map((role, i) => ({
        policy: value.name,
        tenant: value.tenant ?? null,
        name: role.name,
        description: role.description ?? null,
        tools: [...role.tools],
        file,
        line: lineOf(file, ['roles', i]) ?? null,
      })),
    ),
    compile(environment) {
      let c = compiled.get(environment);
      if (!c) {
        try {
          c = compilePolicies(model.policies, environment, { lineOf });
        } catch (error) {
          // validateRepo reports these too (an undefined role, a name used twice); the explorer cannot guess.
          if (isUserError(error))
            throw new PolicyExplorerError(
              409,
              'invalid_config',
              `the policies do not compile: ${error.message}`,
            );
          throw error;
        }
        compiled.set(environment, c);
      }
      return c;
    },
    tools: (environment, tenant) => exposedToolsIn(model, environment, tenant).sort(cmp),
    sensitive: (environment, tenant) => new Set(sensitiveToolsIn(model, environment, tenant)),
  };
}

/**
 * What to tell the reader when the repository has errors: the policy files that did not load are neither shown
 * nor applied here (the gateway would not deploy such config: `raku validate` fails), and the first error.
 */
function problemsNote(
  diagnostics: readonly Diagnostic[],
  rejected: readonly { file: string; kind: string }[],
): string | null {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return null;
  const first = errors[0]!;
  const missing = rejected.filter((r) => r.kind === 'policy').map((r) => r.file);
  const files =
    missing.length > 0 ? `; not loaded, so neither shown nor applied here: ${missing.join(', ')}` : '';
  return `the config repository has ${errors.length} ${errors.length === 1 ? 'error' : 'errors'} (raku validate lists them)${files}; the first: ${first.file}:${first.line}: ${first.message}`;
}

function fromBundle(bundle: GatewayBundle): PolicySource {
  const compiled = bundle.policies;
  const rules = [...compiled.allows, ...compiled.denies, ...compiled.approvals, ...compiled.rateLimits];
  const files = new Map<string, { policy: string; tenant: string | null }>();
  for (const r of rules) files.set(r.file, { policy: r.policy, tenant: r.tenant ?? null });
  // A bundle holds no roles, only bindings carrying their role's patterns: one role per (policy, role).
  const roles = new Map<string, PolicyRole>();
  for (const a of compiled.allows) {
    const key = `${a.policy}\u0000${a.role}`;
    if (!roles.has(key))
      roles.set(key, {
        policy: a.policy,
        tenant: a.tenant ?? null,
        name: a.role,
        description: null,
        tools: [...a.tools],
        file: a.file,
        line: null,
      });
  }
  return {
    source: 'bundle',
    note: `this gateway has no config repository: the policy shown is the one compiled into its bundle for ${bundle.environment} (zone ${bundle.zone}), without other environments, roles that no binding uses, or line numbers`,
    revision: bundle.revision,
    environments: [bundle.environment],
    defaultEnvironment: bundle.environment,
    tenants: bundleTenantNames(bundle),
    files: [...files]
      .map(([path, { policy, tenant }]) => ({ path, policy, tenant, content: null }))
      .sort((a, b) => cmp(a.path, b.path)),
    roles: [...roles.values()],
    compile: () => compiled,
    tools: (_, tenant) =>
      toolsOfTenant(bundle, tenant)
        .map((t) => t.name)
        .sort(cmp),
    sensitive: (_, tenant) =>
      new Set(
        toolsOfTenant(bundle, tenant)
          .filter((t) => t.sensitive)
          .map((t) => t.name),
      ),
  };
}

/** The `environment` query parameter or body field, checked against what the source holds. */
export function environmentOf(source: PolicySource, given: string | undefined, where: string): Environment {
  if (given === undefined) return source.defaultEnvironment;
  if (!(ENVIRONMENTS as readonly string[]).includes(given))
    throw new PolicyExplorerError(
      400,
      'bad_request',
      `${where}: unknown environment ${JSON.stringify(given.slice(0, 100))}; one of ${ENVIRONMENTS.join(', ')}`,
    );
  const environment = given as Environment;
  if (!source.environments.includes(environment))
    throw new PolicyExplorerError(
      400,
      'bad_request',
      `${where}: environment ${environment} is not available: this gateway has no config repository and its bundle holds the ${source.environments.join(', ')} policy only`,
    );
  return environment;
}

/**
 * The `tenant` query parameter or body field, checked against the tenants the source knows; absent:
 * IMPLICIT_TENANT (callers of no tenant; everyone in a repository without tenants/), or for a tenant admin
 * (./viewer.ts) the first tenant it administers.
 */
export function tenantOf(source: PolicySource, given: string | undefined, where: string): string {
  // Only for a tenant admin whose tenants the config does not define (any other source holds IMPLICIT_TENANT).
  if (source.tenants.length === 0)
    throw new PolicyExplorerError(
      404,
      'not_found',
      'none of the tenants you administer is defined in this config (tenants/)',
    );
  // A tenant admin's source holds only the tenants it administers: the first of them, then.
  if (given === undefined)
    return source.tenants.includes(IMPLICIT_TENANT)
      ? IMPLICIT_TENANT
      : (source.tenants[0] ?? IMPLICIT_TENANT);
  if (!source.tenants.includes(given))
    throw new PolicyExplorerError(
      400,
      'bad_request',
      `${where}: unknown tenant ${JSON.stringify(given.slice(0, 100))}; one of ${source.tenants.join(', ')}`,
    );
  return given;
}

/** A rule's file and line, and its tenant (null: an organisation-wide policy's rule, applying in every tenant). */
export const at = (r: { file: string; line?: number; tenant?: string }) => ({
  tenant: r.tenant ?? null,
  file: r.file,
  line: r.line ?? null,
});

/**
 * What every answer of GET /v1/policies and /v1/policies/access opens with: where the policies were read, the
 * environment and tenant chosen among those there are, and the revision.
 */
export function answerHeader(source: PolicySource, environment: Environment, tenant: string) {
  return {
    source: source.source,
    note: source.note,
    environment,
    environments: source.environments,
    tenant,
    tenants: source.tenants,
    revision: source.revision,
  };
}

/**
 * GET /v1/policies: every rule of the environment with its file, line and tenant, the roles, and the tools of
 * the tenant's view (what the simulator may call in it).
 */
export function policyOverview(source: PolicySource, environment: Environment, tenant: string) {
  const compiled = source.compile(environment);
  return {
    ...answerHeader(source, environment, tenant),
    files: source.files,
    roles: source.roles,
    allows: compiled.allows.map((a) => ({
      id: a.id,
      policy: a.policy,
      role: a.role,
      tools: a.tools,
      subjects: a.subjects,
      conditions: a.when.map(describeCondition),
      ...at(a),
    })),
    denies: compiled.denies.map((d) => ({
      id: d.id,
      policy: d.policy,
      name: d.name,
      description: d.description ?? null,
      tools: d.tools,
      subjects: d.subjects,
      conditions: d.when.map(describeCondition),
      ...at(d),
    })),
    approvals: compiled.approvals.map((a) => ({
      id: a.id,
      policy: a.policy,
      name: a.name,
      tools: a.tools,
      approvers: a.approvers,
      timeoutSeconds: a.timeoutSeconds,
      ...at(a),
    })),
    rateLimits: compiled.rateLimits.map((r) => ({
      id: r.id,
      policy: r.policy,
      name: r.name,
      subjects: r.subjects,
      tools: r.tools,
      limit: r.limit,
      windowSeconds: r.windowSeconds,
      ...at(r),
    })),
    tools: source.tools(environment, tenant),
  };
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
