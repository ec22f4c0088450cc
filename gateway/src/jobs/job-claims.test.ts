import type { Condition } from '@raku/config';
import type { CompiledPolicy } from '@raku/policy';
import { describe, expect, it } from 'vitest';
// Not on @raku/policy's surface (only decide uses it); the test compares a kept claim set against it directly.
import { evaluateCondition } from '../../../generator/policy/src/conditions.ts';
import { checkJobClaims, claimsReadBy, MAX_JOB_CLAIMS_BYTES, pickClaims } from './job-claims.ts';

const source = { policy: 'p', file: 'policies/p.yaml' };
const policy: CompiledPolicy = {
  environment: 'dev',
  allows: [
    {
      ...source,
      id: 'p/bindings[0]',
      role: 'r',
      tools: ['*'],
      subjects: ['*'],
      when: [
        { field: 'claims.tier', equals: 'gold' },
        { field: 'args.owner', equals: 'acme' },
      ],
    },
    { ...source, id: 'p/bindings[1]', role: 'r', tools: ['*'], subjects: ['*'], when: [] },
  ],
  denies: [
    {
      ...source,
      id: 'p/denies/contractors',
      name: 'contractors',
      tools: ['*'],
      subjects: ['*'],
      when: [
        { field: 'claims.https://acme.io/contractor', equals: true },
        { field: 'claims.tier', exists: true },
      ],
    },
  ],
  approvals: [],
  rateLimits: [],
};

describe('claimsReadBy', () => {
  it('lists the claims named by allow and deny conditions, once each, sorted', () => {
    expect(claimsReadBy(policy)).toEqual(['https://acme.io/contractor', 'tier']);
  });

  it('lists none without a policy or without claim conditions', () => {
    expect(claimsReadBy(null)).toEqual([]);
    expect(claimsReadBy({ ...policy, allows: [], denies: [] })).toEqual([]);
  });
});

describe('pickClaims', () => {
  const verified = {
    sub: 'ann',
    email: 'ann@acme.io',
    tier: 'gold',
    'https://acme.io/contractor': false,
    teams: ['a', 'b'],
    profile: { level: 3 },
    gone: null,
  };

  it('keeps only the named claims the caller has', () => {
    expect(pickClaims(verified, ['tier', 'https://acme.io/contractor', 'missing', 'gone'])).toEqual({
      tier: 'gold',
      'https://acme.io/contractor': false,
    });
  });

  it('keeps objects and arrays as {} and decides every condition on them the same way', () => {
    const kept = pickClaims(verified, ['teams', 'profile']);
    expect(kept).toEqual({ teams: {}, profile: {} });
    const conditions: Condition[] = [
      { field: 'claims.teams', exists: true },
      { field: 'claims.teams', equals: 'a' },
      { field: 'claims.profile', in: ['x'] },
      { field: 'claims.profile', notEquals: 'y' },
      { field: 'claims.teams', exists: false },
    ];
    const attrs = (claims: Record<string, unknown>) => ({
      args: {},
      subject: { id: 'ann', kind: 'user' as const, groups: [], claims },
      environment: 'dev' as const,
      now: new Date('2026-11-30T00:00:00Z'),
    });
    for (const condition of conditions) {
      expect(evaluateCondition(condition, attrs(kept)), JSON.stringify(condition)).toBe(
        evaluateCondition(condition, attrs(verified)),
      );
    }
  });

  it('never follows the prototype, and keeps a claim named __proto__ as data', () => {
    expect(pickClaims(verified, ['constructor', 'toString'])).toEqual({});
    const hostile = JSON.parse('{"__proto__": {"admin": true}, "tier": "gold"}') as Record<string, unknown>;
    const kept = pickClaims(hostile, ['__proto__', 'tier']);
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
    expect(Object.hasOwn(kept, '__proto__')).toBe(true);
    expect((kept as { admin?: unknown }).admin).toBeUndefined();
    expect(JSON.parse(JSON.stringify(kept))).toEqual(JSON.parse('{"__proto__": {}, "tier": "gold"}'));
  });
});

describe('checkJobClaims', () => {
  it('accepts claims up to the bound, counted as UTF-8 JSON bytes', () => {
    const overhead = JSON.stringify({ a: '' }).length;
    expect(checkJobClaims({ a: 'x'.repeat(MAX_JOB_CLAIMS_BYTES - overhead) })).toBeNull();
    expect(checkJobClaims({})).toBeNull();
  });

  it('refuses one byte more, naming the claims and both sizes', () => {
    const overhead = JSON.stringify({ a: '' }).length;
    expect(checkJobClaims({ b: 1, a: 'x'.repeat(MAX_JOB_CLAIMS_BYTES - overhead + 1) })).toBe(
      `the token claims the policy reads (a, b) take ${MAX_JOB_CLAIMS_BYTES + 7} bytes as JSON; a job keeps at most ${MAX_JOB_CLAIMS_BYTES}, so this call cannot run asynchronously`,
    );
    expect(checkJobClaims({ a: 'é'.repeat(MAX_JOB_CLAIMS_BYTES / 2) })).toMatch(/take 4104 bytes/);
  });
});
