import { chmod, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../config/src/model/hash.ts';
import {
  clearLayerCache,
  diskLayerStore,
  LAYER_CACHE_MAX_AGE_DAYS,
  layerCacheDir,
  makeLayer,
  pruneLayerCache,
} from './layer-cache.ts';
import { buildLayer, buildTar, GZIP_PIECE, gzipTar, gzipTarAsync, LAYER_FORMAT } from './tar-layer.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'raku-layer-cache-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  clearLayerCache();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A few pieces of compressible but not repetitive text, so the compressor has real work across piece ends. */
function bigFiles(seed: string) {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < 3 * GZIP_PIECE; i++) {
    const line = `export const value${i} = "${sha256Hex(`${seed}${i}`)}"; // line ${i}\n`;
    lines.push(line);
    length += line.length;
  }
  return [{ path: 'app/gateway.mjs', content: lines.join('') }];
}

describe('layer compression', () => {
  it('gives the same bytes piece by piece (yielding to the event loop) as in one go, and gunzips to the tar', async () => {
    const tar = buildTar(bigFiles('a'));
    expect(tar.length).toBeGreaterThan(3 * GZIP_PIECE);
    const sync = gzipTar(tar);
    const async = await gzipTarAsync(tar);
    expect(Buffer.from(async).equals(Buffer.from(sync))).toBe(true);
    expect(Buffer.from(gunzipSync(sync)).equals(Buffer.from(tar))).toBe(true);
    // gzip header: deflate, no name, mtime 0, OS "unknown".
    expect([...sync.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
  });

  it('lets other work run while a large layer compresses', async () => {
    const tar = buildTar(bigFiles('b'));
    let compressing = true;
    let turns = 0;
    const other = (async () => {
      while (compressing) {
        await new Promise<void>((r) => setImmediate(r));
        turns++;
      }
    })();
    await gzipTarAsync(tar);
    compressing = false;
    await other;
    // At least one turn of the event loop between every two pieces.
    expect(turns).toBeGreaterThanOrEqual(Math.floor(tar.length / GZIP_PIECE));
  });
});

describe('on-disk layer cache', () => {
  it('stores a compressed layer by diffId and returns it, checked, to a later build', async () => {
    const dir = await tempDir();
    const files = bigFiles('c');
    const first = makeLayer(files, dir);
    const layer = await first.layer;
    expect(layer.diffId).toBe(first.diffId);
    expect(layer).toEqual(buildLayer(files));
    const hex = layer.digest.slice('sha256:'.length);
    expect(await readdir(path.join(dir, 'blobs/sha256'))).toEqual([hex]);
    expect(
      (await readFile(path.join(dir, 'layers', LAYER_FORMAT, layer.diffId.slice(7)), 'utf8')).trim(),
    ).toBe(layer.digest);
    const cached = await diskLayerStore(dir).get(layer.diffId);
    expect(cached?.digest).toBe(layer.digest);
    expect(Buffer.from(cached!.blob).equals(Buffer.from(layer.blob))).toBe(true);
  });

  it('ignores a cached blob that does not hash to the recorded digest and compresses again', async () => {
    const dir = await tempDir();
    const files = bigFiles('d');
    const layer = await makeLayer(files, dir).layer;
    const blobFile = path.join(dir, 'blobs/sha256', layer.digest.slice(7));
    const tampered = new Uint8Array(layer.blob);
    tampered[100] = tampered[100]! ^ 0xff;
    await writeFile(blobFile, tampered);
    expect(await diskLayerStore(dir).get(layer.diffId)).toBeUndefined();
    clearLayerCache();
    const again = await makeLayer(files, dir).layer;
    expect(again.digest).toBe(layer.digest);
    // The good blob replaced the bad one.
    expect(await diskLayerStore(dir).get(layer.diffId)).toBeDefined();
  });

  it('ignores an index entry that points at a valid blob of another tar (a poisoned cache)', async () => {
    const dir = await tempDir();
    const good = bigFiles('h');
    const evil = await makeLayer(bigFiles('i'), dir).layer;
    clearLayerCache();
    const goodDiffId = makeLayer(good).diffId;
    clearLayerCache();
    await writeFile(path.join(dir, 'layers', LAYER_FORMAT, goodDiffId.slice(7)), `${evil.digest}\n`);
    expect(await diskLayerStore(dir).get(goodDiffId)).toBeUndefined();
    const layer = await makeLayer(good, dir).layer;
    expect(layer).toEqual(buildLayer(good));
  });

  it('ignores an index entry that is not a digest', async () => {
    const dir = await tempDir();
    const layer = await makeLayer(bigFiles('e'), dir).layer;
    await writeFile(path.join(dir, 'layers', LAYER_FORMAT, layer.diffId.slice(7)), '../../etc/passwd\n');
    expect(await diskLayerStore(dir).get(layer.diffId)).toBeUndefined();
  });

  it('prunes entries no build wrote or read for two weeks, and keeps the ones read since', async () => {
    const dir = await tempDir();
    const old = await makeLayer(bigFiles('f'), dir).layer;
    const used = await makeLayer(bigFiles('g'), dir).layer;
    const files = (layer: typeof old) => [
      path.join(dir, 'layers', LAYER_FORMAT, layer.diffId.slice(7)),
      path.join(dir, 'blobs/sha256', layer.digest.slice(7)),
    ];
    const longAgo = new Date(Date.now() - (LAYER_CACHE_MAX_AGE_DAYS + 1) * 86_400_000);
    for (const f of [...files(old), ...files(used)]) await utimes(f, longAgo, longAgo);
    // A build reads `used` again: that marks it used now.
    expect(await diskLayerStore(dir).get(used.diffId)).toBeDefined();
    expect(await pruneLayerCache(dir)).toBe(2);
    expect(await diskLayerStore(dir).get(old.diffId)).toBeUndefined();
    expect((await diskLayerStore(dir).get(used.diffId))?.digest).toBe(used.digest);
    expect(await pruneLayerCache(path.join(dir, 'no-such-folder'))).toBe(0);
  });

  it('builds without the cache when the cache directory cannot be written', async () => {
    const parent = await tempDir();
    const file = path.join(parent, 'not-a-directory');
    await writeFile(file, 'x');
    await chmod(file, 0o444);
    const files = [{ path: 'app/packs/a.json', content: '{}' }];
    const layer = await makeLayer(files, path.join(file, 'cache')).layer;
    expect(layer.digest).toBe(buildLayer(files).digest);
  });

  it('finds the cache directory from RAKU_CACHE_DIR, XDG_CACHE_HOME or HOME, and turns it off on request', () => {
    expect(layerCacheDir({ RAKU_CACHE_DIR: 'cache', HOME: '/h' }, '/work')).toBe('/work/cache');
    expect(layerCacheDir({ RAKU_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }, '/work')).toBe('/c');
    expect(layerCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' }, '/work')).toBe('/x/raku');
    expect(layerCacheDir({ HOME: '/h' }, '/work')).toBe('/h/.cache/raku');
    expect(layerCacheDir({ RAKU_CACHE_DIR: 'off', HOME: '/h' }, '/work')).toBeUndefined();
    expect(layerCacheDir({}, '/work')).toBeUndefined();
  });
});
