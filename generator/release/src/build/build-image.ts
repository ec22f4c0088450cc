import { cachedBaseReader } from './base-cache.ts';
import { formatImageReference, type ImageReference } from './image-reference.ts';
import { makeLayer } from './layer-cache.ts';
import {
  type Descriptor,
  deriveImageConfig,
  deriveIndex,
  deriveManifest,
  encodeJson,
  formatPlatform,
  type ImageConfig,
  type ImageSettings,
  isImagePlatform,
  type ManifestDocument,
  parseManifestDocument,
} from './oci-image.ts';
import type { BlobPush, RegistryClient } from './registry-client.ts';
import type { LayerInput } from './tar-layer.ts';

/** What to build: a base image plus reproducible layers of files, with process settings and annotations. */
export interface ImageBuildInput {
  /** Base image; pinned by digest for reproducible builds (a tag is resolved at build time). */
  base: ImageReference;
  /** Where the image goes; tags are optional (the image is always addressable by digest). */
  target: { registry: string; repository: string; tags?: readonly string[] };
  /** The layers added on top of the base, bottom first; at least one. */
  layers: readonly LayerInput[];
  settings: ImageSettings;
  /** OCI manifest annotations (org.opencontainers.image.*). */
  annotations: Record<string, string>;
  /** Push blobs and manifests. When false the image is computed (digest, size) but nothing is written. */
  push: boolean;
  /**
   * Directory of the on-disk cache of compressed layers (see layer-cache.ts) and of the base images' manifests
   * and configs by digest (base-cache.ts); default none.
   */
  layerCacheDir?: string;
}

export interface ImageBuildResult {
  /** 'registry/repository@sha256:…' */
  reference: string;
  repository: string;
  digest: string;
  tags: string[];
  mediaType: string;
  /** Compressed size of config and layers of one platform image (the largest). */
  size: number;
  platforms: string[];
  baseDigest: string;
  /** Whether the registry already had the image (so no manifest was pushed). */
  alreadyPresent: boolean;
  blobs: Record<BlobPush, number>;
}

/** Registry clients by host; the builder asks for the base's registry and the target's. */
export type ClientFor = (registry: string) => RegistryClient;

interface PlatformImage {
  platform?: Descriptor['platform'];
  doc: ManifestDocument & { kind: 'manifest' };
  config: { bytes: Uint8Array; digest: string; size: number };
}

type Encoded = { bytes: Uint8Array; digest: string; size: number; mediaType: string };

/**
 * Builds an image daemonlessly, like ko or jib: reads the base manifest (or index) and configs through the
 * registry API, appends the reproducible layers to every platform, and — with `push` — uploads what the target
 * repository lacks (base layers mounted from the base repository when it is on the same registry, copied
 * otherwise) and the manifests. Same input ⇒ same digest.
 *
 * Compressing the layers is the slow part, and everything but the manifests needs only the layers' diffIds
 * (hashes of the tars, computed first): so the base manifests and configs are read, and the base layers and the
 * new configs pushed, while the layers compress (a piece at a time, letting these requests run in between).
 */
export async function buildImage(input: ImageBuildInput, clientFor: ClientFor): Promise<ImageBuildResult> {
  if (input.layers.length === 0) {
    throw new Error(`${input.target.repository}: an image build needs at least one layer to add`);
  }
  const baseClient = clientFor(input.base.registry);
  // Manifests and configs of the base, through the on-disk cache when there is one (base-cache.ts).
  const base = cachedBaseReader(baseClient, input.base.repository, input.layerCacheDir);
  const baseRef = input.base.digest ?? input.base.tag ?? 'latest';
  const baseManifestPromise = base.getManifest(baseRef);
  baseManifestPromise.catch(() => undefined);
  const made = input.layers.map((l) => makeLayer(l.files, input.layerCacheDir));
  const layersPromise = Promise.all(made.map((m) => m.layer));
  layersPromise.catch(() => undefined);
  const added = input.layers.map((l, i) => ({ diffId: made[i]!.diffId, comment: l.comment }));

  const baseManifest = await baseManifestPromise;
  const baseDoc = parseManifestDocument(baseManifest.bytes, baseManifest.contentType);
  const derive = async (
    doc: ManifestDocument & { kind: 'manifest' },
    platform?: Descriptor['platform'],
  ): Promise<PlatformImage> => {
    const configBytes = await base.getBlob(doc.value.config.digest);
    const baseConfig = JSON.parse(new TextDecoder().decode(configBytes)) as ImageConfig;
    const config = encodeJson(deriveImageConfig(baseConfig, added, input.settings));
    return { ...(platform ? { platform } : {}), doc, config };
  };
  let platforms: PlatformImage[];
  if (baseDoc.kind === 'manifest') {
    platforms = [await derive(baseDoc)];
  } else {
    // Platforms are read concurrently; Promise.all keeps the index order.
    platforms = await Promise.all(
      baseDoc.value.manifests.filter(isImagePlatform).map(async (entry) => {
        const child = await base.getManifest(entry.digest);
        const doc = parseManifestDocument(child.bytes, child.contentType ?? entry.mediaType);
        if (doc.kind !== 'manifest') {
          throw new Error(`${formatImageReference(input.base)}: nested index is not supported`);
        }
        return derive(doc, entry.platform);
      }),
    );
    if (platforms.length === 0)
      throw new Error(`${formatImageReference(input.base)}: index lists no platform image`);
  }

  const blobs: Record<BlobPush, number> = { exists: 0, mounted: 0, uploaded: 0 };
  const target = input.push ? clientFor(input.target.registry) : undefined;
  const repo = input.target.repository;
  const seen = new Set<string>();
  /** One push job per blob not pushed yet (platforms share base layers, sometimes configs). */
  const jobsFor = (
    items: { digest: string; data: Uint8Array | (() => Promise<Uint8Array>); mountFrom?: string[] }[],
  ): (() => Promise<BlobPush>)[] => {
    const jobs: (() => Promise<BlobPush>)[] = [];
    for (const item of items) {
      if (seen.has(item.digest)) continue;
      seen.add(item.digest);
      jobs.push(() => target!.pushBlob(repo, item.digest, item.data, item.mountFrom ?? []));
    }
    return jobs;
  };
  let early: Promise<BlobPush[]> = Promise.resolve([]);
  if (target) {
    const sameRegistry = input.base.registry === input.target.registry;
    early = runLimited(
      jobsFor(
        platforms.flatMap((p) => [
          ...p.doc.value.layers.map((l) => ({
            digest: l.digest,
            data: () => baseClient.getBlob(input.base.repository, l.digest),
            mountFrom: sameRegistry ? [input.base.repository] : [],
          })),
          { digest: p.config.digest, data: p.config.bytes },
        ]),
      ),
      4,
    );
    early.catch(() => undefined);
  }

  const layers = await layersPromise;
  const manifests = platforms.map((p): Encoded => {
    const manifest = deriveManifest(p.doc, p.config, layers, input.annotations);
    return { ...encodeJson(manifest.value), mediaType: manifest.mediaType };
  });
  let top: Encoded;
  if (baseDoc.kind === 'manifest') {
    top = manifests[0]!;
  } else {
    const index = deriveIndex(
      baseDoc,
      platforms.map((p, i) => ({
        mediaType: manifests[i]!.mediaType,
        digest: manifests[i]!.digest,
        size: manifests[i]!.size,
        ...(p.platform ? { platform: p.platform } : {}),
      })),
      input.annotations,
    );
    top = { ...encodeJson(index.value), mediaType: index.mediaType };
  }

  let alreadyPresent = false;
  if (target) {
    const [present, layerOutcomes, earlyOutcomes] = await Promise.all([
      target.hasManifest(repo, top.digest),
      runLimited(jobsFor(layers.map((l) => ({ digest: l.digest, data: l.blob }))), 4),
      early,
    ]);
    alreadyPresent = present;
    for (const outcome of [...earlyOutcomes, ...layerOutcomes]) blobs[outcome]++;
    if (!alreadyPresent && baseDoc.kind === 'index') {
      await Promise.all(manifests.map((m) => target.putManifest(repo, m.digest, m.bytes, m.mediaType)));
    }
    const tags = input.target.tags ?? [];
    await Promise.all(
      (tags.length > 0 ? tags : [top.digest]).map((tag) =>
        target.putManifest(repo, tag, top.bytes, top.mediaType),
      ),
    );
  }

  const layersSize = layers.reduce((n, l) => n + l.size, 0);
  const sizes = platforms.map(
    (p) => p.config.size + p.doc.value.layers.reduce((n, l) => n + l.size, 0) + layersSize,
  );
  return {
    reference: `${input.target.registry}/${input.target.repository}@${top.digest}`,
    repository: `${input.target.registry}/${input.target.repository}`,
    digest: top.digest,
    tags: [...(input.target.tags ?? [])],
    mediaType: top.mediaType,
    size: Math.max(...sizes),
    platforms: platforms.map((p) => formatPlatform(p.platform ?? platformOf(p.config.bytes))),
    baseDigest: baseManifest.digest,
    alreadyPresent,
    blobs,
  };
}

function platformOf(configBytes: Uint8Array): Descriptor['platform'] {
  const c = JSON.parse(new TextDecoder().decode(configBytes)) as ImageConfig;
  return {
    os: c.os ?? 'unknown',
    architecture: c.architecture ?? 'unknown',
    ...(c.variant ? { variant: c.variant } : {}),
  };
}

/** Runs the jobs with at most `limit` in flight; results in job order. */
async function runLimited<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}
