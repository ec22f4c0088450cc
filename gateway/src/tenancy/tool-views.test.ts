import type { BundleTenant, GatewayBundle } from '@raku/render';
import { describe, expect, it } from 'vitest';
import { buildToolViews } from './tool-views.ts';

type Tool = GatewayBundle['tools'][number];

const tool = (name: string, pack: string, tenant?: string): Tool => ({
  name,
  source: { kind: 'pack', pack, version: '1.0.0', workload: pack, tool: name.split('.')[1]! },
  definition: { description: name, inputSchema: { type: 'object' } },
  sensitive: false,
  contentHash: name,
  ...(tenant !== undefined ? { tenant } : {}),
});

const tenant = (name: string, shared: string[], quotas?: BundleTenant['quotas']): BundleTenant => ({
  name,
  members: [{ claim: 'tenant', equals: name }],
  admins: [],
  approvers: [],
  shared,
  ...(quotas ? { quotas } : {}),
});

const tools: Tool[] = [
  tool('crm.get', 'acme-crm', 'acme'),
  tool('crm.get', 'globex-crm', 'globex'),
  tool('maps.find', 'maps'),
  tool('widgets.get', 'widgets'),
];

describe('buildToolViews', () => {
  const views = buildToolViews({
    tools,
    tenants: [tenant('acme', ['widgets'], { callsPerMinute: 5 }), tenant('globex', ['*'])],
  });

  it('gives each tenant its own tool of a shared name, and the shared tools it is granted', () => {
    expect(views.viewOf('acme').names).toEqual(['crm.get', 'widgets.get']);
    expect(views.viewOf('acme').tools.get('crm.get')?.source).toMatchObject({ pack: 'acme-crm' });
    expect(views.viewOf('globex').names).toEqual(['crm.get', 'maps.find', 'widgets.get']);
    expect(views.viewOf('globex').tools.get('crm.get')?.source).toMatchObject({ pack: 'globex-crm' });
  });

  it('gives the implicit tenant (and a caller with none) every shared tool and no tenant’s', () => {
    expect(views.viewOf('default').names).toEqual(['maps.find', 'widgets.get']);
    expect(views.viewOf(undefined)).toBe(views.viewOf('default'));
  });

  it('gives a tenant the bundle does not define an empty view', () => {
    expect(views.viewOf('initech')).toMatchObject({ tenant: 'initech', names: [] });
  });

  it('carries a tenant’s quotas and none for a tenant without', () => {
    expect(views.viewOf('acme').quotas).toEqual({ callsPerMinute: 5 });
    expect(views.viewOf('globex').quotas).toBeUndefined();
    expect(views.tenancy).toBe(true);
  });

  it('is one implicit view of every tool in a bundle without tenants', () => {
    const plain = buildToolViews({ tools: tools.filter((t) => t.tenant === undefined) });
    expect(plain.tenancy).toBe(false);
    expect(plain.viewOf(undefined).names).toEqual(['maps.find', 'widgets.get']);
  });
});
