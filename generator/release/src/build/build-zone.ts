import type { RepoModel } from '@raku/config';
import { buildImage, type ClientFor, type ImageBuildResult } from './build-image.ts';
import type { BuildRecord, BuiltImage } from './build-record.ts';
import { MEDIA } from './oci-image.ts';
import { type ImagePlan, imageInputsKey, planZoneImages } from './plan-images.ts';
import type { RuntimeBundle } from './runtime-bundle.ts';

/** How one image of a zone was obtained: built and pushed, found in the registry unchanged, or only computed. */
export type ImageOutcome = 'pushed' | 'reused' | 'computed';

export interface BuildZoneOptions {
  revision: string;
  runtime: RuntimeBundle;
  push: boolean;
  /** Limit to these workloads or packs ('raku-gateway' for the gateway). */
  only?: readonly string[];
  source?: string;
  /** Another builder for a planned image (`--builder docker`); default the daemonless OCI builder. */
  builder?: { kind: 'docker'; build: (plan: ImagePlan, inputsTag: string) => Promise<ImageBuildResult> };
  /** Directory of the on-disk cache of compressed layers (layer-cache.ts); default none. */
  layerCacheDir?: string;
  /** Called after each image, for progress output. */
  onImage?: (plan: ImagePlan, image: BuiltImage, outcome: ImageOutcome) => void;
}

/**
 * Builds (and with `push` pushes) the images of a zone and returns the build record the rollout reads.
 * Before building, the target repository is asked for the tag 'inputs-<key>' ({@link imageInputsKey}); when it
 * exists the image is reused as it is, so only workloads whose inputs changed get new digests.
 */
export async function buildZone(
  model: RepoModel,
  zoneName: string,
  clientFor: ClientFor,
  options: BuildZoneOptions,
): Promise<BuildRecord> {
  const plans = planZoneImages(model, zoneName, {
    revision: options.revision,
    runtime: options.runtime.files,
    gatewayFiles: options.runtime.gatewayFiles,
    ...(options.only ? { only: options.only } : {}),
    ...(options.source ? { source: options.source } : {}),
  });
  const images: Record<string, BuiltImage> = {};
  for (const plan of plans) {
    const inputsTag = `inputs-${imageInputsKey(plan)}`;
    let image: BuiltImage | undefined;
    let outcome: ImageOutcome = options.push ? 'pushed' : 'computed';
    if (options.push) image = await findByInputs(plan, inputsTag, clientFor);
    if (image) {
      outcome = 'reused';
    } else {
      const result = options.builder
        ? await options.builder.build(plan, inputsTag)
        : await buildImage(
            {
              base: plan.base,
              target: { ...plan.target, tags: [...plan.target.tags, inputsTag] },
              layers: plan.layers,
              settings: plan.settings,
              annotations: plan.annotations,
              push: options.push,
              ...(options.layerCacheDir ? { layerCacheDir: options.layerCacheDir } : {}),
            },
            clientFor,
          );
      image = {
        repository: result.repository,
        digest: result.digest,
        tags: result.tags,
        size: result.size,
        platforms: result.platforms,
        packs: plan.packs,
        baseDigest: result.baseDigest,
        pushed: options.push,
      };
    }
    options.onImage?.(plan, image, outcome);
    images[plan.workload] = image;
  }
  return {
    recordVersion: 1,
    zone: zoneName,
    revision: options.revision,
    builder: options.builder?.kind ?? 'oci',
    images,
  };
}

/** The image already in the registry under the inputs tag, with its facts read back from it. */
async function findByInputs(
  plan: ImagePlan,
  inputsTag: string,
  clientFor: ClientFor,
): Promise<BuiltImage | undefined> {
  const client = clientFor(plan.target.registry);
  if (!(await client.hasManifest(plan.target.repository, inputsTag))) return undefined;
  const got = await client.getManifest(plan.target.repository, inputsTag);
  // The revision tag follows the config even when the image does not change.
  for (const tag of plan.target.tags) {
    await client.putManifest(
      plan.target.repository,
      tag,
      got.bytes,
      got.contentType?.split(';')[0] ?? MEDIA.ociIndex,
    );
  }
  const doc = JSON.parse(new TextDecoder().decode(got.bytes)) as {
    manifests?: { platform?: { os: string; architecture: string; variant?: string } }[];
    annotations?: Record<string, string>;
    layers?: { size: number }[];
    config?: { size: number };
  };
  const platforms = doc.manifests
    ? doc.manifests
        .filter((m) => m.platform && m.platform.os !== 'unknown')
        .map((m) => [m.platform!.os, m.platform!.architecture, m.platform!.variant].filter(Boolean).join('/'))
    : ['unknown'];
  const size = doc.layers ? doc.layers.reduce((n, l) => n + l.size, doc.config?.size ?? 0) : 0;
  return {
    repository: `${plan.target.registry}/${plan.target.repository}`,
    digest: got.digest,
    tags: [...plan.target.tags, inputsTag],
    size,
    platforms,
    packs: plan.packs,
    baseDigest: doc.annotations?.['org.opencontainers.image.base.digest'] ?? plan.base.digest ?? '',
    pushed: true,
  };
}
