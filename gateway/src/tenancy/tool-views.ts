/**
 * Each tenant's view of the bundle's tools, computed once when a bundle loads (never per call): the tools of
 * its own packs plus the shared packs and remotes its `shared` list grants; IMPLICIT_TENANT (callers of no
 * tenant, and everyone in a bundle without tenants) sees every shared tool. Names are unique within a view,
 * not across the bundle: two tenants may each expose 'crm.get_contact', and each resolves the name to its own.
 * A name outside the caller's view resolves to nothing, exactly as a name no tenant has: another tenant's
 * tool is never revealed to exist. Which tools a tenant sees is @raku/render's rule (tenantSees); this file only
 * indexes it for the call path. Pure: the bundle in, maps out.
 */
import { IMPLICIT_TENANT } from '@raku/config';
import {
  type BundleTenant,
  bundleTenantNames,
  type GatewayBundle,
  routesOfTenant,
  toolsOfTenant,
} from '@raku/render';

type BundleTool = GatewayBundle['tools'][number];

/** What one tenant sees and calls. */
export interface ToolView {
  tenant: string;
  /** Exposed names of the view's tools, sorted (tools/list pages rely on the order). */
  names: readonly string[];
  /** The view's tools by exposed name. */
  tools: ReadonlyMap<string, BundleTool>;
  /** The tenant's quotas (tenants/<name>.yaml); absent: unlimited, and always for IMPLICIT_TENANT. */
  quotas?: BundleTenant['quotas'];
}

/** The views of a bundle by tenant name; a tenant the bundle does not define gets an empty view. */
export interface ToolViews {
  /** True when the bundle defines tenants (tenancy on); false: one implicit tenant, as before tenancy. */
  readonly tenancy: boolean;
  viewOf(tenant: string | undefined): ToolView;
}

/**
 * Builds every view of the bundle (IMPLICIT_TENANT's and each tenant's) by the rule @raku/render's
 * tenantSees states once for the gateway and the generator. Two tools of one name in one view is a bundle
 * the generator's validation refuses; should one arrive anyway, the first wins, deterministically.
 */
export function buildToolViews(bundle: Pick<GatewayBundle, 'tools' | 'tenants'>): ToolViews {
  const quotas = new Map((bundle.tenants ?? []).map((t) => [t.name, t.quotas]));
  const views = new Map<string, ToolView>();
  for (const tenant of bundleTenantNames(bundle)) {
    const tools = new Map<string, BundleTool>();
    for (const tool of toolsOfTenant(bundle, tenant)) if (!tools.has(tool.name)) tools.set(tool.name, tool);
    const q = quotas.get(tenant);
    views.set(tenant, {
      tenant,
      names: [...tools.keys()].sort(),
      tools,
      ...(q && Object.keys(q).length > 0 ? { quotas: q } : {}),
    });
  }
  const implicit = views.get(IMPLICIT_TENANT)!;
  return {
    tenancy: (bundle.tenants ?? []).length > 0,
    viewOf(tenant) {
      if (tenant === undefined) return implicit;
      return views.get(tenant) ?? { tenant, names: [], tools: new Map() };
    },
  };
}

/**
 * The bundle as one view sees it: only the view's tools and their routes (the console's catalog and Agents
 * view of a tenant's caller are built from it, so they list exactly what its tools/list can). Remotes, zone
 * and pipeline stay: the catalog shows a remote only for the tools it serves in the view.
 */
export function bundleOfView(bundle: GatewayBundle, tenant: string): GatewayBundle {
  return { ...bundle, tools: toolsOfTenant(bundle, tenant), routes: routesOfTenant(bundle, tenant) };
}
