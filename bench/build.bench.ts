/**
 * Build + push of a pack image to a local registry (Debian's docker-registry, distribution 2.8) against a plain
 * copy of the same image between two repositories of the same registry with `skopeo copy --all`, all measured
 * in this run. The base image is made here: two platforms, 20 MiB of incompressible layer each (about what
 * node:24-alpine weighs compressed). The runtime bundle is the real esbuild bundle of gateway/src/main.ts, made
 * once before timing (the release workflow makes it once per run).
 *
 * Cold means an empty target repository. Builds keep compressed layers in memory and in an on-disk cache
 * (RAKU_CACHE_DIR), so each case is measured with an empty layer cache (memory cleared, new empty cache
 * directory: a fresh CI runner without actions/cache) and with a warm on-disk cache (memory cleared, the cache
 * directory a previous build filled: a developer machine, or a runner that restored it) as separate lines.
 * Warm means the target repository already has the blobs: the image unchanged but its inputs tag not used
 * (full rebuild), or one pack changed (a new packs layer over the runtime layer the registry has).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readRepoFiles } from '../generator/config/src/fs/read-repo.ts';
import type { RepoModel } from '../generator/config/src/model/types.ts';
import { validateRepo } from '../generator/config/src/validate/validate-repo.ts';
import { buildImage } from '../generator/release/src/build/build-image.ts';
import { buildZone } from '../generator/release/src/build/build-zone.ts';
import { clearLayerCache } from '../generator/release/src/build/layer-cache.ts';
import { encodeJson, MEDIA } from '../generator/release/src/build/oci-image.ts';
import { planZoneImages } from '../generator/release/src/build/plan-images.ts';
import { RegistryClient } from '../generator/release/src/build/registry-client.ts';
import { bundleRuntime } from '../generator/release/src/build/runtime-bundle.ts';
import { buildLayer } from '../generator/release/src/build/tar-layer.ts';
import { startRegistry } from '../generator/test/helpers/local-registry.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = 3;

async function pushBase(client: RegistryClient): Promise<string> {
  const children = [];
  for (const architecture of ['amd64', 'arm64']) {
    const layer = buildLayer([{ path: 'usr/lib/base.bin', content: randomBytes(20 * 1024 * 1024) }]);
    const config = encodeJson({
      architecture,
      os: 'linux',
      config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['node'] },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    });
    await client.pushBlob('base/node', layer.digest, layer.blob);
    await client.pushBlob('base/node', config.digest, config.bytes);
    const manifest = encodeJson({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: config.digest, size: config.size },
      layers: [{ mediaType: MEDIA.ociLayerGzip, digest: layer.digest, size: layer.size }],
    });
    await client.putManifest('base/node', manifest.digest, manifest.bytes, MEDIA.ociManifest);
    children.push({
      mediaType: MEDIA.ociManifest,
      digest: manifest.digest,
      size: manifest.size,
      platform: { os: 'linux', architecture },
    });
  }
  const index = encodeJson({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: children });
  await client.putManifest('base/node', 'latest', index.bytes, MEDIA.ociIndex);
  return index.digest;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const out = await fn();
  return [performance.now() - t, out];
}

export default async function bench(): Promise<void> {
  const registry = await startRegistry();
  const caches = await mkdtemp(path.join(tmpdir(), 'raku-bench-cache-'));
  try {
    const setupClient = new RegistryClient({ registry: registry.host, insecure: true });
    const baseDigest = await pushBase(setupClient);
    const [bundleMs, runtime] = await time(() => bundleRuntime({ root }));
    const loaded = validateRepo(await readRepoFiles(root)).model;
    /** The repository's model with the dev zone pointed at the local registry, petstore's description marked. */
    const modelFor = (repository: string, mark = ''): RepoModel => ({
      ...loaded,
      packs: loaded.packs.map((p) =>
        p.value.name !== 'petstore' || !mark
          ? p
          : { ...p, value: { ...p.value, description: `${p.value.description ?? ''} ${mark}` } },
      ),
      zones: loaded.zones.map((z) =>
        z.value.name !== 'dev'
          ? z
          : {
              ...z,
              value: {
                ...z.value,
                registry: { host: registry.host, repository, insecure: true },
                baseImages: { default: { image: `${registry.host}/base/node`, digest: baseDigest } },
              },
            },
      ),
    });
    const clients = () => {
      const c = new RegistryClient({ registry: registry.host, insecure: true });
      return () => c;
    };
    let cacheCount = 0;
    const emptyCache = () => path.join(caches, `empty-${cacheCount++}`);
    const zoneBuild = (repo: string, layerCacheDir: string) => () =>
      buildZone(modelFor(repo), 'dev', clients(), {
        revision: 'bench',
        runtime,
        push: true,
        only: ['petstore'],
        layerCacheDir,
      });
    /** The full build path of buildZone without its inputs-tag shortcut. */
    const imageBuild = (repo: string, mark: string, layerCacheDir: string) => () => {
      const plan = planZoneImages(modelFor(repo, mark), 'dev', {
        revision: 'bench',
        runtime: runtime.files,
        gatewayFiles: runtime.gatewayFiles,
        only: ['petstore'],
      })[0]!;
      return buildImage(
        {
          base: plan.base,
          target: plan.target,
          layers: plan.layers,
          settings: plan.settings,
          annotations: plan.annotations,
          push: true,
          layerCacheDir,
        },
        clients(),
      );
    };
    const cases = {
      copy: [] as number[],
      coldEmpty: [] as number[],
      coldCached: [] as number[],
      warmReuse: [] as number[],
      rebuildEmpty: [] as number[],
      rebuildCached: [] as number[],
      packEmpty: [] as number[],
      packCached: [] as number[],
    };
    let reference = '';
    for (let i = 0; i < ROUNDS; i++) {
      const repo = `bench/cold-${i}`;
      const filled = emptyCache();
      clearLayerCache();
      const [c, record] = await time(zoneBuild(repo, filled));
      cases.coldEmpty.push(c);
      const image = record.images['petstore']!;
      reference = `${image.repository}@${image.digest}`;
      clearLayerCache();
      cases.coldCached.push((await time(zoneBuild(`bench/cached-${i}`, filled)))[0]);
      cases.warmReuse.push((await time(zoneBuild(repo, filled)))[0]);
      clearLayerCache();
      cases.rebuildEmpty.push((await time(imageBuild(repo, '', emptyCache())))[0]);
      clearLayerCache();
      cases.rebuildCached.push((await time(imageBuild(repo, '', filled)))[0]);
      clearLayerCache();
      cases.packEmpty.push((await time(imageBuild(repo, `(changed ${i}a)`, emptyCache())))[0]);
      clearLayerCache();
      cases.packCached.push((await time(imageBuild(repo, `(changed ${i}b)`, filled)))[0]);
      cases.copy.push(
        (
          await time(() =>
            run('skopeo', [
              'copy',
              '--all',
              '--quiet',
              '--src-tls-verify=false',
              '--dest-tls-verify=false',
              `docker://${reference}`,
              `docker://${registry.host}/bench/copy-${i}/petstore:latest`,
            ]),
          )
        )[0],
      );
    }
    const mib = (files: readonly { content: string | Uint8Array }[]) =>
      (files.reduce((n, f) => n + f.content.length, 0) / 1024 / 1024).toFixed(1);
    const copy = median(cases.copy);
    const line = (label: string, xs: number[]) => {
      const m = median(xs);
      console.log(`  ${label.padEnd(62)} ${m.toFixed(0).padStart(5)} ms   ratio ${(m / copy).toFixed(2)}x`);
    };
    console.log(
      `runtime bundle: ${mib(runtime.files)} MiB in ${runtime.files.length} files in every image (gateway.mjs and its eager chunks), ${mib(runtime.gatewayFiles)} MiB in ${runtime.gatewayFiles.length} files for the gateway image only, esbuild ${bundleMs.toFixed(0)} ms (once per run, not timed below)`,
    );
    console.log(`image: ${reference} (2 platforms, 2 x 20 MiB base layers; runtime and packs layers)`);
    console.log(`median of ${ROUNDS}:`);
    console.log(
      `  ${'plain copy (skopeo copy --all, repo → repo)'.padEnd(62)} ${copy.toFixed(0).padStart(5)} ms`,
    );
    line('cold (empty repository), empty layer cache', cases.coldEmpty);
    line('cold (empty repository), layer cache warm (on disk)', cases.coldCached);
    line('warm, unchanged (inputs tag found)', cases.warmReuse);
    line('warm, full rebuild (blobs exist), empty layer cache', cases.rebuildEmpty);
    line('warm, full rebuild (blobs exist), layer cache warm', cases.rebuildCached);
    line('warm, one pack changed (runtime blob exists), empty layer cache', cases.packEmpty);
    line('warm, one pack changed (runtime blob exists), layer cache warm', cases.packCached);
    console.log('  aim: ≤ 1.2x the plain copy');
  } finally {
    await registry.stop();
    await rm(caches, { recursive: true, force: true });
  }
}
