/**
 * A tenant's view of a gateway bundle: the tools (and routes) its callers see. The rule of docs/tenancy.md,
 * read from the bundle alone, so the gateway, `raku plan` and anything else holding only a bundle agree on
 * it: a tenant sees the tools of its own packs, and the shared tools (packs without a tenant, zone remotes)
 * its `shared` list grants by pack or remote name ('*' grants all). IMPLICIT_TENANT (callers of no tenant,
 * and everyone in a repository without tenants) sees every shared tool and nothing owned by a tenant.
 */
import { IMPLICIT_TENANT } from '@raku/config';
import type { BundleRoute, BundleTenant, BundleTool, GatewayBundle } from './types.ts';

/** The shared pack or remote a shared tool comes from: what a tenant's `shared` list names. */
function sharedSource(tool: Pick<BundleTool, 'source'>): string {
  return tool.source.kind === 'pack' ? tool.source.pack : tool.source.remote;
}

/**
 * A predicate: does `tenant` see this tool? A tenant the bundle does not list (other than IMPLICIT_TENANT)
 * sees nothing shared, only tools it owns (none, in a consistent bundle).
 */
export function tenantSees(
  tenants: readonly BundleTenant[] | undefined,
  tenant: string,
): (tool: Pick<BundleTool, 'tenant' | 'source'>) => boolean {
  if (tenant === IMPLICIT_TENANT) return (tool) => tool.tenant === undefined || tool.tenant === tenant;
  const grants = new Set(tenants?.find((t) => t.name === tenant)?.shared ?? []);
  const all = grants.has('*');
  return (tool) =>
    tool.tenant !== undefined ? tool.tenant === tenant : all || grants.has(sharedSource(tool as BundleTool));
}

/** The tools of the bundle `tenant` sees, in bundle order (by name: names are unique within a view). */
export function toolsOfTenant(
  bundle: Pick<GatewayBundle, 'tools' | 'tenants'>,
  tenant: string,
): BundleTool[] {
  return bundle.tools.filter(tenantSees(bundle.tenants, tenant));
}

/** The routes of the tools `tenant` sees (a route shares its tool's name and tenant). */
export function routesOfTenant(bundle: GatewayBundle, tenant: string): BundleRoute[] {
  const names = new Set(toolsOfTenant(bundle, tenant).map((t) => `${t.tenant ?? ''}\u0000${t.name}`));
  return bundle.routes.filter((r) => names.has(`${r.tenant ?? ''}\u0000${r.tool}`));
}

/** Every tenant a bundle knows, IMPLICIT_TENANT first, then its tenants by name. */
export function bundleTenantNames(bundle: Pick<GatewayBundle, 'tenants'>): string[] {
  return [IMPLICIT_TENANT, ...(bundle.tenants ?? []).map((t) => t.name)];
}
