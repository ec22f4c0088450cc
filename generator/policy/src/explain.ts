/**
 * `decide`, explained: the same decision, and beside it every rule of the compiled policy with whether it
 * matched the call and, when it did not, why (the tool matches none of its patterns, its subjects do not
 * name the caller, a condition is false — with the value seen —, or the call is in another environment).
 * The policy explorer's simulator shows it.
 *
 * The decision is made here again from the per-rule results, not copied from `decide`, so that the property
 * test in explain.test.ts (decision deep-equals `decide`'s on random policies and calls) holds the two
 * readings of docs/policy.md together. `decide` stays the fast path the gateway runs on every call.
 */

import type { Condition } from '@raku/config';
import { IMPLICIT_TENANT } from '@raku/config';
import {
  type Attributes,
  describeCondition,
  evaluateCondition,
  evaluateConditions,
  type RuleEffect,
  resolveField,
  type Truth,
} from './conditions.ts';
import {
  DEFAULT_DENY,
  ENVIRONMENT_MISMATCH,
  firstUnmet,
  MAX_MISSES_SHOWN,
  shown,
  subjectName,
} from './decide.ts';
import { everyRuleIndex, type Indexed } from './rule-index.ts';
import { namesSubject, subjectKeys } from './subjects.ts';
import type { CompiledPolicy, Decision, RuleSource, ToolCall } from './types.ts';

export type RuleKind = 'allow' | 'deny' | 'approval' | 'rateLimit';

/** One rule as the call met it. */
export interface RuleTrace {
  id: string;
  kind: RuleKind;
  file: string;
  /** 1-based line in `file`, when the policy was compiled with positions. */
  line?: number;
  /**
   * The rule matched the call on its own terms: tool, subject and conditions (an allow needs its conditions
   * true, a deny applies unless they are false). A matched rule may still not be the deciding one: an
   * earlier rule decided first, or (approvals, rate limits) the call was denied.
   */
  matched: boolean;
  /** Why it matched or not, in a sentence. */
  reason: string;
}

export interface DecisionTrace {
  decision: Decision;
  /** Every rule of the compiled policy: denies, allows, approvals, rate limits, each in compiled order. */
  rules: RuleTrace[];
}

/** At most this many subject strings or patterns are quoted in a reason. */
const MAX_LISTED = 8;
/** Seen values longer than this are cut in reasons. */
const MAX_VALUE_SHOWN = 80;

/** Tool patterns and subject strings: plain names as `shown` reads them, and '*' as written. */
const PLAIN_PATTERN = /^[A-Za-z0-9_.:@/*-]{1,128}$/;

function listed(items: readonly string[]): string {
  const head = items
    .slice(0, MAX_LISTED)
    .map((x) => (PLAIN_PATTERN.test(x) ? x : shown(x)))
    .join(', ');
  return items.length > MAX_LISTED ? `${head} and ${items.length - MAX_LISTED} more` : head;
}

function seen(condition: Condition, attrs: Attributes): string {
  const lookup = resolveField(condition.field, attrs);
  if (!lookup.found) return `${condition.field} is missing`;
  let text: string;
  try {
    text = JSON.stringify(lookup.value) ?? String(lookup.value);
  } catch {
    text = String(lookup.value);
  }
  if (text.length > MAX_VALUE_SHOWN) text = `${text.slice(0, MAX_VALUE_SHOWN)}…`;
  return `${condition.field} is ${text}`;
}

/** The first condition whose truth `pick` accepts, with the value seen. */
function conditionText(
  conditions: readonly Condition[],
  attrs: Attributes,
  effect: RuleEffect,
  pick: (truth: Truth) => boolean,
): string {
  const c = conditions.find((x) => pick(evaluateCondition(x, attrs, effect)));
  return c ? `${describeCondition(c)} (${seen(c, attrs)})` : '(none)';
}

function source(rule: RuleSource & { id: string }, kind: RuleKind) {
  return { id: rule.id, kind, file: rule.file, ...(rule.line === undefined ? {} : { line: rule.line }) };
}

interface Matching {
  /** The rule is organisation-wide or of the call's tenant. */
  tenant: boolean;
  tool: boolean;
  subject: boolean;
}

/** The tenant a call is made in. */
const tenantOf = (call: ToolCall) => call.tenant ?? IMPLICIT_TENANT;

/** Why a rule does not reach the call by tool or subject, or undefined when it does. */
function outOfReach(
  indexed: Indexed<{ tools: readonly string[]; subjects?: readonly string[]; tenant?: string }>,
  m: Matching,
  call: ToolCall,
): string | undefined {
  if (!m.tenant) return notInTenant(indexed.rule.tenant, call);
  if (!m.tool) return `${shown(call.tool)} matches none of its tool patterns (${listed(indexed.rule.tools)})`;
  if (!m.subject) {
    const { kind } = call.subject;
    if (kind !== 'user' && kind !== 'agent')
      return `a ${kind} caller is named by no rule: only users and agents are subjects of policies`;
    const groups = call.subject.groups.length > 0 ? ` nor its groups (${listed(call.subject.groups)})` : '';
    return `its subjects (${listed(indexed.rule.subjects ?? [])}) name neither ${subjectName(call.subject)}${groups}`;
  }
  return undefined;
}

function notInTenant(tenant: string | undefined, call: ToolCall): string {
  return `it applies only to calls in tenant ${shown(String(tenant))}; this call is in tenant ${shown(tenantOf(call))}`;
}

/**
 * The decision `decide(compiled, call)` makes, with every rule considered (those of other tenants too, as
 * not applying). Pure; never throws on odd arguments (as `decide`).
 */
export function explainDecision(compiled: CompiledPolicy, call: ToolCall): DecisionTrace {
  const who = subjectName(call.subject);
  const tool = shown(call.tool);
  const what = `${who} may not call ${tool} in ${call.environment}`;
  const index = everyRuleIndex(compiled);

  if (call.environment !== compiled.environment) {
    const reason = `not evaluated: the call is in ${shown(String(call.environment))}, this policy was compiled for ${compiled.environment}`;
    const all = [
      ...index.denies.all.map(({ rule }) => source(rule, 'deny')),
      ...index.allows.all.map(({ rule }) => source(rule, 'allow')),
      ...index.approvals.all.map(({ rule }) => source(rule, 'approval')),
      ...index.rateLimits.all.map(({ rule }) => source(rule, 'rateLimit')),
    ];
    return {
      decision: denied(ENVIRONMENT_MISMATCH, `${what}: the policy was compiled for ${compiled.environment}`),
      rules: all.map((r) => ({ ...r, matched: false, reason })),
    };
  }

  const attrs: Attributes = {
    args: call.args,
    subject: call.subject,
    environment: call.environment,
    now: call.now,
  };
  const keys = subjectKeys(call.subject);
  const tenant = tenantOf(call);
  const inTenant = (r: Indexed<{ tenant?: string }>) =>
    r.rule.tenant === undefined || r.rule.tenant === tenant;
  const reach = <R extends { tools: readonly string[]; tenant?: string }>(r: Indexed<R>): Matching => ({
    tenant: inTenant(r),
    tool: r.matchesTool(call.tool),
    subject: namesSubject(r.subjects, keys),
  });
  const reaches = (m: Matching) => m.tenant && m.tool && m.subject;

  // Denies: the first that applies decides.
  const denies = index.denies.all.map((indexed) => {
    const m = reach(indexed);
    const truth = reaches(m) ? evaluateConditions(indexed.rule.when, attrs, 'deny') : 'false';
    return { indexed, m, truth, applies: reaches(m) && truth !== 'false' };
  });
  // Allows: the first whose conditions are known to hold decides, when no deny did.
  const allows = index.allows.all.map((indexed) => {
    const m = reach(indexed);
    const truth = reaches(m) ? evaluateConditions(indexed.rule.when, attrs) : 'false';
    return { indexed, m, truth, applies: reaches(m) && truth === 'true' };
  });

  const firstDeny = denies.find((d) => d.applies);
  const firstAllow = allows.find((a) => a.applies);
  let decision: Decision;
  if (firstDeny) {
    const rule = firstDeny.indexed.rule;
    const why = rule.description ? ` (${rule.description})` : '';
    const unsure =
      firstDeny.truth === 'unknown'
        ? `; its condition ${firstUnmet(rule.when, attrs, 'deny')} could not be evaluated, so it applies`
        : '';
    decision = denied(rule.id, `${what}: denied by ${rule.id}${why}${unsure}`);
  } else if (firstAllow) {
    const rule = firstAllow.indexed.rule;
    const approval = index.approvals.all.find((a) => inTenant(a) && a.matchesTool(call.tool))?.rule;
    const limit = index.rateLimits.all.find((r) => reaches(reach(r)))?.rule;
    decision = {
      allowed: true,
      effect: 'allow',
      rule: rule.id,
      reason: `${who} may call ${tool} in ${call.environment}: allowed by ${rule.id} (role ${rule.role})`,
      ...(approval
        ? {
            approval: {
              rule: approval.id,
              approvers: [...approval.approvers],
              timeoutSeconds: approval.timeoutSeconds,
            },
          }
        : {}),
      ...(limit
        ? { rateLimit: { rule: limit.id, limit: limit.limit, windowSeconds: limit.windowSeconds } }
        : {}),
    };
  } else {
    const misses = allows
      .filter((a) => reaches(a.m))
      .map(({ indexed: { rule }, truth }) => {
        const verb = truth === 'false' ? 'does not hold' : 'could not be evaluated';
        return `${rule.id} (role ${rule.role}) needs ${firstUnmet(rule.when, attrs)}, which ${verb}`;
      });
    const more = misses.length > MAX_MISSES_SHOWN ? `; and ${misses.length - MAX_MISSES_SHOWN} more` : '';
    const detail = misses.length > 0 ? `; ${misses.slice(0, MAX_MISSES_SHOWN).join('; ')}${more}` : '';
    decision = denied(DEFAULT_DENY, `${what}: no rule allows it${detail}`);
  }

  const rules: RuleTrace[] = [];
  for (const d of denies) {
    const rule = d.indexed.rule;
    const out = outOfReach(d.indexed, d.m, call);
    let reason: string;
    if (out) reason = out;
    else if (!d.applies)
      reason = `its condition ${conditionText(rule.when, attrs, 'deny', (t) => t === 'false')} does not hold`;
    else {
      const conditions =
        rule.when.length === 0
          ? 'it has no conditions'
          : d.truth === 'true'
            ? 'its conditions hold'
            : `its condition ${conditionText(rule.when, attrs, 'deny', (t) => t === 'unknown')} could not be evaluated, so it applies (a deny fails closed)`;
      reason =
        decision.rule === rule.id
          ? `denies the call: it names the caller and the tool, and ${conditions}`
          : `would deny as well (${conditions}), but ${decision.rule} decided first`;
    }
    rules.push({ ...source(rule, 'deny'), matched: d.applies, reason });
  }
  for (const a of allows) {
    const rule = a.indexed.rule;
    const out = outOfReach(a.indexed, a.m, call);
    let reason: string;
    if (out) reason = out;
    else if (!a.applies) {
      const verb = a.truth === 'false' ? 'does not hold' : 'could not be evaluated (an allow needs it true)';
      reason = `its condition ${conditionText(rule.when, attrs, 'allow', (t) => t !== 'true')} ${verb}`;
    } else if (decision.rule === rule.id)
      reason = `allows the call (role ${rule.role})${rule.when.length > 0 ? '; its conditions hold' : ''}`;
    else if (decision.allowed)
      reason = `would allow as well (role ${rule.role}), but ${decision.rule} comes first`;
    else reason = `would allow (role ${rule.role}), but ${decision.rule} denies the call`;
    rules.push({ ...source(rule, 'allow'), matched: a.applies, reason });
  }
  let approvalSeen = false;
  for (const indexed of index.approvals.all) {
    const rule = indexed.rule;
    const matched = inTenant(indexed) && indexed.matchesTool(call.tool);
    let reason: string;
    if (!inTenant(indexed)) reason = notInTenant(rule.tenant, call);
    else if (!matched) reason = `${tool} matches none of its tool patterns (${listed(rule.tools)})`;
    else if (approvalSeen) reason = `covers ${tool}, but an earlier approval rule applies`;
    else if (!decision.allowed) reason = `covers ${tool}; not needed: the call is denied`;
    else reason = `the call needs approval by ${listed(rule.approvers)} within ${rule.timeoutSeconds}s`;
    approvalSeen ||= matched;
    rules.push({ ...source(rule, 'approval'), matched, reason });
  }
  let limitSeen = false;
  for (const indexed of index.rateLimits.all) {
    const rule = indexed.rule;
    const m = reach(indexed);
    const out = outOfReach(indexed, m, call);
    const matched = out === undefined;
    let reason: string;
    if (out) reason = out;
    else if (limitSeen) reason = 'names the caller and the tool, but an earlier rate limit applies';
    else if (!decision.allowed) reason = 'names the caller and the tool; not counted: the call is denied';
    else reason = `limits the caller to ${rule.limit} calls of it per ${rule.windowSeconds}s`;
    limitSeen ||= matched;
    rules.push({ ...source(rule, 'rateLimit'), matched, reason });
  }
  return { decision, rules };
}

function denied(rule: string, reason: string): Decision {
  return { allowed: false, effect: 'deny', rule, reason };
}
