import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '@raku/config';
import { selectZones, writeChangeSet } from '@raku/release';
import { configRevision, generateZones, shortRevision, type WorkloadImage } from '@raku/render';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import type { GenerateCommandOptions } from './generate-command.ts';
import { loadReleaseContext } from './release-context.ts';

/** Images of the zones that have a build record in `dir`; a zone without one renders by tag. */
async function readBuildImages(
  dir: string,
  zones: readonly string[],
): Promise<Record<string, Record<string, WorkloadImage>>> {
  const out: Record<string, Record<string, WorkloadImage>> = {};
  for (const zone of zones) {
    const file = path.join(dir, `${zone}.json`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    out[zone] = recordImages(text, file);
  }
  return out;
}

/**
 * The digests of a build record (out/builds/<zone>.json of `raku build`): `images.<workload>.repository`
 * and `.digest`. Only these two fields are read, so the record may grow.
 */
export function recordImages(text: string, file: string): Record<string, WorkloadImage> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const images = (value as { images?: unknown } | null)?.images;
  if (!images || typeof images !== 'object') throw new UserError(`${file}: images must be an object`);
  const out: Record<string, WorkloadImage> = {};
  for (const [name, image] of Object.entries(
    images as Record<string, { repository?: unknown; digest?: unknown }>,
  )) {
    if (typeof image?.repository !== 'string' || image.repository === '') {
      throw new UserError(`${file}: images.${name}.repository must be a string`);
    }
    if (typeof image.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(image.digest)) {
      throw new UserError(`${file}: images.${name}.digest must be sha256:<64 hex>`);
    }
    out[name] = { repository: image.repository, digest: image.digest };
  }
  return out;
}

export async function runGenerate(
  opts: GenerateCommandOptions,
  cmd: Command,
  ctx: CliContext,
): Promise<void> {
  if (opts.format !== 'text' && opts.format !== 'json') {
    throw new UserError(`--format must be text or json, not "${opts.format}"`);
  }
  const release = await loadReleaseContext(cmd, ctx, opts.revision);
  const zones = selectZones(release.model, opts.zone);
  const images = opts.builds
    ? await readBuildImages(path.resolve(release.root, opts.builds), zones)
    : undefined;
  const rendered = generateZones(release.model, zones, {
    revision: release.revision,
    ...(images && { images }),
  });
  const outDir = path.resolve(release.root, opts.out);
  const report = [];
  for (const [zone, cs] of rendered) {
    const dir = path.join(outDir, zone);
    const result = await writeChangeSet(dir, cs);
    report.push({
      zone,
      dir: path.relative(ctx.cwd, dir) || '.',
      configRevision: configRevision(cs),
      files: cs.size,
      written: result.written.length,
      unchanged: result.unchanged.length,
      removed: result.removed,
    });
  }
  if (opts.format === 'json') {
    ctx.stdout(`${JSON.stringify({ revision: release.revision, zones: report }, null, 2)}\n`);
    return;
  }
  for (const r of report) {
    ctx.stdout(
      `${r.zone}: ${r.files} files in ${r.dir} at config revision ${shortRevision(r.configRevision)} (${r.written} written, ${r.unchanged} unchanged, ${r.removed.length} removed)\n`,
    );
  }
}
