import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Caller, principalOf, principalsOf } from '../auth/caller.ts';
import { checkApprover } from './approver.ts';
import { argsHash, canonicalJson } from './args-hash.ts';

const request = (caller: Caller, approvers: string[]) => ({
  approvers,
  subject: caller.subject,
  principal: principalOf(caller),
  rule: 'p/approvals/r',
});
const approverOf = (caller: Caller) => ({
  subject: caller.subject,
  principal: principalOf(caller),
  principals: principalsOf(caller),
});

describe('four eyes: checkApprover compares the principal (issuer + sub), not the kind', () => {
  const kinds = ['user', 'agent', 'service', 'anonymous'] as const;
  const callerArb = (iss: string, sub: string) =>
    fc
      .record({
        kind: fc.constantFrom(...kinds),
        groups: fc.uniqueArray(fc.constantFrom('maintainers', 'ops', 'bots', 'x'), { maxLength: 3 }),
        extra: fc.dictionary(fc.constantFrom('agent', 'tier', 'team'), fc.jsonValue({ maxDepth: 1 })),
      })
      .map(
        ({ kind, groups, extra }): Caller => ({
          subject: `${kind}:${sub}`,
          kind,
          groups,
          claims: { ...extra, iss, sub },
        }),
      );

  it('refuses self-approval for any kind and group variation of the same issuer and sub', () => {
    const twins = fc
      .tuple(fc.webUrl(), fc.string({ minLength: 1, maxLength: 20 }))
      .chain(([iss, sub]) => fc.tuple(callerArb(iss, sub), callerArb(iss, sub)));
    const approvers = fc.array(fc.constantFrom('*', 'group:maintainers', 'group:bots', 'agent:ann'), {
      minLength: 1,
    });
    fc.assert(
      fc.property(twins, approvers, ([asker, approver], patterns) => {
        expect(checkApprover(request(asker, patterns), approverOf(approver)).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('lets the same sub from another issuer, or another sub, approve', () => {
    const ann: Caller = {
      subject: 'user:ann',
      kind: 'user',
      groups: [],
      claims: { iss: 'https://a', sub: 'ann' },
    };
    const otherIssuer: Caller = {
      subject: 'user:ann',
      kind: 'user',
      groups: ['maintainers'],
      claims: { iss: 'https://b', sub: 'ann' },
    };
    const bob: Caller = {
      subject: 'agent:bob',
      kind: 'agent',
      groups: ['maintainers'],
      claims: { iss: 'https://a', sub: 'bob', agent: true },
    };
    // Same subject string is still refused (belt and braces), whatever the issuer.
    expect(checkApprover(request(ann, ['group:maintainers']), approverOf(otherIssuer)).ok).toBe(false);
    expect(checkApprover(request(ann, ['group:maintainers']), approverOf(bob))).toEqual({ ok: true });
  });

  it('refuses the agent twin of the caller (the reported bypass)', () => {
    const ann: Caller = {
      subject: 'user:ann',
      kind: 'user',
      groups: [],
      claims: { iss: 'https://a', sub: 'ann' },
    };
    const annBot: Caller = {
      subject: 'agent:ann',
      kind: 'agent',
      groups: ['maintainers'],
      claims: { iss: 'https://a', sub: 'ann', agent: true },
    };
    expect(checkApprover(request(ann, ['group:maintainers']), approverOf(annBot))).toEqual({
      ok: false,
      message: 'agent:ann asked for this call and cannot approve it themselves',
    });
  });

  it('compares the id part of the subject for requests stored without a principal', () => {
    const stored = { approvers: ['*'], subject: 'user:ann', principal: null, rule: 'r' };
    expect(checkApprover(stored, { subject: 'agent:ann', principal: '["x","ann"]', principals: [] }).ok).toBe(
      false,
    );
    expect(checkApprover(stored, { subject: 'agent:bob', principal: '["x","bob"]', principals: [] }).ok).toBe(
      true,
    );
  });
});

describe('argsHash', () => {
  it('is the same for the same arguments in any key order, and differs for any change', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (args) => {
        const reversed = Object.fromEntries(Object.entries(args).reverse());
        expect(argsHash(reversed)).toBe(argsHash(args));
        expect(argsHash({ ...args, '\u0000extra': 1 })).not.toBe(argsHash(args));
      }),
    );
  });

  it('writes RFC 8785 canonical JSON', () => {
    expect(canonicalJson({ b: [1, 'x', null], a: { d: true, c: 1.5 }, '\u20ac': 0 })).toBe(
      '{"a":{"c":1.5,"d":true},"b":[1,"x",null],"\u20ac":0}',
    );
    expect(argsHash({})).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
