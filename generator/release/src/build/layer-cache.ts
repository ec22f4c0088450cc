import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sha256Hex } from '@raku/config';
import { buildTar, gzipTarAsync, LAYER_FORMAT, type Layer, type LayerFile, layerOf } from './tar-layer.ts';

/**
 * Compressed layers by diffId, least recently used first. Compression is the slow part of a build and its output only
 * depends on the tar, so a layer built again in the same process (the runtime layer of every image of every
 * zone, a warm rebuild) is compressed once. Bounded so a long-running process does not keep every layer.
 */
const compressed = new Map<string, Layer>();
const MAX_CACHED_LAYERS = 16;

/** Forgets every compressed layer kept in memory (benchmarks measure cold builds with it). */
export function clearLayerCache(): void {
  compressed.clear();
}

/**
 * The layer of `files`: from memory, else from the on-disk cache under `cacheDir` (when given), else compressed
 * now ({@link gzipTarAsync}, which lets other requests run meanwhile) and stored in both. The tar and its
 * diffId are computed first and synchronously (cheap), so a caller can start work that needs only the diffId.
 */
export function makeLayer(
  files: readonly LayerFile[],
  cacheDir?: string,
): { diffId: string; layer: Promise<Layer> } {
  const tar = buildTar(files);
  const diffId = `sha256:${sha256Hex(tar)}`;
  return { diffId, layer: layerFor(tar, diffId, cacheDir) };
}

async function layerFor(tar: Uint8Array, diffId: string, cacheDir: string | undefined): Promise<Layer> {
  const inMemory = compressed.get(diffId);
  if (inMemory) {
    compressed.delete(diffId); // to the back: the least recently used goes first
    compressed.set(diffId, inMemory);
    return inMemory;
  }
  const store = cacheDir ? diskLayerStore(cacheDir) : undefined;
  let layer = await store?.get(diffId);
  if (!layer) {
    layer = layerOf(diffId, await gzipTarAsync(tar));
    await store?.put(layer);
  }
  compressed.set(diffId, layer);
  if (compressed.size > MAX_CACHED_LAYERS) compressed.delete(compressed.keys().next().value!);
  return layer;
}

/** A persistent cache of compressed layers, keyed by the diffId (sha256 of the uncompressed tar). */
export interface LayerStore {
  /** The cached layer, or undefined when there is none or the cached bytes do not hash to what was recorded. */
  get(diffId: string): Promise<Layer | undefined>;
  /** Stores a layer; best effort (a cache that cannot be written only makes the next build slower). */
  put(layer: Layer): Promise<void>;
}

/**
 * The on-disk layer cache, like the layer caches of ko, jib and BuildKit. Layout under `dir`:
 * `blobs/sha256/<hex>` holds compressed layers by their own digest, and `layers/<LAYER_FORMAT>/<diffId hex>`
 * the digest of the blob that layer format made from that tar. Safe to share between builds and to delete at
 * any time: the key is the content, a blob is checked when read against its digest and, decompressed, against
 * the diffId it is filed under, and entries are written to a temporary name and renamed, so a reader never
 * sees half a file. (A blob that decompresses to the right tar but was compressed otherwise would still be
 * used: the content is right, only the digest would differ from a fresh build's.)
 */
export function diskLayerStore(dir: string): LayerStore {
  const indexPath = (diffId: string) => path.join(dir, 'layers', LAYER_FORMAT, hexOf(diffId));
  const blobPath = (digest: string) => path.join(dir, 'blobs', 'sha256', hexOf(digest));
  return {
    async get(diffId) {
      try {
        const digest = (await readFile(indexPath(diffId), 'utf8')).trim();
        const blob = new Uint8Array(await readFile(blobPath(digest)));
        const layer = layerOf(diffId, blob);
        if (layer.digest !== digest) return undefined;
        // The blob must also be the tar it is filed under: an index entry pointing at another valid blob
        // (a poisoned or mixed-up cache) would otherwise ship other content under this diffId. Decompressing
        // is a small fraction of compressing (native zlib reads what any correct gzip writer wrote).
        if (`sha256:${sha256Hex(gunzipSync(blob))}` !== diffId) return undefined;
        // Mark both files used, so pruning keeps what builds still read.
        const now = new Date();
        await Promise.all([utimes(indexPath(diffId), now, now), utimes(blobPath(digest), now, now)]).catch(
          () => undefined,
        );
        return layer;
      } catch {
        return undefined; // not cached, or unreadable: compress again
      }
    },
    async put(layer) {
      try {
        await writeAtomically(blobPath(layer.digest), layer.blob);
        await writeAtomically(indexPath(layer.diffId), `${layer.digest}\n`);
      } catch {
        // read-only or missing home directory: the build goes on without the cache
      }
    },
  };
}

/** Cache entries unused for this long are removed by {@link pruneLayerCache}. */
export const LAYER_CACHE_MAX_AGE_DAYS = 14;

/**
 * Removes cache files (indexes and blobs) not written or read for `maxAgeDays`, so a cache kept across runs
 * (actions/cache restores the previous one) holds the layers of recent runtimes rather than of every runtime
 * ever built. Best effort, like the cache itself; returns how many files went.
 */
export async function pruneLayerCache(
  dir: string,
  now = new Date(),
  maxAgeDays = LAYER_CACHE_MAX_AGE_DAYS,
): Promise<number> {
  const cutoff = now.getTime() - maxAgeDays * 86_400_000;
  let removed = 0;
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(file);
      else if (entry.isFile()) {
        const info = await stat(file).catch(() => undefined);
        if (
          info &&
          info.mtimeMs < cutoff &&
          (await rm(file).then(
            () => true,
            () => false,
          ))
        )
          removed++;
      }
    }
  };
  await walk(path.join(dir, 'layers'));
  await walk(path.join(dir, 'blobs'));
  await walk(path.join(dir, 'manifests')); // base image media types (base-cache.ts)
  return removed;
}

/**
 * The layer cache directory: $RAKU_CACHE_DIR (relative to `cwd`), else $XDG_CACHE_HOME/raku, else
 * $HOME/.cache/raku; undefined (no on-disk cache) when RAKU_CACHE_DIR is 'off' or none of them is set. Pure:
 * the entry point passes its env.
 */
export function layerCacheDir(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string | undefined {
  const own = env['RAKU_CACHE_DIR'];
  if (own === 'off') return undefined;
  if (own) return path.resolve(cwd, own);
  if (env['XDG_CACHE_HOME']) return path.join(env['XDG_CACHE_HOME'], 'raku');
  if (env['HOME']) return path.join(env['HOME'], '.cache', 'raku');
  return undefined;
}

function hexOf(digest: string): string {
  const hex = digest.startsWith('sha256:') ? digest.slice(7) : '';
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a sha256 digest: ${digest}`);
  return hex;
}

async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}
