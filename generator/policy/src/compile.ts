/**
 * Compiles the repository's policies for one environment into plain rule lists (the gateway bundle's
 * policy section). Pure and deterministic: same policies ⇒ deep-equal output, whatever the input order.
 */

import type { Condition, Environment, Loaded, Policy } from '@raku/config';
import { UserError } from '@raku/config';
import type { AllowRule, CompiledPolicy, DenyRuleCompiled, RateLimitRuleCompiled } from './types.ts';

/** An approval rule's timeout when the policy does not give one (policy.schema.json). */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 3600;

const CONDITION_KEYS = [
  'field',
  'equals',
  'notEquals',
  'in',
  'notIn',
  'matches',
  'normalize',
  'exists',
  'lt',
  'lte',
  'gt',
  'gte',
] as const satisfies readonly (keyof Condition)[];

/** A copy with only the known keys, in a fixed order, so the bundle is byte-stable. */
function copyCondition(condition: Condition): Condition {
  const out: Record<string, unknown> = {};
  for (const key of CONDITION_KEYS) {
    const value = condition[key];
    if (value !== undefined) out[key] = Array.isArray(value) ? [...value] : value;
  }
  return out as unknown as Condition;
}

const appliesIn = (environments: readonly Environment[] | undefined, env: Environment) =>
  environments === undefined || environments.includes(env);

/**
 * Where a rule starts in its file: `path` is the rule's path in the policy document (`['denies', 2]`).
 * Returns a 1-based line, or undefined when unknown.
 */
export type RuleLineOf = (file: string, path: readonly (string | number)[]) => number | undefined;

export interface CompileOptions {
  /**
   * Gives each rule its `line` (the policy explorer links rules to file:line). The bundle is compiled
   * without it on purpose: a line moved by an edited comment would change the bundle's bytes and hash, and
   * roll out gateways for nothing.
   */
  lineOf?: RuleLineOf;
}

/**
 * Compiles `policies` for `environment`: one allow rule per binding that applies there (carrying its
 * role's tool patterns), and the denies, approvals and rate limits that apply there. Organisation-wide
 * policies come first, then tenant policies grouped by tenant; each group in order of name, rules in file
 * order. Every rule of a tenant policy carries its `tenant`.
 *
 * Organisation-wide first matters where the first matching rule decides: a call needing approval by both an
 * organisation rule and its tenant's is held by the organisation's, and the organisation's rate limit is the
 * one counted, so a tenant cannot name its own approvers or a looser limit in their place. (Denies win over
 * allows whatever the order.)
 *
 * @throws UserError when a binding names a role its policy does not define, two policies share a name, or
 *   two rules would get the same id — validation reports these; compiling refuses rather than guessing.
 */
export function compilePolicies(
  policies: readonly Loaded<Policy>[],
  environment: Environment,
  options: CompileOptions = {},
): CompiledPolicy {
  const compiled: CompiledPolicy = { environment, allows: [], denies: [], approvals: [], rateLimits: [] };
  const ids = new Set<string>();
  const claim = (id: string, file: string) => {
    if (ids.has(id))
      throw new UserError(`${file}: rule id "${id}" is defined twice; rule names must be unique`);
    ids.add(id);
    return id;
  };
  const sorted = [...policies].sort(
    (a, b) =>
      Number(a.value.tenant !== undefined) - Number(b.value.tenant !== undefined) ||
      compareStrings(a.value.tenant ?? '', b.value.tenant ?? '') ||
      compareStrings(a.value.name, b.value.name) ||
      compareStrings(a.file, b.file),
  );
  const seen = new Map<string, string>();
  for (const { file, value: policy } of sorted) {
    const other = seen.get(policy.name);
    if (other !== undefined)
      throw new UserError(
        `${file}: policy "${policy.name}" is also defined in ${other}; policy names must be unique`,
      );
    seen.set(policy.name, file);
    const at = (path: readonly (string | number)[]): { line?: number } => {
      const line = options.lineOf?.(file, path);
      return line !== undefined && line >= 1 ? { line } : {};
    };
    const source = {
      policy: policy.name,
      file,
      ...(policy.tenant === undefined ? {} : { tenant: policy.tenant }),
    };
    const roles = new Map((policy.roles ?? []).map((r) => [r.name, r]));
    (policy.bindings ?? []).forEach((binding, i) => {
      const role = roles.get(binding.role);
      if (!role)
        throw new UserError(
          `${file}: bindings[${i}].role: role "${binding.role}" is not defined in policy "${policy.name}"`,
        );
      if (!appliesIn(binding.environments, environment)) return;
      const rule: AllowRule = {
        id: claim(`${policy.name}/bindings[${i}]`, file),
        ...source,
        ...at(['bindings', i]),
        role: role.name,
        tools: [...role.tools],
        subjects: [...binding.subjects],
        when: (binding.when ?? []).map(copyCondition),
      };
      compiled.allows.push(rule);
    });
    for (const [i, deny] of (policy.denies ?? []).entries()) {
      if (!appliesIn(deny.environments, environment)) continue;
      const rule: DenyRuleCompiled = {
        id: claim(`${policy.name}/denies/${deny.name}`, file),
        ...source,
        ...at(['denies', i]),
        name: deny.name,
        ...(deny.description === undefined ? {} : { description: deny.description }),
        tools: [...deny.tools],
        subjects: [...deny.subjects],
        when: (deny.when ?? []).map(copyCondition),
      };
      compiled.denies.push(rule);
    }
    for (const [i, approval] of (policy.approvals ?? []).entries()) {
      if (!appliesIn(approval.environments, environment)) continue;
      compiled.approvals.push({
        id: claim(`${policy.name}/approvals/${approval.name}`, file),
        ...source,
        ...at(['approvals', i]),
        name: approval.name,
        tools: [...approval.tools],
        approvers: [...approval.approvers],
        timeoutSeconds: approval.timeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS,
      });
    }
    for (const [i, limit] of (policy.rateLimits ?? []).entries()) {
      if (!appliesIn(limit.environments, environment)) continue;
      const rule: RateLimitRuleCompiled = {
        id: claim(`${policy.name}/rateLimits/${limit.name}`, file),
        ...source,
        ...at(['rateLimits', i]),
        name: limit.name,
        subjects: [...limit.subjects],
        tools: limit.tools ? [...limit.tools] : ['*'],
        limit: limit.limit,
        windowSeconds: limit.windowSeconds,
      };
      compiled.rateLimits.push(rule);
    }
  }
  return compiled;
}

/** Code-unit order, independent of locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
