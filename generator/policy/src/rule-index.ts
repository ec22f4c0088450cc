/**
 * A lookup structure over a compiled policy, built once per compiled policy and remembered. For each kind
 * of rule it keeps, per tool name, the rules whose patterns match that tool (filled on first use), so
 * `decide` looks only at those few rules, in compiled order, instead of matching every pattern of every
 * rule on every call. Subjects are then checked against a per-rule set.
 */
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

/** The rules of one kind, with a memo from tool name to the rules matching it. */
export class RuleList<R extends { tools: readonly string[] }> {
  readonly all: readonly Indexed<R>[];
  readonly #byTool = new Map<string, Indexed<R>[]>();

  constructor(rules: readonly (R & { subjects?: readonly string[] })[]) {
    this.all = rules.map((rule) => ({
      rule,
      matchesTool: patternsMatcher(rule.tools),
      subjects: new Set(rule.subjects ?? []),
    }));
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

// A compiled policy is not mutated once compiled (or read from the bundle); entries go away with it.
const cache = new WeakMap<CompiledPolicy, RuleIndex>();

/** The index of `compiled`, built on first use. */
export function ruleIndex(compiled: CompiledPolicy): RuleIndex {
  let index = cache.get(compiled);
  if (!index) {
    index = {
      allows: new RuleList(compiled.allows),
      denies: new RuleList(compiled.denies),
      approvals: new RuleList(compiled.approvals),
      rateLimits: new RuleList(compiled.rateLimits),
    };
    cache.set(compiled, index);
  }
  return index;
}
