/**
 * Without REDIS_URL (no `cache` option) a gateway keeps the answers of tools with `cache` in its own memory:
 * the second identical call of a subject is answered there, over real MCP, the upstream asked once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtAuthenticator } from '../../src/auth/authenticator.ts';
import type { RunningGateway } from '../../src/server/gateway-server.ts';
import type { RunningServer } from '../../src/server/pack-server.ts';
import { type FakeUpstream, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { AUDIENCE, ISSUER, testIssuer } from '../helpers/jwt.ts';
import { startLoopbackGateway, startLoopbackPackServer } from '../helpers/loopback-servers.ts';
import { connectClient, textOf } from '../helpers/mcp-client.ts';
import { MemoryTraceSink } from '../helpers/memory-trace-sink.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from '../helpers/test-pack.ts';
import { testBundle, testModel } from '../helpers/test-zone.ts';

const secrets = (n: string) => (n === WIDGETS_SECRET_ENV ? 's' : undefined);
let upstream: FakeUpstream;
let packServer: RunningServer;
let gateway: RunningGateway;
let issuer: Awaited<ReturnType<typeof testIssuer>>;
const traces = new MemoryTraceSink();

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
  const pack = widgetsPack(upstream.url);
  pack.tools[0]!.cache = { ttlSeconds: 60 };
  packServer = await startLoopbackPackServer(pack, secrets);
  issuer = await testIssuer();
  const { bundle, policy } = testBundle(testModel(pack, 'http://127.0.0.1:9/mcp'), packServer.url);
  gateway = await startLoopbackGateway({
    bundle,
    policy,
    authenticator: jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks }),
    traces,
    secrets,
  });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await packServer?.close();
  await upstream?.close();
});

describe('the tool cache without Redis', () => {
  it('answers the second identical call of a subject from the gateway memory', async () => {
    const client = await connectClient(gateway.url, 'legacy', await issuer.sign({ sub: 'bot', agent: true }));
    try {
      for (let i = 0; i < 2; i++) {
        const result = await client.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
        expect(textOf(result)).toBe('{"id":"w1"}');
      }
    } finally {
      await client.close();
    }
    expect(upstream.requests).toHaveLength(1);
    expect(traces.traces.map((t) => [t.status, t.target === 'cache'])).toEqual([
      ['ok', false],
      ['ok', true],
    ]);
  });
});
