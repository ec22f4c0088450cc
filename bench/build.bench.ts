/**
 * Build + push of a pack image to a local registry (Debian's docker-registry, distribution 2.8), cold (empty target
 * repository) and warm (image already there), against a plain copy of the same image between two repositories of
 * the same registry with `skopeo copy --all`. The base image is made here: two platforms, 20 MiB of
 * incompressible layer each (about what node:24-alpine weighs compressed). The runtime bundle is the real
 * esbuild bundle of gateway/src/main.ts, made once before timing (the release workflow makes it once per run).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildImage } from '../generator/src/build/build-image.ts';
import { buildZone } from '../generator/src/build/build-zone.ts';
import { encodeJson, MEDIA } from '../generator/src/build/oci-image.ts';
import { planZoneImages } from '../generator/src/build/plan-images.ts';
import { RegistryClient } from '../generator/src/build/registry-client.ts';
import { bundleRuntime } from '../generator/src/build/runtime-bundle.ts';
import { buildLayer, clearLayerCache } from '../generator/src/build/tar-layer.ts';
import { readRepoFiles } from '../generator/src/fs/read-repo.ts';
import type { RepoModel } from '../generator/src/model/types.ts';
import { validateRepo } from '../generator/src/validate/validate-repo.ts';
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
  try {
    const setupClient = new RegistryClient({ registry: registry.host, insecure: true });
    const baseDigest = await pushBase(setupClient);
    const [bundleMs, runtime] = await time(() => bundleRuntime({ root }));
    const loaded = validateRepo(await readRepoFiles(root)).model;
    const modelFor = (repository: string): RepoModel => ({
      ...loaded,
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
    const options = { revision: 'bench', runtime, push: true, only: ['petstore'] };
    const cold: number[] = [];
    const warmReuse: number[] = [];
    const warmRebuild: number[] = [];
    const copy: number[] = [];
    let reference = '';
    for (let i = 0; i < ROUNDS; i++) {
      const repo = `bench/cold-${i}`;
      // Cold: nothing in the target repository and no compressed layer in memory.
      clearLayerCache();
      const [c, record] = await time(() => buildZone(modelFor(repo), 'dev', clients(), options));
      cold.push(c);
      const image = record.images['petstore']!;
      reference = `${image.repository}@${image.digest}`;
      warmReuse.push((await time(() => buildZone(modelFor(repo), 'dev', clients(), options)))[0]);
      // Warm without the inputs-tag shortcut: the full build path (layer compressed again), every blob already there.
      clearLayerCache();
      const plan = planZoneImages(modelFor(repo), 'dev', {
        revision: 'bench',
        runtime: runtime.code,
        gatewayFiles: runtime.gatewayFiles,
        only: ['petstore'],
      })[0]!;
      warmRebuild.push(
        (
          await time(() =>
            buildImage(
              {
                base: plan.base,
                target: plan.target,
                files: plan.files,
                settings: plan.settings,
                annotations: plan.annotations,
                push: true,
              },
              clients(),
            ),
          )
        )[0],
      );
      copy.push(
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
    const layerMiB = (runtime.code.length / 1024 / 1024).toFixed(1);
    const m = {
      cold: median(cold),
      warmReuse: median(warmReuse),
      warmRebuild: median(warmRebuild),
      copy: median(copy),
    };
    console.log(
      `runtime bundle: ${layerMiB} MiB gateway.mjs (+ ${runtime.gatewayFiles.length} files for the gateway image only), esbuild ${bundleMs.toFixed(0)} ms (once per run, not timed below)`,
    );
    console.log(`image: ${reference} (2 platforms, 2 x 20 MiB base layers)`);
    console.log(`median of ${ROUNDS}:`);
    console.log(`  plain copy (skopeo copy --all, repo → repo)   ${m.copy.toFixed(0)} ms`);
    console.log(
      `  build + push, cold (empty repository)        ${m.cold.toFixed(0)} ms   ratio ${(m.cold / m.copy).toFixed(2)}x`,
    );
    console.log(
      `  build + push, warm (unchanged: inputs tag)   ${m.warmReuse.toFixed(0)} ms   ratio ${(m.warmReuse / m.copy).toFixed(2)}x`,
    );
    console.log(
      `  build + push, warm (full rebuild, blobs exist) ${m.warmRebuild.toFixed(0)} ms   ratio ${(m.warmRebuild / m.copy).toFixed(2)}x`,
    );
    console.log('  aim: ≤ 1.2x the plain copy');
  } finally {
    await registry.stop();
  }
}
