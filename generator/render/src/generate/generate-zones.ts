import type { RepoModel } from '@raku/config';
import type { ChangeSet } from './change-set.ts';
import { type RenderCache, renderZone, type WorkloadImage } from './render-zone.ts';

export interface GenerateOptions {
  revision: string;
  /** Images per zone, then per workload (from build records); zones not named render images by tag. */
  images?: Record<string, Record<string, WorkloadImage>>;
  cache?: RenderCache;
}

/**
 * Renders the named zones (in the order given) into one change set per zone. Pure; one cache is shared
 * across zones, so workloads rendered identically for several zones are rendered once.
 */
export function generateZones(
  model: RepoModel,
  zones: readonly string[],
  opts: GenerateOptions,
): Map<string, ChangeSet> {
  const cache = opts.cache ?? new Map();
  const out = new Map<string, ChangeSet>();
  for (const zone of zones) {
    const images = opts.images?.[zone];
    out.set(zone, renderZone(model, zone, { revision: opts.revision, cache, ...(images && { images }) }));
  }
  return out;
}

/** Which workloads of a rendered zone reference their image by tag rather than digest (for the plan). */
export function imagesByTag(cs: ChangeSet): string[] {
  const out: string[] = [];
  for (const [path, content] of cs) {
    if (!path.endsWith('/manifests.yaml')) continue;
    if (content.includes('raku.dev/image-pinned: tag')) out.push(path.slice(0, -'/manifests.yaml'.length));
  }
  return out.sort();
}
