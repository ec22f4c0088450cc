import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '@raku/config';
import {
  buildRecordPath,
  buildZone,
  bundleRuntime,
  dockerBuilder,
  explainRegistryError,
  layerCacheDir,
  parseBuildRecord,
  pruneLayerCache,
  RegistryError,
  RUNTIME_ENTRY,
  registryClientsFor,
  selectZones,
  serialiseBuildRecord,
} from '@raku/release';
import { renderZone } from '@raku/render';
import type { Command } from 'commander';
import type { BuildOptions } from './build-command.ts';
import type { CliContext } from './context.ts';
import { loadReleaseContext } from './release-context.ts';

/**
 * Every registry failure is about a registry the user named — the zone's, or a base image's — so it is a user
 * error (exit 1) that says which registry and what to do ({@link explainRegistryError}), never an internal
 * fault with a stack: credentials refused, an image that does not exist, a registry that cannot be reached (an
 * offline build without a cached base) or keeps failing.
 */
async function asUserError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof RegistryError) throw new UserError(explainRegistryError(err), { cause: err });
    throw err;
  }
}

function formatSize(bytes: number): string {
  if (bytes === 0) return '';
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}

export async function runBuild(opts: BuildOptions, cmd: Command, ctx: CliContext): Promise<void> {
  if (opts.builder !== 'oci' && opts.builder !== 'docker') {
    throw new UserError(`--builder must be oci or docker, not "${opts.builder}"`);
  }
  if (opts.format !== 'text' && opts.format !== 'json') throw new UserError(`--format must be text or json`);
  const release = await loadReleaseContext(cmd, ctx, opts.revision);
  const zones = selectZones(release.model, opts.zone);
  const runtime = await bundleRuntime({ root: release.root, entry: opts.entry });
  const recordDir = path.resolve(release.root, opts.recordDir ?? 'out/builds');
  const cacheDir = layerCacheDir(ctx.env, ctx.cwd);
  const records = [];
  for (const zoneName of zones) {
    const zone = release.model.zones.find((z) => z.value.name === zoneName)!.value;
    const only = opts.pack.length > 0 ? opts.pack : undefined;
    if (
      only &&
      !zone.packs.some((p) => only.includes(p.name) || only.includes(p.group ?? '')) &&
      !only.includes('raku-gateway')
    ) {
      if (opts.zone.length === 0) continue; // the pack is not in this zone
    }
    const { clientFor } = await registryClientsFor(zone, ctx.env);
    const record = await asUserError(
      buildZone(release.model, zoneName, clientFor, {
        revision: release.revision,
        runtime,
        push: opts.push === true,
        ...(cacheDir ? { layerCacheDir: cacheDir } : {}),
        ...(only ? { only } : {}),
        ...(opts.source ? { source: opts.source } : {}),
        ...(opts.builder === 'docker'
          ? {
              builder: {
                kind: 'docker' as const,
                build: dockerBuilder({
                  rendered: renderZone(release.model, zoneName, { revision: release.revision }),
                  push: opts.push === true,
                  platforms: opts.platform,
                  env: { ...ctx.env },
                }),
              },
            }
          : {}),
        onImage: (plan, image, outcome) => {
          if (opts.format === 'text') {
            ctx.stdout(
              `${zoneName}  ${plan.workload.padEnd(16)} ${outcome.padEnd(8)} ${image.repository}@${image.digest}  ${image.platforms.join(',')}  ${formatSize(image.size)}\n`,
            );
          }
        },
      }),
    );
    await mkdir(recordDir, { recursive: true });
    const file = path.join(recordDir, path.basename(buildRecordPath(zoneName)));
    // With --pack only some images were built: keep the others from the record of the same revision.
    if (only) {
      const previous = await readFile(file, 'utf8').then(
        (text) => parseBuildRecord(text, file),
        () => undefined,
      );
      if (previous && previous.revision === record.revision && previous.zone === record.zone) {
        record.images = { ...previous.images, ...record.images };
      }
    }
    await writeFile(file, serialiseBuildRecord(record));
    records.push(record);
    if (opts.format === 'text')
      ctx.stdout(`${zoneName}  build record ${path.relative(ctx.cwd, file) || file}\n`);
  }
  if (cacheDir) await pruneLayerCache(cacheDir);
  if (opts.format === 'json') ctx.stdout(`${JSON.stringify(records, null, 2)}\n`);
}
