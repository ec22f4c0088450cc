/**
 * Unchanged zones are not rendered again: writeZones keeps a render record (.raku-render) in each zone folder
 * and skips a zone whose record names the zone's current render key and whose files are as recorded. These
 * tests check it skips only then: any input that changes the output changes the key, and a file touched by
 * hand is put back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepoFiles } from '../config/src/fs/read-repo.ts';
import { loadRepo } from '../config/src/load/load-repo.ts';
import type { RepoModel } from '../config/src/model/types.ts';
import { RENDER_RECORD } from '../release/src/fs/render-record.ts';
import { OWNED_FILES_MANIFEST, writeChangeSet } from '../release/src/fs/write-change-set.ts';
import { writeZones } from '../release/src/generate/generate-to-dir.ts';
import { rendererFingerprint, renderingSourcesDigest } from '../release/src/generate/renderer-fingerprint.ts';
import { resolveZone } from '../render/src/bundle/workloads.ts';
import { zoneRenderKeys } from '../render/src/generate/generate-zones.ts';
import { renderZone, type WorkloadImage } from '../render/src/generate/render-zone.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ZONES = ['dev', 'staging', 'prod'];
const REVISION = '0123456789abcdef0123456789abcdef01234567';
const OTHER_REVISION = 'fedcba9876543210fedcba9876543210fedcba98';
let model: RepoModel;
let tmp: string;
let n = 0;

beforeAll(async () => {
  model = loadRepo(await readRepoFiles(ROOT)).model;
  tmp = await mkdtemp(path.join(tmpdir(), 'raku-generate-cache-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const freshDir = () => path.join(tmp, `out-${n++}`);
const written = (zones: { written: number }[]) => zones.reduce((sum, z) => sum + z.written, 0);

/** Every workload of `zone` and the gateway, pinned by digest. */
function pinnedImages(zone: string): Record<string, WorkloadImage> {
  const names = [...resolveZone(model, zone).workloads.map((w) => w.name), 'raku-gateway'];
  return Object.fromEntries(
    names.map((name, i) => [
      name,
      { repository: `ghcr.io/acme/${name}`, digest: `sha256:${String(i).repeat(64)}` },
    ]),
  );
}

/** The zone folder's files as renderZone renders them now (the record and manifest aside). */
async function expectRendered(dir: string, m: RepoModel, zone: string, opts: { revision: string }) {
  for (const [file, content] of renderZone(m, zone, opts)) {
    expect(await readFile(path.join(dir, zone, file), 'utf8'), `${zone}/${file}`).toBe(content);
  }
}

describe('writeZones: unchanged zones are skipped', () => {
  it('skips every zone of an unchanged re-run without rendering it', async () => {
    const dir = freshDir();
    const first = await writeZones(model, ZONES, dir, { revision: REVISION });
    expect(first.map((z) => z.zone)).toEqual(ZONES);
    expect(first.every((z) => z.written === z.files && z.files > 0)).toBe(true);

    // Proof that the second run renders nothing: it reports what the record says, not a fresh render.
    const recordFile = path.join(dir, 'dev', RENDER_RECORD);
    const record = JSON.parse(await readFile(recordFile, 'utf8'));
    await writeFile(recordFile, JSON.stringify({ ...record, configRevision: 'sha256:from-the-record' }));
    const again = await writeZones(model, ZONES, dir, { revision: REVISION });
    expect(again.find((z) => z.zone === 'dev')).toEqual({
      zone: 'dev',
      dir: path.join(dir, 'dev'),
      configRevision: 'sha256:from-the-record',
      files: first[0]?.files,
      written: 0,
      unchanged: first[0]?.files,
      removed: [],
    });
    expect(written(again)).toBe(0);
    for (const zone of ZONES) await expectRendered(dir, model, zone, { revision: REVISION });
  });

  it('renders again a zone whose file was edited by hand (same size, later time) or removed', async () => {
    const dir = freshDir();
    await writeZones(model, ZONES, dir, { revision: REVISION });
    const edited = path.join(dir, 'dev', 'namespace.yaml');
    const original = await readFile(edited, 'utf8');
    await writeFile(edited, original.replace('restricted', 'privileged'));
    const later = new Date(Date.now() + 5_000);
    await utimes(edited, later, later);
    await rm(path.join(dir, 'prod', 'kustomization.yaml'));
    const again = await writeZones(model, ZONES, dir, { revision: REVISION });
    expect(again.map((z) => [z.zone, z.written])).toEqual([
      ['dev', 1],
      ['staging', 0],
      ['prod', 1],
    ]);
    expect(await readFile(edited, 'utf8')).toBe(original);
    for (const zone of ZONES) await expectRendered(dir, model, zone, { revision: REVISION });
  });

  it('renders again when the record or the manifest was changed, or the record is not JSON', async () => {
    const dir = freshDir();
    await writeZones(model, ZONES, dir, { revision: REVISION });
    await writeFile(path.join(dir, 'dev', RENDER_RECORD), 'not json');
    const manifest = path.join(dir, 'staging', OWNED_FILES_MANIFEST);
    await writeFile(manifest, `${await readFile(manifest, 'utf8')}# a line\n`);
    const again = await writeZones(model, ZONES, dir, { revision: REVISION });
    // Rendered (the unchanged files cost a stat each) rather than skipped: the reports differ only in that.
    expect(again.map((z) => [z.zone, z.written, z.unchanged === z.files])).toEqual([
      ['dev', 0, true],
      ['staging', 0, true],
      ['prod', 0, true],
    ]);
    expect(await readFile(manifest, 'utf8')).not.toContain('# a line');
    expect(JSON.parse(await readFile(path.join(dir, 'dev', RENDER_RECORD), 'utf8'))).toHaveProperty('key');
  });

  it('renders again every zone after an edit of the model, and writes what changed', async () => {
    const dir = freshDir();
    await writeZones(model, ZONES, dir, { revision: REVISION });
    const edited = structuredClone(model);
    const tool = edited.packs.find((p) => p.value.name === 'petstore')?.value.tools[0];
    if (!tool) throw new Error('no petstore tool');
    tool.description = `${tool.description} (edited)`;
    const again = await writeZones(edited, ZONES, dir, { revision: REVISION });
    expect(again.every((z) => z.written > 0)).toBe(true);
    for (const zone of ZONES) await expectRendered(dir, edited, zone, { revision: REVISION });
  });

  it('renders again at another commit when images are referenced by tag, and not when all are pinned', async () => {
    const byTag = freshDir();
    await writeZones(model, ['dev'], byTag, { revision: REVISION });
    const moved = await writeZones(model, ['dev'], byTag, { revision: OTHER_REVISION });
    expect(moved[0]?.written).toBeGreaterThan(0);
    await expectRendered(byTag, model, 'dev', { revision: OTHER_REVISION });

    const pinned = freshDir();
    const images = { dev: pinnedImages('dev') };
    const first = await writeZones(model, ['dev'], pinned, { revision: REVISION, images });
    const record = path.join(pinned, 'dev', RENDER_RECORD);
    const before = await readFile(record, 'utf8');
    const later = await writeZones(model, ['dev'], pinned, { revision: OTHER_REVISION, images });
    expect(later).toEqual(first.map((z) => ({ ...z, written: 0, unchanged: z.files })));
    expect(await readFile(record, 'utf8')).toBe(before);
  });

  it('gives equal keys only to inputs that render byte-identical zones', () => {
    const workloads = resolveZone(model, 'dev').workloads.map((w) => w.name);
    const image = fc.option(
      fc.oneof(
        fc.record({
          repository: fc.constant('ghcr.io/acme/x'),
          digest: fc.constantFrom('sha256:'.padEnd(71, 'a'), 'sha256:'.padEnd(71, 'b')),
        }),
        fc.record({ repository: fc.constant('ghcr.io/acme/x'), tag: fc.constantFrom('v1', 'v2') }),
      ),
      { nil: undefined },
    );
    const images = fc.tuple(...[...workloads, 'raku-gateway'].map(() => image)).map((list) => {
      const out: Record<string, WorkloadImage> = {};
      [...workloads, 'raku-gateway'].forEach((name, i) => {
        const value = list[i];
        if (value) out[name] = value as WorkloadImage;
      });
      return out;
    });
    const input = fc.record({ revision: fc.constantFrom(REVISION, OTHER_REVISION, ''), images });
    // b often shares a's images, so that equal keys (and the revision's part in them) come up.
    const pair = fc
      .tuple(input, input, fc.boolean())
      .map(([a, b, share]) => [a, share ? { ...b, images: a.images } : b] as const);
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const key = (i: typeof a) =>
          zoneRenderKeys(model, ['dev'], { revision: i.revision, images: { dev: i.images } }).get('dev');
        const render = (i: typeof a) => [
          ...renderZone(model, 'dev', { revision: i.revision, images: i.images }),
        ];
        if (key(a) === key(b)) expect(render(a)).toEqual(render(b));
        else expect(render(a)).not.toEqual(render(b));
      }),
      { numRuns: 60 },
    );
  });

  it('salts keys with the code that renders (from source: a digest of the rendering packages)', () => {
    expect(rendererFingerprint()).toMatch(/^source:[a-f0-9]{64}$/);
    expect(rendererFingerprint()).toBe(rendererFingerprint());
  });

  it('the committed action bundles record the rendering sources they were built from (else: npm run build:actions)', () => {
    const dist = path.join(ROOT, 'actions/dist');
    const files = [
      ...readdirSync(dist).map((f) => path.join(dist, f)),
      ...readdirSync(path.join(dist, 'chunks')).map((f) => path.join(dist, 'chunks', f)),
    ].filter((f) => f.endsWith('.mjs'));
    const recorded = new Set(
      files.flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/raku@[^"+]+\+([a-f0-9]{64})/g)].map((m) => m[1]),
      ),
    );
    expect([...recorded]).toEqual([renderingSourcesDigest(path.join(ROOT, 'generator'))]);
  });
});

describe('writeChangeSet into a folder that does not exist yet', () => {
  it('writes it whole under a hidden name and renames it into place, leaving nothing else', async () => {
    const parent = freshDir();
    const cs = renderZone(model, 'dev', { revision: REVISION });
    const result = await writeChangeSet(path.join(parent, 'dev'), cs);
    expect(result).toEqual({ written: [...cs.keys()], unchanged: [], removed: [] });
    expect(await readdir(parent)).toEqual(['dev']);
    for (const [file, content] of cs)
      expect(await readFile(path.join(parent, 'dev', file), 'utf8')).toBe(content);
    const manifest = await readFile(path.join(parent, 'dev', OWNED_FILES_MANIFEST), 'utf8');
    expect(manifest.trim().split('\n')).toHaveLength(cs.size);
    expect((await writeChangeSet(path.join(parent, 'dev'), cs)).unchanged).toHaveLength(cs.size);
  });

  it('leaves neither the folder nor its hidden copy when a write fails', async () => {
    const parent = freshDir();
    // 'a' is a file, so 'a/b' cannot be written.
    const cs = new Map([
      ['a', 'x'],
      ['a/b', 'y'],
    ]);
    await expect(writeChangeSet(path.join(parent, 'zone'), cs)).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(await readdir(parent)).toEqual([]);
  });
});
