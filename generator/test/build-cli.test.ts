import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseBuildRecord } from '../release/src/build/build-record.ts';
import { RegistryClient } from '../release/src/build/registry-client.ts';
import { type LocalRegistry, startRegistry } from './helpers/local-registry.ts';
import { git, makeReleaseRepo, REPO_ROOT, raku } from './helpers/release-repo.ts';
import { pushTestBaseImage } from './helpers/test-base-image.ts';

const run = promisify(execFile);

describe('raku build against a local registry', () => {
  let registry: LocalRegistry;
  let baseDigest: string;
  const dirs: string[] = [];
  // Plain-HTTP registries are allowed in dev zones only, so the tests build the dev zone.
  const pointAtRegistry = (name: string, zone: Record<string, unknown>) => {
    if (name !== 'dev') return;
    zone['registry'] = { host: registry.host, repository: 'acme/raku', insecure: true };
    zone['baseImages'] = { default: { image: `${registry.host}/base/node`, tag: '24', digest: baseDigest } };
  };

  beforeAll(async () => {
    registry = await startRegistry();
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    baseDigest = await pushTestBaseImage(client, 'base/node');
  });
  afterAll(async () => {
    await registry?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('pushes one image per workload plus the gateway, writes the build record, and reuses unchanged images', async () => {
    const repo = await makeReleaseRepo({ editZone: pointAtRegistry });
    dirs.push(repo.dir);
    const first = await raku(['-C', repo.dir, 'build', '--zone', 'dev', '--push']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/dev {2}petstore {9}pushed/);
    const record = parseBuildRecord(
      await readFile(path.join(repo.dir, 'out/builds/dev.json'), 'utf8'),
      'dev.json',
    );
    expect(Object.keys(record.images)).toEqual([
      'github-issues',
      'open-meteo',
      'payments-crm',
      'petstore',
      'raku-gateway',
      'support-crm',
    ]);
    expect(record.revision).toBe(repo.revision);
    const petstore = record.images['petstore']!;
    expect(petstore.repository).toBe(`${registry.host}/acme/raku/petstore`);
    expect(petstore.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(petstore.tags[0]).toBe(`rev-${repo.revision.slice(0, 12)}`);

    // skopeo sees the pushed index under the revision tag, with the pack baked in at /app/packs.
    const { stdout } = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${registry.host}/acme/raku/petstore:${petstore.tags[0]}`,
    ]);
    const inspected = JSON.parse(stdout) as { Labels: Record<string, string>; Layers: string[] };
    expect(inspected.Labels['dev.raku.packs']).toMatch(/^petstore@/);
    expect(inspected.Labels['dev.raku.role']).toBe('pack-server');
    // The base layer, then the runtime layer (the same blob in every image), then the packs layer.
    expect(inspected.Layers).toHaveLength(3);
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    const listLayer = async (digest: string) => {
      const tarFile = path.join(repo.dir, 'layer.tgz');
      await writeFile(tarFile, await client.getBlob('acme/raku/petstore', digest));
      return (await run('tar', ['-tzf', tarFile])).stdout.split('\n').filter(Boolean);
    };
    expect(await listLayer(inspected.Layers[1]!)).toEqual(['app/', 'app/gateway.mjs']);
    expect(await listLayer(inspected.Layers[2]!)).toEqual(['app/', 'app/packs/', 'app/packs/petstore.json']);
    const gateway = JSON.parse(
      (
        await run('skopeo', [
          'inspect',
          '--tls-verify=false',
          `docker://${record.images['raku-gateway']!.repository}@${record.images['raku-gateway']!.digest}`,
        ])
      ).stdout,
    ) as { Layers: string[] };
    // The gateway shares the runtime layer, without the packs layer.
    expect(gateway.Layers[1]).toBe(inspected.Layers[1]);
    expect(gateway.Layers.length).toBeGreaterThanOrEqual(2);
    expect(gateway.Layers).not.toContain(inspected.Layers[2]);

    // A new commit that changes only petstore: petstore is rebuilt, the others are reused as they are.
    const packFile = path.join(repo.dir, 'packs/petstore/pack.yaml');
    const pack = parse(await readFile(packFile, 'utf8')) as { description: string };
    pack.description = `${pack.description} Changed.`;
    await writeFile(packFile, stringify(pack));
    await git(repo.dir, ['commit', '-q', '-am', 'petstore description']);
    const second = await raku(['-C', repo.dir, 'build', '--zone', 'dev', '--push']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/petstore {9}pushed/);
    expect(second.stdout).toMatch(/open-meteo {7}reused/);
    expect(second.stdout).toMatch(/raku-gateway {5}reused/);
    const again = parseBuildRecord(
      await readFile(path.join(repo.dir, 'out/builds/dev.json'), 'utf8'),
      'dev.json',
    );
    expect(again.images['petstore']!.digest).not.toBe(petstore.digest);
    expect(again.images['open-meteo']!.digest).toBe(record.images['open-meteo']!.digest);
    // The reused image also carries the new revision's tag.
    const revisionTag = `rev-${(await git(repo.dir, ['rev-parse', 'HEAD'])).trim().slice(0, 12)}`;
    expect(again.images['open-meteo']!.tags[0]).toBe(revisionTag);
    expect(await client.hasManifest('acme/raku/open-meteo', revisionTag)).toBe(true);
  });

  it('gives the same digests for the same inputs built in different folders at different times', async () => {
    const a = await makeReleaseRepo({ editZone: pointAtRegistry });
    await new Promise((r) => setTimeout(r, 1100));
    const b = await makeReleaseRepo({ editZone: pointAtRegistry });
    dirs.push(a.dir, b.dir);
    // Different file times must not leak into the layer.
    await utimes(path.join(b.dir, 'packs/petstore/pack.yaml'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    // Two separate processes with their own empty layer cache directories, so no compressed layer (in memory or
    // on disk) is shared between the builds.
    const cacheA = await mkdtemp(path.join(tmpdir(), 'raku-cache-a-'));
    const cacheB = await mkdtemp(path.join(tmpdir(), 'raku-cache-b-'));
    dirs.push(cacheA, cacheB);
    const build = async (dir: string, cacheDir: string) => {
      const { stdout } = await run(
        process.execPath,
        [
          path.join(REPO_ROOT, 'bin/raku.js'),
          '-C',
          dir,
          'build',
          '--zone',
          'dev',
          '--revision',
          'fixed-revision',
          '--format',
          'json',
        ],
        {
          env: { PATH: process.env['PATH'], HOME: '/nonexistent', RAKU_CACHE_DIR: cacheDir },
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      return (JSON.parse(stdout) as { images: Record<string, { digest: string }> }[])[0]!.images;
    };
    const digests = (images: Record<string, { digest: string }>) =>
      Object.values(images).map((i) => i.digest);
    const da = digests(await build(a.dir, cacheA));
    const db = digests(await build(b.dir, cacheB));
    expect(da).toEqual(db);
    expect(new Set(da).size).toBe(6); // five pack servers in dev and the gateway
    // The layers a build compressed are in its cache; a build that takes them from there gets the same digests.
    expect((await readdir(path.join(cacheA, 'blobs/sha256'))).length).toBeGreaterThanOrEqual(3);
    expect(digests(await build(b.dir, cacheA))).toEqual(da);
  }, 120_000);

  it('refuses an unknown pack, builder or zone with a clear message', async () => {
    const repo = await makeReleaseRepo({ editZone: pointAtRegistry });
    dirs.push(repo.dir);
    const pack = await raku(['-C', repo.dir, 'build', '--zone', 'dev', '--pack', 'nope']);
    expect(pack.code).toBe(1);
    expect(pack.stderr).toContain('--pack nope: zone "dev" has no such pack or workload');
    const builder = await raku(['-C', repo.dir, 'build', '--builder', 'kaniko']);
    expect(builder.stderr).toContain('--builder must be oci or docker');
    const zone = await raku(['-C', repo.dir, 'build', '--zone', 'qa']);
    expect(zone.stderr).toContain('--zone qa: no such zone');
  });

  it('refuses to build a configuration with errors and shows them', async () => {
    const repo = await makeReleaseRepo({
      editZone: (name, zone) => {
        pointAtRegistry(name, zone);
        zone['gateway'] = { ...(zone['gateway'] as object), baseImage: 'slim' };
      },
    });
    dirs.push(repo.dir);
    const res = await raku(['-C', repo.dir, 'build', '--zone', 'dev']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('(raku validate lists them all)');
    expect(res.stderr).toMatch(/zones\/dev\.yaml:\d+:\d+: error gateway\.baseImage/);
  });
});
