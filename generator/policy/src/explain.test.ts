/**
 * explainDecision: its decision deep-equals decide's on random policies and calls (fast-check), and its
 * per-rule reasons say why each rule matched or not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition, Environment, Loaded, Policy } from '../../config/src/model/types.ts';
import { compilePolicies } from './compile.ts';
import { decide } from './decide.ts';
import { explainDecision } from './explain.ts';
import type { Subject, ToolCall } from './types.ts';

const TOOLS = ['github.list_issues', 'github.close_issue', 'petstore.delete_pet', 'petstore.get_pet', 'x.y'];
const PATTERNS = [
  '*',
  'github.*',
  '*.list_*',
  '*.get_*',
  '*.delete_*',
  'petstore.*',
  'github.close_issue',
  '*_pet',
];
const SUBJECTS = ['*', 'user:ann', 'agent:ann', 'agent:bot', 'group:eng', 'group:ops'];
const ENVS: Environment[] = ['dev', 'staging', 'prod'];
const CONDITIONS: Condition[] = [
  { field: 'args.owner', equals: 'acme' },
  { field: 'args.owner', notEquals: 'evil' },
  { field: 'args.owner', matches: 'ac*', normalize: 'exact' },
  { field: 'args.n', gte: 3 },
  { field: 'args.n', lt: 10, gt: 0 },
  { field: 'args.reason', exists: false },
  { field: 'args.items.0', in: ['a', 'b'] },
  { field: 'claims.tier', in: ['gold', 'silver'] },
  { field: 'claims.tier', notIn: ['bronze'] },
  { field: 'time.hour', lt: 7 },
  { field: 'time.weekday', in: [0, 6] },
  { field: 'subject.kind', equals: 'agent' },
  { field: 'subject.id', equals: 'ann' },
  { field: 'environment', notIn: ['prod'] },
];

const some = <T>(xs: readonly T[], max = 2) =>
  fc.uniqueArray(fc.constantFrom(...xs), { minLength: 1, maxLength: max });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const clean = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const policyArb = (name: string, tenant?: string): fc.Arbitrary<Loaded<Policy>> =>
  fc
    .record({
      roles: fc.array(some(PATTERNS, 3), { minLength: 1, maxLength: 3 }),
      bindings: fc.array(
        fc.record({
          role: fc.nat(2),
          subjects: some(SUBJECTS),
          environments: maybe(some(ENVS)),
          when: maybe(some(CONDITIONS, 3)),
        }),
        { maxLength: 5 },
      ),
      denies: fc.array(
        fc.record({
          tools: some(PATTERNS),
          subjects: some(SUBJECTS),
          environments: maybe(some(ENVS)),
          when: maybe(some(CONDITIONS)),
          description: maybe(fc.constantFrom('no closing', 'weekend')),
        }),
        { maxLength: 3 },
      ),
      approvals: fc.array(
        fc.record({
          tools: some(PATTERNS),
          environments: maybe(some(ENVS)),
          timeoutSeconds: maybe(fc.integer({ min: 60, max: 7200 })),
        }),
        { maxLength: 2 },
      ),
      rateLimits: fc.array(
        fc.record({
          subjects: some(SUBJECTS),
          tools: maybe(some(PATTERNS)),
          environments: maybe(some(ENVS)),
        }),
        { maxLength: 2 },
      ),
    })
    .map(({ roles, bindings, denies, approvals, rateLimits }) => ({
      file: `policies/${name}.yaml`,
      value: {
        name,
        ...(tenant === undefined ? {} : { tenant }),
        roles: roles.map((tools, i) => ({ name: `r${i}`, tools })),
        bindings: bindings.map((b) => clean({ ...b, role: `r${b.role % roles.length}` })),
        denies: denies.map((d, i) => clean({ name: `d${i}`, ...d })),
        approvals: approvals.map((a, i) => clean({ name: `a${i}`, approvers: ['group:maintainers'], ...a })),
        rateLimits: rateLimits.map((r, i) => clean({ name: `l${i}`, limit: i + 1, windowSeconds: 60, ...r })),
      },
    }));

const subjectArb: fc.Arbitrary<Subject> = fc.record({
  kind: fc.constantFrom('user', 'agent', 'service', 'anonymous'),
  id: fc.oneof(fc.constantFrom('ann', 'bot', 'eng'), fc.string({ maxLength: 200 })),
  groups: fc.uniqueArray(fc.constantFrom('eng', 'ops', 'x'), { maxLength: 3 }),
  claims: fc.oneof(
    fc.constantFrom({}, { tier: 'gold' }, { tier: 1 }, { tier: 'bronze' }, { tier: null }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue()),
  ),
});

const argsArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    {},
    { owner: 'acme' },
    { owner: 'ACME ' },
    { owner: 'evil', n: 5 },
    { n: '5', reason: 'x' },
    { n: 11, items: ['a'] },
    { items: ['c', 'a'] },
    'str',
    null,
    [],
  ),
  fc.jsonValue(),
  fc.record({ owner: fc.string(), n: fc.oneof(fc.integer(), fc.double()) }, { requiredKeys: [] }),
);

const callArb = (environment: fc.Arbitrary<Environment>): fc.Arbitrary<ToolCall> =>
  fc.record({
    tool: fc.oneof(fc.constantFrom(...TOOLS), fc.string({ maxLength: 150 })),
    args: argsArb,
    subject: subjectArb,
    environment,
    now: fc.oneof(
      fc.date({ min: new Date(Date.UTC(2020, 0, 1)), max: new Date(Date.UTC(2030, 0, 1)) }),
      fc.constant(new Date(Number.NaN)),
    ),
  });

describe('explainDecision', () => {
  it('makes the decision decide makes, on random policies, subjects, tools and arguments', () => {
    fc.assert(
      fc.property(
        policyArb('a'),
        policyArb('b'),
        policyArb('c', 'blue'),
        fc.constantFrom(...ENVS),
        fc.array(
          fc.tuple(callArb(fc.constantFrom(...ENVS)), fc.constantFrom(undefined, 'default', 'blue', 'red')),
          { minLength: 1, maxLength: 10 },
        ),
        (a, b, c, env, tenantCalls) => {
          const compiled = compilePolicies([a, b, c], env);
          const calls = tenantCalls.map(([call, tenant]) =>
            tenant === undefined ? call : { ...call, tenant },
          );
          const ruleCount =
            compiled.allows.length +
            compiled.denies.length +
            compiled.approvals.length +
            compiled.rateLimits.length;
          for (const call of calls) {
            const trace = explainDecision(compiled, call);
            expect(trace.decision).toEqual(decide(compiled, call));
            // Every rule is listed once, and the deciding rule (if a rule decided) matched.
            expect(trace.rules).toHaveLength(ruleCount);
            expect(new Set(trace.rules.map((r) => r.id)).size).toBe(ruleCount);
            const deciding = trace.rules.find((r) => r.id === trace.decision.rule);
            if (deciding) expect(deciding.matched).toBe(true);
            if (trace.decision.approval)
              expect(trace.rules.find((r) => r.id === trace.decision.approval?.rule)?.matched).toBe(true);
            if (trace.decision.rateLimit)
              expect(trace.rules.find((r) => r.id === trace.decision.rateLimit?.rule)?.matched).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  const policy: Loaded<Policy> = {
    file: 'policies/default.yaml',
    value: {
      name: 'default',
      roles: [
        { name: 'reader', tools: ['github.list_*'] },
        { name: 'closer', tools: ['github.close_issue'] },
      ],
      bindings: [
        { role: 'reader', subjects: ['group:eng'] },
        { role: 'closer', subjects: ['agent:bot'], when: [{ field: 'args.owner', equals: 'acme' }] },
        { role: 'reader', subjects: ['user:ann'], environments: ['prod'] },
      ],
      denies: [
        {
          name: 'night',
          tools: ['github.*'],
          subjects: ['*'],
          when: [{ field: 'time.hour', lt: 6 }],
          description: 'no calls at night',
        },
      ],
      approvals: [{ name: 'close', tools: ['github.close_issue'], approvers: ['group:maintainers'] }],
      rateLimits: [{ name: 'bots', subjects: ['agent:bot'], limit: 10, windowSeconds: 60 }],
    },
  };
  const bot: Subject = { id: 'bot', kind: 'agent', groups: [], claims: {} };
  const noon = new Date('2026-12-04T12:00:00Z');
  const lineOf = (_file: string, path: readonly (string | number)[]) =>
    ({ bindings: 10, denies: 20, approvals: 30, rateLimits: 40 })[path[0] as string]! + Number(path[1]);

  it('says why each rule matched or not, with the value a condition saw', () => {
    const compiled = compilePolicies([policy], 'dev', { lineOf });
    const denied = explainDecision(compiled, {
      tool: 'github.close_issue',
      args: { owner: 'evil' },
      subject: bot,
      environment: 'dev',
      now: noon,
    });
    expect(denied.decision.rule).toBe('default-deny');
    const byId = Object.fromEntries(denied.rules.map((r) => [r.id, r]));
    expect(byId['default/denies/night']).toMatchObject({
      kind: 'deny',
      line: 20,
      matched: false,
      reason: 'its condition time.hour < 6 (time.hour is 12) does not hold',
    });
    expect(byId['default/bindings[0]']).toMatchObject({
      kind: 'allow',
      line: 10,
      matched: false,
      reason: 'github.close_issue matches none of its tool patterns (github.list_*)',
    });
    expect(byId['default/bindings[1]']).toMatchObject({
      line: 11,
      matched: false,
      reason: 'its condition args.owner == "acme" (args.owner is "evil") does not hold',
    });
    // bindings[2] applies in prod only: not compiled for dev, so not listed.
    expect(byId['default/bindings[2]']).toBeUndefined();
    expect(byId['default/approvals/close']).toMatchObject({
      kind: 'approval',
      line: 30,
      matched: true,
      reason: 'covers github.close_issue; not needed: the call is denied',
    });

    const allowed = explainDecision(compiled, {
      tool: 'github.close_issue',
      args: { owner: 'acme' },
      subject: bot,
      environment: 'dev',
      now: noon,
    });
    expect(allowed.decision).toMatchObject({ allowed: true, rule: 'default/bindings[1]' });
    const after = Object.fromEntries(allowed.rules.map((r) => [r.id, r]));
    expect(after['default/bindings[1]']?.reason).toBe('allows the call (role closer); its conditions hold');
    expect(after['default/approvals/close']?.reason).toBe(
      'the call needs approval by group:maintainers within 3600s',
    );
    expect(after['default/rateLimits/bots']).toMatchObject({
      line: 40,
      matched: true,
      reason: 'limits the caller to 10 calls of it per 60s',
    });

    const ann = { id: 'ann', kind: 'user' as const, groups: ['ops'], claims: {} };
    const night = explainDecision(compiled, {
      tool: 'github.list_issues',
      args: {},
      subject: ann,
      environment: 'dev',
      now: new Date('2026-12-04T03:00:00Z'),
    });
    expect(night.decision.rule).toBe('default/denies/night');
    const atNight = Object.fromEntries(night.rules.map((r) => [r.id, r]));
    expect(atNight['default/denies/night']?.reason).toBe(
      'denies the call: it names the caller and the tool, and its conditions hold',
    );
    expect(atNight['default/bindings[0]']?.reason).toBe(
      'its subjects (group:eng) name neither user:ann nor its groups (ops)',
    );
  });

  it('marks every rule unmatched when the call is in another environment', () => {
    const compiled = compilePolicies([policy], 'dev');
    const trace = explainDecision(compiled, {
      tool: 'github.list_issues',
      args: {},
      subject: bot,
      environment: 'prod',
      now: noon,
    });
    expect(trace.decision.rule).toBe('environment-mismatch');
    expect(trace.rules.every((r) => !r.matched && r.reason.includes('compiled for dev'))).toBe(true);
    expect(trace.rules[0]?.line).toBeUndefined();
  });

  it('names a service caller as no subject', () => {
    const compiled = compilePolicies([policy], 'dev');
    const trace = explainDecision(compiled, {
      tool: 'github.list_issues',
      args: {},
      subject: { id: 'ci', kind: 'service', groups: ['eng'], claims: {} },
      environment: 'dev',
      now: noon,
    });
    expect(trace.decision.rule).toBe('default-deny');
    expect(trace.rules.find((r) => r.id === 'default/bindings[0]')?.reason).toMatch(
      /a service caller is named by no rule/,
    );
  });
});
