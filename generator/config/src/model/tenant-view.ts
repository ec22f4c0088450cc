import { exposedToolName } from './names.ts';
import {
  type Environment,
  IMPLICIT_TENANT,
  type Loaded,
  type Pack,
  type Remote,
  type RepoModel,
  type Tenant,
  type Zone,
} from './types.ts';

/** A remote of a zone, as one tenant view holds it (a remote's name may repeat across zones). */
export interface ViewRemote {
  zone: Loaded<Zone>;
  remote: Remote;
}

/**
 * What one tenant can see in one environment: its own packs, the shared packs (packs naming no tenant) it is
 * granted, and the granted remotes of the environment's zones. Exposed tool names must be unique within a view
 * (validation checks it); they may repeat across views, e.g. two tenants each owning a pack with toolPrefix 'crm'.
 */
export interface TenantView {
  tenant: string;
  /** Own packs first, then granted shared packs, each in model order. */
  packs: Loaded<Pack>[];
  /** Granted remotes of the environment's zones, in model order. */
  remotes: ViewRemote[];
  /** Exposed names of the tools the tenant can call (remote tools that are only fallbacks excluded), sorted. */
  tools: string[];
  /** The subset of `tools` marked sensitive, sorted. */
  sensitive: string[];
}

/**
 * The shared packs and remotes a tenant may use: IMPLICIT_TENANT (callers of no tenant, and everyone in a
 * repository without tenants/) all of them; a defined tenant those its `shared` list names ('*': all); a tenant
 * the model does not define, none.
 */
export function sharedGrant(model: Pick<RepoModel, 'tenants'>, tenant: string): (name: string) => boolean {
  if (tenant === IMPLICIT_TENANT) return () => true;
  const shared = tenantNamed(model, tenant)?.shared ?? [];
  if (shared.includes('*')) return () => true;
  const granted = new Set(shared);
  return (name) => granted.has(name);
}

/** The tenant of the model with this name (the first, if two files claim it). */
export function tenantNamed(model: Pick<RepoModel, 'tenants'>, name: string): Tenant | undefined {
  return model.tenants.find((t) => t.value.name === name)?.value;
}

/** True when the tenant sees the pack: it owns it, or the pack is shared and granted to it. */
export function packVisibleTo(
  pack: Pick<Pack, 'name' | 'tenant'>,
  tenant: string,
  granted: (name: string) => boolean,
) {
  return pack.tenant === undefined ? granted(pack.name) : pack.tenant === tenant;
}

/**
 * The tenant's view of the environment (see TenantView). Without tenants/ the IMPLICIT_TENANT view holds every
 * pack and every remote of the environment, i.e. exactly what the repository exposed before tenancy.
 */
export function tenantView(model: RepoModel, environment: Environment, tenant: string): TenantView {
  const granted = sharedGrant(model, tenant);
  const own = model.packs.filter((p) => p.value.tenant !== undefined && p.value.tenant === tenant);
  const shared = model.packs.filter((p) => p.value.tenant === undefined && granted(p.value.name));
  const packs = [...own, ...shared];
  const remotes: ViewRemote[] = [];
  for (const zone of model.zones) {
    if (zone.value.environment !== environment) continue;
    for (const remote of zone.value.remotes ?? []) if (granted(remote.name)) remotes.push({ zone, remote });
  }
  const tools = new Set<string>();
  const sensitive = new Set<string>();
  for (const { value: pack } of packs) {
    for (const tool of pack.tools) {
      const name = exposedToolName(pack, tool);
      tools.add(name);
      if (tool.sensitive === true) sensitive.add(name);
    }
  }
  for (const { remote } of remotes) {
    for (const tool of remote.tools) {
      if (tool.fallbackFor !== undefined) continue;
      const name = `${remote.name}.${tool.name}`;
      tools.add(name);
      if (tool.sensitive === true) sensitive.add(name);
    }
  }
  return { tenant, packs, remotes, tools: [...tools].sort(), sensitive: [...sensitive].sort() };
}

/**
 * Every view the repository has: IMPLICIT_TENANT's, then each defined tenant's in name order. Rules that hold
 * per view (unique exposed names, policy patterns) check each of these.
 */
export function tenantNames(model: Pick<RepoModel, 'tenants'>): string[] {
  const names = new Set(model.tenants.map((t) => t.value.name));
  names.delete(IMPLICIT_TENANT);
  return [IMPLICIT_TENANT, ...[...names].sort()];
}

/**
 * The tools an environment can expose: with a tenant, that tenant's view (tenantView(...).tools); without one,
 * every pack tool of every tenant and the tools of the remotes of the environment's zones that are not only
 * fallbacks for a pack tool (those are exposed as '<remote>.<tool>'). The tool list of `raku policy access` and
 * of the console's access matrix.
 */
export function exposedToolsIn(model: RepoModel, environment: Environment, tenant?: string): string[] {
  if (tenant !== undefined) return tenantView(model, environment, tenant).tools;
  return allTools(model, environment, false);
}

/** The exposed names of the tools marked `sensitive` among exposedToolsIn(model, environment, tenant). */
export function sensitiveToolsIn(model: RepoModel, environment: Environment, tenant?: string): string[] {
  if (tenant !== undefined) return tenantView(model, environment, tenant).sensitive;
  return allTools(model, environment, true);
}

function allTools(model: RepoModel, environment: Environment, onlySensitive: boolean): string[] {
  const names = new Set<string>();
  for (const { value: pack } of model.packs)
    for (const tool of pack.tools)
      if (!onlySensitive || tool.sensitive === true) names.add(exposedToolName(pack, tool));
  for (const { value: zone } of model.zones) {
    if (zone.environment !== environment) continue;
    for (const remote of zone.remotes ?? [])
      for (const tool of remote.tools)
        if (tool.fallbackFor === undefined && (!onlySensitive || tool.sensitive === true))
          names.add(`${remote.name}.${tool.name}`);
  }
  return [...names];
}
