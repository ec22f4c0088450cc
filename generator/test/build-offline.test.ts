import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBuildRecord } from '../release/src/build/build-record.ts';
import { RegistryClient } from '../release/src/build/registry-client.ts';
import { type LocalRegistry, startRegistry } from './helpers/local-registry.ts';
import { makeReleaseRepo, raku } from './helpers/release-repo.ts';
import { pushTestBaseImage } from './helpers/test-base-image.ts';

describe('raku build when a registry cannot be reached', () => {
  let registry: LocalRegistry;
  let host: string;
  let baseDigest: string;
  let repo: { dir: string; revision: string };
  let cacheDir: string;
  let stopped = false;
  const digests = async () =>
    Object.values(
      parseBuildRecord(await readFile(path.join(repo.dir, 'out/builds/dev.json'), 'utf8'), 'dev.json').images,
    ).map((i) => i.digest);

  beforeAll(async () => {
    registry = await startRegistry();
    host = registry.host;
    baseDigest = await pushTestBaseImage(new RegistryClient({ registry: host, insecure: true }), 'base/node');
    repo = await makeReleaseRepo({
      editZone: (name, zone) => {
        if (name !== 'dev') return;
        zone['registry'] = { host, repository: 'acme/raku', insecure: true };
        zone['baseImages'] = { default: { image: `${host}/base/node`, tag: '24', digest: baseDigest } };
      },
    });
    cacheDir = await mkdtemp(path.join(tmpdir(), 'raku-offline-cache-'));
  });
  afterAll(async () => {
    if (!stopped) await registry?.stop();
    await rm(repo.dir, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('builds without --push from the cached base (pinned by digest) once the registry is gone, with the same digests', async () => {
    const online = await raku(['-C', repo.dir, 'build', '--zone', 'dev'], { RAKU_CACHE_DIR: cacheDir });
    expect(online).toMatchObject({ code: 0, stderr: '' });
    const before = await digests();
    await registry.stop();
    stopped = true;

    const offline = await raku(['-C', repo.dir, 'build', '--zone', 'dev'], { RAKU_CACHE_DIR: cacheDir });
    expect(offline).toMatchObject({ code: 0, stderr: '' });
    expect(await digests()).toEqual(before);
  });

  it('says what it needs, naming the registry, and exits 1 when the base is not cached', async () => {
    const r = await raku(['-C', repo.dir, 'build', '--zone', 'dev']); // RAKU_CACHE_DIR=off
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(
      new RegExp(`^error: cannot reach registry ${host.replace(/\./g, '\\.')} \\(GET `),
    );
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).toContain('(after 4 attempts)');
    expect(r.stderr).toContain('needs network access to the registry of each base image');
    expect(r.stderr).toContain("point the zone's baseImages at a mirror you can reach");
    expect(r.stderr).not.toContain('internal error');
  });

  it('reports an unreachable target registry with --push the same way', async () => {
    const r = await raku(['-C', repo.dir, 'build', '--zone', 'dev', '--push'], { RAKU_CACHE_DIR: cacheDir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: cannot reach registry ${host.replace(/\./g, '\\.')} `));
  });
});
