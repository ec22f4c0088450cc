import type { RepoModel } from '@raku/config';
import { sha256Hex } from '@raku/config';
import type { ChangeSet } from './change-set.ts';
import { type RenderCache, renderZone, type WorkloadImage, zoneRenderKey } from './render-zone.ts';

export interface GenerateOptions {
  revision: string;
  /** Images per zone, then per workload (from build records); zones not named render images by tag. */
  images?: Record<string, Record<string, WorkloadImage>>;
  cache?: RenderCache;
}

/**
 * Renders the named zones (in the order given) into one change set per zone. Pure. A cache, when given, is
 * shared across zones and calls (a second call with the same inputs renders no workload again); without one
 * nothing is hashed for it: a cache's keys cost more than they save on a single call, where no two zones render
 * a workload the same way (the zone's name and namespace are in every manifest).
 */
export function generateZones(
  model: RepoModel,
  zones: readonly string[],
  opts: GenerateOptions,
): Map<string, ChangeSet> {
  const out = new Map<string, ChangeSet>();
  for (const zone of zones) {
    const images = opts.images?.[zone];
    out.set(
      zone,
      renderZone(model, zone, {
        revision: opts.revision,
        ...(opts.cache && { cache: opts.cache }),
        ...(images && { images }),
      }),
    );
  }
  return out;
}

/**
 * zoneRenderKey of each named zone: equal keys mean byte-identical change sets from generateZones, so a caller
 * holding the files of an earlier render under the same key may skip the zone. The model is serialised once.
 */
export function zoneRenderKeys(
  model: RepoModel,
  zones: readonly string[],
  opts: Pick<GenerateOptions, 'revision' | 'images'>,
): Map<string, string> {
  // Plain JSON.stringify (not canonical): the same loaded model always serialises the same way.
  const modelDigest = sha256Hex(JSON.stringify(model));
  const out = new Map<string, string>();
  for (const zone of zones) {
    const images = opts.images?.[zone];
    out.set(
      zone,
      zoneRenderKey(model, modelDigest, zone, { revision: opts.revision, ...(images && { images }) }),
    );
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
