/** The cache step alone, over the in-memory store: what is kept, what is served, what is never kept. */
import { describe, expect, it } from 'vitest';
import { cacheKey } from '../../src/cache/cache-key.ts';
import { toolCacheCounter } from '../../src/cache/cache-metrics.ts';
import { type CacheableCall, cachedRoute, type RoutedAnswer } from '../../src/cache/cached-route.ts';
import { MemoryCacheStore } from '../../src/cache/memory-cache-store.ts';
import { createMetrics } from '../../src/server/metrics.ts';

const PACK_ROUTE = 'pack:widgets@2.0.0';

function call(cache: { ttlSeconds: number } | undefined): CacheableCall {
  return {
    name: 'widgets.get_widget',
    tool: {
      name: 'widgets.get_widget',
      source: { kind: 'pack', pack: 'widgets', version: '2.0.0', workload: 'widgets', tool: 'get_widget' },
      definition: {
        description: 'd',
        inputSchema: { type: 'object' },
        http: { method: 'GET', path: '/w' },
        annotations: { readOnlyHint: true },
        ...(cache ? { cache } : {}),
      },
      sensitive: false,
      contentHash: 'h',
    },
    candidates: [
      { route: PACK_ROUTE, pack: { name: 'widgets', version: '2.0.0' } },
      { route: 'remote:partner' },
    ],
    args: { id: 'w1' },
    caller: { subject: 'user:carol', kind: 'user', claims: {} },
  };
}

/** A route that answers `answer` and counts how often it was asked. */
function routeOf(answer: RoutedAnswer) {
  const route = async () => {
    route.calls++;
    return answer;
  };
  route.calls = 0;
  return route;
}

const OK: RoutedAnswer = {
  status: 'ok',
  result: { content: [{ type: 'text', text: 'w1' }] },
  route: PACK_ROUTE,
  target: 'http://widgets',
};

function setup() {
  const store = new MemoryCacheStore();
  const counter = toolCacheCounter(createMetrics({ defaultMetrics: false }));
  const counts = async () =>
    Object.fromEntries((await counter.get()).values.map((v) => [v.labels['result'], v.value]));
  return { deps: { store, counter }, store, counts };
}

describe('cachedRoute', () => {
  it('routes a miss, keeps its ok answer and serves it next, naming the route that answered and target cache', async () => {
    const { deps, counts } = setup();
    const route = routeOf(OK);
    expect(await cachedRoute(deps, call({ ttlSeconds: 60 }), route)).toBe(OK);
    expect(await cachedRoute(deps, call({ ttlSeconds: 60 }), route)).toEqual({
      status: 'ok',
      result: OK.result,
      route: PACK_ROUTE,
      target: 'cache',
    });
    expect(route.calls).toBe(1);
    expect(await counts()).toEqual({ miss: 1, store: 1, hit: 1 });
  });

  it('neither reads nor writes the cache for a tool without cache', async () => {
    const { deps, store, counts } = setup();
    const route = routeOf(OK);
    await cachedRoute(deps, call(undefined), route);
    await cachedRoute(deps, call(undefined), route);
    expect(route.calls).toBe(2);
    expect(store.stats().entries).toBe(0);
    expect(await counts()).toEqual({});
  });

  it.each<[string, RoutedAnswer]>([
    ['a tool error', { ...OK, status: 'error', result: { content: [], isError: true } }],
    ['an invalid call', { ...OK, status: 'invalid', result: { content: [], isError: true } }],
    ['a timeout', { status: 'timeout', result: { content: [], isError: true }, route: PACK_ROUTE }],
    ['no route', { status: 'no_route', result: { content: [], isError: true }, route: null }],
    ['an ok answer of a fallback', { ...OK, route: 'remote:partner' }],
  ])('never keeps %s', async (_what, answer) => {
    const { deps, store, counts } = setup();
    const route = routeOf(answer);
    await cachedRoute(deps, call({ ttlSeconds: 60 }), route);
    await cachedRoute(deps, call({ ttlSeconds: 60 }), route);
    expect(route.calls).toBe(2);
    expect(store.stats().entries).toBe(0);
    expect(await counts()).toEqual({ miss: 2 });
  });

  it('treats a stored value it cannot read as a miss and replaces it', async () => {
    const { deps, store } = setup();
    const c = call({ ttlSeconds: 60 });
    const key = cacheKey({ tool: c.name, pack: 'widgets', version: '2.0.0', args: c.args, caller: c.caller });
    await store.set(key, '{"route":1}', 60_000);
    const route = routeOf(OK);
    expect(await cachedRoute(deps, c, route)).toBe(OK);
    expect(route.calls).toBe(1);
    expect(JSON.parse((await store.get(key))!)).toEqual({ route: PACK_ROUTE, result: OK.result });
  });

  it('keys the entry by the pack version the call goes to first', async () => {
    const { deps } = setup();
    const route = routeOf(OK);
    await cachedRoute(deps, call({ ttlSeconds: 60 }), route);
    const older = call({ ttlSeconds: 60 });
    older.candidates = [
      { ...older.candidates[0]!, route: 'pack:widgets@1.0.0', pack: { name: 'widgets', version: '1.0.0' } },
    ];
    await cachedRoute(deps, older, route);
    expect(route.calls).toBe(2);
  });
});
