import { sha256Hex } from '@raku/config';

/** Media types of the OCI image spec and their Docker schema 2 equivalents. */
export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** Every manifest media type the builder reads, for the Accept header. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest];

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  [extra: string]: unknown;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  [extra: string]: unknown;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  [extra: string]: unknown;
}

/** The parts of an image config the builder changes; the rest of the base config is kept as it is. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    [extra: string]: unknown;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
  [extra: string]: unknown;
}

export type ManifestDocument =
  | { kind: 'index'; mediaType: string; value: ImageIndex }
  | { kind: 'manifest'; mediaType: string; value: ImageManifest };

/** Parses a manifest or index as a registry returned it; `contentType` is the response's Content-Type. */
export function parseManifestDocument(bytes: Uint8Array, contentType: string | null): ManifestDocument {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`manifest is not JSON: ${(err as Error).message}`);
  }
  const mediaType =
    (typeof value['mediaType'] === 'string' ? value['mediaType'] : undefined) ??
    contentType?.split(';')[0]?.trim() ??
    '';
  if (value['schemaVersion'] !== 2)
    throw new Error(`manifest schemaVersion must be 2 (media type ${mediaType})`);
  if (Array.isArray(value['manifests'])) {
    return { kind: 'index', mediaType: mediaType || MEDIA.ociIndex, value: value as unknown as ImageIndex };
  }
  if (value['config'] && Array.isArray(value['layers'])) {
    return {
      kind: 'manifest',
      mediaType: mediaType || MEDIA.ociManifest,
      value: value as unknown as ImageManifest,
    };
  }
  throw new Error(`unsupported manifest (media type "${mediaType}"): neither an image manifest nor an index`);
}

/** What the builder puts into the image config: process settings, labels and the build time. */
export interface ImageSettings {
  entrypoint: string[];
  cmd?: string[];
  user: string;
  workingDir: string;
  /** Set or replace these variables; the base image's others stay. */
  env: Record<string, string>;
  labels: Record<string, string>;
  /** RFC 3339 time recorded as the image's and the layer's creation time; fixed for reproducibility. */
  created: string;
  /** The `created_by` of the added layers' history entries. */
  createdBy: string;
}

/** A layer the builder adds, as the image config records it: the tar's digest and what the layer holds. */
export interface AddedLayer {
  diffId: string;
  /** The history entry's comment ('runtime', 'packs', …). */
  comment: string;
}

/**
 * The base config with the raku layers appended (one history entry each) and the process settings applied.
 * Needs only the layers' diffIds, not the compressed blobs, so it can be made and pushed while they compress.
 * Pure.
 */
export function deriveImageConfig(
  base: ImageConfig,
  layers: readonly AddedLayer[],
  settings: ImageSettings,
): ImageConfig {
  const env = new Map<string, string>();
  for (const entry of base.config?.Env ?? []) {
    const eq = entry.indexOf('=');
    env.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? '' : entry.slice(eq + 1));
  }
  for (const [k, v] of Object.entries(settings.env)) env.set(k, v);
  const config: NonNullable<ImageConfig['config']> = {
    ...(base.config ?? {}),
    User: settings.user,
    Env: [...env].map(([k, v]) => `${k}=${v}`),
    Entrypoint: settings.entrypoint,
    Cmd: settings.cmd ?? null,
    WorkingDir: settings.workingDir,
    Labels: sortedRecord({ ...(base.config?.Labels ?? {}), ...settings.labels }),
  };
  return {
    ...base,
    created: settings.created,
    config,
    rootfs: { type: 'layers', diff_ids: [...(base.rootfs?.diff_ids ?? []), ...layers.map((l) => l.diffId)] },
    history: [
      ...(base.history ?? []),
      ...layers.map((l) => ({
        created: settings.created,
        created_by: settings.createdBy,
        comment: l.comment,
      })),
    ],
  };
}

/** Serialises a JSON document the way it is pushed; its digest is the digest of exactly these bytes. */
export function encodeJson(value: unknown): { bytes: Uint8Array; digest: string; size: number } {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return { bytes, digest: `sha256:${sha256Hex(bytes)}`, size: bytes.length };
}

/**
 * The image manifest for one platform: the base's layers plus the raku layers, in the base manifest's media
 * type family (a Docker schema 2 base gives a Docker manifest, an OCI base an OCI one). Pure.
 */
export function deriveManifest(
  base: ManifestDocument & { kind: 'manifest' },
  config: { digest: string; size: number },
  layers: readonly { digest: string; size: number }[],
  annotations: Record<string, string>,
): { mediaType: string; value: ImageManifest } {
  const docker = base.mediaType === MEDIA.dockerManifest;
  const mediaType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
  const value: ImageManifest = {
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: docker ? MEDIA.dockerConfig : MEDIA.ociConfig,
      digest: config.digest,
      size: config.size,
    },
    layers: [
      ...base.value.layers,
      ...layers.map((layer) => ({
        mediaType: docker ? MEDIA.dockerLayerGzip : MEDIA.ociLayerGzip,
        digest: layer.digest,
        size: layer.size,
      })),
    ],
  };
  // Docker schema 2 has no annotations field; the same facts are in the config labels.
  if (!docker && Object.keys(annotations).length > 0) value.annotations = sortedRecord(annotations);
  return { mediaType, value };
}

/** The index over the rebuilt per-platform manifests, in the base index's media type family. Pure. */
export function deriveIndex(
  base: ManifestDocument & { kind: 'index' },
  manifests: Descriptor[],
  annotations: Record<string, string>,
): { mediaType: string; value: ImageIndex } {
  const docker = base.mediaType === MEDIA.dockerList;
  const mediaType = docker ? MEDIA.dockerList : MEDIA.ociIndex;
  const value: ImageIndex = { schemaVersion: 2, mediaType, manifests };
  if (!docker && Object.keys(annotations).length > 0) value.annotations = sortedRecord(annotations);
  return { mediaType, value };
}

/** 'linux/arm64/v8' for a platform. */
export function formatPlatform(p: Platform | undefined): string {
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Index entries that are images to rebuild: attestation manifests (platform unknown/unknown) are left out. */
export function isImagePlatform(d: Descriptor): boolean {
  return d.platform !== undefined && d.platform.os !== 'unknown' && d.platform.architecture !== 'unknown';
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key]!;
  return out;
}
