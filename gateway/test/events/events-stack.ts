/**
 * A whole gateway for the live-event tests: the fake upstream and its pack server, a third-party server,
 * persistence on a scratch database of the machine's Postgres with the event hub's settings given by the test
 * (short heartbeat, small replay ring, small stream buffers), and the gateway wired to the hub as in
 * production (gateway-roles.ts). Like ../helpers/gateway-stack.ts, which takes no event settings.
 */

import { jwtAuthenticator } from '../../src/auth/authenticator.ts';
import type { EventHubOptions } from '../../src/events/event-hub.ts';
import { type RunningGateway, startGateway } from '../../src/server/gateway-server.ts';
import { type RunningServer, startPackServer } from '../../src/server/pack-server.ts';
import { openPersistence, type Persistence } from '../../src/server/persistence.ts';
import { type FakeUpstream, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { STACK_SECRETS } from '../helpers/gateway-stack.ts';
import { AUDIENCE, ISSUER, testIssuer } from '../helpers/jwt.ts';
import { createScratchDatabase } from '../helpers/scratch-database.ts';
import { widgetsPack } from '../helpers/test-pack.ts';
import { testBundle, testModel } from '../helpers/test-zone.ts';
import { startThirdParty, type ThirdParty } from '../helpers/third-party-server.ts';

export interface EventsStack {
  upstream: FakeUpstream;
  persistence: Persistence;
  gateway: RunningGateway;
  issuer: Awaited<ReturnType<typeof testIssuer>>;
  /** The gateway's base URL (without /mcp). */
  base: string;
  /** Reloads the bundle it started with (a route table change). */
  reload(): void;
  close(): Promise<void>;
}

export async function startEventsStack(options: {
  events: EventHubOptions;
  adminSubjects: string[];
  approvalWaitMs: number;
}): Promise<EventsStack> {
  const upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
  upstream.routes.set('POST /api/widgets', (req, res) =>
    json(res, 201, { id: 'w2', ...JSON.parse(req.body) }),
  );
  const pack = widgetsPack(upstream.url);
  const packServer: RunningServer = await startPackServer({
    packs: [pack],
    environment: 'dev',
    secrets: STACK_SECRETS,
    allowPrivateNetworks: true,
    port: 0,
  });
  const partner: ThirdParty = await startThirdParty();
  const scratch = await createScratchDatabase();
  const persistence = await openPersistence({
    databaseUrl: scratch.url,
    dataDir: 'memory://',
    log: () => {},
    jobPollingIntervalSeconds: 0.5,
    events: options.events,
  });
  const { bundle, policy } = testBundle(testModel(pack, partner.url), packServer.url);
  const issuer = await testIssuer();
  const gateway = await startGateway({
    bundle,
    policy,
    authenticator: jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks }),
    traces: persistence.traces,
    approvals: persistence.approvals,
    jobs: persistence.jobs,
    events: persistence.events,
    adminSubjects: options.adminSubjects,
    secrets: STACK_SECRETS,
    approvalWaitMs: options.approvalWaitMs,
    adminRouter: (deps) => persistence.adminRouter(deps),
    port: 0,
    routeOptions: { healthIntervalMs: 0, remoteCheckIntervalMs: 0 },
  });
  await persistence.attachRunner(() => gateway.catalog);
  let closed = false;
  return {
    upstream,
    persistence,
    gateway,
    issuer,
    base: gateway.url.replace(/\/mcp$/, ''),
    reload: () => gateway.reload(bundle, policy),
    async close() {
      if (closed) return;
      closed = true;
      await gateway.close();
      await persistence.close();
      await scratch.drop();
      await packServer.close();
      await partner.close();
      await upstream.close();
    },
  };
}
