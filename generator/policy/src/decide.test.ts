import { describe, expect, it } from 'vitest';
import type { Environment, Loaded, Policy } from '../../config/src/model/types.ts';
import { compilePolicies } from './compile.ts';
import { approvalFor, decide, rateLimitFor } from './decide.ts';
import type { Subject } from './types.ts';

/** A policy exercising every kind of rule; the truth table below reads against it. */
const policy: Policy = {
  name: 'test',
  roles: [
    { name: 'reader', tools: ['*.list_*', '*.get_*'] },
    { name: 'gh', tools: ['github.*'] },
    { name: 'all', tools: ['*'] },
    { name: 'pets', tools: ['petstore.*'] },
  ],
  bindings: [
    { role: 'reader', subjects: ['group:engineering', 'agent:bot'] },
    { role: 'gh', subjects: ['agent:bot'], when: [{ field: 'args.owner', equals: 'acme' }] },
    { role: 'all', subjects: ['user:root'], environments: ['dev'] },
    { role: 'pets', subjects: ['user:bot'] },
    {
      role: 'gh',
      subjects: ['group:ops'],
      when: [
        { field: 'time.hour', gte: 9, lt: 17 },
        { field: 'time.weekday', in: [1, 2, 3, 4, 5] },
      ],
    },
    { role: 'pets', subjects: ['*'], when: [{ field: 'claims.tier', equals: 'gold' }] },
  ],
  denies: [
    { name: 'no-deletes-in-prod', tools: ['*.delete_*'], subjects: ['*'], environments: ['prod'] },
    {
      name: 'close-needs-reason',
      description: 'Bots explain why they close.',
      tools: ['github.close_issue'],
      subjects: ['agent:bot'],
      when: [{ field: 'args.reason', exists: false }],
    },
    {
      name: 'no-contractors',
      tools: ['github.*'],
      subjects: ['group:ops'],
      when: [{ field: 'claims.contractor', equals: true }],
    },
  ],
  approvals: [
    { name: 'close', tools: ['github.close_issue'], approvers: ['group:maintainers'], timeoutSeconds: 600 },
    { name: 'github-writes', tools: ['github.create_*', 'github.close_*'], approvers: ['group:leads'] },
  ],
  rateLimits: [
    {
      name: 'bot-closes',
      subjects: ['agent:bot'],
      tools: ['github.close_issue'],
      limit: 5,
      windowSeconds: 60,
    },
    { name: 'bots', subjects: ['agent:bot'], limit: 60, windowSeconds: 60 },
    { name: 'prod-humans', subjects: ['*'], environments: ['prod'], limit: 1000, windowSeconds: 3600 },
  ],
};
const loaded: Loaded<Policy>[] = [{ file: 'policies/test.yaml', value: policy }];
const compiled = { dev: compilePolicies(loaded, 'dev'), prod: compilePolicies(loaded, 'prod') };

const agent = (id: string, groups: string[] = [], claims: Record<string, unknown> = {}): Subject => ({
  id,
  kind: 'agent',
  groups,
  claims,
});
const user = (id: string, groups: string[] = [], claims: Record<string, unknown> = {}): Subject => ({
  id,
  kind: 'user',
  groups,
  claims,
});
const MONDAY_10 = '2026-11-23T10:00:00Z';
/** An ops member who is known not to be a contractor (see the fail-closed table below for the others). */
const oli = user('oli', ['ops'], { contractor: false });

describe('decide', () => {
  it.each<[string, Subject, string, unknown, Environment, string, 'allow' | 'deny', string]>([
    // wildcard patterns
    [
      '*.list_* for a group member',
      user('ann', ['engineering']),
      'github.list_issues',
      {},
      'prod',
      MONDAY_10,
      'allow',
      'test/bindings[0]',
    ],
    [
      '*.get_* in another pack',
      user('ann', ['engineering']),
      'weather.get_forecast',
      {},
      'prod',
      MONDAY_10,
      'allow',
      'test/bindings[0]',
    ],
    [
      'a pattern does not match a prefix of the name',
      user('ann', ['engineering']),
      'github.listx',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      '*.list_* does not match a write',
      user('ann', ['engineering']),
      'github.create_issue',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      'github.* under its condition',
      agent('bot'),
      'github.create_issue',
      { owner: 'acme' },
      'prod',
      MONDAY_10,
      'allow',
      'test/bindings[1]',
    ],
    [
      'github.* does not match another pack',
      agent('bot'),
      'petstore.add_pet',
      { owner: 'acme' },
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      '* matches any tool in dev',
      user('root'),
      'petstore.add_pet',
      {},
      'dev',
      MONDAY_10,
      'allow',
      'test/bindings[2]',
    ],
    // environments
    [
      'a dev-only binding does not apply in prod',
      user('root'),
      'petstore.add_pet',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      'a prod-only deny does not apply in dev',
      user('root'),
      'petstore.delete_pet',
      {},
      'dev',
      MONDAY_10,
      'allow',
      'test/bindings[2]',
    ],
    // conditions on args, including missing attributes and type mismatches
    [
      'an allow condition that does not hold',
      agent('bot'),
      'github.create_issue',
      { owner: 'evil' },
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      'an allow condition on a missing arg',
      agent('bot'),
      'github.create_issue',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      'an allow condition on an array arg',
      agent('bot'),
      'github.create_issue',
      { owner: ['acme'] },
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      'an allow condition on non-object args',
      agent('bot'),
      'github.create_issue',
      'acme',
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      'an allow condition reached through __proto__',
      agent('bot'),
      'github.create_issue',
      JSON.parse('{"__proto__":{"owner":"acme"}}'),
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    // deny overrides allow; deny with exists:false
    [
      'a deny overrides an allow',
      agent('bot'),
      'github.close_issue',
      { owner: 'acme' },
      'prod',
      MONDAY_10,
      'deny',
      'test/denies/close-needs-reason',
    ],
    [
      'the deny does not apply when its condition is false',
      agent('bot'),
      'github.close_issue',
      { owner: 'acme', reason: 'dup' },
      'prod',
      MONDAY_10,
      'allow',
      'test/bindings[1]',
    ],
    [
      'a deny on * overrides a * allow',
      user('root', [], { tier: 'gold' }),
      'petstore.delete_pet',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'test/denies/no-deletes-in-prod',
    ],
    // default deny
    [
      'an unknown subject',
      user('nobody'),
      'github.list_issues',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      'an unknown tool',
      user('ann', ['engineering']),
      'nothing.here',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    // agent vs user with the same id
    [
      'agent:bot is not user:bot',
      agent('bot'),
      'petstore.add_pet',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      'user:bot is not agent:bot',
      user('bot'),
      'github.list_issues',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      'user:bot has its own grant',
      user('bot'),
      'petstore.add_pet',
      {},
      'prod',
      MONDAY_10,
      'allow',
      'test/bindings[3]',
    ],
    [
      'a group name is not an id',
      user('engineering'),
      'github.list_issues',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    // time conditions at their boundaries (UTC)
    [
      'ops at 09:00 on a Monday',
      oli,
      'github.create_issue',
      {},
      'prod',
      '2026-11-23T09:00:00Z',
      'allow',
      'test/bindings[4]',
    ],
    [
      'ops at 08:59:59 on a Monday',
      oli,
      'github.create_issue',
      {},
      'prod',
      '2026-11-23T08:59:59Z',
      'deny',
      'default-deny',
    ],
    [
      'ops at 16:59:59 on a Friday',
      oli,
      'github.create_issue',
      {},
      'prod',
      '2026-11-27T16:59:59Z',
      'allow',
      'test/bindings[4]',
    ],
    [
      'ops at 17:00 on a Friday',
      oli,
      'github.create_issue',
      {},
      'prod',
      '2026-11-27T17:00:00Z',
      'deny',
      'default-deny',
    ],
    [
      'ops at 10:00 on a Saturday',
      oli,
      'github.create_issue',
      {},
      'prod',
      '2026-11-28T10:00:00Z',
      'deny',
      'default-deny',
    ],
    // claims
    [
      'a claim condition that holds',
      user('zed', [], { tier: 'gold' }),
      'petstore.add_pet',
      {},
      'prod',
      MONDAY_10,
      'allow',
      'test/bindings[5]',
    ],
    [
      'a claim condition with the wrong type',
      user('zed', [], { tier: ['gold'] }),
      'petstore.add_pet',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
    [
      'a claim from the prototype',
      user('zed', [], Object.create({ tier: 'gold' })),
      'petstore.add_pet',
      {},
      'prod',
      MONDAY_10,
      'deny',
      'default-deny',
    ],
  ])('%s', (_name, subject, tool, args, environment, now, effect, rule) => {
    const decision = decide(compiled[environment as 'dev' | 'prod'], {
      tool,
      args,
      subject,
      environment,
      now: new Date(now),
    });
    expect({ effect: decision.effect, rule: decision.rule, allowed: decision.allowed }).toEqual({
      effect,
      rule,
      allowed: effect === 'allow',
    });
    expect(decision.reason).toContain(tool);
  });

  it.each<[string, Record<string, unknown>, 'allow' | 'deny', string]>([
    ['no contractor claim: the deny cannot be ruled out', {}, 'deny', 'test/denies/no-contractors'],
    ['contractor claim of another type', { contractor: 'true' }, 'deny', 'test/denies/no-contractors'],
    ['contractor: true', { contractor: true }, 'deny', 'test/denies/no-contractors'],
    ['contractor: false', { contractor: false }, 'allow', 'test/bindings[4]'],
  ])('fails closed on a deny condition: %s', (_name, claims, effect, rule) => {
    const decision = decide(compiled.prod, {
      tool: 'github.create_issue',
      args: {},
      subject: user('oli', ['ops'], claims),
      environment: 'prod',
      now: new Date(MONDAY_10),
    });
    expect([decision.effect, decision.rule]).toEqual([effect, rule]);
  });

  it.each<[Subject['kind'], string]>([
    ['service', 'bot'],
    ['anonymous', 'anonymous'],
  ])('denies a %s caller even where * and its id are granted', (kind, id) => {
    const decision = decide(compiled.prod, {
      tool: 'petstore.add_pet',
      args: {},
      subject: { kind, id, groups: ['engineering'], claims: { tier: 'gold' } },
      environment: 'prod',
      now: new Date(MONDAY_10),
    });
    expect([decision.effect, decision.rule]).toEqual(['deny', 'default-deny']);
    expect(decision.reason).toBe(`${kind}:${id} may not call petstore.add_pet in prod: no rule allows it`);
  });

  it('quotes and cuts caller-supplied names in reasons', () => {
    const base = { args: {}, environment: 'prod' as const, now: new Date(MONDAY_10) };
    const long = decide(compiled.prod, { ...base, tool: `x.${'y'.repeat(10_000)}`, subject: user('ann') });
    expect(long.reason).toBe(`user:ann may not call "x.${'y'.repeat(126)}"… in prod: no rule allows it`);
    const odd = decide(compiled.prod, {
      ...base,
      tool: 'github.list_issues',
      subject: user('ann\nforged: yes'),
    });
    expect(odd.reason).toBe(
      'user:"ann\\nforged: yes" may not call github.list_issues in prod: no rule allows it',
    );
  });

  it('names at most three near-miss rules in a default-deny reason', () => {
    const many: Loaded<Policy> = {
      file: 'policies/m.yaml',
      value: {
        name: 'm',
        roles: [{ name: 'r', tools: ['*'] }],
        bindings: Array.from({ length: 5 }, (_, i) => ({
          role: 'r',
          subjects: ['*'],
          when: [{ field: 'args.n', equals: i }],
        })),
      },
    };
    const decision = decide(compilePolicies([many], 'dev'), {
      tool: 't.x',
      args: { n: 9 },
      subject: user('ann'),
      environment: 'dev',
      now: new Date(MONDAY_10),
    });
    expect(decision.reason).toBe(
      'user:ann may not call t.x in dev: no rule allows it; m/bindings[0] (role r) needs args.n == 0, which does not hold; m/bindings[1] (role r) needs args.n == 1, which does not hold; m/bindings[2] (role r) needs args.n == 2, which does not hold; and 2 more',
    );
  });

  it('refuses a call for another environment than the compiled one', () => {
    const decision = decide(compiled.dev, {
      tool: 'petstore.add_pet',
      args: {},
      subject: user('root'),
      environment: 'prod',
      now: new Date(MONDAY_10),
    });
    expect(decision).toMatchObject({ allowed: false, rule: 'environment-mismatch' });
    expect(decision.reason).toMatch(/compiled for dev/);
  });

  it('explains a deny with the rule, its description and why it applied', () => {
    const decision = decide(compiled.prod, {
      tool: 'github.close_issue',
      args: { owner: 'acme' },
      subject: agent('bot'),
      environment: 'prod',
      now: new Date(MONDAY_10),
    });
    expect(decision.reason).toBe(
      'agent:bot may not call github.close_issue in prod: denied by test/denies/close-needs-reason (Bots explain why they close.)',
    );
  });

  it('explains a default deny with the allow rules that nearly applied', () => {
    const decision = decide(compiled.prod, {
      tool: 'github.create_issue',
      args: { owner: 'evil' },
      subject: agent('bot'),
      environment: 'prod',
      now: new Date(MONDAY_10),
    });
    expect(decision.reason).toBe(
      'agent:bot may not call github.create_issue in prod: no rule allows it; test/bindings[1] (role gh) needs args.owner == "acme", which does not hold',
    );
  });

  it('says when a deny applied because its condition could not be evaluated', () => {
    const decision = decide(compiled.prod, {
      tool: 'github.create_issue',
      args: {},
      subject: user('oli', ['ops']),
      environment: 'prod',
      now: new Date(MONDAY_10),
    });
    expect(decision.reason).toMatch(/claims\.contractor == true could not be evaluated, so it applies/);
  });

  it('attaches the first matching approval and rate limit to an allowed call', () => {
    const decision = decide(compiled.prod, {
      tool: 'github.close_issue',
      args: { owner: 'acme', reason: 'fixed' },
      subject: agent('bot'),
      environment: 'prod',
      now: new Date(MONDAY_10),
    });
    expect(decision).toEqual({
      allowed: true,
      effect: 'allow',
      rule: 'test/bindings[1]',
      reason: 'agent:bot may call github.close_issue in prod: allowed by test/bindings[1] (role gh)',
      approval: { rule: 'test/approvals/close', approvers: ['group:maintainers'], timeoutSeconds: 600 },
      rateLimit: { rule: 'test/rateLimits/bot-closes', limit: 5, windowSeconds: 60 },
    });
  });

  it('attaches neither approval nor rate limit to a denied call', () => {
    const decision = decide(compiled.prod, {
      tool: 'github.close_issue',
      args: { owner: 'acme' },
      subject: agent('bot'),
      environment: 'prod',
      now: new Date(MONDAY_10),
    });
    expect(decision.approval).toBeUndefined();
    expect(decision.rateLimit).toBeUndefined();
  });
});

describe('approvalFor', () => {
  it.each<[string, string | undefined, number | undefined]>([
    ['github.close_issue', 'test/approvals/close', 600],
    ['github.create_issue', 'test/approvals/github-writes', 3600],
    ['github.list_issues', undefined, undefined],
  ])('%s → %s', (tool, rule, timeout) => {
    const approval = approvalFor(compiled.prod, tool);
    expect(approval?.rule).toBe(rule);
    expect(approval?.timeoutSeconds).toBe(timeout);
  });
});

describe('rateLimitFor', () => {
  it.each<[string, Subject, string, Environment, string | undefined]>([
    [
      'the tool-specific rule first',
      agent('bot'),
      'github.close_issue',
      'prod',
      'test/rateLimits/bot-closes',
    ],
    [
      'a rule without tools covers every tool',
      agent('bot'),
      'weather.get_forecast',
      'prod',
      'test/rateLimits/bots',
    ],
    ['a prod rule for everyone', user('ann'), 'weather.get_forecast', 'prod', 'test/rateLimits/prod-humans'],
    ['no rule for a user in dev', user('ann'), 'weather.get_forecast', 'dev', undefined],
    [
      'agent rules do not cover the user with the same id',
      user('bot'),
      'github.close_issue',
      'dev',
      undefined,
    ],
  ])('%s', (_name, subject, tool, env, rule) => {
    expect(rateLimitFor(compiled[env as 'dev' | 'prod'], subject, tool)?.rule).toBe(rule);
  });
});
