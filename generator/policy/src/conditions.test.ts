import { describe, expect, it } from 'vitest';
import type { Condition } from '../../config/src/model/types.ts';
import {
  type Attributes,
  describeCondition,
  evaluateCondition,
  resolveField,
  type Truth,
} from './conditions.ts';

const attrs = (
  args: unknown,
  claims: Record<string, unknown> = {},
  now = '2026-11-23T10:30:00Z',
): Attributes => ({
  args,
  subject: { id: 'triage-bot', kind: 'agent', groups: ['bots'], claims },
  environment: 'prod',
  now: new Date(now),
});

const c = (field: string, ops: Omit<Condition, 'field'>): Condition => ({ field, ...ops });

describe('evaluateCondition', () => {
  it.each<[string, Condition, unknown, Truth]>([
    // equals / notEquals
    ['equals on an equal string', c('args.owner', { equals: 'acme' }), { owner: 'acme' }, 'true'],
    ['equals on another string', c('args.owner', { equals: 'acme' }), { owner: 'evil' }, 'false'],
    ['equals is case-sensitive', c('args.owner', { equals: 'acme' }), { owner: 'ACME' }, 'false'],
    ['equals on a number', c('args.n', { equals: 5 }), { n: 5 }, 'true'],
    ['equals on a boolean', c('args.force', { equals: false }), { force: false }, 'true'],
    ['equals does not coerce "5" to 5', c('args.n', { equals: 5 }), { n: '5' }, 'unknown'],
    [
      'equals on an array value is unknown',
      c('args.owner', { equals: 'acme' }),
      { owner: ['acme'] },
      'unknown',
    ],
    [
      'equals on an object value is unknown',
      c('args.owner', { equals: 'acme' }),
      { owner: { a: 1 } },
      'unknown',
    ],
    ['equals on a missing value is unknown', c('args.owner', { equals: 'acme' }), {}, 'unknown'],
    [
      'equals on null is unknown (null is missing)',
      c('args.owner', { equals: 'acme' }),
      { owner: null },
      'unknown',
    ],
    ['notEquals on another string', c('args.owner', { notEquals: 'evil' }), { owner: 'acme' }, 'true'],
    ['notEquals on the same string', c('args.owner', { notEquals: 'evil' }), { owner: 'evil' }, 'false'],
    ['notEquals on a missing value is unknown', c('args.owner', { notEquals: 'evil' }), {}, 'unknown'],
    [
      'notEquals on an array value is unknown',
      c('args.owner', { notEquals: 'evil' }),
      { owner: ['evil'] },
      'unknown',
    ],
    ['notEquals across types is unknown', c('args.n', { notEquals: 5 }), { n: '5' }, 'unknown'],
    // in / notIn
    ['in with a member', c('args.state', { in: ['open', 'closed'] }), { state: 'open' }, 'true'],
    ['in without a member', c('args.state', { in: ['open', 'closed'] }), { state: 'all' }, 'false'],
    ['in with a member of another type only', c('args.n', { in: ['1', '2'] }), { n: 1 }, 'unknown'],
    ['in with mixed types finds the typed member', c('args.n', { in: ['1', 1] }), { n: 1 }, 'true'],
    ['in on a missing value', c('args.state', { in: ['open'] }), {}, 'unknown'],
    ['notIn without a member', c('args.state', { notIn: ['all'] }), { state: 'open' }, 'true'],
    ['notIn with a member', c('args.state', { notIn: ['all'] }), { state: 'all' }, 'false'],
    ['notIn on a missing value', c('args.state', { notIn: ['all'] }), {}, 'unknown'],
    // matches
    ['matches a prefix glob', c('args.repo', { matches: 'acme-*' }), { repo: 'acme-web' }, 'true'],
    [
      'matches fails on another prefix',
      c('args.repo', { matches: 'acme-*' }),
      { repo: 'evil-acme-web' },
      'false',
    ],
    ['matches with inner stars', c('args.repo', { matches: '*-web-*' }), { repo: 'acme-web-prod' }, 'true'],
    ['matches without a star is exact', c('args.repo', { matches: 'acme' }), { repo: 'acme2' }, 'false'],
    [
      'matches treats regex characters literally',
      c('args.repo', { matches: 'a.c' }),
      { repo: 'abc' },
      'false',
    ],
    ['matches on a number is unknown', c('args.repo', { matches: '1*' }), { repo: 12 }, 'unknown'],
    ['matches on a missing value is unknown', c('args.repo', { matches: '*' }), {}, 'unknown'],
    [
      'matches a megabyte string',
      c('args.q', { matches: '*a*b*c*d' }),
      { q: `${'a'.repeat(1 << 20)}bcd` },
      'true',
    ],
    [
      'fails a megabyte string fast',
      c('args.q', { matches: '*a*a*a*a*b' }),
      { q: 'a'.repeat(1 << 20) },
      'false',
    ],
    // exists
    ['exists:true on a present value', c('args.reason', { exists: true }), { reason: 'dup' }, 'true'],
    ['exists:true on a missing value', c('args.reason', { exists: true }), {}, 'false'],
    ['exists:false on a missing value', c('args.reason', { exists: false }), {}, 'true'],
    ['exists:false on null', c('args.reason', { exists: false }), { reason: null }, 'true'],
    ['exists:false on a present value', c('args.reason', { exists: false }), { reason: '' }, 'false'],
    [
      'exists:true with equals on a missing value is false, not unknown',
      c('args.o', { exists: true, equals: 'a' }),
      {},
      'false',
    ],
    // numbers
    ['lt below', c('args.n', { lt: 10 }), { n: 9 }, 'true'],
    ['lt at the bound', c('args.n', { lt: 10 }), { n: 10 }, 'false'],
    ['lte at the bound', c('args.n', { lte: 10 }), { n: 10 }, 'true'],
    ['gt at the bound', c('args.n', { gt: 10 }), { n: 10 }, 'false'],
    ['gte at the bound', c('args.n', { gte: 10 }), { n: 10 }, 'true'],
    ['a range: every operator must hold', c('args.n', { gte: 1, lt: 100 }), { n: 100 }, 'false'],
    ['a range inside', c('args.n', { gte: 1, lt: 100 }), { n: 1 }, 'true'],
    ['lt on a numeric string is unknown', c('args.n', { lt: 10 }), { n: '9' }, 'unknown'],
    ['lt on a boolean is unknown', c('args.n', { lt: 10 }), { n: true }, 'unknown'],
    ['lt on a missing value is unknown', c('args.n', { lt: 10 }), {}, 'unknown'],
    [
      'lt on -Infinity (from JavaScript, not JSON) is unknown',
      c('args.n', { lt: 10 }),
      { n: -Infinity },
      'unknown',
    ],
    ['notEquals on NaN is unknown', c('args.n', { notEquals: 1 }), { n: Number.NaN }, 'unknown'],
    ['exists on NaN is false', c('args.n', { exists: true }), { n: Number.NaN }, 'false'],
    // nesting and hostile paths
    ['a nested path', c('args.repo.owner', { equals: 'acme' }), { repo: { owner: 'acme' } }, 'true'],
    ['an array element by index', c('args.labels.0', { equals: 'bug' }), { labels: ['bug'] }, 'true'],
    ['not an array length', c('args.labels.length', { equals: 1 }), { labels: ['bug'] }, 'unknown'],
    ['not a string length', c('args.owner.length', { equals: 4 }), { owner: 'acme' }, 'unknown'],
    ['not Object.prototype through __proto__', c('args.__proto__.polluted', { exists: true }), {}, 'false'],
    ['not the constructor', c('args.constructor', { exists: true }), {}, 'false'],
    ['not the constructor name', c('args.constructor.name', { equals: 'Object' }), {}, 'unknown'],
    ['not toString', c('args.toString', { exists: false }), {}, 'true'],
    [
      'an own "__proto__" key from JSON.parse is data, not the prototype',
      c('args.__proto__.x', { equals: 1 }),
      JSON.parse('{"__proto__": {"x": 1}}'),
      'true',
    ],
    ['args that are not an object', c('args.owner', { equals: 'acme' }), 'acme', 'unknown'],
    ['args that are missing', c('args.owner', { exists: false }), undefined, 'true'],
  ])('%s', (_name, condition, args, expected) => {
    expect(evaluateCondition(condition, attrs(args))).toBe(expected);
  });

  it.each<[string, Condition, Record<string, unknown>, string, Truth]>([
    ['a claim', c('claims.tier', { equals: 'gold' }), { tier: 'gold' }, '2026-11-23T10:00:00Z', 'true'],
    [
      'a claim name with dots and colons',
      c('claims.https://x.io/team', { equals: 'a' }),
      { 'https://x.io/team': 'a' },
      '2026-11-23T10:00:00Z',
      'true',
    ],
    ['a missing claim', c('claims.tier', { equals: 'gold' }), {}, '2026-11-23T10:00:00Z', 'unknown'],
    [
      'claims do not reach the prototype',
      c('claims.constructor', { exists: true }),
      {},
      '2026-11-23T10:00:00Z',
      'false',
    ],
    ['subject.id', c('subject.id', { equals: 'triage-bot' }), {}, '2026-11-23T10:00:00Z', 'true'],
    ['subject.kind', c('subject.kind', { equals: 'user' }), {}, '2026-11-23T10:00:00Z', 'false'],
    ['environment', c('environment', { in: ['staging', 'prod'] }), {}, '2026-11-23T10:00:00Z', 'true'],
    ['time.hour just before 7 UTC', c('time.hour', { lt: 7 }), {}, '2026-11-23T06:59:59.999Z', 'true'],
    ['time.hour at 7 UTC', c('time.hour', { lt: 7 }), {}, '2026-11-23T07:00:00Z', 'false'],
    ['time.hour is UTC, not local', c('time.hour', { equals: 23 }), {}, '2026-11-24T01:00:00+02:00', 'true'],
    ['time.weekday on a Sunday', c('time.weekday', { equals: 0 }), {}, '2026-11-22T23:59:59Z', 'true'],
    ['time.weekday on Monday midnight', c('time.weekday', { equals: 1 }), {}, '2026-11-23T00:00:00Z', 'true'],
  ])('reads %s', (_name, condition, claims, now, expected) => {
    expect(evaluateCondition(condition, attrs({}, claims, now))).toBe(expected);
  });

  it.each<[Condition, Truth]>([
    [c('time.hour', { lt: 7 }), 'unknown'],
    [c('time.hour', { notEquals: 3 }), 'unknown'],
    [c('time.weekday', { in: [0, 6] }), 'unknown'],
    [c('time.hour', { exists: false }), 'true'],
  ])('reads an invalid clock as missing: %j', (condition, expected) => {
    expect(evaluateCondition(condition, attrs({}, {}, 'not a time'))).toBe(expected);
  });

  it('treats a condition without operators as unknown', () => {
    expect(evaluateCondition({ field: 'args.owner' }, attrs({ owner: 'x' }))).toBe('unknown');
  });

  it('pollutes nothing while reading hostile paths', () => {
    resolveField('args.__proto__.polluted', attrs(JSON.parse('{"__proto__": {"polluted": true}}')));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('describeCondition', () => {
  it.each<[Condition, string]>([
    [c('args.owner', { equals: 'acme' }), 'args.owner == "acme"'],
    [c('time.hour', { gte: 9, lt: 17 }), 'time.hour < 17 and time.hour >= 9'],
    [c('args.state', { notIn: ['all', 'closed'] }), 'args.state not in ["all","closed"]'],
    [c('claims.team', { exists: true }), 'claims.team exists'],
    [c('args.reason', { exists: false }), 'args.reason is absent'],
    [c('args.repo', { matches: 'acme-*' }), 'args.repo matches "acme-*"'],
  ])('describes %j as %s', (condition, text) => {
    expect(describeCondition(condition)).toBe(text);
  });
});
