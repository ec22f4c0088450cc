import { describe, expect, it } from 'vitest';
import { exposedToolsIn, sensitiveToolsIn, tenantNames, tenantView } from './tenant-view.ts';
import type { Pack, RepoModel, Tenant, Zone } from './types.ts';

const pack = (name: string, extra: Partial<Pack> = {}): Pack => ({
  name,
  version: '1.0.0',
  description: name,
  owner: 'team',
  upstream: { baseUrls: { dev: 'https://api.example' } },
  tools: [
    {
      name: 'get',
      description: 'get',
      inputSchema: { type: 'object' },
      http: { method: 'GET', path: '/' },
    },
    {
      name: 'delete',
      description: 'delete',
      inputSchema: { type: 'object' },
      http: { method: 'DELETE', path: '/' },
      sensitive: true,
    },
  ],
  ...extra,
});

const zone = (name: string, environment: Zone['environment']): Zone => ({
  name,
  environment,
  cluster: { context: 'c' },
  namespace: 'ns',
  registry: { host: 'ghcr.io', repository: 'acme/raku' },
  gitops: { repository: 'acme/gitops', branch: 'main', path: 'p' },
  packs: [],
  remotes: [
    {
      name: 'docs-mcp',
      url: 'https://docs.example/mcp',
      tools: [
        { name: 'search', descriptionSha256: 'a'.repeat(64) },
        { name: 'fallback', descriptionSha256: 'b'.repeat(64), fallbackFor: 'weather.get' },
      ],
    },
  ],
});

const tenant = (name: string, shared?: string[]): Tenant => ({
  name,
  owners: [`group:${name}`],
  members: [{ group: name }],
  ...(shared ? { shared } : {}),
});

function model(tenants: Tenant[]): RepoModel {
  return {
    packs: [
      { file: 'packs/weather/pack.yaml', value: pack('weather') },
      { file: 'packs/maps/pack.yaml', value: pack('maps') },
      { file: 'packs/pay-crm/pack.yaml', value: pack('pay-crm', { tenant: 'payments', toolPrefix: 'crm' }) },
      { file: 'packs/sup-crm/pack.yaml', value: pack('sup-crm', { tenant: 'support', toolPrefix: 'crm' }) },
    ],
    zones: [
      { file: 'zones/dev.yaml', value: zone('dev', 'dev') },
      { file: 'zones/prod.yaml', value: zone('prod', 'prod') },
    ],
    policies: [],
    tenants: tenants.map((t) => ({ file: `tenants/${t.name}.yaml`, value: t })),
  };
}

const withTenants = model([tenant('payments', ['weather', 'docs-mcp']), tenant('support', ['*'])]);

describe('tenantView', () => {
  it('gives a tenant its own packs and the shared packs and remotes it is granted', () => {
    const view = tenantView(withTenants, 'dev', 'payments');
    expect(view.packs.map((p) => p.value.name)).toEqual(['pay-crm', 'weather']);
    expect(view.remotes.map((r) => `${r.zone.value.name}/${r.remote.name}`)).toEqual(['dev/docs-mcp']);
    expect(view.tools).toEqual(['crm.delete', 'crm.get', 'docs-mcp.search', 'weather.delete', 'weather.get']);
    expect(view.sensitive).toEqual(['crm.delete', 'weather.delete']);
  });

  it("grants every shared pack and remote for '*', never another tenant's packs", () => {
    const view = tenantView(withTenants, 'prod', 'support');
    expect(view.packs.map((p) => p.value.name)).toEqual(['sup-crm', 'weather', 'maps']);
    expect(view.remotes.map((r) => r.zone.value.name)).toEqual(['prod']);
  });

  it('gives the implicit tenant every shared pack and remote and no tenant-owned pack', () => {
    const view = tenantView(withTenants, 'dev', 'default');
    expect(view.packs.map((p) => p.value.name)).toEqual(['weather', 'maps']);
    expect(view.tools).not.toContain('crm.get');
    expect(view.tools).toContain('docs-mcp.search');
  });

  it('gives a tenant without shared grants its own packs only', () => {
    const view = tenantView(model([tenant('payments'), tenant('support')]), 'dev', 'payments');
    expect(view.packs.map((p) => p.value.name)).toEqual(['pay-crm']);
    expect(view.remotes).toEqual([]);
  });

  it('gives a tenant the model does not define its own packs and nothing shared', () => {
    const view = tenantView(withTenants, 'dev', 'nobody');
    expect(view.packs).toEqual([]);
    expect(view.tools).toEqual([]);
  });

  it('leaves out remote tools that are only fallbacks for a pack tool', () => {
    expect(tenantView(withTenants, 'dev', 'support').tools).not.toContain('docs-mcp.fallback');
  });
});

describe('exposedToolsIn', () => {
  it("without a tenant lists every pack's tools and the environment's remote tools, as before tenancy", () => {
    expect(exposedToolsIn(withTenants, 'dev').sort()).toEqual([
      'crm.delete',
      'crm.get',
      'docs-mcp.search',
      'maps.delete',
      'maps.get',
      'weather.delete',
      'weather.get',
    ]);
    expect(sensitiveToolsIn(withTenants, 'dev').sort()).toEqual([
      'crm.delete',
      'maps.delete',
      'weather.delete',
    ]);
  });

  it("with a tenant lists that tenant's view", () => {
    expect(exposedToolsIn(withTenants, 'dev', 'payments')).toEqual(
      tenantView(withTenants, 'dev', 'payments').tools,
    );
    expect(sensitiveToolsIn(withTenants, 'dev', 'payments')).toEqual(['crm.delete', 'weather.delete']);
  });

  it('in a repository without tenants, the implicit view equals the whole list', () => {
    const plain = model([]);
    plain.packs = plain.packs.filter((p) => p.value.tenant === undefined);
    expect(exposedToolsIn(plain, 'dev', 'default')).toEqual(exposedToolsIn(plain, 'dev').sort());
  });
});

describe('tenantNames', () => {
  it('lists the implicit tenant first, then the defined tenants by name', () => {
    expect(tenantNames(model([tenant('support'), tenant('payments')]))).toEqual([
      'default',
      'payments',
      'support',
    ]);
    expect(tenantNames(model([]))).toEqual(['default']);
  });
});
