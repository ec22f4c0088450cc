/**
 * The bundle of a repository with tenants: tools and routes carry their pack's tenant, the same exposed name
 * may appear once per tenant, the tenants are listed for the gateway, and a tenant's view is what its
 * `shared` list grants. A repository without tenants keeps the bundle it had before tenancy.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRepoFiles } from '../../../config/src/fs/read-repo.ts';
import { loadRepo } from '../../../config/src/load/load-repo.ts';
import type { Loaded, Pack, RepoModel, Tenant } from '../../../config/src/model/types.ts';
import { withoutTenants } from '../../../test/helpers/example-model.ts';
import { buildBundle, serialiseBundle } from './build-bundle.ts';
import { bundleTenantNames, routesOfTenant, toolsOfTenant } from './tenant-view.ts';
import { BUNDLE_VERSION, TENANT_BUNDLE_VERSION } from './types.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
let plain: RepoModel;
let tenanted: RepoModel;

/** A copy of the petstore pack as a 'crm' pack (toolPrefix crm) owned by `tenant`. */
function crmPack(model: RepoModel, name: string, tenant: string): Loaded<Pack> {
  const petstore = model.packs.find((p) => p.value.name === 'petstore') as Loaded<Pack>;
  return {
    file: `packs/${name}/pack.yaml`,
    value: { ...structuredClone(petstore.value), name, tenant, toolPrefix: 'crm' },
  };
}

const tenant = (name: string, extra: Partial<Tenant> = {}): Loaded<Tenant> => ({
  file: `tenants/${name}.yaml`,
  value: {
    name,
    description: 'not in the bundle',
    owners: ['group:owners-not-in-the-bundle'],
    members: [{ claim: 'tenant', equals: name }],
    ...extra,
  },
});

beforeAll(async () => {
  plain = withoutTenants(loadRepo(await readRepoFiles(ROOT)).model);
  tenanted = structuredClone(plain);
  tenanted.packs.push(crmPack(plain, 'blue-crm', 'blue'), crmPack(plain, 'green-crm', 'green'));
  // open-meteo becomes blue's own pack; github-issues and petstore stay shared.
  const meteo = tenanted.packs.find((p) => p.value.name === 'open-meteo') as Loaded<Pack>;
  meteo.value.tenant = 'blue';
  for (const zone of tenanted.zones) zone.value.packs.push({ name: 'blue-crm' }, { name: 'green-crm' });
  tenanted.tenants = [
    tenant('green', { shared: ['petstore'], quotas: { callsPerMinute: 60 } }),
    tenant('blue', { shared: ['*'], admins: ['user:bea'], approvers: ['group:blue-approvers'] }),
  ];
});

describe('buildBundle for a repository without tenants', () => {
  it('writes no tenants key and no tenant field at all', () => {
    for (const zone of ['dev', 'staging', 'prod']) {
      const text = serialiseBundle(buildBundle(plain, zone, { revision: 'r' }));
      expect(text).not.toContain('"tenant');
      expect(JSON.parse(text).bundleVersion).toBe(BUNDLE_VERSION);
    }
  });
});

describe('the version of a bundle with tenants', () => {
  it('is TENANT_BUNDLE_VERSION, which a gateway reading only version 1 (from before tenancy) refuses', () => {
    expect(buildBundle(tenanted, 'dev', { revision: 'r' }).bundleVersion).toBe(TENANT_BUNDLE_VERSION);
    expect(TENANT_BUNDLE_VERSION).not.toBe(BUNDLE_VERSION);
  });
});

describe('buildBundle for a repository with tenants', () => {
  it('carries each pack tool’s tenant on the tool and its route, and none on shared tools', () => {
    const bundle = buildBundle(tenanted, 'dev', { revision: 'r' });
    const byName = (name: string) => bundle.tools.filter((t) => t.name === name).map((t) => t.tenant);
    expect(byName('weather.get_forecast')).toEqual(['blue']);
    expect(byName('github.list_issues')).toEqual([undefined]);
    expect(bundle.routes.find((r) => r.tool === 'weather.get_forecast')?.tenant).toBe('blue');
    expect(bundle.tools.find((t) => t.name === 'github.list_issues')).not.toHaveProperty('tenant');
  });

  it('lists the same exposed name once per tenant, sorted by name then tenant (shared first)', () => {
    const bundle = buildBundle(tenanted, 'dev', { revision: 'r' });
    const crm = bundle.tools.filter((t) => t.name.startsWith('crm.'));
    expect(crm.filter((t) => t.name === 'crm.delete_pet').map((t) => t.tenant)).toEqual(['blue', 'green']);
    const keys = bundle.tools.map((t) => [t.name, t.tenant ?? '']);
    expect(keys).toEqual(
      [...keys].sort((a, b) =>
        a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0,
      ),
    );
    const routes = bundle.routes.filter((r) => r.tool === 'crm.delete_pet');
    expect(routes.map((r) => [r.tenant, r.targets[0]?.kind === 'pack' && r.targets[0].pack])).toEqual([
      ['blue', 'blue-crm'],
      ['green', 'green-crm'],
    ]);
  });

  it('lists the tenants sorted, without owners or description, lists defaulted to empty', () => {
    const bundle = buildBundle(tenanted, 'dev', { revision: 'r' });
    expect(bundle.tenants).toEqual([
      {
        name: 'blue',
        members: [{ claim: 'tenant', equals: 'blue' }],
        admins: ['user:bea'],
        approvers: ['group:blue-approvers'],
        shared: ['*'],
      },
      {
        name: 'green',
        members: [{ claim: 'tenant', equals: 'green' }],
        admins: [],
        approvers: [],
        shared: ['petstore'],
        quotas: { callsPerMinute: 60 },
      },
    ]);
    expect(serialiseBundle(bundle)).not.toContain('owners-not-in-the-bundle');
  });

  it("keeps a remote fallback for the shared pack tool of its name only, never a tenant's namesake", () => {
    const model = structuredClone(tenanted);
    // green's own pack exposes github.list_issues too (toolPrefix github): the remote must not stand in for it.
    const own = crmPack(model, 'green-gh', 'green');
    own.value.toolPrefix = 'github';
    own.value.tools = [{ ...own.value.tools[0]!, name: 'list_issues' }];
    model.packs.push(own);
    model.zones.find((z) => z.value.name === 'dev')!.value.packs.push({ name: 'green-gh' });
    const routes = buildBundle(model, 'dev', { revision: 'r' }).routes.filter(
      (r) => r.tool === 'github.list_issues',
    );
    expect(routes.map((r) => [r.tenant, r.targets.map((t) => t.kind)])).toEqual([
      [undefined, ['pack', 'remote']],
      ['green', ['pack']],
    ]);
  });

  it('is deterministic whatever the order of tenants and packs in the model', () => {
    const shuffled = {
      ...tenanted,
      packs: [...tenanted.packs].reverse(),
      tenants: [...tenanted.tenants].reverse(),
    };
    expect(serialiseBundle(buildBundle(shuffled, 'prod', { revision: 'r' }))).toBe(
      serialiseBundle(buildBundle(tenanted, 'prod', { revision: 'r' })),
    );
  });
});

describe("a tenant's view of the bundle", () => {
  const names = (tools: { name: string; tenant?: string }[]) =>
    tools.map((t) => `${t.name}@${t.tenant ?? ''}`);

  it('shows a tenant its own tools and the shared ones its list grants', () => {
    const bundle = buildBundle(tenanted, 'dev', { revision: 'r' });
    const green = names(toolsOfTenant(bundle, 'green'));
    expect(green.some((n) => n.startsWith('petstore.'))).toBe(true);
    expect(green.some((n) => n.startsWith('github.'))).toBe(false);
    expect(green.filter((n) => n.startsWith('crm.')).every((n) => n.endsWith('@green'))).toBe(true);
    expect(green.some((n) => n.startsWith('weather.'))).toBe(false);
    const blue = names(toolsOfTenant(bundle, 'blue'));
    expect(blue).toContain('github.list_issues@');
    expect(blue).toContain('weather.get_forecast@blue');
    expect(blue.some((n) => n.endsWith('@green'))).toBe(false);
  });

  it('shows the implicit tenant every shared tool and nothing a tenant owns', () => {
    const bundle = buildBundle(tenanted, 'dev', { revision: 'r' });
    const implicit = toolsOfTenant(bundle, 'default');
    expect(implicit.every((t) => t.tenant === undefined)).toBe(true);
    expect(implicit).toEqual(bundle.tools.filter((t) => t.tenant === undefined));
  });

  it('shows a tenant the bundle does not list nothing', () => {
    const bundle = buildBundle(tenanted, 'dev', { revision: 'r' });
    expect(toolsOfTenant(bundle, 'nobody')).toEqual([]);
    expect(routesOfTenant(bundle, 'nobody')).toEqual([]);
  });

  it('keeps names unique within each view, and gives each view its own routes', () => {
    const bundle = buildBundle(tenanted, 'dev', { revision: 'r' });
    for (const t of bundleTenantNames(bundle)) {
      const tools = toolsOfTenant(bundle, t).map((x) => x.name);
      expect(new Set(tools).size, t).toBe(tools.length);
      expect(routesOfTenant(bundle, t).map((r) => r.tool)).toEqual(tools);
    }
    expect(bundleTenantNames(bundle)).toEqual(['default', 'blue', 'green']);
  });

  it('is every tool in a repository without tenants', () => {
    const bundle = buildBundle(plain, 'dev', { revision: 'r' });
    expect(toolsOfTenant(bundle, 'default')).toEqual(bundle.tools);
    expect(bundleTenantNames(bundle)).toEqual(['default']);
  });
});
