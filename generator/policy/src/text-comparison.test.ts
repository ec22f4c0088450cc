import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Loaded, Policy } from '../../config/src/model/types.ts';
import { compilePolicies } from './compile.ts';
import { evaluateCondition } from './conditions.ts';
import { decide } from './decide.ts';
import { defaultComparison, globMatchesAs, normalizeText } from './text-comparison.ts';

const attrs = (value: unknown) => ({
  args: { repo: value },
  subject: { id: 'ann', kind: 'user' as const, groups: [], claims: {} },
  environment: 'prod' as const,
  now: new Date('2026-12-01T12:00:00Z'),
});

/** What an upstream might turn a value back into the one the deny names. */
const CYRILLIC: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', x: 'х', i: 'і' };
const variant = fc.constantFrom<(s: string) => string>(
  (s) => s.toUpperCase(),
  (s) => s[0]!.toUpperCase() + s.slice(1),
  (s) => ` ${s}`,
  (s) => `${s}\u00a0`,
  (s) => `\u200b${s}`,
  (s) => s.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)), // full-width
  (s) => s.replace(/[aeopcxi]/, (c) => CYRILLIC[c]!),
  (s) => s.replace(/[aeopcxi]/g, (c) => CYRILLIC[c]!).toUpperCase(),
);
const word = fc.stringMatching(/^[a-z]{2,8}[0-9]?$/);

describe('deny patterns are not bypassed by case, spaces, width, invisible characters or look-alikes', () => {
  it('a deny `matches` without normalize catches every variant of a matching value', () => {
    fc.assert(
      fc.property(word, fc.stringMatching(/^[a-z0-9]{0,4}$/), variant, (prefix, rest, twist) => {
        const condition = { field: 'args.repo', matches: `${prefix}*` };
        expect(evaluateCondition(condition, attrs(twist(prefix + rest)), 'deny')).toBe('true');
      }),
      { numRuns: 500 },
    );
  });

  it('a deny `equals` and `in` without normalize catch every variant', () => {
    fc.assert(
      fc.property(word, variant, (name, twist) => {
        expect(evaluateCondition({ field: 'args.repo', equals: name }, attrs(twist(name)), 'deny')).toBe(
          'true',
        );
        expect(evaluateCondition({ field: 'args.repo', in: ['x', name] }, attrs(twist(name)), 'deny')).toBe(
          'true',
        );
      }),
      { numRuns: 300 },
    );
  });

  it('an allow `equals` without normalize still compares exactly (a variant is not the allowed value)', () => {
    fc.assert(
      fc.property(word, variant, (name, twist) => {
        const value = twist(name);
        fc.pre(value !== name);
        expect(evaluateCondition({ field: 'args.repo', equals: name }, attrs(value), 'allow')).toBe('false');
      }),
    );
  });

  it('an allow `notIn` without normalize treats every variant of a listed value as listed', () => {
    fc.assert(
      fc.property(word, variant, (name, twist) => {
        expect(evaluateCondition({ field: 'args.repo', notIn: [name] }, attrs(twist(name)), 'allow')).toBe(
          'false',
        );
      }),
    );
  });

  it('normalisation is idempotent and the same for a value and its variants, per comparison', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom('exact', 'caseless', 'nfkc', 'skeleton' as const),
        (s, how) => {
          const once = normalizeText(s, how);
          expect(normalizeText(once, how)).toBe(once);
        },
      ),
    );
  });

  it('never matches what the pattern does not cover, whatever the comparison', () => {
    fc.assert(
      fc.property(
        word,
        word,
        fc.constantFrom('exact', 'caseless', 'nfkc', 'skeleton' as const),
        (a, b, how) => {
          fc.pre(normalizeText(a, 'skeleton') !== normalizeText(b, 'skeleton'));
          expect(globMatchesAs(a, b, how)).toBe(false);
        },
      ),
    );
  });

  it('compares as the condition says when it says', () => {
    const c = (normalize: 'exact' | 'caseless' | 'nfkc' | 'skeleton') => ({
      field: 'args.repo',
      matches: 'admin*',
      normalize,
    });
    const cases: [string, Record<string, string>][] = [
      ['Admin1', { exact: 'false', caseless: 'true', nfkc: 'true', skeleton: 'true' }],
      [' admin1', { exact: 'false', caseless: 'false', nfkc: 'true', skeleton: 'true' }],
      ['ａｄｍｉｎ1', { exact: 'false', caseless: 'false', nfkc: 'true', skeleton: 'true' }],
      ['аdmin1', { exact: 'false', caseless: 'false', nfkc: 'false', skeleton: 'true' }],
      ['audit', { exact: 'false', caseless: 'false', nfkc: 'false', skeleton: 'false' }],
    ];
    for (const [value, expected] of cases) {
      for (const [how, truth] of Object.entries(expected)) {
        expect([value, how, evaluateCondition(c(how as never), attrs(value), 'deny')]).toEqual([
          value,
          how,
          truth,
        ]);
      }
    }
  });

  it('picks the comparison that fails closed by default', () => {
    expect(defaultComparison('deny', true)).toBe('skeleton');
    expect(defaultComparison('deny', false)).toBe('exact');
    expect(defaultComparison('allow', true)).toBe('exact');
    expect(defaultComparison('allow', false)).toBe('skeleton');
  });
});

describe('decide with a deny pattern (issue 11, item 12)', () => {
  const policy: Policy = {
    name: 'p',
    roles: [{ name: 'all', tools: ['*'] }],
    bindings: [{ role: 'all', subjects: ['*'] }],
    denies: [
      {
        name: 'no-admin-repos',
        tools: ['*'],
        subjects: ['*'],
        when: [{ field: 'args.repo', matches: 'admin*' }],
      },
    ],
  };
  const compiled = compilePolicies([{ file: 'policies/p.yaml', value: policy } as Loaded<Policy>], 'prod');
  it.each(['admin1', 'Admin1', ' admin1', 'аdmin1', 'ＡＤＭＩＮ', 'ad\u200bmin'])('denies %j', (repo) => {
    const decision = decide(compiled, {
      tool: 'gh.get',
      args: { repo },
      subject: { id: 'ann', kind: 'user', groups: [], claims: {} },
      environment: 'prod',
      now: new Date(),
    });
    expect(decision).toMatchObject({ allowed: false, rule: 'p/denies/no-admin-repos' });
  });
});
