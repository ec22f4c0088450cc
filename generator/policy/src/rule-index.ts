/**
 * A lookup structure over a compiled policy, built once per compiled policy and remembered. For each kind
 * of rule it keeps, per tool name, the rules whose patterns match that tool (filled on first use), so
 * `decide` looks only at those few rules, in compiled order, instead of matching every pattern of every
 * rule on every call. Subjects are then checked against a per-rule set.
 *
 * Rules are also split by tenant here, once: the index of a tenant holds the organisation-wide rules and
 * that tenant's own (RuleSource.tenant), so a call never walks, let alone filters, another tenant's rules
 * and its cost does not grow with the number of tenants.
 */
import { IMPLICIT_TENANT } from '@raku/config';
import { type Matcher, patternsMatcher } from './patterns.ts';
import type { CompiledPolicy } from './types.ts';

/** A rule with its tool patterns compiled and its subject strings in a set. */
export interface Indexed<R> {
  rule: R;
  matchesTool: Matcher;
  subjects: ReadonlySet<string>;
}

/**
 * Tool names remembered per rule list. Tool names come from the bundle (bounded) and from callers
 * (unbounded): past this many, the memo starts again, so a caller inventing names costs only time.
 */
const TOOL_MEMO_LIMIT = 10_000;
/** Longer names are not remembered (MCP tool names have at most 64 characters), so the memo stays small. */
const TOOL_NAME_MEMO_MAX_LENGTH = 128;

type Rule = { tools: readonly string[]; subjects?: readonly string[]; tenant?: string };

function indexed<R extends Rule>(rule: R): Indexed<R> {
  return { rule, matchesTool: patternsMatcher(rule.tools), subjects: new Set(rule.subjects ?? []) };
}

/** The rules of one kind, with a memo from tool name to the rules matching it. */
export class RuleList<R extends { tools: readonly string[] }> {
  readonly all: readonly Indexed<R>[];
  readonly #byTool = new Map<string, Indexed<R>[]>();

  /** Takes rules, or rules already indexed (shared between the lists of several tenants). */
  constructor(rules: readonly (R & { subjects?: readonly string[] })[] | { indexed: readonly Indexed<R>[] }) {
    this.all = 'indexed' in rules ? rules.indexed : rules.map(indexed);
  }

  /** The rules whose tool patterns match `tool`, in compiled order. Do not mutate. */
  forTool(tool: string): readonly Indexed<R>[] {
    let rules = this.#byTool.get(tool);
    if (!rules) {
      rules = this.all.filter((r) => r.matchesTool(tool));
      if (tool.length > TOOL_NAME_MEMO_MAX_LENGTH) return rules;
      if (this.#byTool.size >= TOOL_MEMO_LIMIT) this.#byTool.clear();
      this.#byTool.set(tool, rules);
    }
    return rules;
  }
}

export interface RuleIndex {
  allows: RuleList<CompiledPolicy['allows'][number]>;
  denies: RuleList<CompiledPolicy['denies'][number]>;
  approvals: RuleList<CompiledPolicy['approvals'][number]>;
  rateLimits: RuleList<CompiledPolicy['rateLimits'][number]>;
}

type Kind = keyof RuleIndex;
const KINDS: readonly Kind[] = ['allows', 'denies', 'approvals', 'rateLimits'];
type IndexedRules = { [K in Kind]: readonly Indexed<CompiledPolicy[K][number]>[] };

interface TenantIndexes {
  /** Every rule of every tenant, in compiled order: the policy explorer's and explainDecision's view. */
  every: RuleIndex;
  /** The organisation-wide rules only: the index of a tenant that has no policy of its own. */
  orgWide: RuleIndex;
  /** Per tenant named by some rule: the organisation-wide rules and its own, in compiled order. */
  byTenant: Map<string, RuleIndex>;
}

function indexOf(rules: IndexedRules, keep: (tenant: string | undefined) => boolean): RuleIndex {
  const list = <K extends Kind>(kind: K) =>
    new RuleList({ indexed: rules[kind].filter((r) => keep(r.rule.tenant)) }) as RuleIndex[K];
  return {
    allows: list('allows'),
    denies: list('denies'),
    approvals: list('approvals'),
    rateLimits: list('rateLimits'),
  };
}

function build(compiled: CompiledPolicy): TenantIndexes {
  // Patterns are compiled once per rule; the tenants' lists share these entries.
  const rules = {
    allows: compiled.allows.map(indexed),
    denies: compiled.denies.map(indexed),
    approvals: compiled.approvals.map(indexed),
    rateLimits: compiled.rateLimits.map(indexed),
  };
  const tenants = new Set<string>();
  for (const kind of KINDS)
    for (const { rule } of rules[kind]) if (rule.tenant !== undefined) tenants.add(rule.tenant);
  const every = indexOf(rules, () => true);
  if (tenants.size === 0) return { every, orgWide: every, byTenant: new Map() };
  return {
    every,
    orgWide: indexOf(rules, (t) => t === undefined),
    byTenant: new Map([...tenants].map((t) => [t, indexOf(rules, (r) => r === undefined || r === t)])),
  };
}

// A compiled policy is not mutated once compiled (or read from the bundle); entries go away with it.
const cache = new WeakMap<CompiledPolicy, TenantIndexes>();

function indexes(compiled: CompiledPolicy): TenantIndexes {
  let found = cache.get(compiled);
  if (!found) {
    found = build(compiled);
    cache.set(compiled, found);
  }
  return found;
}

/**
 * The index of the rules that apply to calls made in `tenant` (default IMPLICIT_TENANT): the
 * organisation-wide rules and the tenant's own, in compiled order. Built for every tenant on first use; a
 * tenant no rule names gets the organisation-wide index, so no caller-chosen name grows the cache.
 */
export function ruleIndex(compiled: CompiledPolicy, tenant: string = IMPLICIT_TENANT): RuleIndex {
  const found = indexes(compiled);
  return found.byTenant.get(tenant) ?? found.orgWide;
}

/** The index of every rule of the compiled policy, whatever its tenant (explanations list them all). */
export function everyRuleIndex(compiled: CompiledPolicy): RuleIndex {
  return indexes(compiled).every;
}
