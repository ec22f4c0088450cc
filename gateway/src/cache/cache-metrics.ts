/**
 * raku_tool_cache_total{tool,result}: what the cache did for each call of a cached tool. `hit`: answered
 * from the cache; `miss`: not there (or the store could not answer), sent on its route; `store`: the
 * answer of a miss was kept. Registered once per metrics registry (catalogs are rebuilt on every reload).
 */
import { Counter, type Registry } from 'prom-client';

export type CacheResult = 'hit' | 'miss' | 'store';

export type CacheCounter = Counter<'tool' | 'result'>;

const NAME = 'raku_tool_cache_total';

/** The counter on `metrics.registry` (the gateway's RuntimeMetrics), created there on first use. */
export function toolCacheCounter(metrics: { registry: Registry }): CacheCounter {
  const registered = metrics.registry.getSingleMetric(NAME);
  if (registered) return registered as CacheCounter;
  return new Counter({
    name: NAME,
    help: 'Calls of cached tools by what the cache did: hit (answered from it), miss, store (answer kept).',
    labelNames: ['tool', 'result'],
    registers: [metrics.registry],
  });
}
