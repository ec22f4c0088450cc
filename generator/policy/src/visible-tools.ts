/**
 * Which tools to list for a caller (MCP tools/list), before any call is made.
 */

import type { Condition } from '@raku/config';
import { type Attributes, evaluateConditions } from './conditions.ts';
import { ruleIndex } from './rule-index.ts';
import { namesSubject, subjectKeys } from './subjects.ts';
import type { CompiledPolicy, Subject } from './types.ts';

/** Conditions on arguments and on time cannot be known when the tool list is made. */
const knowableAtListTime = (c: Condition) => !c.field.startsWith('args.') && !c.field.startsWith('time.');

/**
 * The tools of `tools` (exposed names, order kept) that `subject` may see. A tool is listed when some
 * allow rule names the subject and the tool and its conditions on claims, subject and environment hold
 * (conditions on args and time are ignored: they are checked at call time), and no deny rule names the
 * subject and the tool with only such knowable conditions, all holding or not evaluable. Listing is not
 * permission: every call is still decided by `decide`.
 *
 * Only the organisation-wide rules and those of `tenant` (the tenant the caller acts in; default
 * IMPLICIT_TENANT) count. `tools` should already be that tenant's view (its own and its shared tools).
 */
export function toolsVisibleTo(
  compiled: CompiledPolicy,
  subject: Subject,
  tools: readonly string[],
  tenant?: string,
): string[] {
  // `now` is unused: time conditions are filtered out above.
  const attrs: Attributes = { args: undefined, subject, environment: compiled.environment, now: new Date(0) };
  const index = ruleIndex(compiled, tenant);
  const keys = subjectKeys(subject);
  const denies = index.denies.all
    .filter((d) => namesSubject(d.subjects, keys))
    .filter(
      ({ rule }) =>
        rule.when.every(knowableAtListTime) && evaluateConditions(rule.when, attrs, 'deny') !== 'false',
    );
  const allows = index.allows.all
    .filter((a) => namesSubject(a.subjects, keys))
    .filter(({ rule }) => evaluateConditions(rule.when.filter(knowableAtListTime), attrs) === 'true');
  // Per tool, the rules matching it come from the index's memo (shared with decide), so a listing costs
  // a lookup per tool instead of a pattern match per tool and rule.
  const denying = new Set(denies);
  const allowing = new Set(allows);
  return tools.filter(
    (tool) =>
      !index.denies.forTool(tool).some((d) => denying.has(d)) &&
      index.allows.forTool(tool).some((a) => allowing.has(a)),
  );
}
