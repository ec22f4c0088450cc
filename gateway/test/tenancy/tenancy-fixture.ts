/**
 * Two tenants sharing one gateway, for the tenancy tests: acme and globex each own a pack exposing the same
 * tool names (toolPrefix 'crm') in front of their own part of a fake upstream, and the shared widgets pack is
 * granted to acme only. An organisation-wide policy lets group:staff read and denies every contact deletion;
 * acme's own policy grants deletions (which the organisation's deny still wins over) and lets user:carol read
 * contacts in acme only. The bundle comes from the real buildBundle and compilePolicies; each pack runs in
 * its own real pack server.
 */
import type {
  Pack,
  Policy,
  RepoModel,
  Tenant,
  TenantQuotas,
} from '../../../generator/config/src/model/types.ts';
import { compilePolicies } from '../../../generator/policy/src/compile.ts';
import type { CompiledPolicy } from '../../../generator/policy/src/types.ts';
import { buildBundle } from '../../../generator/render/src/bundle/build-bundle.ts';
import type { GatewayBundle } from '../../../generator/render/src/bundle/types.ts';
import { jwtAuthenticator } from '../../src/auth/authenticator.ts';
import type { GatewayServerOptions, RunningGateway } from '../../src/server/gateway-server.ts';
import type { RunningServer } from '../../src/server/pack-server.ts';
import { type FakeUpstream, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { AUDIENCE, ISSUER, testIssuer } from '../helpers/jwt.ts';
import { startLoopbackGateway, startLoopbackPackServer } from '../helpers/loopback-servers.ts';
import { MemoryTraceSink } from '../helpers/memory-trace-sink.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from '../helpers/test-pack.ts';
import { testModel } from '../helpers/test-zone.ts';

const SECRETS = (name: string) => (name === WIDGETS_SECRET_ENV ? 'widgets-secret' : undefined);

/** A tenant's CRM pack: the same exposed names in every tenant ('crm.get_contact', 'crm.delete_contact'). */
export function crmPack(tenant: string, upstreamUrl: string): Pack {
  const base = `${upstreamUrl}/${tenant}`;
  return {
    name: `${tenant}-crm`,
    version: '1.0.0',
    description: `The CRM of ${tenant}.`,
    owner: 'test',
    tenant,
    toolPrefix: 'crm',
    upstream: { baseUrls: { dev: base, staging: base, prod: base }, timeoutMs: 30_000 },
    tools: [
      {
        name: 'get_contact',
        description: 'Get one contact.',
        inputSchema: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1 } },
        },
        http: { method: 'GET', path: '/contacts/{id}' },
        annotations: { readOnlyHint: true },
      },
      {
        name: 'delete_contact',
        description: 'Delete one contact.',
        inputSchema: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1 } },
        },
        http: { method: 'DELETE', path: '/contacts/{id}' },
        annotations: { readOnlyHint: false, destructiveHint: true },
      },
    ],
  };
}

export const ORG_POLICY: Policy = {
  name: 'org',
  roles: [{ name: 'reader', tools: ['crm.get_contact', 'widgets.get_widget'] }],
  bindings: [{ role: 'reader', subjects: ['group:staff'] }],
  denies: [{ name: 'no-deletes', tools: ['crm.delete_contact'], subjects: ['*'] }],
};

export const ACME_POLICY: Policy = {
  name: 'acme-team',
  tenant: 'acme',
  roles: [
    { name: 'deleter', tools: ['crm.delete_contact'] },
    { name: 'guest-reader', tools: ['crm.get_contact'] },
  ],
  bindings: [
    { role: 'deleter', subjects: ['group:staff'] },
    { role: 'guest-reader', subjects: ['user:carol'] },
  ],
};

/** The tenants: members by the `tenant` claim (globex also by the group globex-staff). */
export function tenants(quotas: { acme?: TenantQuotas; globex?: TenantQuotas } = {}): Tenant[] {
  return [
    {
      name: 'acme',
      owners: ['user:ann'],
      members: [{ claim: 'tenant', equals: 'acme' }],
      shared: ['widgets'],
      ...(quotas.acme ? { quotas: quotas.acme } : {}),
    },
    {
      name: 'globex',
      owners: ['user:gus'],
      members: [
        { claim: 'tenant', equals: 'globex' },
        { group: 'globex-staff', issuer: ISSUER },
      ],
      ...(quotas.globex ? { quotas: quotas.globex } : {}),
    },
  ];
}

/** The two-tenant repository: widgets (shared), acme-crm and globex-crm, the org and acme policies. */
export function tenancyModel(upstreamUrl: string, quotas?: Parameters<typeof tenants>[0]): RepoModel {
  const base = testModel(widgetsPack(upstreamUrl), 'http://127.0.0.1:9/mcp');
  const packs = [widgetsPack(upstreamUrl), crmPack('acme', upstreamUrl), crmPack('globex', upstreamUrl)];
  const zone = base.zones[0]!;
  const { remotes: _none, ...zoneValue } = zone.value;
  return {
    packs: packs.map((value) => ({ file: `packs/${value.name}/pack.yaml`, value })),
    zones: [{ ...zone, value: { ...zoneValue, packs: packs.map((p) => ({ name: p.name })) } }],
    policies: [ORG_POLICY, ACME_POLICY].map((value) => ({ file: `policies/${value.name}.yaml`, value })),
    tenants: tenants(quotas).map((value) => ({ file: `tenants/${value.name}.yaml`, value })),
  };
}

export interface TenancyParts {
  upstream: FakeUpstream;
  packServers: Map<string, RunningServer>;
  issuer: Awaited<ReturnType<typeof testIssuer>>;
  bundle: GatewayBundle;
  policy: CompiledPolicy;
  close(): Promise<void>;
}

/** The upstream (each tenant's contact c1 answers with its tenant), one pack server per pack, the bundle. */
export async function startTenancyParts(quotas?: Parameters<typeof tenants>[0]): Promise<TenancyParts> {
  const upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
  for (const tenant of ['acme', 'globex']) {
    upstream.routes.set(`GET /${tenant}/contacts/c1`, (_req, res) => json(res, 200, { id: 'c1', tenant }));
    upstream.routes.set(`DELETE /${tenant}/contacts/c1`, (_req, res) => json(res, 200, { deleted: true }));
  }
  const model = tenancyModel(upstream.url, quotas);
  const packServers = new Map<string, RunningServer>();
  for (const { value: pack } of model.packs)
    packServers.set(pack.name, await startLoopbackPackServer(pack, SECRETS));
  const bundle = buildBundle(model, 'dev', { revision: 'tenancy-rev' });
  for (const route of bundle.routes) {
    for (const target of route.targets)
      if (target.kind === 'pack') target.url = packServers.get(target.pack)!.url;
  }
  return {
    upstream,
    packServers,
    issuer: await testIssuer(),
    bundle,
    policy: compilePolicies(model.policies, 'dev'),
    async close() {
      for (const server of packServers.values()) await server.close();
      await upstream.close();
    },
  };
}

/** A gateway over the parts, verifying the parts' issuer's tokens; its traces kept in `traces`. */
export async function startTenancyGateway(
  parts: TenancyParts,
  options: Partial<GatewayServerOptions> = {},
): Promise<{ gateway: RunningGateway; traces: MemoryTraceSink }> {
  const traces = new MemoryTraceSink();
  const gateway = await startLoopbackGateway({
    bundle: parts.bundle,
    policy: parts.policy,
    authenticator: jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwks: parts.issuer.jwks }),
    traces,
    secrets: SECRETS,
    ...options,
  });
  return { gateway, traces };
}

/** Claims of the test callers: ann (acme), gus (globex), both (acme by claim, globex by group), nobody, … */
export const CALLERS = {
  ann: { sub: 'ann', tenant: 'acme', groups: ['staff'] },
  gus: { sub: 'gus', tenant: 'globex', groups: ['staff'] },
  both: { sub: 'bo', tenant: 'acme', groups: ['staff', 'globex-staff'] },
  nobody: { sub: 'nobody', groups: ['staff'] },
  /** A member of acme through a list-valued claim. */
  annByList: { sub: 'ann2', tenant: ['acme'], groups: ['staff'] },
  carolAcme: { sub: 'carol', tenant: 'acme' },
  carolGlobex: { sub: 'carol', tenant: 'globex' },
} as const;
