import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  callerFor,
  fileLine,
  lineRange,
  matchesFilter,
  parseGroups,
  parseObject,
  ruleTenantLabel,
  tabOf,
  tenantLabel,
} from './policy-types.ts';

describe('policy explorer helpers', () => {
  it('reads the tab from the query, rules by default', () => {
    expect(tabOf('access')).toBe('access');
    expect(tabOf(null)).toBe('rules');
    expect(tabOf('constructor')).toBe('rules');
  });

  it('shows file:line, or the file alone without a line', () => {
    expect(fileLine({ file: 'policies/a.yaml', line: 12 })).toBe('policies/a.yaml:12');
    expect(fileLine({ file: 'policies/a.yaml', line: null })).toBe('policies/a.yaml');
  });

  it('turns a subject string of the policies into a caller to simulate', () => {
    expect(callerFor('agent:triage-bot')).toEqual({ kind: 'agent', id: 'triage-bot', groups: [] });
    expect(callerFor('user:a:b')).toEqual({ kind: 'user', id: 'a:b', groups: [] });
    expect(callerFor('group:eng')).toEqual({ kind: 'user', id: 'someone', groups: ['eng'] });
    expect(callerFor('*')).toEqual({ kind: 'user', id: 'someone', groups: [] });
  });

  it('parses JSON objects and names the field when it cannot', () => {
    expect(parseObject(' ', 'Claims')).toEqual({ ok: true, value: {} });
    expect(parseObject('{"a":1}', 'Claims')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseObject('[1]', 'Arguments')).toMatchObject({
      ok: false,
      message: /^Arguments: must be a JSON object/,
    });
    expect(parseObject('{', 'Arguments')).toMatchObject({ ok: false, message: /^Arguments: not JSON/ });
  });

  it('splits groups on commas and spaces, once each', () => {
    expect(parseGroups(' eng, ops  eng,')).toEqual(['eng', 'ops']);
    expect(parseGroups('')).toEqual([]);
  });

  it('filters case-insensitively', () => {
    expect(matchesFilter('github.close_issue', ' GitHub')).toBe(true);
    expect(matchesFilter('petstore.get_pet', 'github')).toBe(false);
    expect(matchesFilter('anything', '')).toBe(true);
  });

  it('finds the range of a 1-based line, which holds exactly that line', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string().map((s) => s.replaceAll('\n', '')),
          { minLength: 1 },
        ),
        fc.nat(),
        (lines, n) => {
          const text = lines.join('\n');
          const line = (n % lines.length) + 1;
          const [start, end] = lineRange(text, line);
          expect(text.slice(start, end)).toBe(lines[line - 1]);
        },
      ),
    );
    expect(lineRange('a\nb', 5)).toEqual([3, 3]);
  });

  it('names the implicit tenant by whose it is, and a rule of no tenant as the organisation’s', () => {
    expect(tenantLabel('default')).toBe('default (callers of no tenant)');
    expect(tenantLabel('payments')).toBe('payments');
    expect(ruleTenantLabel(null)).toBe('organisation');
    expect(ruleTenantLabel('support')).toBe('support');
  });
});
