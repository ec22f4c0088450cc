import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '@raku/config';
import { renderZone } from '@raku/render';
import { loadReleaseContext, selectZones } from '../release-context.ts';
import {
  type BuildRecord,
  type BuiltImage,
  buildRecordPath,
  parseBuildRecord,
  serialiseBuildRecord,
} from './build-record.ts';
import { buildZone, type ImageOutcome } from './build-zone.ts';
import { dockerBuilder } from './docker-builder.ts';
import { layerCacheDir, pruneLayerCache } from './layer-cache.ts';
import { explainRegistryError, RegistryError } from './registry-client.ts';
import { registryClientsFor } from './registry-clients.ts';
import { bundleRuntime } from './runtime-bundle.ts';

/** What `raku build` and the build action ask for, already parsed. */
export interface BuildZonesOptions {
  /** Repository root holding packs/, zones/, policies/. */
  root: string;
  /** The config commit; default `git rev-parse HEAD` in the root. */
  revision?: string;
  /** Zones to build; empty means every zone. */
  zones: readonly string[];
  /** Only these packs (or groups, or 'raku-gateway'); empty means every workload. */
  packs: readonly string[];
  /** Upload the images to the zone's registry. */
  push: boolean;
  /** 'oci' (daemonless, the default) or 'docker' (the generated Dockerfiles, through a Docker engine). */
  builder: 'oci' | 'docker';
  /** docker builder only: target platforms. */
  platforms: readonly string[];
  /** Runtime entry bundled into /app/gateway.mjs. Default the runtime's (the prebuilt runtime when there is one). */
  entry?: string;
  /** Folder of the build records, relative to the root. Default out/builds. */
  recordDir?: string;
  /** URL of the source repository, recorded as an image label. */
  source?: string;
  /** Registry credentials (RAKU_SECRET_…, RAKU_REGISTRY_*, DOCKER_CONFIG, HOME) and the layer cache (RAKU_CACHE_DIR…). */
  env: Readonly<Record<string, string | undefined>>;
  /** Folder a relative RAKU_CACHE_DIR is resolved against. */
  cwd: string;
}

/** Progress of a build, for a caller that reports as it goes. */
export interface BuildZonesEvents {
  onImage?: (zone: string, workload: string, image: BuiltImage, outcome: ImageOutcome) => void;
  onRecord?: (zone: string, file: string) => void;
}

/**
 * Builds (and with `push` uploads) the images of each zone and writes one build record per zone under
 * `recordDir`; returns the records. With `packs`, the images not rebuilt are kept from the zone's record of the
 * same revision. Every registry failure becomes a UserError naming the registry ({@link explainRegistryError}).
 */
export async function buildZones(
  options: BuildZonesOptions,
  events: BuildZonesEvents = {},
): Promise<BuildRecord[]> {
  const release = await loadReleaseContext(options.root, options.revision);
  const zones = selectZones(release.model, options.zones);
  const runtime = await bundleRuntime({
    root: release.root,
    ...(options.entry !== undefined ? { entry: options.entry } : {}),
  });
  const recordDir = path.resolve(release.root, options.recordDir ?? 'out/builds');
  const cacheDir = layerCacheDir(options.env, options.cwd);
  const only = options.packs.length > 0 ? [...options.packs] : undefined;
  const records: BuildRecord[] = [];
  for (const zoneName of zones) {
    const zone = release.model.zones.find((z) => z.value.name === zoneName)!.value;
    if (
      only &&
      !zone.packs.some((p) => only.includes(p.name) || only.includes(p.group ?? '')) &&
      !only.includes('raku-gateway')
    ) {
      if (options.zones.length === 0) continue; // the pack is not in this zone
    }
    const { clientFor } = await registryClientsFor(zone, options.env);
    const record = await asUserError(
      buildZone(release.model, zoneName, clientFor, {
        revision: release.revision,
        runtime,
        push: options.push,
        ...(cacheDir ? { layerCacheDir: cacheDir } : {}),
        ...(only ? { only } : {}),
        ...(options.source ? { source: options.source } : {}),
        ...(options.builder === 'docker'
          ? {
              builder: {
                kind: 'docker' as const,
                build: dockerBuilder({
                  rendered: renderZone(release.model, zoneName, { revision: release.revision }),
                  push: options.push,
                  platforms: [...options.platforms],
                  env: { ...options.env },
                }),
              },
            }
          : {}),
        onImage: (plan, image, outcome) => events.onImage?.(zoneName, plan.workload, image, outcome),
      }),
    );
    await mkdir(recordDir, { recursive: true });
    const file = path.join(recordDir, path.basename(buildRecordPath(zoneName)));
    if (only) {
      const previous = await readFile(file, 'utf8').then(
        (text) => parseBuildRecord(text, file),
        () => undefined,
      );
      if (previous && previous.revision === record.revision && previous.zone === record.zone) {
        record.images = { ...previous.images, ...record.images };
      }
    }
    await writeFile(file, serialiseBuildRecord(record));
    records.push(record);
    events.onRecord?.(zoneName, file);
  }
  if (cacheDir) await pruneLayerCache(cacheDir);
  return records;
}

/**
 * Every registry failure is about a registry the user named — the zone's, or a base image's — so it is a user
 * error (exit 1) that says which registry and what to do, never an internal fault with a stack: credentials
 * refused, an image that does not exist, a registry that cannot be reached (an offline build without a cached
 * base) or keeps failing.
 */
async function asUserError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof RegistryError) throw new UserError(explainRegistryError(err), { cause: err });
    throw err;
  }
}
