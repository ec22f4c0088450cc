import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '@raku/config';
import { configRevision, generateZones, type WorkloadImage } from '@raku/render';
import { writeChangeSet } from '../fs/write-change-set.ts';
import { loadReleaseContext, selectZones } from '../release-context.ts';

/** What `raku generate` and the generate action ask for, already parsed. */
export interface GenerateOptions {
  /** Repository root holding packs/, zones/, policies/. */
  root: string;
  /** The config commit; default `git rev-parse HEAD` in the root. */
  revision?: string;
  /** Zones to render; empty means every zone. */
  zones: readonly string[];
  /** Output folder, relative to the root: each zone goes to <out>/<zone>/. */
  out: string;
  /** Folder of build records, relative to the root: a zone with one is pinned to its digests. */
  builds?: string;
  /** Folder the reported `dir` of each zone is relative to. */
  cwd: string;
}

/** What a generate run wrote, per zone. */
export interface GenerateReport {
  revision: string;
  zones: {
    zone: string;
    dir: string;
    configRevision: string;
    files: number;
    written: number;
    unchanged: number;
    removed: string[];
  }[];
}

/**
 * Renders the zones (generateZones of @raku/render, pure) and writes each change set to <out>/<zone>/, removing
 * the files an earlier run wrote that are no longer rendered; the thin shell around the pure renderer.
 */
export async function generateToDir(options: GenerateOptions): Promise<GenerateReport> {
  const release = await loadReleaseContext(options.root, options.revision);
  const zones = selectZones(release.model, options.zones);
  const images = options.builds
    ? await readBuildImages(path.resolve(release.root, options.builds), zones)
    : undefined;
  const rendered = generateZones(release.model, zones, {
    revision: release.revision,
    ...(images && { images }),
  });
  const outDir = path.resolve(release.root, options.out);
  const report: GenerateReport['zones'] = [];
  for (const [zone, cs] of rendered) {
    const dir = path.join(outDir, zone);
    const result = await writeChangeSet(dir, cs);
    report.push({
      zone,
      dir: path.relative(options.cwd, dir) || '.',
      configRevision: configRevision(cs),
      files: cs.size,
      written: result.written.length,
      unchanged: result.unchanged.length,
      removed: result.removed,
    });
  }
  return { revision: release.revision, zones: report };
}

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
function recordImages(text: string, file: string): Record<string, WorkloadImage> {
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
