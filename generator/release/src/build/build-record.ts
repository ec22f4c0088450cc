import type { WorkloadImage } from '@raku/render';

/** What `raku build` wrote for one image: the rollout pins manifests to `digest`. */
export interface BuiltImage {
  /** 'registry/repository' */
  repository: string;
  digest: string;
  /** Tags pushed with it ('rev-…', 'inputs-…'). */
  tags: string[];
  /** Compressed bytes of one platform image (0 when reused and the registry did not say). */
  size: number;
  platforms: string[];
  packs: { name: string; version: string }[];
  baseDigest: string;
  /** False when the build only computed the digest (no --push): such a record cannot be rolled out. */
  pushed: boolean;
}

/** out/builds/<zone>.json: the images built for a zone at a config revision. No timestamps: reproducible. */
export interface BuildRecord {
  recordVersion: 1;
  zone: string;
  revision: string;
  builder: 'oci' | 'docker';
  images: Record<string, BuiltImage>;
}

/** Default folder of build records, relative to the repository root. */
export const BUILD_RECORD_DIR = 'out/builds';

export function buildRecordPath(zone: string): string {
  return `${BUILD_RECORD_DIR}/${zone}.json`;
}

export function serialiseBuildRecord(record: BuildRecord): string {
  const images: Record<string, BuiltImage> = {};
  for (const key of Object.keys(record.images).sort()) images[key] = record.images[key]!;
  return `${JSON.stringify({ ...record, images }, null, 2)}\n`;
}

/** Parses and checks a build record; errors name the file and the field. */
export function parseBuildRecord(text: string, file: string): BuildRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const r = value as Partial<BuildRecord>;
  if (!r || typeof r !== 'object') throw new Error(`${file}: must be a JSON object`);
  if (r.recordVersion !== 1) throw new Error(`${file}: recordVersion must be 1`);
  if (typeof r.zone !== 'string' || !r.zone) throw new Error(`${file}: zone must be a zone name`);
  if (typeof r.revision !== 'string') throw new Error(`${file}: revision must be a string`);
  if (!r.images || typeof r.images !== 'object') throw new Error(`${file}: images must be an object`);
  for (const [name, image] of Object.entries(r.images)) {
    if (typeof image?.repository !== 'string' || !image.repository) {
      throw new Error(`${file}: images.${name}.repository must be a string`);
    }
    if (typeof image.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(image.digest)) {
      throw new Error(`${file}: images.${name}.digest must be sha256:<64 hex>`);
    }
  }
  return r as BuildRecord;
}

/** The images map renderZone takes: workload → repository and digest. */
export function workloadImages(record: BuildRecord): Record<string, WorkloadImage> {
  const out: Record<string, WorkloadImage> = {};
  for (const [name, image] of Object.entries(record.images)) {
    out[name] = { repository: image.repository, digest: image.digest };
  }
  return out;
}
