/**
 * The gateway the latency benches (a2a-pack, gateway-agent, cache) measure: the test zone's bundle of `model`
 * routed to `packUrl`, on loopback, traces to memory, metrics without Node's default collectors, `token` (when
 * given) standing for BENCH_CALLER.
 */

import { staticTokenAuthenticator } from '../../gateway/src/auth/authenticator.ts';
import type { CacheStore } from '../../gateway/src/cache/cache-store.ts';
import type { RunningGateway } from '../../gateway/src/server/gateway-server.ts';
import { createMetrics } from '../../gateway/src/server/metrics.ts';
import { startLoopbackGateway } from '../../gateway/test/helpers/loopback-servers.ts';
import { MemoryTraceSink } from '../../gateway/test/helpers/memory-trace-sink.ts';
import { testBundle } from '../../gateway/test/helpers/test-zone.ts';

/** A user of group engineering, which the test policy allows every widgets tool. */
export const BENCH_CALLER = {
  subject: 'user:carol',
  kind: 'user' as const,
  groups: ['engineering'],
  claims: {},
};

export function startLatencyGateway(
  model: Parameters<typeof testBundle>[0],
  packUrl: string,
  options: { secrets: (name: string) => string | undefined; token?: string; cache?: CacheStore },
): Promise<RunningGateway> {
  const { bundle, policy } = testBundle(model, packUrl);
  return startLoopbackGateway({
    bundle,
    policy,
    authenticator: staticTokenAuthenticator(new Map(options.token ? [[options.token, BENCH_CALLER]] : [])),
    traces: new MemoryTraceSink(),
    metrics: createMetrics({ defaultMetrics: false }),
    ...(options.cache ? { cache: options.cache } : {}),
    secrets: options.secrets,
  });
}
