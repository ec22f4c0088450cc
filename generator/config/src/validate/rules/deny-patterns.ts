import type { Condition } from '../../model/types.ts';
import type { Rule } from './context.ts';

/** What an upstream may do to a value that a comparison of each kind does not undo. */
const NOT_UNDONE: Record<Exclude<NonNullable<Condition['normalize']>, 'skeleton'>, string> = {
  exact:
    "fold case ('Admin1'), trim spaces (' admin1'), apply NFKC (full-width 'ａｄｍｉｎ1') or map look-alikes (Cyrillic 'аdmin1')",
  caseless:
    "trim spaces (' admin1'), apply NFKC (full-width 'ａｄｍｉｎ1') or map look-alikes (Cyrillic 'аdmin1')",
  nfkc: "map look-alikes (Cyrillic 'аdmin1', '0' for 'o')",
};

const POSITIVE = ['equals', 'in', 'matches'] as const;

const hasString = (operand: unknown) =>
  typeof operand === 'string' || (Array.isArray(operand) && operand.some((o) => typeof o === 'string'));

/**
 * A deny whose `equals`, `in` or `matches` compares strings more strictly than their confusable skeleton
 * (an explicit `normalize` of exact, caseless or nfkc) can be walked around: the caller sends a variant the
 * deny does not match and the upstream normalises it back. Warned, not refused: the author may know the
 * upstream compares exactly.
 */
export const denyPatternNormalization: Rule = (ctx) => {
  for (const { file, value: policy } of ctx.model.policies) {
    (policy.denies ?? []).forEach((deny, i) => {
      (deny.when ?? []).forEach((condition, j) => {
        const how = condition.normalize;
        if (how === undefined || how === 'skeleton') return;
        const operators = POSITIVE.filter((op) => hasString(condition[op]));
        if (operators.length === 0) return;
        ctx.report(
          file,
          ['denies', i, 'when', j, 'normalize'],
          'deny-pattern-normalization',
          `deny "${deny.name}" compares ${condition.field} ${operators.join('/')} ${how}: an upstream that may ${NOT_UNDONE[how]} acts on a value this deny does not match; remove normalize (a deny compares skeletons by default) or set it to skeleton`,
          'warning',
        );
      });
    });
  }
};
