/**
 * The cache step of a tool call (docs/gateway.md, "Cache"), run by the gateway catalog after the policy has
 * allowed the call and its rate limit and approval are satisfied, in place of sending it on its route: a
 * tool with `cache` in its pack is answered from the cache when it can be, and its successful answers are
 * kept for `ttlSeconds`. Only an `ok` answer of the route the call was meant for is kept: never a tool error,
 * a timeout, a refusal, nor a fallback's answer (it would be served later as the pack's).
 */
import type { CallToolResult } from '@raku/pack-runtime';
import type { GatewayBundle } from '@raku/render';
import type { Caller } from '../auth/caller.ts';
import type { TraceStatus } from '../traces/types.ts';
import { cacheKey } from './cache-key.ts';
import type { CacheCounter } from './cache-metrics.ts';
import type { CacheStore } from './cache-store.ts';

/** The trace `target` of an answer served from the cache; its `route` is the one that first answered. */
export const CACHE_TARGET = 'cache';

/** What routing a call produced, as the catalog traces it. */
export interface RoutedAnswer {
  status: TraceStatus;
  result: CallToolResult;
  route?: string | null;
  target?: string | null;
  error?: string;
}

export interface CachedRouteDeps {
  /** Undefined: no cache in this gateway; every call is routed. */
  store: CacheStore | undefined;
  counter: CacheCounter;
}

export interface CacheableCall {
  /** Exposed tool name. */
  name: string;
  tool: GatewayBundle['tools'][number];
  /**
   * The call's candidates in order (routing's Candidate): the first is the pack server, and version, the
   * entry belongs to.
   */
  candidates: readonly { route: string; pack?: { name: string; version: string } }[];
  args: Record<string, unknown>;
  caller: Pick<Caller, 'subject' | 'kind' | 'claims'>;
}

interface StoredAnswer {
  route: string;
  result: CallToolResult;
}

/** Answers `call` from the cache, or by `route()` and keeps what may be kept. */
export async function cachedRoute(
  deps: CachedRouteDeps,
  call: CacheableCall,
  route: () => Promise<RoutedAnswer>,
): Promise<RoutedAnswer> {
  const ttlSeconds = call.tool.definition?.cache?.ttlSeconds;
  const first = call.candidates[0];
  if (!deps.store || ttlSeconds === undefined || !first?.pack) return route();
  const key = cacheKey({
    tool: call.name,
    pack: first.pack.name,
    version: first.pack.version,
    args: call.args,
    caller: call.caller,
  });
  const hit = parse(await deps.store.get(key));
  if (hit) {
    deps.counter.inc({ tool: call.name, result: 'hit' });
    return { status: 'ok', result: hit.result, route: hit.route, target: CACHE_TARGET };
  }
  deps.counter.inc({ tool: call.name, result: 'miss' });
  const answer = await route();
  if (answer.status === 'ok' && answer.result.isError !== true && answer.route === first.route) {
    const stored: StoredAnswer = { route: first.route, result: answer.result };
    if (await deps.store.set(key, JSON.stringify(stored), ttlSeconds * 1000))
      deps.counter.inc({ tool: call.name, result: 'store' });
  }
  return answer;
}

/** A stored answer read back; anything else (absent, or not what this code stores) is a miss. */
function parse(value: string | undefined): StoredAnswer | undefined {
  if (value === undefined) return undefined;
  try {
    const stored = JSON.parse(value) as Partial<StoredAnswer> | null;
    if (typeof stored?.route !== 'string' || typeof stored.result !== 'object' || stored.result === null)
      return undefined;
    return { route: stored.route, result: stored.result };
  } catch {
    return undefined;
  }
}
