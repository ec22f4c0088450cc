import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RepoModel } from '@raku/config';
import { sha256Hex, UserError } from '@raku/config';
import { configRevision, generateZones, type WorkloadImage, zoneRenderKeys } from '@raku/render';
import { readUpToDate, removeRenderRecord, writeRenderRecord } from '../fs/render-record.ts';
import { writeChangeSet } from '../fs/write-change-set.ts';
import { loadReleaseContext, selectZones } from '../release-context.ts';
import { rendererFingerprint } from './renderer-fingerprint.ts';

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
  const outDir = path.resolve(release.root, options.out);
  const written = await writeZones(release.model, zones, outDir, {
    revision: release.revision,
    ...(images && { images }),
  });
  return {
    revision: release.revision,
    zones: written.map((z) => ({ ...z, dir: path.relative(options.cwd, z.dir) || '.' })),
  };
}

/**
 * Renders the zones whose folders <outDir>/<zone>/ are not up to date and writes them. A zone folder whose
 * render record (.raku-render) names the zone's current render key, with its files as recorded, is left
 * alone without rendering: same key, byte-identical files. Every other zone is rendered and written, then
 * recorded. `dir` in the answer is absolute.
 */
export async function writeZones(
  model: RepoModel,
  zones: readonly string[],
  outDir: string,
  opts: { revision: string; images?: Record<string, Record<string, WorkloadImage>> },
): Promise<GenerateReport['zones']> {
  const salt = rendererFingerprint();
  const keys = new Map(
    [...zoneRenderKeys(model, zones, opts)].map(([zone, key]) => [zone, sha256Hex(`${salt}\0${key}`)]),
  );
  const done = new Map<string, GenerateReport['zones'][number]>();
  const stale: string[] = [];
  for (const zone of zones) {
    const dir = path.join(outDir, zone);
    const upToDate = readUpToDate(dir, keys.get(zone) as string);
    if (upToDate) {
      const files = upToDate.files.length;
      const { configRevision } = upToDate;
      done.set(zone, { zone, dir, configRevision, files, written: 0, unchanged: files, removed: [] });
    } else stale.push(zone);
  }
  const rendered = generateZones(model, stale, opts);
  for (const [zone, cs] of rendered) {
    const dir = path.join(outDir, zone);
    removeRenderRecord(dir);
    const result = await writeChangeSet(dir, cs);
    const revision = configRevision(cs);
    writeRenderRecord(dir, keys.get(zone) as string, cs, revision);
    done.set(zone, {
      zone,
      dir,
      configRevision: revision,
      files: cs.size,
      written: result.written.length,
      unchanged: result.unchanged.length,
      removed: result.removed,
    });
  }
  return zones.map((zone) => done.get(zone) as GenerateReport['zones'][number]);
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
