import type { Environment, Loaded, Pack, RepoModel, Zone, ZonePack } from '@raku/config';
import { UserError } from '@raku/config';

/**
 * One pack deployed in a zone: the zone's entry (overrides) and the pack definition as this zone runs it
 * (see {@link packInZone}).
 */
export interface ZonePackRef {
  entry: ZonePack;
  pack: Loaded<Pack>;
}

/** A pack-server Deployment of a zone: one pack, or the packs sharing a `group`. */
export interface Workload {
  /** Base name of the Deployment, Service, ConfigMap…: the entry's group, or the pack name. */
  name: string;
  /** Sorted by pack name. */
  packs: ZonePackRef[];
}

export interface ResolvedZone {
  zone: Loaded<Zone>;
  /** Sorted by name. */
  workloads: Workload[];
}

/** Name of the gateway's Deployment, Service and ServiceAccount in every zone. */
export const GATEWAY_NAME = 'raku-gateway';

/** In-cluster MCP endpoint of a pack server. */
export function packServerUrl(workload: string, namespace: string): string {
  return `http://${workload}-mcp.${namespace}.svc.cluster.local:8080/mcp`;
}

/**
 * The pack as a zone runs it: when the zone entry gives a `baseUrl`, it becomes the pack's
 * `upstream.baseUrls[environment]` (a zone's base URL wins over the pack's), so the pack-server config,
 * the image and local mode all carry the zone's address. Without one, the very same object: packs whose zones
 * set nothing render byte for byte as before. Pure; the model is not changed.
 */
export function packInZone(pack: Loaded<Pack>, entry: ZonePack, environment: Environment): Loaded<Pack> {
  if (entry.baseUrl === undefined) return pack;
  const upstream = {
    ...pack.value.upstream,
    baseUrls: { ...pack.value.upstream.baseUrls, [environment]: entry.baseUrl },
  };
  return { ...pack, value: { ...pack.value, upstream } };
}

/**
 * Finds a zone and groups its packs into workloads. Throws a UserError naming the zone file when the zone or
 * one of its packs does not exist (validation reports these; this guards callers that skip it).
 */
export function resolveZone(model: RepoModel, zoneName: string): ResolvedZone {
  const zone = model.zones.find((z) => z.value.name === zoneName);
  if (!zone) {
    const known = model.zones.map((z) => z.value.name).sort();
    throw new UserError(`zone "${zoneName}" does not exist (zones: ${known.join(', ') || 'none'})`);
  }
  const packs = new Map(model.packs.map((p) => [p.value.name, p]));
  const byWorkload = new Map<string, ZonePackRef[]>();
  zone.value.packs.forEach((entry, i) => {
    const pack = packs.get(entry.name);
    if (!pack) {
      throw new UserError(`${zone.file}: packs.${i}.name: pack "${entry.name}" does not exist`);
    }
    const name = entry.group ?? entry.name;
    const list = byWorkload.get(name) ?? [];
    list.push({ entry, pack: packInZone(pack, entry, zone.value.environment) });
    byWorkload.set(name, list);
  });
  const workloads = [...byWorkload]
    .map(([name, refs]) => ({ name, packs: refs.sort((a, b) => cmp(a.entry.name, b.entry.name)) }))
    .sort((a, b) => cmp(a.name, b.name));
  return { zone, workloads };
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
