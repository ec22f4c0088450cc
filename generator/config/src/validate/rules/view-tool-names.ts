/**
 * Exposed tool names are unique within each tenant's view of a zone (docs/tenancy.md): the tools a caller of
 * one tenant can list and call never share a name, while two tenants may each own a pack exposing 'crm.get'.
 * A repository without tenants/ has one view, the implicit tenant's, which holds every pack the zone deploys.
 */

import type { PathSegment } from '../../diagnostic.ts';
import { exposedToolName } from '../../model/names.ts';
import { packVisibleTo, sharedGrant, tenantNames } from '../../model/tenant-view.ts';
import { IMPLICIT_TENANT, type Pack } from '../../model/types.ts';
import type { Rule } from './context.ts';

/** One server of tools in a zone: a deployed pack or a remote, with the zone file field naming it. */
interface Server {
  kind: 'pack' | 'remote';
  name: string;
  /** The owning tenant of a pack; undefined: shared (remotes always are). */
  tenant: string | undefined;
  /** Exposed tool names, each with the field of the zone file to report a clash at. */
  tools: { name: string; at: PathSegment[] }[];
}

function label(server: Server): string {
  if (server.kind === 'remote') return `remote "${server.name}"`;
  return server.tenant === undefined ? `"${server.name}"` : `"${server.name}" (tenant ${server.tenant})`;
}

/** The packs and remotes a zone serves, in zone-file order (packs that failed to load are left out). */
function zoneServers(
  packs: Map<string, Pack>,
  zone: { packs: { name: string }[]; remotes?: { name: string; tools: { name: string }[] }[] },
): Server[] {
  const servers: Server[] = [];
  zone.packs.forEach((entry, i) => {
    const pack = packs.get(entry.name);
    if (!pack) return;
    servers.push({
      kind: 'pack',
      name: pack.name,
      tenant: pack.tenant,
      tools: pack.tools.map((t) => ({ name: exposedToolName(pack, t), at: ['packs', i, 'name'] })),
    });
  });
  (zone.remotes ?? []).forEach((remote, r) => {
    servers.push({
      kind: 'remote',
      name: remote.name,
      tenant: undefined,
      tools: remote.tools.map((t, j) => ({
        name: `${remote.name}.${t.name}`,
        at: ['remotes', r, 'tools', j, 'name'],
      })),
    });
  });
  return servers;
}

/**
 * In every tenant's view of every zone (the implicit tenant's first), no two packs or remotes expose one tool
 * name. A clash is reported once, at the later server's field in the zone file, naming the view it occurs in
 * when that is a tenant's.
 */
export const zoneToolCollisions: Rule = (ctx) => {
  const packs = new Map(ctx.model.packs.map((p) => [p.value.name, p.value]));
  const views = tenantNames(ctx.model);
  for (const { file, value: zone } of ctx.model.zones) {
    const servers = zoneServers(packs, zone);
    const reported = new Set<string>();
    for (const tenant of views) {
      const granted = sharedGrant(ctx.model, tenant);
      const visible = servers.filter((s) =>
        s.kind === 'pack' ? packVisibleTo(s, tenant, granted) : granted(s.name),
      );
      const owner = new Map<string, Server>();
      for (const server of visible) {
        for (const tool of server.tools) {
          const prev = owner.get(tool.name);
          if (prev === undefined) {
            owner.set(tool.name, server);
            continue;
          }
          if (prev === server || (prev.kind === server.kind && prev.name === server.name)) continue;
          const key = `${tool.at.join('.')}|${tool.name}|${prev.kind}:${prev.name}`;
          if (reported.has(key)) continue;
          reported.add(key);
          const where = tenant === IMPLICIT_TENANT ? '' : ` for tenant "${tenant}"`;
          const message =
            server.kind === 'remote'
              ? `tool "${tool.name}" is also served by ${prev.kind === 'pack' ? `pack ${label(prev)}` : label(prev)}${where}`
              : `tool "${tool.name}" is served by both ${label(prev)} and ${label(server)}${where}; set a distinct toolPrefix`;
          ctx.report(file, tool.at, 'zone-tool-collision', message);
        }
      }
    }
  }
};

/**
 * The packs one workload serves (zone `packs[].group`, else the pack alone) expose distinct names whatever their
 * tenants: one pack server answers `tools/list` and calls by name for all of them.
 */
export const workloadToolNames: Rule = (ctx) => {
  const packs = new Map(ctx.model.packs.map((p) => [p.value.name, p.value]));
  for (const { file, value: zone } of ctx.model.zones) {
    const owners = new Map<string, Map<string, string>>();
    zone.packs.forEach((entry, i) => {
      const pack = packs.get(entry.name);
      if (!pack || entry.group === undefined) return;
      const owner = owners.get(entry.group) ?? new Map<string, string>();
      owners.set(entry.group, owner);
      for (const tool of pack.tools) {
        const name = exposedToolName(pack, tool);
        const prev = owner.get(name);
        if (prev !== undefined && prev !== pack.name) {
          ctx.report(
            file,
            ['packs', i, 'group'],
            'workload-tool-collision',
            `tool "${name}" is served by both "${prev}" and "${pack.name}" in workload "${entry.group}", whose one pack server needs distinct names: give them separate groups or a distinct toolPrefix`,
          );
        } else owner.set(name, pack.name);
      }
    });
  }
};
