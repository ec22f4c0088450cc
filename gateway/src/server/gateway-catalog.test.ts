import { compilePolicies, toolsVisibleTo } from '@raku/policy';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, type Caller } from '../auth/caller.ts';
import { subjectOf } from './gateway-catalog.ts';

const policy = compilePolicies(
  [
    {
      file: 'policies/p.yaml',
      value: {
        name: 'p',
        roles: [{ name: 'all', tools: ['*'] }],
        bindings: [{ role: 'all', subjects: ['*', 'user:ci'] }],
      },
    },
  ],
  'dev',
);

describe('subjectOf', () => {
  it('keeps the caller kind, so anonymous and service callers match no grant, not even "*"', () => {
    const service: Caller = { subject: 'service:ci', kind: 'service', groups: [], claims: {} };
    expect(toolsVisibleTo(policy, subjectOf(ANONYMOUS), ['a.b'])).toEqual([]);
    expect(toolsVisibleTo(policy, subjectOf(service), ['a.b'])).toEqual([]);
  });

  it('lets users and agents match "*"', () => {
    const agent: Caller = { subject: 'agent:bot', kind: 'agent', groups: [], claims: {} };
    expect(subjectOf(agent)).toMatchObject({ id: 'bot', kind: 'agent' });
    expect(toolsVisibleTo(policy, subjectOf(agent), ['a.b'])).toEqual(['a.b']);
  });
});
