/**
 * `decide` (with its per-tool index) against a naive reading of the semantics — scan every deny, then every
 * allow, in compiled order — over seeded random policies and calls. A disagreement prints the seed.
 */
import { describe, expect, it } from 'vitest';
import { toolPatternMatcher } from '../../config/src/model/names.ts';
import type { Condition, Environment, Loaded, Policy } from '../../config/src/model/types.ts';
import { compilePolicies } from './compile.ts';
import { evaluateConditions } from './conditions.ts';
import { decide, rateLimitFor } from './decide.ts';
import type { CompiledPolicy, Subject, ToolCall } from './types.ts';
import { toolsVisibleTo } from './visible-tools.ts';

/** mulberry32: a tiny deterministic PRNG, so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOOLS = [
  'github.list_issues',
  'github.close_issue',
  'petstore.delete_pet',
  'petstore.get_pet',
  'weather.get_forecast',
];
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
  { field: 'args.n', gte: 3 },
  { field: 'args.reason', exists: false },
  { field: 'claims.tier', in: ['gold', 'silver'] },
  { field: 'time.hour', lt: 7 },
  { field: 'subject.kind', equals: 'agent' },
  { field: 'environment', notIn: ['prod'] },
];

function randomPolicy(rnd: () => number, name: string): Loaded<Policy> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const some = <T>(xs: readonly T[], max: number): T[] => [
    ...new Set(Array.from({ length: 1 + Math.floor(rnd() * max) }, () => pick(xs))),
  ];
  const maybe = <T>(p: number, value: () => T): T | undefined => (rnd() < p ? value() : undefined);
  const roles = Array.from({ length: 3 }, (_, i) => ({ name: `r${i}`, tools: some(PATTERNS, 2) }));
  const clean = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    file: `policies/${name}.yaml`,
    value: {
      name,
      roles,
      bindings: Array.from({ length: 1 + Math.floor(rnd() * 5) }, () =>
        clean({
          role: pick(roles).name,
          subjects: some(SUBJECTS, 2),
          environments: maybe(0.3, () => some(ENVS, 2)),
          when: maybe(0.4, () => some(CONDITIONS, 2)),
        }),
      ),
      denies: Array.from({ length: Math.floor(rnd() * 3) }, (_, i) =>
        clean({
          name: `d${i}`,
          tools: some(PATTERNS, 2),
          subjects: some(SUBJECTS, 2),
          environments: maybe(0.3, () => some(ENVS, 2)),
          when: maybe(0.5, () => some(CONDITIONS, 2)),
        }),
      ),
      rateLimits: Array.from({ length: Math.floor(rnd() * 3) }, (_, i) =>
        clean({
          name: `l${i}`,
          subjects: some(SUBJECTS, 2),
          tools: maybe(0.5, () => some(PATTERNS, 2)),
          limit: 1 + i,
          windowSeconds: 60,
        }),
      ),
    },
  };
}

function randomCall(rnd: () => number, environment: Environment): ToolCall {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const subject: Subject = {
    kind: pick(['user', 'agent'] as const),
    id: pick(['ann', 'bot', 'eng']),
    groups: [pick([[], ['eng'], ['ops'], ['eng', 'ops']] as string[][])].flat(),
    claims: pick([{}, { tier: 'gold' }, { tier: 1 }]),
  };
  const args = pick<unknown>([
    {},
    { owner: 'acme' },
    { owner: 'evil', n: 5 },
    { n: '5', reason: 'x' },
    'str',
    null,
  ]);
  return {
    tool: pick(TOOLS),
    args,
    subject,
    environment,
    now: new Date(Date.UTC(2026, 10, 23, pick([3, 7, 12]))),
  };
}

/** The semantics, read as literally as possible. */
function naive(compiled: CompiledPolicy, call: ToolCall): string {
  const tenant = call.tenant ?? 'default';
  const here = (r: { tenant?: string }) => r.tenant === undefined || r.tenant === tenant;
  const names = (subjects: string[], s: Subject) =>
    subjects.some((p) => p === '*' || p === `${s.kind}:${s.id}` || s.groups.some((g) => p === `group:${g}`));
  const tools = (patterns: string[]) => patterns.some((p) => toolPatternMatcher(p)(call.tool));
  const attrs = { args: call.args, subject: call.subject, environment: call.environment, now: call.now };
  for (const d of compiled.denies)
    if (
      here(d) &&
      names(d.subjects, call.subject) &&
      tools(d.tools) &&
      evaluateConditions(d.when, attrs, 'deny') !== 'false'
    )
      return d.id;
  for (const a of compiled.allows)
    if (
      here(a) &&
      names(a.subjects, call.subject) &&
      tools(a.tools) &&
      evaluateConditions(a.when, attrs) === 'true'
    )
      return a.id;
  return 'default-deny';
}

describe('decide agrees with a naive reading of the semantics', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('seed %i', (seed) => {
    const rnd = prng(seed);
    const policies = [randomPolicy(rnd, 'a'), randomPolicy(rnd, 'b')];
    for (const env of ENVS) {
      const compiled = compilePolicies(policies, env);
      for (let i = 0; i < 50; i++) {
        const call = randomCall(rnd, env);
        const decision = decide(compiled, call);
        expect(decision.rule, JSON.stringify({ seed, env, call })).toBe(naive(compiled, call));
        const limit = compiled.rateLimits.find(
          (r) =>
            r.subjects.some(
              (p) =>
                p === '*' ||
                p === `${call.subject.kind}:${call.subject.id}` ||
                call.subject.groups.some((g) => p === `group:${g}`),
            ) && r.tools.some((p) => toolPatternMatcher(p)(call.tool)),
        );
        expect(rateLimitFor(compiled, call.subject, call.tool)?.rule).toBe(limit?.id);
        if (decision.allowed) {
          // Whatever a call may do, the tool must have been listed (listing over-approximates).
          expect(toolsVisibleTo(compiled, call.subject, TOOLS)).toContain(call.tool);
        }
      }
    }
  });
});

describe('decide agrees with the naive reading when policies belong to tenants', () => {
  const TENANTS = [undefined, 'default', 'blue', 'green', 'red'];
  it.each(Array.from({ length: 20 }, (_, i) => i + 1))('seed %i', (seed) => {
    const rnd = prng(seed * 7919);
    const tenanted = (name: string, tenant: string): Loaded<Policy> => {
      const p = randomPolicy(rnd, name);
      return { ...p, value: { ...p.value, tenant } };
    };
    const policies = [randomPolicy(rnd, 'org'), tenanted('b', 'blue'), tenanted('g', 'green')];
    for (const env of ENVS) {
      const compiled = compilePolicies(policies, env);
      for (let i = 0; i < 50; i++) {
        const tenant = TENANTS[Math.floor(rnd() * TENANTS.length)];
        const call = { ...randomCall(rnd, env), ...(tenant === undefined ? {} : { tenant }) };
        const decision = decide(compiled, call);
        expect(decision.rule, JSON.stringify({ seed, env, call })).toBe(naive(compiled, call));
        if (decision.allowed)
          expect(toolsVisibleTo(compiled, call.subject, TOOLS, call.tenant)).toContain(call.tool);
        const here = (r: { tenant?: string }) => r.tenant === undefined || r.tenant === (tenant ?? 'default');
        const limit = compiled.rateLimits.find(
          (r) =>
            here(r) &&
            r.subjects.some(
              (p) =>
                p === '*' ||
                p === `${call.subject.kind}:${call.subject.id}` ||
                call.subject.groups.some((g) => p === `group:${g}`),
            ) &&
            r.tools.some((p) => toolPatternMatcher(p)(call.tool)),
        );
        expect(rateLimitFor(compiled, call.subject, call.tool, call.tenant)?.rule).toBe(limit?.id);
      }
    }
  });
});
