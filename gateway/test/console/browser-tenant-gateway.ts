/**
 * The gateway role on the example repository's dev zone with its two tenants (tenants/payments.yaml and
 * tenants/support.yaml, each owning a CRM pack exposed as crm.*), for the console's tenancy browser test:
 * every pack runs in this process, the CRM packs' upstreams are a fake API on 127.0.0.1, persistence is an
 * in-memory PGlite, and people sign in to the console through a real OpenID provider (oidc-provider). Agents'
 * MCP calls carry JWTs of a second test issuer (helpers/jwt.ts), their groups choosing their tenant.
 *
 * Besides the example, a payments policy asks payments' on-call to approve crm.get_customer, so both tenants
 * have approval requests (support's crm.add_note needs one already).
 *
 * Users at the provider: pat (payments and its leads: a member and admin of payments), sam (payments and
 * support, and support's leads: a member of both, admin of support only), olga (raku-admins: the admin role).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readRepoFiles, validateRepo } from '@raku/config';
import { PackExecutor } from '@raku/pack-runtime';
import type { CompiledPolicy } from '@raku/policy';
import { buildBundle, resolveZone } from '@raku/render';
import { parse, stringify } from 'yaml';
import { jwtAuthenticator } from '../../src/auth/authenticator.ts';
import { type RunningGateway, startGateway } from '../../src/server/gateway-server.ts';
import { openPersistence, type Persistence } from '../../src/server/persistence.ts';
import { type FakeUpstream, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { AUDIENCE, ISSUER, testIssuer } from '../helpers/jwt.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { eitherIssuer, oidcConsoleOptions } from './browser-oidc-gateway.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** No upstream credentials: the CRM packs' fake API asks for none, and nothing else is called. */
const NO_SECRETS = (_name: string): string | undefined => undefined;

/** Login name → groups at the provider. */
export const TENANT_USERS: Record<string, string[]> = {
  pat: ['payments', 'payments-leads'],
  sam: ['payments', 'support', 'support-leads'],
  olga: ['raku-admins'],
};

export interface TenantConsole {
  idp: TestOidcProvider;
  gateway: RunningGateway;
  persistence: Persistence;
  upstream: FakeUpstream;
  /** The gateway's base URL (no trailing slash). */
  base: string;
  /** Signs a JWT of the agents' issuer (subject `sub`, its groups choosing its tenant). */
  agentToken(sub: string, groups: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Tries each authenticator in turn; the first that accepts the token wins, else the first's refusal. */
/** A copy of the example's config with the CRM packs calling `upstream` and payments' approval rule added. */
function exampleCopy(upstream: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'raku-tenants-'));
  for (const dir of ['packs', 'zones', 'policies', 'tenants'])
    cpSync(path.join(ROOT, dir), path.join(root, dir), { recursive: true });
  for (const tenant of ['payments', 'support']) {
    const file = path.join(root, 'packs', `${tenant}-crm`, 'pack.yaml');
    const pack = parse(readFileSync(file, 'utf8')) as { upstream: { baseUrls: Record<string, string> } };
    pack.upstream.baseUrls['dev'] = `${upstream}/${tenant}`;
    writeFileSync(file, stringify(pack));
  }
  writeFileSync(
    path.join(root, 'policies', 'payments-approvals.yaml'),
    stringify({
      name: 'payments-approvals',
      tenant: 'payments',
      approvals: [
        { name: 'customer-lookups', tools: ['crm.get_customer'], approvers: ['group:payments-oncall'] },
      ],
    }),
  );
  return root;
}

export async function startTenantConsole(): Promise<TenantConsole> {
  // The gateway listens on port 0: its callback is known once it listens (see startOidcProvider).
  let base = '';
  const idp = await startOidcProvider({
    audience: AUDIENCE,
    redirectUris: () => [`${base}/console/callback`],
    users: TENANT_USERS,
  });
  const upstream = await startFakeUpstream();
  const customers = [{ id: 1, name: 'Leanne Graham', email: 'leanne@example.com' }];
  upstream.routes.set('GET /payments/users', (_req, res) => json(res, 200, customers));
  upstream.routes.set('GET /payments/users/1', (_req, res) => json(res, 200, customers[0]));
  upstream.routes.set('GET /support/users/search', (_req, res) => json(res, 200, { users: customers }));
  const root = exampleCopy(upstream.url);
  let persistence: Persistence | undefined;
  try {
    const validation = validateRepo(await readRepoFiles(root));
    const errors = validation.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new Error(`the example copy does not validate: ${JSON.stringify(errors)}`);
    const model = validation.model;
    const bundle = buildBundle(model, 'dev', { revision: 'tenants-e2e' });
    const { zone, workloads } = resolveZone(model, 'dev');
    const executor = new PackExecutor(
      workloads.flatMap((w) => w.packs.map((p) => p.pack.value)),
      // Both tenants' crm.* run here; each route names its pack.
      {
        environment: zone.value.environment,
        secrets: NO_SECRETS,
        allowPrivateNetworks: true,
        sameNamesAcrossPacks: true,
      },
    );
    persistence = await openPersistence({
      databaseUrl: undefined,
      dataDir: 'memory://',
      log: () => {},
      jobPollingIntervalSeconds: 0.5,
    });
    const opened = persistence;
    const agents = await testIssuer();
    const gateway = await startGateway({
      bundle,
      policy: bundle.policies as CompiledPolicy,
      authenticator: eitherIssuer(
        jwtAuthenticator({ issuer: idp.issuer, audience: AUDIENCE, jwks: idp.jwksUrl }),
        jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwks: agents.jwks }),
      ),
      traces: opened.traces,
      approvals: opened.approvals,
      jobs: opened.jobs,
      events: opened.events,
      adminRouter: (deps) => opened.adminRouter(deps),
      adminSubjects: ['group:raku-admins'],
      inProcess: executor,
      secrets: NO_SECRETS,
      approvalWaitMs: 200,
      port: 0,
      host: '127.0.0.1',
      routeOptions: { healthIntervalMs: 0, remoteCheckIntervalMs: 0 },
      console: oidcConsoleOptions(idp),
    });
    base = gateway.url.replace(/\/mcp$/, '');
    await opened.attachRunner(() => gateway.catalog);
    return {
      idp,
      gateway,
      persistence: opened,
      upstream,
      base,
      agentToken: (sub, groups) => agents.sign({ sub, groups }),
      async close() {
        await gateway.close();
        await opened.close();
        await upstream.close();
        await idp.close();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await persistence?.close();
    await upstream.close();
    await idp.close();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
