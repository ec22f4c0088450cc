import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jwtAuthenticator } from '../src/auth/authenticator.ts';
import { encodeCursor } from '../src/mcp/tool-endpoint.ts';
import { type RunningGateway, startGateway } from '../src/server/gateway-server.ts';
import { type RunningServer, startPackServer } from '../src/server/pack-server.ts';
import { MemoryRateLimiter, type RateLimiter } from '../src/server/rate-limiter.ts';
import { type FakeUpstream, json, startFakeUpstream } from './helpers/fake-upstream.ts';
import { AUDIENCE, ISSUER, testIssuer } from './helpers/jwt.ts';
import { connectClient, ERAS, textOf } from './helpers/mcp-client.ts';
import { MemoryTraceSink } from './helpers/memory-trace-sink.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from './helpers/test-pack.ts';
import { MID_HOUR, REMOTE_SECRET_ENV, testBundle, testModel } from './helpers/test-zone.ts';
import { startThirdParty, type ThirdParty } from './helpers/third-party-server.ts';

const secrets = (name: string) =>
  ({ [WIDGETS_SECRET_ENV]: 'upstream-secret', [REMOTE_SECRET_ENV]: 'partner-secret' })[name];

let upstream: FakeUpstream;
let packServer: RunningServer;
let partner: ThirdParty;
let issuer: Awaited<ReturnType<typeof testIssuer>>;
const clients: Client[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1', color: 'red' }));
  upstream.routes.set('GET /api/widgets', (_req, res) => json(res, 200, [{ id: 'w1' }]));
  upstream.routes.set('POST /api/widgets', (req, res) =>
    json(res, 201, { id: 'w2', ...JSON.parse(req.body) }),
  );
  packServer = await startPackServer({
    packs: [widgetsPack(upstream.url)],
    environment: 'dev',
    secrets,
    allowPrivateNetworks: true,
    port: 0,
  });
  partner = await startThirdParty();
  issuer = await testIssuer();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const close of closers.splice(0).reverse()) await close();
  upstream.requests.length = 0;
  partner.authorizations.length = 0;
  partner.calls.length = 0;
});

afterAll(async () => {
  await packServer.close();
  await partner.close();
  await upstream.close();
});

async function gateway(
  overrides: {
    packServerUrl?: string;
    pageSize?: number;
    breaker?: { failureThreshold?: number; openMs?: number };
    rateLimiter?: RateLimiter;
  } = {},
) {
  const model = testModel(widgetsPack(upstream.url), partner.url);
  const { bundle, policy } = testBundle(model, overrides.packServerUrl ?? packServer.url);
  const traces = new MemoryTraceSink();
  const gw = await startGateway({
    bundle,
    policy,
    authenticator: jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks }),
    traces,
    adminSubjects: ['group:raku-admins'],
    secrets,
    port: 0,
    routeOptions: {
      healthIntervalMs: 0,
      remoteCheckIntervalMs: 0,
      ...(overrides.breaker ? { breaker: overrides.breaker } : {}),
    },
    ...(overrides.pageSize ? { pageSize: overrides.pageSize } : {}),
    ...(overrides.rateLimiter ? { rateLimiter: overrides.rateLimiter } : {}),
  });
  closers.push(() => gw.close());
  return { gw, traces };
}

async function client(gw: RunningGateway, era: 'legacy' | 'modern', token: string): Promise<Client> {
  const c = await connectClient(gw.url, era, token);
  clients.push(c);
  return c;
}

const botToken = () => issuer.sign({ sub: 'bot', agent: true });
const aliceToken = () => issuer.sign({ sub: 'alice', groups: ['maintainers'] });

describe('gateway authentication', () => {
  it('answers 401 with a WWW-Authenticate challenge naming the protected-resource metadata', async () => {
    const { gw, traces } = await gateway();
    const wrongAudience = await issuer.sign({ sub: 'bot', agent: true }, { audience: 'https://other.test' });
    for (const auth of [undefined, `Bearer ${wrongAudience}`, 'Bearer not.a.jwt']) {
      const res = await fetch(gw.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(auth ? { authorization: auth } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${gw.metadataUrl}"`);
      if (auth === `Bearer ${wrongAudience}`) {
        expect(await res.json()).toEqual({
          error: {
            code: 'invalid_token',
            message: 'the token was not issued for this gateway (audience mismatch)',
          },
        });
      }
    }
    const expired = await issuer.sign({ sub: 'bot' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    await expect(connectClient(gw.url, 'modern', expired)).rejects.toThrow();
    const metadata = await (await fetch(gw.metadataUrl)).json();
    expect(metadata).toMatchObject({ resource: AUDIENCE, authorization_servers: [ISSUER] });
    expect(traces.traces).toEqual([]);
  });
});

describe.each(ERAS)('gateway over MCP (%s client)', (era) => {
  it('lists only the tools the caller may call, hiding tampered third-party tools', async () => {
    const { gw } = await gateway();
    const bot = await client(gw, era, await botToken());
    expect((await bot.listTools()).tools.map((t) => t.name)).toEqual([
      'partner.search',
      'widgets.get_widget',
      'widgets.list_widgets',
    ]);
    const alice = await client(gw, era, await aliceToken());
    expect((await alice.listTools()).tools.map((t) => t.name)).toEqual(['widgets.create_widget']);
    expect(gw.routes.hiddenTools()).toEqual([
      {
        remote: 'partner',
        tool: 'tampered',
        expected: '0'.repeat(64),
        actual: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
  });

  it('routes a call to the pack server and its upstream without forwarding the agent token', async () => {
    const { gw, traces } = await gateway();
    const token = await botToken();
    const result = await (await client(gw, era, token)).callTool({
      name: 'widgets.get_widget',
      arguments: { id: 'w1' },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ id: 'w1', color: 'red' });
    expect(upstream.requests).toHaveLength(1);
    const seen = JSON.stringify(upstream.requests[0]);
    expect(seen).not.toContain(token);
    expect(upstream.requests[0]?.headers['authorization']).toBe('Bearer upstream-secret');
    expect(traces.traces).toEqual([
      expect.objectContaining({
        subject: 'agent:bot',
        subjectKind: 'agent',
        tool: 'widgets.get_widget',
        route: 'pack:widgets@1.0.0',
        target: packServer.url,
        decision: 'allow',
        rule: 'test/bindings[0]',
        revision: 'test-rev',
        status: 'ok',
        args: { id: 'w1' },
      }),
    ]);
  });

  it('refuses calls the policy denies, with the deciding rule, and sends nothing upstream', async () => {
    const { gw, traces } = await gateway();
    const bot = await client(gw, era, await botToken());
    const write = await bot.callTool({ name: 'widgets.create_widget', arguments: { name: 'x' } });
    expect(write.isError).toBe(true);
    expect(textOf(write)).toContain(
      'call denied: agent:bot may not call widgets.create_widget in dev: no rule allows it',
    );
    const red = await bot.callTool({ name: 'widgets.list_widgets', arguments: { color: 'red' } });
    expect(textOf(red)).toContain('denied by test/denies/no-red-for-bots');
    const blue = await bot.callTool({ name: 'widgets.list_widgets', arguments: { color: 'blue' } });
    expect(blue.isError).toBeFalsy();
    expect(upstream.requests.map((r) => r.url)).toEqual(['/api/widgets?color=blue']);
    expect(traces.traces.map((t) => [t.status, t.decision, t.rule])).toEqual([
      ['denied', 'deny', 'default-deny'],
      ['denied', 'deny', 'test/denies/no-red-for-bots'],
      ['ok', 'allow', 'test/bindings[0]'],
    ]);
  });

  it("passes the pack server's argument errors through and traces them as invalid", async () => {
    const { gw, traces } = await gateway();
    const bot = await client(gw, era, await botToken());
    const result = await bot.callTool({ name: 'widgets.get_widget', arguments: { id: 7 } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('invalid arguments for widgets.get_widget: /id must be string');
    expect(traces.traces.map((t) => t.status)).toEqual(['invalid']);
    expect(upstream.requests).toEqual([]);
  });

  it('answers a JSON-RPC error for an unknown tool and traces it as unknown_tool, decided by no rule', async () => {
    const { gw, traces } = await gateway();
    const bot = await client(gw, era, await botToken());
    await expect(bot.callTool({ name: 'widgets.nope', arguments: {} })).rejects.toThrow(
      /unknown tool "widgets.nope"/,
    );
    expect(traces.traces.map((t) => [t.tool, t.status, t.decision, t.rule])).toEqual([
      ['widgets.nope', 'unknown_tool', 'none', null],
    ]);
    const metrics = await (await fetch(gw.url.replace(/\/mcp$/, '/metrics'))).text();
    expect(metrics).toContain(
      'raku_tool_calls_total{tool="(unknown)",status="unknown_tool",zone="dev",pack="",pack_version=""} 1',
    );
    // No policy decision was taken, so none is counted.
    expect(metrics).not.toMatch(/^raku_policy_decisions_total\{/m);
  });

  it('serves a reviewed third-party tool with the remote credential, not the agent token', async () => {
    const { gw } = await gateway();
    const token = await botToken();
    const result = await (await client(gw, era, token)).callTool({
      name: 'partner.search',
      arguments: { q: 'bolt' },
    });
    expect(textOf(result)).toBe('partner:search:{"q":"bolt"}');
    expect(partner.authorizations.every((a) => a === 'Bearer partner-secret')).toBe(true);
    expect(partner.authorizations.length).toBeGreaterThan(0);
  });
});

describe('gateway routing', () => {
  it('paginates tools/list in a stable order', async () => {
    const { gw } = await gateway({ pageSize: 2 });
    const bot = await client(gw, 'modern', await botToken());
    // Without a cursor the client walks every page.
    expect((await bot.listTools()).tools.map((t) => t.name)).toEqual([
      'partner.search',
      'widgets.get_widget',
      'widgets.list_widgets',
    ]);
    const page1 = await bot.listTools({ cursor: encodeCursor('') });
    expect(page1.tools.map((t) => t.name)).toEqual(['partner.search', 'widgets.get_widget']);
    expect(page1.nextCursor).toBe(encodeCursor('widgets.get_widget'));
    const page2 = await bot.listTools({ cursor: page1.nextCursor! });
    expect(page2.tools.map((t) => t.name)).toEqual(['widgets.list_widgets']);
    expect(page2.nextCursor).toBeUndefined();
    await expect(bot.listTools({ cursor: 'forged' })).rejects.toThrow(/invalid cursor/);
  });

  it('falls back to the reviewed third-party server when the pack server is down, then opens the breaker', async () => {
    const dead = closedPortUrl();
    const { gw, traces } = await gateway({
      packServerUrl: dead,
      breaker: { failureThreshold: 2, openMs: 60_000 },
    });
    const bot = await client(gw, 'modern', await botToken());
    for (let i = 0; i < 3; i++) {
      const result = await bot.callTool({ name: 'widgets.get_widget', arguments: { id: `w${i}` } });
      expect(textOf(result)).toBe(`partner:get_widget:{"id":"w${i}"}`);
    }
    expect(partner.calls.map((c) => c.name)).toEqual(['get_widget', 'get_widget', 'get_widget']);
    expect(traces.traces.map((t) => [t.route, t.status])).toEqual([
      ['remote:partner', 'ok'],
      ['remote:partner', 'ok'],
      ['remote:partner', 'ok'],
    ]);
    expect(gw.routes.breaker(dead).state).toBe('open');
    const metrics = await (await fetch(gw.url.replace(/\/mcp$/, '/metrics'))).text();
    expect(metrics).toContain(`raku_breaker_state{target="${dead}"} 2`);
  });

  it('skips a pack server whose health check fails and goes straight to the fallback', async () => {
    const dead = closedPortUrl();
    const { gw } = await gateway({ packServerUrl: dead });
    await gw.routes.checkHealth();
    const bot = await client(gw, 'modern', await botToken());
    const result = await bot.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    expect(textOf(result)).toBe('partner:get_widget:{"id":"w1"}');
    // Skipped, not tried: the breaker saw no failure.
    expect(gw.routes.breaker(dead).state).toBe('closed');
    const report = gw.routes.report() as {
      routes: { tool: string; targets: { health: { healthy: boolean } }[] }[];
    };
    expect(report.routes.find((r) => r.tool === 'widgets.get_widget')?.targets[0]?.health).toEqual({
      healthy: false,
      detail: 'ECONNREFUSED',
    });
  });

  it.each(ERAS)(
    'serves the pack version an agent asks for, lists the version it serves, and refuses others (%s)',
    async (era) => {
      const { gw, traces } = await gateway();
      const bot = await client(gw, era, await botToken());
      const listed = (await bot.listTools()).tools.find((t) => t.name === 'widgets.get_widget');
      expect(listed?._meta).toEqual({ 'dev.raku/pack-version': '1.0.0' });
      const call = (version: unknown) =>
        bot.callTool({
          name: 'widgets.get_widget',
          arguments: { id: 'w1' },
          _meta: { 'dev.raku/pack-version': version },
        } as never);
      expect((await call('^1.0.0')).structuredContent).toEqual({ id: 'w1', color: 'red' });
      const newer = await call('^2');
      expect(newer.isError).toBe(true);
      expect(textOf(newer)).toBe(
        'widgets.get_widget: no pack server of a version in "^2" (this zone serves widgets@1.0.0)',
      );
      expect(upstream.requests).toHaveLength(1);
      expect(traces.traces.map((t) => [t.status, t.route])).toEqual([
        ['ok', 'pack:widgets@1.0.0'],
        ['no_route', null],
      ]);
      await expect(call(2)).rejects.toThrow('must be a string (a semver range)');
    },
  );

  it('gives a clear error when no route is left', async () => {
    const dead = closedPortUrl();
    const { gw, traces } = await gateway({ packServerUrl: dead });
    const eve = await client(gw, 'legacy', await issuer.sign({ sub: 'eve', groups: ['engineering'] }));
    const result = await eve.callTool({ name: 'widgets.list_widgets', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /^no route left for widgets.list_widgets: pack:widgets@1.0.0 \(.*\) failed: .* is unreachable \(ECONNREFUSED\)/,
    );
    expect(traces.traces[0]).toMatchObject({ status: 'no_route', route: 'pack:widgets@1.0.0', target: dead });
  });

  it('times out a target that does not answer and moves on for an idempotent tool', async () => {
    const hang = await hangingServer();
    const model = testModel(widgetsPack(upstream.url), partner.url);
    const { bundle, policy } = testBundle(model, hang.url);
    // The budget is per attempt, the fallback's too: it must leave a loaded machine room to connect to the
    // third-party server and call it (300 ms did not), while the hanging server's two attempts wait it out.
    bundle.tools.find((t) => t.name === 'widgets.get_widget')!.definition!.timeoutMs = 2_000;
    const traces = new MemoryTraceSink();
    const gw = await startGateway({
      bundle,
      policy,
      authenticator: jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks }),
      traces,
      adminSubjects: [],
      secrets,
      port: 0,
      routeOptions: { healthIntervalMs: 0, remoteCheckIntervalMs: 0 },
    });
    closers.push(() => gw.close());
    const bot = await client(gw, 'modern', await botToken());
    const result = await bot.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    expect(textOf(result)).toBe('partner:get_widget:{"id":"w1"}');
    // Idempotent: the first attempt and one retry on the hanging server, then the fallback.
    expect(hang.requests()).toBe(2);
    expect(traces.traces[0]).toMatchObject({ route: 'remote:partner', status: 'ok' });
    await hang.close();
  });

  it('limits calls per subject as the policy says', async () => {
    // A fixed clock: on the real one the three calls could straddle the turn of the hour's window.
    const { gw, traces } = await gateway({ rateLimiter: new MemoryRateLimiter(MID_HOUR) });
    const spammer = await client(gw, 'modern', await issuer.sign({ sub: 'spammer', agent: true }));
    const texts: string[] = [];
    for (let i = 0; i < 3; i++) {
      texts.push(textOf(await spammer.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } })));
    }
    expect(texts[2]).toBe('rate limit exceeded: at most 2 calls per 3600 s (test/rateLimits/spam-guard)');
    expect(traces.traces.map((t) => t.status)).toEqual(['ok', 'ok', 'rate_limited']);
    expect(upstream.requests).toHaveLength(2);
  });

  it('hides third-party tools while their server cannot be read, and says so when one is called', async () => {
    const deadRemote = closedPortUrl();
    const model = testModel(widgetsPack(upstream.url), deadRemote);
    const { bundle, policy } = testBundle(model, packServer.url);
    const gw = await startGateway({
      bundle,
      policy,
      authenticator: jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks }),
      traces: new MemoryTraceSink(),
      adminSubjects: [],
      secrets,
      port: 0,
      routeOptions: { healthIntervalMs: 0, remoteCheckIntervalMs: 0 },
    });
    closers.push(() => gw.close());
    const bot = await client(gw, 'modern', await botToken());
    expect((await bot.listTools()).tools.map((t) => t.name)).toEqual([
      'widgets.get_widget',
      'widgets.list_widgets',
    ]);
    const result = await bot.callTool({ name: 'partner.search', arguments: { q: 'x' } });
    expect(textOf(result)).toMatch(
      /^no route left for partner.search: remote:partner \(.*\) skipped: its tool definitions could not be read/,
    );
  });

  it('reloads a new bundle without a restart: new revision, new routes', async () => {
    const { gw, traces } = await gateway();
    const bot = await client(gw, 'modern', await botToken());
    const model = testModel(widgetsPack(upstream.url), partner.url);
    model.policies[0]!.value = { ...model.policies[0]!.value, denies: [] };
    const next = testBundle(model, packServer.url);
    next.bundle.revision = 'rev-2';
    next.bundle.tools = next.bundle.tools.filter((t) => t.name !== 'partner.search');
    next.bundle.routes = next.bundle.routes.filter((r) => r.tool !== 'partner.search');
    gw.reload(next.bundle, next.policy);
    expect((await bot.listTools()).tools.map((t) => t.name)).toEqual([
      'widgets.get_widget',
      'widgets.list_widgets',
    ]);
    const red = await bot.callTool({ name: 'widgets.list_widgets', arguments: { color: 'red' } });
    expect(red.isError).toBeFalsy();
    expect(traces.traces.at(-1)).toMatchObject({ revision: 'rev-2', status: 'ok' });
  });

  it('refuses a call that needs approval when no approval store is configured', async () => {
    const { gw, traces } = await gateway();
    const alice = await client(gw, 'modern', await aliceToken());
    const result = await alice.callTool({ name: 'widgets.create_widget', arguments: { name: 'bolt' } });
    expect(textOf(result)).toBe(
      'widgets.create_widget needs approval (test/approvals/widget-creation) but this gateway has no approval store',
    );
    expect(traces.traces[0]).toMatchObject({ decision: 'approval', status: 'denied' });
    expect(upstream.requests).toEqual([]);
  });
});

/**
 * A URL nothing listens on: port 81, below the ephemeral range a server on port 0 is given, and not one of the
 * ports fetch refuses to ask (1, 9, …). A port found free and closed could be bound by another test file's
 * server before the call, which would then answer instead of being refused.
 */
function closedPortUrl(): string {
  return 'http://127.0.0.1:81/mcp';
}

async function hangingServer() {
  let count = 0;
  const s = http.createServer((req) => {
    count++;
    req.resume();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      }),
  };
}
