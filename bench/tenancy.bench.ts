/**
 * Tenancy benchmark: what a gateway call costs as tenants are added. A zone with 1 tenant of 50 packs against
 * one with 100 tenants of 50 packs each (5,000 packs, every tenant exposing the same 100 tool names, an
 * organisation policy plus one policy per tenant), measured in one run:
 *
 * - the policy decision of one call made in a tenant (`decide` with ToolCall.tenant), and
 * - tools/list of one of the tenant's callers (GatewayCatalog.listTools: the tenant's precomputed view,
 *   `toolsVisibleTo` for the tenant, each tool's definition).
 *
 * Figures are CPU time of this process per call (process.cpuUsage), medians of interleaved rounds.
 * Goal (issue 17): the per-call cost with 100 tenants within 10% of the cost with 1.
 */

import { loadavg } from 'node:os';
import type { Caller } from '../gateway/src/auth/caller.ts';
import { RouteTable } from '../gateway/src/routing/route-table.ts';
import { GatewayCatalog } from '../gateway/src/server/gateway-catalog.ts';
import { createMetrics } from '../gateway/src/server/metrics.ts';
import { MemoryRateLimiter } from '../gateway/src/server/rate-limiter.ts';
import type { TraceSink } from '../gateway/src/traces/types.ts';
import type { Loaded, Pack, Policy, RepoModel, Tenant } from '../generator/config/src/model/types.ts';
import { compilePolicies } from '../generator/policy/src/compile.ts';
import { decide } from '../generator/policy/src/decide.ts';
import type { CompiledPolicy, ToolCall } from '../generator/policy/src/types.ts';
import { buildBundle } from '../generator/render/src/bundle/build-bundle.ts';

const PACKS_PER_TENANT = 50;

function pack(tenant: string, j: number): Pack {
  const schema = { type: 'object' as const, properties: { id: { type: 'string' as const } } };
  return {
    name: `${tenant}-p${j}`,
    version: '1.0.0',
    description: `Pack ${j} of ${tenant}.`,
    owner: 'bench',
    tenant,
    toolPrefix: `p${j}`,
    upstream: { baseUrls: { dev: 'https://api.example.com' } },
    tools: [
      {
        name: 'get_item',
        description: 'Get an item.',
        inputSchema: schema,
        http: { method: 'GET', path: '/items/{id}' },
      },
      {
        name: 'delete_item',
        description: 'Delete an item.',
        inputSchema: schema,
        http: { method: 'DELETE', path: '/items/{id}' },
      },
    ],
  };
}

/** A repository of `count` tenants (t0, t1, …) of 50 packs each, an org policy and one policy per tenant. */
function model(count: number): RepoModel {
  const names = Array.from({ length: count }, (_, i) => `t${i}`);
  const packs = names.flatMap((t) => Array.from({ length: PACKS_PER_TENANT }, (_, j) => pack(t, j)));
  const org: Policy = {
    name: 'org',
    denies: [{ name: 'no-deletes-by-agents', tools: ['*.delete_item'], subjects: ['agent:*'] }],
  };
  const perTenant: Policy[] = names.map((t) => ({
    name: `${t}-team`,
    tenant: t,
    roles: [{ name: 'all', tools: ['*'] }],
    bindings: [{ role: 'all', subjects: ['group:team'] }],
    denies: [{ name: 'no-p0-deletes', tools: ['p0.delete_item'], subjects: ['*'] }],
  }));
  const tenants: Tenant[] = names.map((t) => ({
    name: t,
    owners: ['user:owner'],
    members: [{ claim: 'tenant', equals: t }],
  }));
  const loaded = <T>(kind: string, items: T[], name: (x: T) => string): Loaded<T>[] =>
    items.map((value) => ({ file: `${kind}/${name(value)}.yaml`, value }));
  return {
    packs: loaded('packs', packs, (p) => p.name),
    zones: [
      {
        file: 'zones/dev.yaml',
        value: {
          name: 'dev',
          environment: 'dev',
          cluster: { context: 'bench' },
          namespace: 'raku',
          registry: { host: 'registry.example.com', repository: 'raku' },
          gitops: { repository: 'acme/gitops', branch: 'main', path: 'dev' },
          gateway: {
            auth: { issuer: 'https://issuer.example.com', audience: 'https://gateway.example.com' },
          },
          packs: packs.map((p) => ({ name: p.name })),
        },
      },
    ],
    policies: loaded('policies', [org, ...perTenant], (p) => p.name),
    tenants: loaded('tenants', tenants, (t) => t.name),
  };
}

const NO_TRACES: TraceSink = {
  record() {},
  async flush() {},
  async close() {},
  stats: () => ({ queued: 0, queuedBytes: 0, dropped: 0, written: 0, failures: 0 }),
};

function setUp(count: number): { policy: CompiledPolicy; catalog: GatewayCatalog } {
  const repo = model(count);
  const bundle = buildBundle(repo, 'dev', { revision: 'bench' });
  const policy = compilePolicies(repo.policies, 'dev');
  const metrics = createMetrics({ defaultMetrics: false });
  const routes = new RouteTable({ bundle, secrets: () => undefined });
  const catalog = new GatewayCatalog({
    bundle,
    policy,
    routes,
    traces: NO_TRACES,
    metrics,
    rateLimiter: new MemoryRateLimiter(),
  });
  return { policy, catalog };
}

/**
 * CPU nanoseconds of this process per run of `fn`, over ~`ms` of CPU after a warm-up: CPU time rather than
 * wall time, so other work on these shared cores does not count (every run is synchronous or microtasks).
 */
async function perRun(fn: () => unknown, ms: number): Promise<number> {
  for (let i = 0; i < 200; i++) await fn();
  let n = 0;
  const start = process.cpuUsage();
  const budget = ms * 1000;
  let used = 0;
  while (used < budget) {
    for (let i = 0; i < 50; i++) await fn();
    n += 50;
    const { user, system } = process.cpuUsage(start);
    used = user + system;
  }
  return (used * 1000) / n;
}

export default async function tenancyBench(): Promise<void> {
  const started = performance.now();
  const one = setUp(1);
  const hundred = setUp(100);
  console.log(
    `set up: 1 tenant (${PACKS_PER_TENANT} packs) and 100 tenants (${100 * PACKS_PER_TENANT} packs) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  // A caller of tenant t0 (present in both): the same tools, policies and decision in both zones.
  const caller: Caller = {
    subject: 'user:ann',
    kind: 'user',
    groups: ['team'],
    claims: { tenant: 't0' },
    tenant: 't0',
  };
  const now = new Date('2026-12-04T10:00:00Z');
  const calls: ToolCall[] = ['p7.get_item', 'p0.delete_item', 'p49.get_item', 'p3.delete_item'].map(
    (tool) => ({
      tool,
      args: { id: 'x1' },
      subject: { id: 'ann', kind: 'user', groups: ['team'], claims: { tenant: 't0' } },
      environment: 'dev',
      tenant: 't0',
      now,
    }),
  );
  const decideIn = (policy: CompiledPolicy) => () => {
    for (const c of calls) decide(policy, c);
  };
  const listIn = (catalog: GatewayCatalog) => () => catalog.listTools(caller);
  const listed = (await one.catalog.listTools(caller)).length;
  if (listed !== (await hundred.catalog.listTools(caller)).length)
    throw new Error('the two zones list differently');
  // Interleaved rounds in alternating order (ABBA), so a burst of load on this shared machine, or the JIT
  // settling, hits both sides alike; one warm-up round is dropped and the medians count.
  const rounds = {
    decide1: [] as number[],
    decide100: [] as number[],
    list1: [] as number[],
    list100: [] as number[],
  };
  for (let round = 0; round < 9; round++) {
    const pairs: [keyof typeof rounds, () => unknown, number][] = [
      ['decide1', decideIn(one.policy), calls.length],
      ['decide100', decideIn(hundred.policy), calls.length],
      ['list1', listIn(one.catalog), 1],
      ['list100', listIn(hundred.catalog), 1],
    ];
    const order = round % 2 === 0 ? pairs : [pairs[1]!, pairs[0]!, pairs[3]!, pairs[2]!];
    for (const [key, fn, per] of order) {
      const ns = (await perRun(fn, 150)) / per;
      if (round > 0) rounds[key].push(ns);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const best = {
    decide1: median(rounds.decide1),
    decide100: median(rounds.decide100),
    list1: median(rounds.list1),
    list100: median(rounds.list100),
  };
  const line = (label: string, ns: number) =>
    console.log(`${label.padEnd(44)} ${(ns / 1000).toFixed(2).padStart(8)} µs`);
  line('decide, 1 tenant (per call, median)', best.decide1);
  line('decide, 100 tenants (per call, median)', best.decide100);
  line(`tools/list of ${listed} tools, 1 tenant`, best.list1);
  line(`tools/list of ${listed} tools, 100 tenants`, best.list100);
  console.log(
    `load average while measuring: ${loadavg()[0]!.toFixed(1)} (2 cores; the figures are CPU time of this process)`,
  );
  const decideRatio = best.decide100 / best.decide1;
  const listRatio = best.list100 / best.list1;
  console.log(
    `ratio 100 / 1 tenants: decide ${decideRatio.toFixed(2)}x, tools/list ${listRatio.toFixed(2)}x`,
  );
  console.log(
    `goal per-call cost within 10% with 100 tenants: decide ${decideRatio <= 1.1 ? 'met' : 'NOT met'}, tools/list ${listRatio <= 1.1 ? 'met' : 'NOT met'}`,
  );
}
