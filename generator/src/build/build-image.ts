import { formatImageReference, type ImageReference } from './image-reference.ts';
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
import { buildLayer, type LayerFile } from './tar-layer.ts';

/** What to build: a base image plus one layer of files, with process settings and annotations. */
export interface ImageBuildInput {
  /** Base image; pinned by digest for reproducible builds (a tag is resolved at build time). */
  base: ImageReference;
  /** Where the image goes; tags are optional (the image is always addressable by digest). */
  target: { registry: string; repository: string; tags?: readonly string[] };
  files: readonly LayerFile[];
  settings: ImageSettings;
  /** OCI manifest annotations (org.opencontainers.image.*). */
  annotations: Record<string, string>;
  /** Push blobs and manifests. When false the image is computed (digest, size) but nothing is written. */
  push: boolean;
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
  /** Whether the registry already had the image (so nothing was uploaded). */
  alreadyPresent: boolean;
  blobs: Record<BlobPush, number>;
}

/** Registry clients by host; the builder asks for the base's registry and the target's. */
export type ClientFor = (registry: string) => RegistryClient;

interface PlatformImage {
  platform?: Descriptor['platform'];
  manifest: { bytes: Uint8Array; digest: string; size: number; mediaType: string };
  config: { bytes: Uint8Array; digest: string; size: number };
  baseLayers: Descriptor[];
}

/**
 * Builds an image daemonlessly, like ko or jib: reads the base manifest (or index) and configs through the
 * registry API, appends one reproducible layer to every platform, and — with `push` — uploads what the target
 * repository lacks (base layers mounted from the base repository when it is on the same registry, copied
 * otherwise) and the manifests. Same input ⇒ same digest.
 */
export async function buildImage(input: ImageBuildInput, clientFor: ClientFor): Promise<ImageBuildResult> {
  const baseClient = clientFor(input.base.registry);
  const baseRef = input.base.digest ?? input.base.tag ?? 'latest';
  // The base manifest request goes out before the (CPU-bound, synchronous) layer compression, so its round
  // trip overlaps it; one turn of the event loop lets the request be written first.
  const baseManifestPromise = baseClient.getManifest(input.base.repository, baseRef);
  baseManifestPromise.catch(() => undefined);
  await new Promise<void>((resolve) => setImmediate(resolve));
  const layer = buildLayer(input.files);
  const baseManifest = await baseManifestPromise;
  const baseDoc = parseManifestDocument(baseManifest.bytes, baseManifest.contentType);

  const derive = async (
    doc: ManifestDocument & { kind: 'manifest' },
    platform?: Descriptor['platform'],
  ): Promise<PlatformImage> => {
    const configBytes = await baseClient.getBlob(input.base.repository, doc.value.config.digest);
    const baseConfig = JSON.parse(new TextDecoder().decode(configBytes)) as ImageConfig;
    const config = encodeJson(deriveImageConfig(baseConfig, layer, input.settings));
    const manifest = deriveManifest(doc, config, layer, input.annotations);
    const encoded = encodeJson(manifest.value);
    return {
      ...(platform ? { platform } : {}),
      manifest: { ...encoded, mediaType: manifest.mediaType },
      config,
      baseLayers: doc.value.layers,
    };
  };
  let platforms: PlatformImage[];
  if (baseDoc.kind === 'manifest') {
    platforms = [await derive(baseDoc)];
  } else {
    // Platforms are read concurrently; Promise.all keeps the index order.
    platforms = await Promise.all(
      baseDoc.value.manifests.filter(isImagePlatform).map(async (entry) => {
        const child = await baseClient.getManifest(input.base.repository, entry.digest);
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

  let top: { bytes: Uint8Array; digest: string; size: number; mediaType: string };
  if (baseDoc.kind === 'manifest') {
    top = platforms[0]!.manifest;
  } else {
    const index = deriveIndex(
      baseDoc,
      platforms.map((p) => ({
        mediaType: p.manifest.mediaType,
        digest: p.manifest.digest,
        size: p.manifest.size,
        ...(p.platform ? { platform: p.platform } : {}),
      })),
      input.annotations,
    );
    top = { ...encodeJson(index.value), mediaType: index.mediaType };
  }

  const blobs: Record<BlobPush, number> = { exists: 0, mounted: 0, uploaded: 0 };
  let alreadyPresent = false;
  if (input.push) {
    const target = clientFor(input.target.registry);
    const repo = input.target.repository;
    alreadyPresent = await target.hasManifest(repo, top.digest);
    if (!alreadyPresent) {
      const sameRegistry = input.base.registry === input.target.registry;
      const jobs: (() => Promise<BlobPush>)[] = [];
      const seen = new Set<string>();
      for (const p of platforms) {
        for (const l of p.baseLayers) {
          if (seen.has(l.digest)) continue;
          seen.add(l.digest);
          jobs.push(() =>
            target.pushBlob(
              repo,
              l.digest,
              () => baseClient.getBlob(input.base.repository, l.digest),
              sameRegistry ? [input.base.repository] : [],
            ),
          );
        }
        if (!seen.has(p.config.digest)) {
          seen.add(p.config.digest);
          jobs.push(() => target.pushBlob(repo, p.config.digest, p.config.bytes));
        }
      }
      jobs.push(() => target.pushBlob(repo, layer.digest, layer.blob));
      for (const outcome of await runLimited(jobs, 4)) blobs[outcome]++;
      if (baseDoc.kind === 'index') {
        await Promise.all(
          platforms.map((p) =>
            target.putManifest(repo, p.manifest.digest, p.manifest.bytes, p.manifest.mediaType),
          ),
        );
      }
    }
    const tags = input.target.tags ?? [];
    if (tags.length === 0) await target.putManifest(repo, top.digest, top.bytes, top.mediaType);
    for (const tag of tags) await target.putManifest(repo, tag, top.bytes, top.mediaType);
  }

  const sizes = platforms.map(
    (p) => p.config.size + p.baseLayers.reduce((n, l) => n + l.size, 0) + layer.size,
  );
  const result: ImageBuildResult = {
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
  return result;
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
