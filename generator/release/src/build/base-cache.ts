import { mkdir, readFile, rename, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '@raku/config';
import type { RegistryClient } from './registry-client.ts';

/** How the builder reads a base image: its manifests (index and per platform) and its config blobs. */
export interface BaseImageReader {
  getManifest(reference: string): Promise<{ bytes: Uint8Array; contentType: string | null; digest: string }>;
  getBlob(digest: string): Promise<Uint8Array>;
}

/**
 * Reads a base image through `client`, keeping what it reads by digest under the layer cache (`cacheDir`):
 * manifests and configs are small, and an image built without --push needs nothing else of its base. So a
 * build of a zone whose base is pinned by digest works offline once an earlier build on the machine read that
 * base. Only what a digest names is cached — a tag is always resolved by the registry — and every cached read
 * is checked against its digest (a mismatch is a miss), so the cache can never change what a build produces.
 * Layout, shared with the layer cache: `blobs/sha256/<hex>` the bytes, `manifests/<hex>` a manifest's media
 * type as the registry sent it. Best effort: a cache that cannot be read or written only means a request.
 */
export function cachedBaseReader(
  client: RegistryClient,
  repository: string,
  cacheDir: string | undefined,
): BaseImageReader {
  if (!cacheDir) {
    return {
      getManifest: (reference) => client.getManifest(repository, reference),
      getBlob: (digest) => client.getBlob(repository, digest),
    };
  }
  const blobPath = (digest: string) => path.join(cacheDir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  const typePath = (digest: string) => path.join(cacheDir, 'manifests', digest.slice('sha256:'.length));
  const cached = async (digest: string): Promise<Uint8Array | undefined> => {
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return undefined;
    const bytes = await readFile(blobPath(digest)).catch(() => undefined);
    if (!bytes || `sha256:${sha256Hex(bytes)}` !== digest) return undefined;
    // Mark it used, so pruning (layer-cache.ts) keeps what builds still read.
    const now = new Date();
    await Promise.all([utimes(blobPath(digest), now, now), utimes(typePath(digest), now, now)]).catch(
      () => undefined,
    );
    return new Uint8Array(bytes);
  };
  return {
    async getManifest(reference) {
      const bytes = await cached(reference);
      if (bytes) {
        const type = await readFile(typePath(reference), 'utf8').catch(() => '');
        return { bytes, contentType: type.trim() || null, digest: reference };
      }
      const got = await client.getManifest(repository, reference);
      await store(blobPath(got.digest), got.bytes);
      await store(typePath(got.digest), got.contentType ?? '');
      return got;
    },
    async getBlob(digest) {
      const bytes = await cached(digest);
      if (bytes) return bytes;
      const got = await client.getBlob(repository, digest);
      await store(blobPath(digest), got);
      return got;
    },
  };
}

async function store(file: string, data: Uint8Array | string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, data);
    await rename(temporary, file);
  } catch {
    // read-only or missing cache directory: the next build asks the registry again
  }
}
