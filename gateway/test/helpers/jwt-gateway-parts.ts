/**
 * What a gateway role needs around it, for tests that start it from a bundle file: a fake upstream with one
 * widget, a pack server in front of it, a JWKS endpoint of a test issuer, and the gateway bundle routing to
 * that pack server with the issuer's auth settings.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayBundle } from '../../../generator/render/src/bundle/types.ts';
import { type RunningServer, startPackServer } from '../../src/server/pack-server.ts';
import { type FakeUpstream, json, startFakeUpstream } from './fake-upstream.ts';
import { AUDIENCE, ISSUER, testIssuer } from './jwt.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from './test-pack.ts';
import { testBundle, testModel } from './test-zone.ts';

export interface JwtGatewayParts {
  upstream: FakeUpstream;
  packServer: RunningServer;
  issuer: Awaited<ReturnType<typeof testIssuer>>;
  bundle: GatewayBundle;
  close(): Promise<void>;
}

export async function startJwtGatewayParts(): Promise<JwtGatewayParts> {
  const upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
  const packServer = await startPackServer({
    packs: [widgetsPack(upstream.url)],
    environment: 'dev',
    secrets: (n) => (n === WIDGETS_SECRET_ENV ? 's' : undefined),
    allowPrivateNetworks: true,
    port: 0,
  });
  const issuer = await testIssuer();
  const jwksServer = http.createServer((_req, res) => json(res, 200, { keys: [issuer.jwk] }));
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  const { bundle } = testBundle(
    testModel(widgetsPack(upstream.url), 'http://127.0.0.1:9/mcp'),
    packServer.url,
  );
  bundle.auth = { ...bundle.auth, issuer: ISSUER, audience: AUDIENCE, jwksUrl };
  return {
    upstream,
    packServer,
    issuer,
    bundle,
    async close() {
      await packServer.close();
      await upstream.close();
      jwksServer.close();
    },
  };
}
