import { describe, expect, it } from 'vitest';
import { SENSITIVE_WITHOUT_APPROVAL, withSensitiveRule } from './sensitive.ts';
import type { Decision } from './types.ts';

const allowed: Decision = { allowed: true, effect: 'allow', rule: 'p/bindings[0]', reason: 'allowed' };

describe('withSensitiveRule', () => {
  it('refuses an allowed call to a sensitive tool that no approval rule covers', () => {
    expect(withSensitiveRule(allowed, 'github.delete_repo', true)).toEqual({
      allowed: false,
      effect: 'deny',
      rule: SENSITIVE_WITHOUT_APPROVAL,
      reason: 'github.delete_repo is marked sensitive and no approval rule covers it, so it cannot be called',
    });
  });

  it('keeps the decision when an approval covers the tool, the tool is not sensitive, or the call is denied', () => {
    const approved = {
      ...allowed,
      approval: { rule: 'p/approvals/a', approvers: ['user:x'], timeoutSeconds: 60 },
    };
    expect(withSensitiveRule(approved, 't', true)).toBe(approved);
    expect(withSensitiveRule(allowed, 't', false)).toBe(allowed);
    const denied: Decision = { allowed: false, effect: 'deny', rule: 'default-deny', reason: 'no' };
    expect(withSensitiveRule(denied, 't', true)).toBe(denied);
  });
});
