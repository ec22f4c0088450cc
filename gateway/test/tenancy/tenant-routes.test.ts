/**
 * The route table keyed by (tenant, name): the example's two tenants expose crm.get_contact, each routed to
 * its own pack server, the shared tools by name alone, and the route report names each route's tenant.
 */
import { describe, expect, it } from 'vitest';
import { buildBundle } from '../../../generator/render/src/bundle/build-bundle.ts';
import { RouteTable } from '../../src/routing/route-table.ts';
import { tenancyModel } from './tenancy-fixture.ts';

const bundle = buildBundle(tenancyModel('http://127.0.0.1:9'), 'dev', { revision: 'routes' });
const routes = new RouteTable({ bundle, secrets: () => undefined });

describe('routes per tenant', () => {
  it('routes one exposed name to each owning tenant’s pack', () => {
    expect(routes.candidates('crm.get_contact', 'acme').map((c) => c.route)).toEqual(['pack:acme-crm@1.0.0']);
    expect(routes.candidates('crm.get_contact', 'globex').map((c) => c.route)).toEqual([
      'pack:globex-crm@1.0.0',
    ]);
  });

  it('finds a tenant’s tool under its tenant only, and a shared tool under its name only', () => {
    expect(routes.candidates('crm.get_contact')).toEqual([]);
    expect(routes.candidates('crm.get_contact', 'initech')).toEqual([]);
    expect(routes.candidates('widgets.get_widget').map((c) => c.route)).toEqual(['pack:widgets@1.0.0']);
    expect(routes.candidates('widgets.get_widget', 'acme')).toEqual([]);
  });

  it('names each route’s tenant in the report, and none for a shared route', () => {
    const report = routes.report() as { routes: { tool: string; tenant?: string }[] };
    const rows = report.routes.map((r) => [r.tool, r.tenant ?? null]);
    expect(rows).toContainEqual(['crm.get_contact', 'acme']);
    expect(rows).toContainEqual(['crm.get_contact', 'globex']);
    expect(rows).toContainEqual(['widgets.get_widget', null]);
    expect(rows.filter(([tool]) => tool === 'crm.get_contact')).toHaveLength(2);
  });
});
