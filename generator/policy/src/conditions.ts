/**
 * Evaluation of policy conditions (ABAC) in three-valued logic, so that the engine can fail closed.
 *
 * A condition is `true`, `false` or `unknown`. It is `unknown` when the attribute is missing (absent or
 * null) for any operator but `exists`, when the value has another type than the operand (`"5"` vs `5`:
 * no coercion), or when the value is not a scalar (an object or array) — cases where the policy author's
 * intent cannot be read off the value and an upstream API might coerce it. The caller resolves `unknown`
 * against itself: an allow rule needs `true`, a deny rule applies unless the result is `false`.
 *
 * Strings are compared as the condition's `normalize` says (text-comparison.ts); when it says nothing, the
 * comparison that fails closed for the rule's effect: in a deny, `equals`, `in` and `matches` compare
 * confusable skeletons (so 'Admin1', ' admin1' and a Cyrillic 'аdmin1' are all caught by `admin*`) and
 * `notEquals`/`notIn` compare exactly; in an allow, the other way round.
 */

import type { Condition, Environment, Scalar } from '@raku/config';
import { defaultComparison, globMatchesAs, normalizeText, type TextComparison } from './text-comparison.ts';
import type { Subject } from './types.ts';

/** Whether the rule holding a condition allows or denies: it decides how strings compare by default. */
export type RuleEffect = 'allow' | 'deny';

export type Truth = 'true' | 'false' | 'unknown';

/** What conditions can read. */
export interface Attributes {
  args: unknown;
  subject: Subject;
  environment: Environment;
  now: Date;
}

type Lookup = { found: true; value: unknown } | { found: false };
const MISSING: Lookup = { found: false };

/**
 * Reads one attribute. Only own properties are followed, so `args.__proto__.x` or `args.constructor`
 * never reach Object.prototype; array elements are reached by index ('args.items.0') and nothing else.
 * `null` counts as missing.
 */
export function resolveField(field: string, attrs: Attributes): Lookup {
  switch (field) {
    case 'subject.id':
      return found(attrs.subject.id);
    case 'subject.kind':
      return found(attrs.subject.kind);
    case 'environment':
      return found(attrs.environment);
    // An invalid Date gives NaN: treat it as missing so that time conditions fail closed.
    case 'time.hour':
      return found(attrs.now.getUTCHours());
    case 'time.weekday':
      return found(attrs.now.getUTCDay());
  }
  if (field.startsWith('claims.'))
    return found(ownProperty(attrs.subject.claims, field.slice('claims.'.length)));
  if (field.startsWith('args.')) {
    let value: unknown = attrs.args;
    for (const segment of field.slice('args.'.length).split('.')) {
      value = ownProperty(value, segment);
      if (value === undefined) return MISSING;
    }
    return found(value);
  }
  return MISSING;
}

function found(value: unknown): Lookup {
  if (value === undefined || value === null || Number.isNaN(value)) return MISSING;
  return { found: true, value };
}

function ownProperty(container: unknown, key: string): unknown {
  if (Array.isArray(container)) return /^(0|[1-9][0-9]{0,8})$/.test(key) ? container[Number(key)] : undefined;
  if (typeof container !== 'object' || container === null) return undefined;
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}

const not = (t: Truth): Truth => (t === 'unknown' ? t : t === 'true' ? 'false' : 'true');

/** Kleene AND: false wins, then unknown. */
export function allOf(truths: Iterable<Truth>): Truth {
  let result: Truth = 'true';
  for (const t of truths) {
    if (t === 'false') return 'false';
    if (t === 'unknown') result = 'unknown';
  }
  return result;
}

/** Kleene OR: true wins, then unknown. */
function anyOf(truths: Iterable<Truth>): Truth {
  let result: Truth = 'false';
  for (const t of truths) {
    if (t === 'true') return 'true';
    if (t === 'unknown') result = 'unknown';
  }
  return result;
}

/** Strings, booleans and finite numbers; anything else is compared by no operator but `exists`. */
const isScalar = (v: unknown): v is Scalar =>
  typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';
const truth = (b: boolean): Truth => (b ? 'true' : 'false');

function equalsScalar(value: Scalar, operand: Scalar, how: TextComparison): Truth {
  if (typeof value !== typeof operand) return 'unknown';
  if (typeof value === 'string' && how !== 'exact') {
    return truth(normalizeText(value, how) === normalizeText(operand as string, how));
  }
  return truth(value === operand);
}

function compare(value: Scalar, operand: number, test: (a: number, b: number) => boolean): Truth {
  return typeof value === 'number' && Number.isFinite(value) ? truth(test(value, operand)) : 'unknown';
}

/** Evaluates one condition of a rule of `effect` (default allow): every operator it gives must hold. */
export function evaluateCondition(
  condition: Condition,
  attrs: Attributes,
  effect: RuleEffect = 'allow',
): Truth {
  const lookup = resolveField(condition.field, attrs);
  const results: Truth[] = [];
  if (condition.exists !== undefined) results.push(truth(lookup.found === condition.exists));
  const hasOperator = OPERATOR_TEXT.some(([key]) => condition[key] !== undefined);
  // The schema requires an operator; a condition without one (a hand-edited bundle) proves nothing.
  if (!hasOperator) return results.length > 0 ? allOf(results) : 'unknown';
  if (!lookup.found || !isScalar(lookup.value)) return allOf([...results, 'unknown']);
  const v = lookup.value;
  const positive = condition.normalize ?? defaultComparison(effect, true);
  const negative = condition.normalize ?? defaultComparison(effect, false);
  if (condition.equals !== undefined) results.push(equalsScalar(v, condition.equals, positive));
  if (condition.notEquals !== undefined) results.push(not(equalsScalar(v, condition.notEquals, negative)));
  if (condition.in !== undefined) results.push(anyOf(condition.in.map((o) => equalsScalar(v, o, positive))));
  if (condition.notIn !== undefined)
    results.push(not(anyOf(condition.notIn.map((o) => equalsScalar(v, o, negative)))));
  if (condition.matches !== undefined)
    results.push(typeof v === 'string' ? truth(globMatchesAs(condition.matches, v, positive)) : 'unknown');
  if (condition.lt !== undefined) results.push(compare(v, condition.lt, (a, b) => a < b));
  if (condition.lte !== undefined) results.push(compare(v, condition.lte, (a, b) => a <= b));
  if (condition.gt !== undefined) results.push(compare(v, condition.gt, (a, b) => a > b));
  if (condition.gte !== undefined) results.push(compare(v, condition.gte, (a, b) => a >= b));
  return allOf(results);
}

/** Evaluates a list of conditions (of a rule of `effect`) that must all hold; an empty list is `true`. */
export function evaluateConditions(
  conditions: readonly Condition[],
  attrs: Attributes,
  effect: RuleEffect = 'allow',
): Truth {
  return allOf(conditions.map((c) => evaluateCondition(c, attrs, effect)));
}

const OPERATOR_TEXT: readonly [keyof Condition, string][] = [
  ['equals', '=='],
  ['notEquals', '!='],
  ['in', 'in'],
  ['notIn', 'not in'],
  ['matches', 'matches'],
  ['lt', '<'],
  ['lte', '<='],
  ['gt', '>'],
  ['gte', '>='],
];

/** A condition as compact text: `args.owner == "acme"`, `time.hour < 7 and time.hour >= 0`, `claims.team exists`. */
export function describeCondition(condition: Condition): string {
  const parts: string[] = [];
  if (condition.exists !== undefined)
    parts.push(`${condition.field} ${condition.exists ? 'exists' : 'is absent'}`);
  for (const [key, text] of OPERATOR_TEXT) {
    const operand = condition[key];
    if (operand !== undefined) parts.push(`${condition.field} ${text} ${JSON.stringify(operand)}`);
  }
  const described = parts.join(' and ');
  return condition.normalize ? `${described} (compared ${condition.normalize})` : described;
}
