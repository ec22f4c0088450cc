/**
 * The policy explorer (console part 2): the policies as their files define them, the access matrix and the
 * decision simulator, per environment. Read from the config repository when the gateway has one (every
 * environment, rules with file:line), else from the bundle in use (its environment only, no lines).
 *
 * The engines are @raku/policy's: `compilePolicies`, `accessMatrix` (what `raku policy access` and
 * `raku plan` show) and `explainDecision` (decide's decision, with every rule considered). Nothing here
 * caches a snapshot: each request reads the repository afresh (ConfigRepository.snapshot).
 */
import {
  type Diagnostic,
  documentKind,
  ENVIRONMENTS,
  type Environment,
  exposedToolsIn,
  isUserError,
  sensitiveToolsIn,
  toolPatternMatcher,
  validateRepo,
} from '@raku/config';
import {
  type AccessEntry,
  accessMatrix,
  type CompiledPolicy,
  compilePolicies,
  type DecisionTrace,
  describeAccess,
  describeCondition,
  explainDecision,
  SENSITIVE_WITHOUT_APPROVAL,
  type Subject,
  withSensitiveRule,
} from '@raku/policy';
import type { GatewayBundle } from '@raku/render';
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
  /** The policy files; `content` is the YAML text (null from a bundle, which keeps no source). */
  files: { path: string; policy: string | null; content: string | null }[];
  roles: PolicyRole[];
  compile(environment: Environment): CompiledPolicy;
  tools(environment: Environment): string[];
  /** The tools marked sensitive: callable only through an approval (withSensitiveRule). */
  sensitive(environment: Environment): ReadonlySet<string>;
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
  const compiled = new Map<Environment, CompiledPolicy>();
  return {
    source: 'repository',
    note: problemsNote(validation.diagnostics, validation.rejected),
    revision: snapshot.revision,
    environments: [...ENVIRONMENTS],
    defaultEnvironment: own,
    // Every policy file, loaded or not: a file that fails to load can still be opened and fixed in the Edit tab.
    files: snapshot.files
      .filter((f) => documentKind(f.path) === 'policy')
      .map((f) => ({
        path: f.path,
        policy: names.get(f.path) ?? null,
        content: f.refused ? null : decoder.decode(f.bytes),
      })),
    roles: policies.flatMap(({ file, value }) =>
      (value.roles ?? []).map((role, i) => ({
        policy: value.name,
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
    tools: (environment) => exposedToolsIn(model, environment).sort(cmp),
    sensitive: (environment) => new Set(sensitiveToolsIn(model, environment)),
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
  const files = new Map<string, string>();
  for (const r of rules) files.set(r.file, r.policy);
  // A bundle holds no roles, only bindings carrying their role's patterns: one role per (policy, role).
  const roles = new Map<string, PolicyRole>();
  for (const a of compiled.allows) {
    const key = `${a.policy}\u0000${a.role}`;
    if (!roles.has(key))
      roles.set(key, {
        policy: a.policy,
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
    files: [...files]
      .map(([path, policy]) => ({ path, policy, content: null }))
      .sort((a, b) => cmp(a.path, b.path)),
    roles: [...roles.values()],
    compile: () => compiled,
    tools: () => bundle.tools.map((t) => t.name).sort(cmp),
    sensitive: () => new Set(bundle.tools.filter((t) => t.sensitive).map((t) => t.name)),
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

const at = (r: { file: string; line?: number }) => ({ file: r.file, line: r.line ?? null });

/** GET /v1/policies: every rule of the environment with its file and line, and the roles. */
export function policyOverview(source: PolicySource, environment: Environment) {
  const compiled = source.compile(environment);
  return {
    source: source.source,
    note: source.note,
    environment,
    environments: source.environments,
    revision: source.revision,
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
    tools: source.tools(environment),
  };
}

export type AccessLevel = 'allow' | 'approval' | 'conditional' | 'deny';

/** One cell of the matrix: a subject string of the policies and a tool. */
export interface AccessCell {
  subject: string;
  tool: string;
  access: AccessLevel;
  /** describeAccess's line (`allowed if …; denied by … if …; approval …`), as `raku policy access` prints. */
  summary: string;
  /** The deciding rule: the first grant, or the unconditional deny that removes a grant. */
  rule: string;
  grants: AccessEntry['grants'];
  denies: AccessEntry['denies'];
  approval: string | null;
}

function level(entry: AccessEntry): AccessLevel {
  const unconditional = entry.grants.some((g) => g.conditions.length === 0);
  if (!unconditional || entry.denies.length > 0) return 'conditional';
  return entry.approval ? 'approval' : 'allow';
}

/**
 * GET /v1/policies/access: accessMatrix's entries as cells, plus a 'deny' cell for each subject and tool a
 * binding grants but an unconditional deny removes entirely (accessMatrix leaves those out). A pair no
 * binding grants has no cell: nobody may call it.
 */
export function accessOverview(source: PolicySource, environment: Environment) {
  const compiled = source.compile(environment);
  const tools = source.tools(environment);
  const entries = accessMatrix(compiled, tools);
  const sensitive = source.sensitive(environment);
  const cells: AccessCell[] = entries.map((e) =>
    // Granted, but the gateway refuses a sensitive tool that no approval rule covers (withSensitiveRule).
    sensitive.has(e.tool) && !e.approval
      ? {
          subject: e.subject,
          tool: e.tool,
          access: 'deny',
          summary: `${describeAccess(e)}; but ${e.tool} is marked sensitive and no approval rule covers it, so it cannot be called`,
          rule: SENSITIVE_WITHOUT_APPROVAL,
          grants: e.grants,
          denies: e.denies,
          approval: null,
        }
      : {
          subject: e.subject,
          tool: e.tool,
          access: level(e),
          summary: describeAccess(e),
          rule: e.grants[0]?.rule ?? '',
          grants: e.grants,
          denies: e.denies,
          approval: e.approval ?? null,
        },
  );
  const present = new Set(entries.map((e) => `${e.subject}\u0000${e.tool}`));
  const subjects = [...new Set(compiled.allows.flatMap((a) => a.subjects))].sort(cmp);
  for (const subject of subjects) {
    for (const tool of tools) {
      if (present.has(`${subject}\u0000${tool}`)) continue;
      const grant = compiled.allows.find(
        (a) => a.subjects.includes(subject) && a.tools.some((p) => toolPatternMatcher(p)(tool)),
      );
      if (!grant) continue;
      const deny = compiled.denies.find(
        (d) =>
          d.when.length === 0 &&
          d.subjects.some((s) => s === '*' || s === subject) &&
          d.tools.some((p) => toolPatternMatcher(p)(tool)),
      );
      if (!deny) continue;
      cells.push({
        subject,
        tool,
        access: 'deny',
        summary: `granted by ${grant.id} (role ${grant.role}) but denied by ${deny.id}`,
        rule: deny.id,
        grants: [],
        denies: [{ rule: deny.id, subjects: [...deny.subjects], conditions: [] }],
        approval: null,
      });
    }
  }
  cells.sort((a, b) => cmp(a.subject, b.subject) || cmp(a.tool, b.tool));
  return {
    source: source.source,
    note: source.note,
    environment,
    environments: source.environments,
    revision: source.revision,
    subjects,
    tools,
    cells,
  };
}

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
  time?: string;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** The date part names a day of the calendar (Date would read 2026-02-30 as 2026-03-02 without a word). */
function realDay(time: string): boolean {
  const [y, m, d] = time.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** POST /v1/policies/simulate: explainDecision for the simulated call. */
export function simulate(source: PolicySource, request: PolicySimulation) {
  const environment = environmentOf(source, request.environment, 'request body: environment');
  const tools = source.tools(environment);
  if (!tools.includes(request.tool))
    throw new PolicyExplorerError(
      400,
      'bad_request',
      `request body: tool: ${JSON.stringify(request.tool.slice(0, 200))} is not a tool of ${environment} (${tools.length} tools; GET /v1/policies lists them)`,
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
  const trace: DecisionTrace = explainDecision(source.compile(environment), {
    tool: request.tool,
    args: request.arguments ?? {},
    subject,
    environment,
    now,
  });
  return {
    source: source.source,
    note: source.note,
    environment,
    revision: source.revision,
    time: now.toISOString(),
    // What the gateway decides: the policy's decision, then the rule for sensitive tools it applies after it.
    decision: withSensitiveRule(
      trace.decision,
      request.tool,
      source.sensitive(environment).has(request.tool),
    ),
    rules: trace.rules.map((r) => ({ ...r, line: r.line ?? null })),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
