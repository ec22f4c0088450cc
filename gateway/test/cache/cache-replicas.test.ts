/**
 * The tool cache across two gateway replicas sharing one real Redis (127.0.0.1:6379, a key prefix of this
 * run): the official MCP client calls each replica over HTTP, a real pack server answers from a fake
 * upstream that counts requests. What the cache must never do is tested as much as what it does: serve a
 * subject the policy now denies, share an entry between subjects, keep an error or a timeout.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Client } from '@modelcontextprotocol/client';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jwtAuthenticator } from '../../src/auth/authenticator.ts';
import { RedisCacheStore } from '../../src/cache/redis-cache-store.ts';
import type { RunningGateway } from '../../src/server/gateway-server.ts';
import { createMetrics, type RuntimeMetrics } from '../../src/server/metrics.ts';
import type { RunningServer } from '../../src/server/pack-server.ts';
import { type FakeUpstream, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { AUDIENCE, ISSUER, testIssuer } from '../helpers/jwt.ts';
import { startLoopbackGateway, startLoopbackPackServer } from '../helpers/loopback-servers.ts';
import { connectClient, textOf } from '../helpers/mcp-client.ts';
import { MemoryTraceSink } from '../helpers/memory-trace-sink.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from '../helpers/test-pack.ts';
import { testBundle, testModel } from '../helpers/test-zone.ts';

const REDIS = 'redis://127.0.0.1:6379';
const UPSTREAM_TIMEOUT_MS = 5_000;
const PREFIX = `raku:cache:test-${randomBytes(6).toString('hex')}:`;
const secrets = (n: string) => (n === WIDGETS_SECRET_ENV ? 's' : undefined);

interface Replica {
  gateway: RunningGateway;
  traces: MemoryTraceSink;
  metrics: RuntimeMetrics;
}

let upstream: FakeUpstream;
let packServer: RunningServer;
let issuer: Awaited<ReturnType<typeof testIssuer>>;
let redis: ReturnType<typeof createClient>;
let replicas: [Replica, Replica];
const hanging: ServerResponse[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
  upstream.routes.set('GET /api/widgets/broken', (_req, res) => json(res, 500, { message: 'boom' }));
  upstream.routes.set('GET /api/widgets/slow', (_req, res) => void hanging.push(res));
  upstream.routes.set('GET /api/widgets', (_req, res) => json(res, 200, { items: [{ id: 'w1' }] }));
  // The upstream times out after 5 s, so the 'slow' widget ends as a timeout; every other call must answer
  // within it, which a shorter ceiling would not leave a loaded machine room for.
  const pack = widgetsPack(upstream.url, { timeoutMs: UPSTREAM_TIMEOUT_MS });
  pack.tools[0]!.cache = { ttlSeconds: 300 }; // get_widget
  // Long enough that the test reads the entry's PTTL before it lapses, short enough to wait for it to lapse.
  pack.tools[1]!.cache = { ttlSeconds: 3 }; // list_widgets
  packServer = await startLoopbackPackServer(pack, secrets);
  issuer = await testIssuer();
  const { bundle, policy } = testBundle(testModel(pack, 'http://127.0.0.1:9/mcp'), packServer.url);
  const replica = async (): Promise<Replica> => {
    const traces = new MemoryTraceSink();
    const metrics = createMetrics({ defaultMetrics: false });
    const gateway = await startLoopbackGateway({
      bundle,
      policy,
      authenticator: jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks }),
      traces,
      metrics,
      cache: await RedisCacheStore.connect({ url: REDIS, prefix: PREFIX }),
      secrets,
    });
    return { gateway, traces, metrics };
  };
  replicas = [await replica(), await replica()];
  redis = createClient({ url: REDIS });
  await redis.connect();
}, 60_000);

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(keys);
  upstream.requests.length = 0;
  for (const r of replicas) r.traces.traces.length = 0;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  for (const r of replicas ?? []) await r.gateway.close();
  await redis?.close();
  await packServer?.close();
  await upstream?.close();
});

/** An MCP client of replica `i` (0: A, 1: B) for a token with these claims. */
async function clientOf(i: 0 | 1, claims: { sub: string; groups?: string[]; agent?: boolean }) {
  const client = await connectClient(replicas[i].gateway.url, 'modern', await issuer.sign(claims));
  clients.push(client);
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown>) =>
  textOf(await client.callTool({ name, arguments: args }));

/** raku_tool_cache_total of a replica, as `result` → count for `tool`. */
async function cacheCounts(r: Replica, tool: string): Promise<Record<string, number>> {
  const metric = r.metrics.registry.getSingleMetric('raku_tool_cache_total');
  const out: Record<string, number> = {};
  for (const v of (await metric?.get())?.values ?? [])
    if (v.labels['tool'] === tool) out[String(v.labels['result'])] = v.value;
  return out;
}

const CAROL = { sub: 'carol', groups: ['engineering'] };

describe('the tool cache with two gateway replicas sharing one Redis', () => {
  it('serves a call answered on replica A from the cache on replica B, the upstream asked once', async () => {
    const a = await clientOf(0, CAROL);
    const b = await clientOf(1, CAROL);
    expect(await call(a, 'widgets.get_widget', { id: 'w1', verbose: true })).toBe('{"id":"w1"}');
    // The same arguments in another key order are the same call.
    expect(await call(b, 'widgets.get_widget', { verbose: true, id: 'w1' })).toBe('{"id":"w1"}');
    expect(upstream.requests.map((r) => r.url)).toEqual(['/api/widgets/w1?verbose=true']);

    expect(await cacheCounts(replicas[0], 'widgets.get_widget')).toEqual({ miss: 1, store: 1 });
    expect(await cacheCounts(replicas[1], 'widgets.get_widget')).toEqual({ hit: 1 });
    const [onA] = replicas[0].traces.traces;
    const [onB] = replicas[1].traces.traces;
    expect(onA).toMatchObject({
      status: 'ok',
      route: 'pack:widgets@1.0.0',
      target: expect.stringMatching(/^http/),
    });
    expect(onB).toMatchObject({
      subject: 'user:carol',
      status: 'ok',
      decision: 'allow',
      rule: 'test/bindings[0]',
      route: 'pack:widgets@1.0.0',
      target: 'cache',
      result: { content: [{ type: 'text', text: '{"id":"w1"}' }] },
    });

    // /metrics exports the counter as Prometheus scrapes it.
    const scraped = await (await fetch(replicas[1].gateway.url.replace(/\/mcp$/, '/metrics'))).text();
    expect(scraped).toContain('raku_tool_cache_total{tool="widgets.get_widget",result="hit"} 1');

    // One entry, named by a sha256 hash: neither the arguments nor the subject appear in Redis key names.
    const keys = await redis.keys(`${PREFIX}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${PREFIX}[0-9a-f]{64}$`));
  });

  it('keeps an entry for ttlSeconds only (PX in Redis): after it lapses the next call goes upstream', async () => {
    const a = await clientOf(0, CAROL);
    const b = await clientOf(1, CAROL);
    await call(a, 'widgets.list_widgets', { limit: 1 });
    const [key] = await redis.keys(`${PREFIX}*`);
    const pttl = await redis.pTTL(key!);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(3000);
    // Redis drops the entry when its time is up; wait for that, not for a guessed duration.
    while ((await redis.exists(key!)) === 1) await new Promise((r) => setTimeout(r, 50));
    await call(b, 'widgets.list_widgets', { limit: 1 });
    expect(upstream.requests).toHaveLength(2);
    expect(await cacheCounts(replicas[1], 'widgets.list_widgets')).toMatchObject({ miss: 1, store: 1 });
  });

  it('never keeps a tool error or a timeout: each call goes upstream again', async () => {
    const a = await clientOf(0, CAROL);
    const b = await clientOf(1, CAROL);
    const stores = async () =>
      Promise.all(replicas.map(async (r) => (await cacheCounts(r, 'widgets.get_widget')).store ?? 0));
    const storesBefore = await stores();
    for (const client of [a, b]) await call(client, 'widgets.get_widget', { id: 'broken' });
    for (const client of [a, b]) await call(client, 'widgets.get_widget', { id: 'slow' });
    expect(upstream.requests.map((r) => r.url)).toEqual([
      '/api/widgets/broken',
      '/api/widgets/broken',
      '/api/widgets/slow',
      '/api/widgets/slow',
    ]);
    const statuses = replicas.flatMap((r) => r.traces.traces.map((t) => [t.status, t.target === 'cache']));
    expect(statuses.sort()).toEqual([
      ['error', false],
      ['error', false],
      ['timeout', false],
      ['timeout', false],
    ]);
    expect(await redis.keys(`${PREFIX}*`)).toEqual([]);
    expect(await stores()).toEqual(storesBefore);
  }, 60_000);

  it('denies a subject the policy no longer allows, though the cache holds its own earlier answer', async () => {
    // Carol warms the cache while in engineering; her next token has no groups, so no rule allows her.
    const before = await clientOf(0, CAROL);
    expect(await call(before, 'widgets.get_widget', { id: 'w1' })).toBe('{"id":"w1"}');
    expect(await redis.keys(`${PREFIX}*`)).toHaveLength(1);
    const after = await clientOf(1, { sub: 'carol' });
    const hitsBefore = (await cacheCounts(replicas[1], 'widgets.get_widget')).hit ?? 0;
    expect(await call(after, 'widgets.get_widget', { id: 'w1' })).toMatch(/^call denied: /);
    expect(upstream.requests).toHaveLength(1);
    expect((await cacheCounts(replicas[1], 'widgets.get_widget')).hit ?? 0).toBe(hitsBefore);
    expect(replicas[1].traces.traces).toMatchObject([
      { subject: 'user:carol', status: 'denied', decision: 'deny', rule: 'default-deny', target: null },
    ]);
  });

  it('keeps one entry per subject: two subjects allowed the same call do not share an answer', async () => {
    const carol = await clientOf(0, CAROL);
    const bot = await clientOf(1, { sub: 'bot', agent: true });
    expect(await call(carol, 'widgets.get_widget', { id: 'w1' })).toBe('{"id":"w1"}');
    expect(await call(bot, 'widgets.get_widget', { id: 'w1' })).toBe('{"id":"w1"}');
    expect(upstream.requests).toHaveLength(2);
    expect(replicas[1].traces.traces[0]).toMatchObject({
      subject: 'agent:bot',
      target: expect.not.stringMatching(/^cache$/),
    });
    expect(await redis.keys(`${PREFIX}*`)).toHaveLength(2);
    // Each is then served its own entry.
    await call(await clientOf(1, CAROL), 'widgets.get_widget', { id: 'w1' });
    await call(await clientOf(0, { sub: 'bot', agent: true }), 'widgets.get_widget', { id: 'w1' });
    expect(upstream.requests).toHaveLength(2);
  });
});
