/**
 * Tenant quotas over real HTTP: calls per minute shared by two gateway replicas through one real Redis, calls
 * per day, calls in flight per replica; each refusal a tool error naming the quota with its retry-after in
 * the text and `_meta`, traced as rate_limited under the quota's config path, and counted per tenant in
 * /metrics. The windows' clock is fixed, so no call can fall into a fresh window by the time it takes.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import type { TenantQuotas } from '../../../generator/config/src/model/types.ts';
import { MemoryRateLimiter } from '../../src/server/rate-limiter.ts';
import { RedisRateLimiter } from '../../src/server/redis-rate-limiter.ts';
import { RETRY_AFTER_META } from '../../src/server/tenant-quota.ts';
import { connectClient, textOf } from '../helpers/mcp-client.ts';
import { REDIS } from '../helpers/redis-gateway-role.ts';
import { CALLERS, startTenancyGateway, startTenancyParts, type TenancyParts } from './tenancy-fixture.ts';

/** 12:00:30 UTC: half a minute into a minute, half a day into a day. */
const NOON = Date.UTC(2026, 11, 4, 12, 0, 30);

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function partsWith(quotas: { acme?: TenantQuotas; globex?: TenantQuotas }): Promise<TenancyParts> {
  const parts = await startTenancyParts(quotas);
  cleanups.push(() => parts.close());
  return parts;
}

const call = (client: Awaited<ReturnType<typeof connectClient>>, id = 'c1') =>
  client.callTool({ name: 'crm.get_contact', arguments: { id } });

/** The value of one series of a counter on a /metrics page (0 when absent). */
async function counter(metricsUrl: string, series: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('tenant quotas', () => {
  it('shares calls per minute across two replicas through Redis, and refuses with the quota and retry-after', async () => {
    const parts = await partsWith({ acme: { callsPerMinute: 2 } });
    const prefix = `raku:ratelimit:tenancy-${randomBytes(4).toString('hex')}:`;
    const replicas = [];
    for (let i = 0; i < 2; i++) {
      const limiter = await RedisRateLimiter.connect({ url: REDIS, prefix, now: () => NOON });
      const { gateway, traces } = await startTenancyGateway(parts, { rateLimiter: limiter });
      cleanups.push(() => gateway.close());
      replicas.push({ gateway, traces });
    }
    cleanups.push(async () => {
      const redis = createClient({ url: REDIS });
      await redis.connect();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(keys);
      await redis.close();
    });
    const token = await parts.issuer.sign({ ...CALLERS.ann });
    const gusToken = await parts.issuer.sign({ ...CALLERS.gus });
    const clients = await Promise.all(replicas.map((r) => connectClient(r.gateway.url, 'modern', token)));
    const gus = await connectClient(replicas[1]!.gateway.url, 'legacy', gusToken);
    try {
      const first = await call(clients[0]!);
      const second = await call(clients[1]!);
      const third = await call(clients[0]!);
      expect([first.isError, second.isError]).toEqual([undefined, undefined]);
      expect(third.isError).toBe(true);
      expect(textOf(third)).toMatch(
        /^quota exceeded: tenant "acme" may make at most 2 calls per minute \(callsPerMinute\); retry after (\d+) s$/,
      );
      const retryAfter = Number(/retry after (\d+) s/.exec(textOf(third))![1]);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(third._meta?.[RETRY_AFTER_META]).toBe(retryAfter);
      // Another tenant's calls are not counted against acme's quota.
      expect(JSON.parse(textOf(await call(gus)))).toEqual({ id: 'c1', tenant: 'globex' });
    } finally {
      await Promise.all([...clients, gus].map((c) => c.close()));
    }
    const refused = replicas[0]!.traces.traces.at(-1)!;
    expect([refused.tenant, refused.status, refused.decision, refused.rule, refused.route]).toEqual([
      'acme',
      'rate_limited',
      'allow',
      'tenants/acme/quotas/callsPerMinute',
      null,
    ]);
    const metrics = replicas.map((r) => r.gateway.url.replace(/\/mcp$/, '/metrics'));
    expect(await counter(metrics[0]!, 'raku_tenant_calls_total{tenant="acme"}')).toBe(2);
    expect(await counter(metrics[1]!, 'raku_tenant_calls_total{tenant="acme"}')).toBe(1);
    expect(await counter(metrics[1]!, 'raku_tenant_calls_total{tenant="globex"}')).toBe(1);
    expect(
      await counter(metrics[0]!, 'raku_tenant_quota_exceeded_total{tenant="acme",quota="callsPerMinute"}'),
    ).toBe(1);
    expect(
      await counter(metrics[1]!, 'raku_tenant_quota_exceeded_total{tenant="acme",quota="callsPerMinute"}'),
    ).toBe(0);
  }, 60_000);

  it('refuses calls over the day’s quota, telling the caller to retry within the UTC day', async () => {
    const parts = await partsWith({ acme: { callsPerDay: 1 } });
    const { gateway } = await startTenancyGateway(parts, { rateLimiter: new MemoryRateLimiter(() => NOON) });
    cleanups.push(() => gateway.close());
    const ann = await connectClient(gateway.url, 'legacy', await parts.issuer.sign({ ...CALLERS.ann }));
    try {
      expect((await call(ann)).isError).toBeUndefined();
      const refused = await call(ann);
      expect(textOf(refused)).toMatch(
        /^quota exceeded: tenant "acme" may make at most 1 calls per UTC day \(callsPerDay\); retry after \d+ s$/,
      );
      const retryAfter = refused._meta?.[RETRY_AFTER_META] as number;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
      expect(textOf(refused)).toContain(`retry after ${retryAfter} s`);
    } finally {
      await ann.close();
    }
  }, 60_000);

  it('refuses a call over the calls in flight while another runs, and admits one once it ends', async () => {
    const parts = await partsWith({ acme: { concurrentCalls: 1 } });
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    parts.upstream.routes.set('GET /acme/contacts/slow', (_req, res) => {
      arrived();
      void released.then(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'slow', tenant: 'acme' }));
      });
    });
    const { gateway, traces } = await startTenancyGateway(parts);
    cleanups.push(() => gateway.close());
    const ann = await connectClient(gateway.url, 'modern', await parts.issuer.sign({ ...CALLERS.ann }));
    const gus = await connectClient(gateway.url, 'modern', await parts.issuer.sign({ ...CALLERS.gus }));
    try {
      const slow = call(ann, 'slow');
      await arrival;
      const refused = await call(ann);
      expect(textOf(refused)).toBe(
        'quota exceeded: tenant "acme" may have at most 1 calls in flight on this gateway replica (concurrentCalls); retry after 1 s',
      );
      expect(refused._meta?.[RETRY_AFTER_META]).toBe(1);
      // Another tenant's calls take none of acme's slots.
      expect(JSON.parse(textOf(await call(gus)))).toEqual({ id: 'c1', tenant: 'globex' });
      release();
      expect(JSON.parse(textOf(await slow))).toEqual({ id: 'slow', tenant: 'acme' });
      expect(JSON.parse(textOf(await call(ann)))).toEqual({ id: 'c1', tenant: 'acme' });
    } finally {
      release();
      await ann.close();
      await gus.close();
    }
    expect(traces.traces.find((t) => t.status === 'rate_limited')?.rule).toBe(
      'tenants/acme/quotas/concurrentCalls',
    );
    const metrics = gateway.url.replace(/\/mcp$/, '/metrics');
    expect(
      await counter(metrics, 'raku_tenant_quota_exceeded_total{tenant="acme",quota="concurrentCalls"}'),
    ).toBe(1);
  }, 60_000);

  it('counts nothing per tenant in a bundle without tenants', async () => {
    const parts = await partsWith({});
    delete parts.bundle.tenants;
    for (const tool of parts.bundle.tools) delete tool.tenant;
    // Without tenants only the shared widgets pack is left to call (the crm tools would repeat a name).
    parts.bundle.tools = parts.bundle.tools.filter((t) => !t.name.startsWith('crm.'));
    parts.bundle.routes = parts.bundle.routes.filter((r) => r.tenant === undefined);
    const { gateway, traces } = await startTenancyGateway(parts);
    cleanups.push(() => gateway.close());
    const ann = await connectClient(gateway.url, 'modern', await parts.issuer.sign({ ...CALLERS.ann }));
    try {
      const answer = await ann.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
      expect(JSON.parse(textOf(answer))).toEqual({ id: 'w1' });
    } finally {
      await ann.close();
    }
    expect(traces.traces.at(-1)?.tenant).toBeUndefined();
    const text = await (await fetch(gateway.url.replace(/\/mcp$/, '/metrics'))).text();
    expect(text).not.toMatch(/^raku_tenant_calls_total\{/m);
  }, 60_000);
});
