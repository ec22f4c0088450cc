/**
 * The gateway role for the console's browser tests: the widgets pack behind a real pack server and a fake
 * upstream, persistence (traces, approvals, jobs, live events) on an in-memory PGlite, and the console signing
 * people in through a real OpenID provider (oidc-provider on 127.0.0.1) whose JWT access tokens the gateway
 * checks like any bearer token. Its users: alice (group raku-admins: the admin role), mona (group maintainers:
 * approves widget creation, no admin rights) and bob (no group).
 *
 * Agents do not sign in through a browser: their MCP calls carry JWTs of the test issuer (helpers/jwt.ts). The
 * gateway accepts both issuers (each token is verified against its own issuer, audience and keys), as a
 * gateway whose agents get tokens from a second issuer would.
 */
import { CONSOLE_DIST } from '@raku/console';
import { type Authenticator, jwtAuthenticator } from '../../src/auth/authenticator.ts';
import { randomSealKey } from '../../src/console/sealed-cookie.ts';
import { type RunningGateway, startGateway } from '../../src/server/gateway-server.ts';
import { type RunningServer, startPackServer } from '../../src/server/pack-server.ts';
import { openPersistence, type Persistence } from '../../src/server/persistence.ts';
import { type FakeUpstream, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { STACK_SECRETS } from '../helpers/gateway-stack.ts';
import { AUDIENCE, ISSUER, testIssuer } from '../helpers/jwt.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { widgetsPack } from '../helpers/test-pack.ts';
import { testBundle, testModel } from '../helpers/test-zone.ts';

/** Login name → groups at the provider. */
export const OIDC_USERS: Record<string, string[]> = {
  alice: ['raku-admins'],
  mona: ['maintainers'],
  bob: [],
};

export interface OidcConsole {
  idp: TestOidcProvider;
  gateway: RunningGateway;
  persistence: Persistence;
  upstream: FakeUpstream;
  /** The gateway's base URL (no trailing slash). */
  base: string;
  /** Signs a JWT of the agents' issuer for the gateway (subject `sub`, optional groups). */
  agentToken(sub: string, groups?: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Tries each authenticator in turn; the first that accepts the token wins, else the first's refusal. */
export function eitherIssuer(first: Authenticator, second: Authenticator): Authenticator {
  return {
    async authenticate(authorization) {
      const a = await first.authenticate(authorization);
      if (a.ok || a.code === 'missing_token') return a;
      const b = await second.authenticate(authorization);
      return b.ok ? b : a;
    },
  };
}

/** The console's options for sign-in through the test's OpenID provider (the console built in `dist`). */
export function oidcConsoleOptions(idp: TestOidcProvider, dist: string = CONSOLE_DIST) {
  return {
    dist,
    key: randomSealKey(),
    mode: 'oidc' as const,
    oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, resource: AUDIENCE },
  };
}

export async function startOidcConsole(options: { approvalWaitMs?: number } = {}): Promise<OidcConsole> {
  // The gateway listens on port 0: its callback is known once it listens (see startOidcProvider).
  let base = '';
  const idp = await startOidcProvider({
    audience: AUDIENCE,
    redirectUris: () => [`${base}/console/callback`],
    users: OIDC_USERS,
  });
  const upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
  upstream.routes.set('POST /api/widgets', (req, res) =>
    json(res, 201, { id: 'w2', ...JSON.parse(req.body) }),
  );
  const pack = widgetsPack(upstream.url);
  let packServer: RunningServer | undefined;
  let persistence: Persistence | undefined;
  try {
    packServer = await startPackServer({
      packs: [pack],
      environment: 'dev',
      secrets: STACK_SECRETS,
      allowPrivateNetworks: true,
      port: 0,
    });
    persistence = await openPersistence({
      databaseUrl: undefined,
      dataDir: 'memory://',
      log: () => {},
      jobPollingIntervalSeconds: 0.5,
    });
    const { bundle, policy } = testBundle(testModel(pack, 'http://127.0.0.1:9/mcp'), packServer.url);
    const agents = await testIssuer();
    const gateway = await startGateway({
      bundle,
      policy,
      authenticator: eitherIssuer(
        jwtAuthenticator({ issuer: idp.issuer, audience: AUDIENCE, jwks: idp.jwksUrl }),
        jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwks: agents.jwks }),
      ),
      traces: persistence.traces,
      approvals: persistence.approvals,
      jobs: persistence.jobs,
      events: persistence.events,
      adminRouter: (deps) => persistence!.adminRouter(deps),
      adminSubjects: ['group:raku-admins'],
      secrets: STACK_SECRETS,
      approvalWaitMs: options.approvalWaitMs ?? 120_000,
      port: 0,
      host: '127.0.0.1',
      routeOptions: { healthIntervalMs: 0, remoteCheckIntervalMs: 0 },
      console: oidcConsoleOptions(idp),
    });
    base = gateway.url.replace(/\/mcp$/, '');
    await persistence.attachRunner(() => gateway.catalog);
    const opened = { packServer, persistence };
    return {
      idp,
      gateway,
      persistence,
      upstream,
      base,
      agentToken: (sub, groups) => agents.sign({ sub, ...(groups ? { groups } : {}) }),
      async close() {
        await gateway.close();
        await opened.persistence.close();
        await opened.packServer.close();
        await upstream.close();
        await idp.close();
      },
    };
  } catch (error) {
    await persistence?.close();
    await packServer?.close();
    await upstream.close();
    await idp.close();
    throw error;
  }
}
