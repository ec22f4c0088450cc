/**
 * A whole gateway for end-to-end tests: a fake upstream API (widgets), a pack server in front of it, a real
 * third-party MCP server, persistence (traces, approvals, jobs) on PGlite or a scratch database of the
 * machine's Postgres, and the gateway verifying JWTs from a test issuer, with its admin API and job runner.
 */
import type { Pack, Policy } from '../../../generator/config/src/model/types.ts';
import { jwtAuthenticator } from '../../src/auth/authenticator.ts';
import { type RunningGateway, startGateway } from '../../src/server/gateway-server.ts';
import type { RunningServer } from '../../src/server/pack-server.ts';
import { openPersistence, type Persistence } from '../../src/server/persistence.ts';
import type { RateLimiter } from '../../src/server/rate-limiter.ts';
import { type FakeUpstream, json, startFakeUpstream } from './fake-upstream.ts';
import { AUDIENCE, ISSUER, testIssuer } from './jwt.ts';
import { startLoopbackPackServer } from './loopback-servers.ts';
import { createScratchDatabase } from './scratch-database.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from './test-pack.ts';
import { testBundle, testModel } from './test-zone.ts';
import { startThirdParty, type ThirdParty } from './third-party-server.ts';

export const STACK_SECRETS = (name: string) => (name === WIDGETS_SECRET_ENV ? 'upstream-secret' : undefined);

export interface GatewayStack {
  upstream: FakeUpstream;
  packServer: RunningServer;
  partner: ThirdParty;
  persistence: Persistence;
  gateway: RunningGateway;
  issuer: Awaited<ReturnType<typeof testIssuer>>;
  /** The gateway's base URL (without /mcp), for the admin API. */
  base: string;
  close(): Promise<void>;
}

export async function startGatewayStack(options: {
  database: 'PGlite' | 'Postgres';
  /** How long a call waits for its approval before it becomes a job. */
  approvalWaitMs: number;
  /** Replaces the test model's policies. */
  policies?: Policy[];
  /** Replaces the widgets pack (same name: the third-party fallback stays its fallback). */
  pack?: (upstreamUrl: string) => Pack;
  /** Replaces STACK_SECRETS (e.g. to give the third-party server its credential). */
  secrets?: (name: string) => string | undefined;
  breaker?: { failureThreshold?: number; openMs?: number };
  /** Principals holding the admin role (admin API: traces, routes, deployments). Default none. */
  adminSubjects?: string[];
  /** Serve the gateway as an A2A agent (the zone's gateway.a2a.enabled). Default off. */
  a2a?: boolean;
  /** The rate limiter (e.g. one on a fixed clock). Default the gateway's own, in memory on the real clock. */
  rateLimiter?: RateLimiter;
}): Promise<GatewayStack> {
  const upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
  upstream.routes.set('POST /api/widgets', (req, res) =>
    json(res, 201, { id: 'w2', ...JSON.parse(req.body) }),
  );
  const pack = (options.pack ?? widgetsPack)(upstream.url);
  const secrets = options.secrets ?? STACK_SECRETS;
  const packServer = await startLoopbackPackServer(pack, secrets);
  const partner = await startThirdParty();
  const scratch = options.database === 'Postgres' ? await createScratchDatabase() : undefined;
  const persistence = await openPersistence({
    databaseUrl: scratch?.url,
    dataDir: 'memory://',
    log: () => {},
    jobPollingIntervalSeconds: 0.5,
  });
  const base = testModel(pack, partner.url);
  const model = options.policies
    ? { ...base, policies: options.policies.map((value) => ({ file: `policies/${value.name}.yaml`, value })) }
    : base;
  const zoned = options.a2a
    ? {
        ...model,
        zones: model.zones.map((z) => ({
          ...z,
          value: { ...z.value, gateway: { ...z.value.gateway, a2a: { enabled: true } } },
        })),
      }
    : model;
  const { bundle, policy } = testBundle(zoned, packServer.url);
  const issuer = await testIssuer();
  const gateway = await startGateway({
    bundle,
    policy,
    authenticator: jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks }),
    traces: persistence.traces,
    approvals: persistence.approvals,
    jobs: persistence.jobs,
    adminSubjects: options.adminSubjects ?? [],
    secrets,
    approvalWaitMs: options.approvalWaitMs,
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    // Tests read a try-it call's trace right after the answer: no ceiling a busy machine could reach.
    traceFlushWaitMs: 120_000,
    adminRouter: (deps) => persistence.adminRouter(deps),
    port: 0,
    routeOptions: {
      healthIntervalMs: 0,
      remoteCheckIntervalMs: 0,
      ...(options.breaker ? { breaker: options.breaker } : {}),
    },
  });
  await persistence.attachRunner(() => gateway.catalog);
  return {
    upstream,
    packServer,
    partner,
    persistence,
    gateway,
    issuer,
    base: gateway.url.replace(/\/mcp$/, ''),
    async close() {
      await gateway.close();
      await persistence.close();
      await scratch?.drop();
      await packServer.close();
      await partner.close();
      await upstream.close();
    },
  };
}
