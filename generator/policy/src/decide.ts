/**
 * Decides one tool call against a compiled policy. Order: environment check, explicit denies (first match
 * wins), allows (first match wins), default deny. Allowed calls carry the approval and rate limit that
 * apply. See docs/policy.md.
 */

import type { Condition } from '@raku/config';
import {
  type Attributes,
  describeCondition,
  evaluateCondition,
  evaluateConditions,
  type RuleEffect,
} from './conditions.ts';
import { type RuleIndex, ruleIndex } from './rule-index.ts';
import { namesSubject, subjectKeys } from './subjects.ts';
import type {
  ApprovalRequirement,
  CompiledPolicy,
  Decision,
  RateLimitRequirement,
  Subject,
  ToolCall,
} from './types.ts';

/** The `rule` of a decision no rule made: nothing allowed the call. */
export const DEFAULT_DENY = 'default-deny';
/** The `rule` of a decision refused because the call's environment is not the compiled one. */
export const ENVIRONMENT_MISMATCH = 'environment-mismatch';

/** At most this many near-miss allow rules are named in a default-deny reason. */
export const MAX_MISSES_SHOWN = 3;
const PLAIN_NAME = /^[A-Za-z0-9_.:@/-]{1,128}$/;

/**
 * A caller-supplied name as it appears in a reason: as is when short and plain, else quoted (control
 * characters escaped) and cut at 128 characters — reasons go into traces, logs and error messages.
 */
export function shown(name: string): string {
  if (PLAIN_NAME.test(name)) return name;
  return name.length > 128 ? `${JSON.stringify(name.slice(0, 128))}…` : JSON.stringify(name);
}

export function subjectName(s: Subject): string {
  return `${s.kind}:${shown(s.id)}`;
}

/**
 * Decides whether `call` may proceed.
 *
 * - A deny rule applies when its subjects and tools match and its conditions are not known to be false:
 *   a deny whose condition cannot be evaluated (missing attribute, type mismatch) still denies.
 * - An allow rule applies only when its conditions are known to be true.
 * - A deny overrides every allow; when no allow applies the call is denied (`default-deny`).
 * - Only the organisation-wide rules and those of the call's tenant (`call.tenant`, default
 *   IMPLICIT_TENANT) are considered, so an organisation-wide deny holds against any tenant's allow.
 *
 * Never throws on odd arguments: `call.args` is read through own properties only.
 */
export function decide(compiled: CompiledPolicy, call: ToolCall): Decision {
  const who = subjectName(call.subject);
  const tool = shown(call.tool);
  const what = `${who} may not call ${tool} in ${call.environment}`;
  if (call.environment !== compiled.environment) {
    return deny(ENVIRONMENT_MISMATCH, `${what}: the policy was compiled for ${compiled.environment}`);
  }
  const attrs: Attributes = {
    args: call.args,
    subject: call.subject,
    environment: call.environment,
    now: call.now,
  };
  const index = ruleIndex(compiled, call.tenant);
  const keys = subjectKeys(call.subject);
  for (const { rule, subjects } of index.denies.forTool(call.tool)) {
    if (!namesSubject(subjects, keys)) continue;
    const truth = evaluateConditions(rule.when, attrs, 'deny');
    if (truth === 'false') continue;
    const why = rule.description ? ` (${rule.description})` : '';
    const unsure =
      truth === 'unknown'
        ? `; its condition ${firstUnmet(rule.when, attrs, 'deny')} could not be evaluated, so it applies`
        : '';
    return deny(rule.id, `${what}: denied by ${rule.id}${why}${unsure}`);
  }
  const misses: string[] = [];
  for (const { rule, subjects } of index.allows.forTool(call.tool)) {
    if (!namesSubject(subjects, keys)) continue;
    const truth = evaluateConditions(rule.when, attrs);
    if (truth !== 'true') {
      const verb = truth === 'false' ? 'does not hold' : 'could not be evaluated';
      misses.push(`${rule.id} (role ${rule.role}) needs ${firstUnmet(rule.when, attrs)}, which ${verb}`);
      continue;
    }
    const approval = approvalIn(index, call.tool);
    const rateLimit = firstRateLimit(index, keys, call.tool);
    return {
      allowed: true,
      effect: 'allow',
      rule: rule.id,
      reason: `${who} may call ${tool} in ${call.environment}: allowed by ${rule.id} (role ${rule.role})`,
      ...(approval ? { approval } : {}),
      ...(rateLimit ? { rateLimit } : {}),
    };
  }
  const more = misses.length > MAX_MISSES_SHOWN ? `; and ${misses.length - MAX_MISSES_SHOWN} more` : '';
  const detail = misses.length > 0 ? `; ${misses.slice(0, MAX_MISSES_SHOWN).join('; ')}${more}` : '';
  return deny(DEFAULT_DENY, `${what}: no rule allows it${detail}`);
}

function deny(rule: string, reason: string): Decision {
  return { allowed: false, effect: 'deny', rule, reason };
}

export function firstUnmet(
  conditions: readonly Condition[],
  attrs: Attributes,
  effect: RuleEffect = 'allow',
): string {
  const unmet = conditions.find((c) => evaluateCondition(c, attrs, effect) !== 'true');
  return unmet ? describeCondition(unmet) : '(none)';
}

/**
 * The approval a call to `tool` in `tenant` (default IMPLICIT_TENANT) needs: the first approval rule (in
 * compiled order: organisation-wide ones first) of the organisation or the tenant whose patterns match.
 * The gateway requires it for every call to the tool when present; for a tool marked `sensitive` and no
 * approval rule, the gateway refuses the call (withSensitiveRule, ./sensitive.ts).
 */
export function approvalFor(
  compiled: CompiledPolicy,
  tool: string,
  tenant?: string,
): ApprovalRequirement | undefined {
  return approvalIn(ruleIndex(compiled, tenant), tool);
}

function approvalIn(index: RuleIndex, tool: string): ApprovalRequirement | undefined {
  const rule = index.approvals.forTool(tool)[0]?.rule;
  return rule && { rule: rule.id, approvers: [...rule.approvers], timeoutSeconds: rule.timeoutSeconds };
}

/**
 * The first rate-limit rule (in compiled order: organisation-wide ones first) of the organisation or of
 * `tenant` (default IMPLICIT_TENANT) whose subjects name the caller and whose patterns match the tool.
 */
export function rateLimitFor(
  compiled: CompiledPolicy,
  subject: Subject,
  tool: string,
  tenant?: string,
): RateLimitRequirement | undefined {
  return firstRateLimit(ruleIndex(compiled, tenant), subjectKeys(subject), tool);
}

function firstRateLimit(
  index: RuleIndex,
  keys: readonly string[],
  tool: string,
): RateLimitRequirement | undefined {
  const rule = index.rateLimits.forTool(tool).find((r) => namesSubject(r.subjects, keys))?.rule;
  return rule && { rule: rule.id, limit: rule.limit, windowSeconds: rule.windowSeconds };
}
