import type { Pack, RepoModel, Zone } from '@raku/config';
import { canonicalJson, sha256Hex, UserError } from '@raku/config';
import { GATEWAY_NAME, resolveZone, revisionTag } from '@raku/render';
import { formatImageReference, type ImageReference, parseImageReference } from './image-reference.ts';
import type { ImageSettings } from './oci-image.ts';
import { LAYER_FORMAT, type LayerFile, type LayerInput } from './tar-layer.ts';

/** Where the runtime contract puts things inside every raku image. */
export const APP_DIR = '/app';
export const RUNTIME_FILE = 'gateway.mjs';
export const PACKS_DIR = '/app/packs';
/** The non-root user of the runtime contract (distroless "nonroot"). */
export const RUNTIME_USER = '65532:65532';

/** One image to build for a zone: a pack-server workload (its packs baked in) or the gateway. */
export interface ImagePlan {
  /** The zone pack entry's group or pack name, or 'raku-gateway'. */
  workload: string;
  role: 'pack-server' | 'gateway';
  packs: { name: string; version: string }[];
  base: ImageReference;
  /** Name of the base image in the zone's `baseImages`. */
  baseName: string;
  /** Tags: 'rev-<revision>' (when there is a revision). */
  target: { registry: string; repository: string; tags: string[] };
  /**
   * The layers added to the base, bottom first, split by how often they change: 'runtime' (/app/gateway.mjs and
   * its eager chunks, the same in every image of every zone while the runtime is unchanged, so compressed once
   * and pushed once per repository), 'gateway files' (the gateway image's own chunks, PGlite and SQL
   * migrations) and 'packs' (/app/packs/<pack>.json, a few KiB: a changed pack recompresses only this layer).
   */
  layers: LayerInput[];
  settings: ImageSettings;
  annotations: Record<string, string>;
}

export interface PlanImagesOptions {
  /** The commit built; labels the image and names its tag 'rev-<first 12>'. */
  revision: string;
  /** The runtime every image runs: /app/gateway.mjs and its eager chunks (RuntimeBundle.files). */
  runtime: readonly LayerFile[];
  /** Source repository URL for org.opencontainers.image.source. */
  source?: string;
  /** Build time recorded in the image; fixed by default so builds are reproducible. */
  created?: string;
  /** Only these workloads or packs (a pack selects its workload). Default: all, plus the gateway. */
  only?: readonly string[];
  /** Extra files of the gateway image (its chunks, externals and assets: RuntimeBundle.gatewayFiles). */
  gatewayFiles?: readonly LayerFile[];
}

/**
 * Plans the images of one zone: per workload the base image (the entry's `baseImage`, else the pack's
 * `runtime.baseImage`, else 'default', looked up in the zone's `baseImages`), the repository
 * '<registry.host>/<registry.repository>/<workload>', and the layers (see {@link ImagePlan.layers}).
 * Pure.
 */
export function planZoneImages(model: RepoModel, zoneName: string, opts: PlanImagesOptions): ImagePlan[] {
  const { zone, workloads } = resolveZone(model, zoneName);
  const z = zone.value;
  const created = opts.created ?? '1970-01-01T00:00:00Z';
  const tag = revisionTag(opts.revision);
  const only = opts.only ? new Set(opts.only) : undefined;
  const plans: ImagePlan[] = [];
  const matched = new Set<string>();

  const make = (workload: string, role: ImagePlan['role'], packs: Pack[], baseName: string): ImagePlan => {
    const base = z.baseImages?.[baseName];
    if (!base) {
      throw new UserError(
        `${zone.file}: baseImages.${baseName}: not defined, but workload "${workload}" builds on it`,
      );
    }
    let ref: ImageReference;
    try {
      ref = parseImageReference(
        `${base.image}${base.tag ? `:${base.tag}` : ''}${base.digest ? `@${base.digest}` : ''}`,
      );
    } catch (err) {
      throw new UserError(`${zone.file}: baseImages.${baseName}.image: ${(err as Error).message}`);
    }
    const layers: LayerInput[] = [{ comment: 'runtime', files: opts.runtime }];
    if (role === 'gateway' && opts.gatewayFiles && opts.gatewayFiles.length > 0) {
      layers.push({ comment: 'gateway files', files: opts.gatewayFiles });
    }
    if (packs.length > 0) {
      layers.push({
        comment: 'packs',
        files: packs.map((p) => ({
          path: `${PACKS_DIR.slice(1)}/${p.name}.json`,
          content: `${JSON.stringify(p, null, 2)}\n`,
        })),
      });
    }
    const labels: Record<string, string> = {
      'org.opencontainers.image.created': created,
      'org.opencontainers.image.revision': opts.revision,
      'org.opencontainers.image.title': workload,
      'org.opencontainers.image.base.name': `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}`,
      'dev.raku.zone': z.name,
      'dev.raku.role': role,
      'dev.raku.packs': packs.map((p) => `${p.name}@${p.version}`).join(','),
    };
    if (opts.source) labels['org.opencontainers.image.source'] = opts.source;
    if (packs.length === 1) labels['org.opencontainers.image.version'] = packs[0]!.version;
    if (ref.digest) labels['org.opencontainers.image.base.digest'] = ref.digest;
    return {
      workload,
      role,
      packs: packs.map((p) => ({ name: p.name, version: p.version })),
      base: ref,
      baseName,
      target: targetOf(z, workload, tag),
      layers,
      settings: {
        entrypoint: ['node', `${APP_DIR}/${RUNTIME_FILE}`],
        user: RUNTIME_USER,
        workingDir: APP_DIR,
        env: {
          NODE_ENV: 'production',
          RAKU_ROLE: role,
          RAKU_PACKS_DIR: PACKS_DIR,
          RAKU_ENVIRONMENT: z.environment,
        },
        labels,
        created,
        createdBy: `raku build (${role} ${workload})`,
      },
      annotations: { ...labels },
    };
  };

  for (const workload of workloads) {
    const selected = !only || only.has(workload.name) || workload.packs.some((p) => only.has(p.entry.name));
    if (!selected) continue;
    matched.add(workload.name);
    for (const p of workload.packs) matched.add(p.entry.name);
    const names = new Set(
      workload.packs.map((p) => p.entry.baseImage ?? p.pack.value.runtime?.baseImage ?? 'default'),
    );
    if (names.size > 1) {
      throw new UserError(
        `${zone.file}: packs of group "${workload.name}" ask for different base images (${[...names].sort().join(', ')}); a group is one image`,
      );
    }
    plans.push(
      make(
        workload.name,
        'pack-server',
        workload.packs.map((p) => p.pack.value),
        [...names][0]!,
      ),
    );
  }
  if (!only || only.has(GATEWAY_NAME)) {
    matched.add(GATEWAY_NAME);
    plans.push(make(GATEWAY_NAME, 'gateway', [], z.gateway?.baseImage ?? 'default'));
  }
  for (const name of only ?? []) {
    if (!matched.has(name))
      throw new UserError(`--pack ${name}: zone "${z.name}" has no such pack or workload`);
  }
  return plans;
}

function targetOf(zone: Zone, workload: string, tag: string | undefined): ImagePlan['target'] {
  return {
    registry: zone.registry.host,
    repository: `${zone.registry.repository}/${workload}`,
    tags: tag ? [tag] : [],
  };
}

/** Labels that change with every commit; they do not count as inputs of an image. */
const PER_REVISION_LABELS = ['org.opencontainers.image.revision', 'org.opencontainers.image.created'];

/**
 * A key of everything that makes an image except the revision it was built at: the layers and their files, the
 * base image, the process settings and the other labels. `raku build` tags each image 'inputs-<key>' and reuses an image
 * already tagged with the key, so only workloads whose inputs changed get a new image and a new digest. Pure.
 */
export function imageInputsKey(plan: ImagePlan): string {
  const labels = { ...plan.settings.labels };
  for (const l of PER_REVISION_LABELS) delete labels[l];
  const layers = plan.layers.map((layer) => ({
    comment: layer.comment,
    files: layer.files.map((f) => ({
      path: f.path,
      mode: f.mode ?? 0o644,
      sha256: sha256Hex(typeof f.content === 'string' ? new TextEncoder().encode(f.content) : f.content),
    })),
  }));
  const subject = {
    base: formatImageReference(plan.base),
    layers,
    settings: { ...plan.settings, labels, created: undefined },
    layerFormat: LAYER_FORMAT,
  };
  return sha256Hex(canonicalJson(subject)).slice(0, 32);
}
