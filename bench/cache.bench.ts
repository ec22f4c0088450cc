/**
 * Tool cache benchmark: the gateway pipeline (GatewayCatalog.callTool: policy, rate limit, cache, routing,
 * trace) for one read-only tool, per call, in three gateways of one run: the tool without `cache` (the hop to
 * a real pack server on loopback and its fake upstream: the baseline), a hit in the in-memory store, and a
 * hit in Redis (127.0.0.1:6379). Sequential calls, so the figures are latencies, not throughput; MCP framing
 * and HTTP in front of the catalog are the same for all three and left out.
 * Goal: a hit costs under a tenth of the uncached call (memory) and under a fifth (Redis).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createClient } from 'redis';
import type { CacheStore } from '../gateway/src/cache/cache-store.ts';
import { MemoryCacheStore } from '../gateway/src/cache/memory-cache-store.ts';
import { RedisCacheStore } from '../gateway/src/cache/redis-cache-store.ts';
import { json, startFakeUpstream } from '../gateway/test/helpers/fake-upstream.ts';
import { startLoopbackPackServer } from '../gateway/test/helpers/loopback-servers.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from '../gateway/test/helpers/test-pack.ts';
import { testModel } from '../gateway/test/helpers/test-zone.ts';
import { BENCH_CALLER, startLatencyGateway } from './lib/latency-gateway.ts';

const CALLS = 3000;
const WARM_UP = 500;
const REDIS = 'redis://127.0.0.1:6379';

export default async function bench(): Promise<void> {
  const upstream = await startFakeUpstream();
  // A 0.5 KiB answer, about what a small API read returns.
  upstream.routes.set('GET /api/widgets/w1', (_req, res) =>
    json(res, 200, { id: 'w1', text: 'x'.repeat(500) }),
  );
  const secrets = (n: string) => (n === WIDGETS_SECRET_ENV ? 's' : undefined);
  const cached = widgetsPack(upstream.url);
  cached.tools[0]!.cache = { ttlSeconds: 300 };
  const packServer = await startLoopbackPackServer(cached, secrets);
  const prefix = `raku:cache:bench-${randomBytes(4).toString('hex')}:`;

  /** µs per call of `widgets.get_widget` through a gateway whose tool has `cache` when `store` is given. */
  const measure = async (store: CacheStore | undefined): Promise<number> => {
    const pack = store ? cached : widgetsPack(upstream.url);
    const gateway = await startLatencyGateway(testModel(pack, 'http://127.0.0.1:9/mcp'), packServer.url, {
      secrets,
      ...(store ? { cache: store } : {}),
    });
    const signal = new AbortController().signal;
    const call = () => gateway.catalog.callTool('widgets.get_widget', { id: 'w1' }, BENCH_CALLER, signal);
    try {
      for (let i = 0; i < WARM_UP; i++) await call();
      const started = performance.now();
      for (let i = 0; i < CALLS; i++) await call();
      return ((performance.now() - started) * 1000) / CALLS;
    } finally {
      await gateway.close();
    }
  };

  try {
    const uncached = await measure(undefined);
    const memory = await measure(new MemoryCacheStore());
    const redis = await measure(await RedisCacheStore.connect({ url: REDIS, prefix }));
    const row = (label: string, us: number) =>
      console.log(
        `${label.padEnd(40)} ${us.toFixed(1).padStart(8)} µs a call  ${(us / uncached).toFixed(2)}x`,
      );
    console.log(`${CALLS} sequential calls each, after ${WARM_UP} to warm up`);
    row('uncached (pack server + upstream)', uncached);
    row('hit, in-memory store', memory);
    row('hit, Redis store', redis);
    console.log(
      `goal hit < 0.1x (memory): ${memory / uncached < 0.1 ? 'met' : 'missed'}; < 0.2x (Redis): ${redis / uncached < 0.2 ? 'met' : 'missed'}`,
    );
  } finally {
    await packServer.close();
    await upstream.close();
    const client = createClient({ url: REDIS });
    await client.connect();
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(keys);
    await client.close();
  }
}
