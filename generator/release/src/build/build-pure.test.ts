import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readRepoFiles } from '../../../config/src/fs/read-repo.ts';
import { validateRepo } from '../../../config/src/validate/validate-repo.ts';
import { parseImageReference } from './image-reference.ts';
import { imageInputsKey, planZoneImages } from './plan-images.ts';
import { credentialsFromDockerConfig, parseChallenge, resolveCredentials } from './registry-auth.ts';
import { buildLayer, buildTar } from './tar-layer.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../../..');

const run = promisify(execFile);

describe('reproducible layers', () => {
  it('writes sorted entries owned by 0:0 with mtime 0 that GNU tar reads back', async () => {
    const layer = buildLayer([
      { path: 'app/packs/b.json', content: '{}' },
      { path: 'app/gateway.mjs', content: 'x', mode: 0o755 },
      { path: 'app/packs/a.json', content: '{"a":1}' },
    ]);
    const dir = await mkdtemp(path.join(tmpdir(), 'raku-layer-'));
    try {
      await writeFile(path.join(dir, 'l.tgz'), layer.blob);
      const { stdout } = await run('tar', [
        '--numeric-owner',
        '--full-time',
        '-tvzf',
        path.join(dir, 'l.tgz'),
      ]);
      const lines = stdout.trim().split('\n');
      expect(lines.map((l) => l.split(/\s+/).pop())).toEqual([
        'app/',
        'app/gateway.mjs',
        'app/packs/',
        'app/packs/a.json',
        'app/packs/b.json',
      ]);
      for (const line of lines) expect(line).toMatch(/^[-d]r\S+ 0\/0 .*1970-01-01 00:00:00 /);
      expect(lines[1]).toMatch(/^-rwxr-xr-x/);
      expect(lines[3]).toMatch(/^-rw-r--r--/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives the same bytes whatever the input order', () => {
    const a = buildLayer([
      { path: 'x/1', content: 'one' },
      { path: 'x/2', content: 'two' },
    ]);
    const b = buildLayer([
      { path: 'x/2', content: 'two' },
      { path: 'x/1', content: new TextEncoder().encode('one') },
    ]);
    expect(b.digest).toBe(a.digest);
    expect(b.diffId).toBe(a.diffId);
    expect(a.blob[9]).toBe(255);
  });

  it('splits long paths into the ustar prefix and rejects unsafe or duplicate ones', () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(90)}`;
    const tar = buildTar([{ path: long, content: '' }]);
    expect(tar.length % 512).toBe(0);
    expect(() => buildTar([{ path: '../etc/passwd', content: '' }])).toThrow(/not a clean relative path/);
    expect(() => buildTar([{ path: 'a//b', content: '' }])).toThrow(/not a clean relative path/);
    expect(() => buildTar([{ path: 'x'.repeat(300), content: '' }])).toThrow(/too long/);
    expect(() =>
      buildTar([
        { path: 'a', content: '' },
        { path: 'a', content: '' },
      ]),
    ).toThrow(/listed twice/);
  });
});

describe('image plans', () => {
  it('splits each image into a runtime layer shared by every image, then the gateway files or the packs', async () => {
    const model = validateRepo(await readRepoFiles(REPO_ROOT)).model;
    const runtime = [
      { path: 'app/chunks/chunk-A.mjs', content: 'export const a = 1;' },
      { path: 'app/gateway.mjs', content: 'runtime' },
    ];
    const gatewayFiles = [
      { path: 'app/prisma/migrations/1_init/migration.sql', content: 'create table t();' },
    ];
    const plans = planZoneImages(model, 'dev', { revision: 'abc', runtime, gatewayFiles });
    const byWorkload = new Map(plans.map((p) => [p.workload, p]));
    const petstore = byWorkload.get('petstore')!;
    const gateway = byWorkload.get('raku-gateway')!;
    expect(petstore.layers.map((l) => l.comment)).toEqual(['runtime', 'packs']);
    expect(petstore.layers[1]!.files.map((f) => f.path)).toEqual(['app/packs/petstore.json']);
    expect(gateway.layers.map((l) => l.comment)).toEqual(['runtime', 'gateway files']);
    expect(gateway.layers[1]!.files).toEqual(gatewayFiles);
    const runtimeDiffIds = new Set(plans.map((p) => buildLayer(p.layers[0]!.files).diffId));
    expect(runtimeDiffIds.size).toBe(1);
    // A change of the packs layer changes the inputs key; moving a file to another layer does too.
    const moved = {
      ...petstore,
      layers: [{ comment: 'runtime', files: [...petstore.layers[0]!.files, ...petstore.layers[1]!.files] }],
    };
    expect(imageInputsKey(moved)).not.toBe(imageInputsKey(petstore));
  });
});

describe('registry auth helpers', () => {
  it('parses a Bearer challenge with quoted and bare parameters', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:a/b:pull,push',
      },
    });
    expect(parseChallenge('Basic realm=raku')).toEqual({ scheme: 'basic', params: { realm: 'raku' } });
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
    expect(parseChallenge(null)).toBeUndefined();
  });

  it('reads base64 auth from a docker config.json, matching URL-shaped keys and Docker Hub aliases', () => {
    const auth = Buffer.from('octo:ghp_secret').toString('base64');
    const config = JSON.stringify({
      auths: { 'https://ghcr.io': { auth }, 'https://index.docker.io/v1/': { auth } },
    });
    expect(credentialsFromDockerConfig(config, 'ghcr.io', 'c.json')).toEqual({
      username: 'octo',
      password: 'ghp_secret',
    });
    expect(credentialsFromDockerConfig(config, 'docker.io', 'c.json')).toEqual({
      username: 'octo',
      password: 'ghp_secret',
    });
    expect(credentialsFromDockerConfig(config, 'quay.io', 'c.json')).toBeUndefined();
    expect(() =>
      credentialsFromDockerConfig('{"auths":{"ghcr.io":{"auth":"bm9jb2xvbg=="}}}', 'ghcr.io', 'c.json'),
    ).toThrow('c.json: auths["ghcr.io"].auth must be base64 of "user:password"');
    expect(() => credentialsFromDockerConfig('{', 'ghcr.io', 'c.json')).toThrow(/c.json: not valid JSON/);
  });

  it('prefers the zone secret, then the environment, then the docker config, then anonymous', () => {
    const dockerConfig = {
      path: '/h/.docker/config.json',
      text: JSON.stringify({ auths: { 'r.io': { username: 'd', password: 'p' } } }),
    };
    expect(
      resolveCredentials({
        registry: 'r.io',
        secretValue: { name: 'S', value: 'u:pw' },
        username: 'e',
        password: 'x',
        dockerConfig,
      }),
    ).toEqual({
      credentials: { username: 'u', password: 'pw' },
      source: 'S',
    });
    expect(resolveCredentials({ registry: 'r.io', username: 'e', password: 'x', dockerConfig }).source).toBe(
      'environment',
    );
    expect(resolveCredentials({ registry: 'r.io', dockerConfig }).credentials).toEqual({
      username: 'd',
      password: 'p',
    });
    expect(resolveCredentials({ registry: 'other.io', dockerConfig }).source).toBe('anonymous');
    expect(() => resolveCredentials({ registry: 'r.io', username: 'e' })).toThrow(/must be set together/);
    expect(() =>
      resolveCredentials({ registry: 'r.io', secretValue: { name: 'S', value: 'token-only' } }),
    ).toThrow('S: must hold a docker config.json or "username:password"');
  });
});

describe('image references', () => {
  it('normalises Docker Hub names and keeps registry ports', () => {
    expect(parseImageReference('node:24-alpine')).toEqual({
      registry: 'docker.io',
      repository: 'library/node',
      tag: '24-alpine',
    });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageReference(`127.0.0.1:5000/acme/raku/petstore@${digest}`)).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'acme/raku/petstore',
      digest,
    });
    expect(() => parseImageReference('ghcr.io/Acme/x')).toThrow(/repository "Acme\/x" is not valid/);
    expect(() => parseImageReference('ghcr.io/a@sha256:zz')).toThrow(/digest must be/);
  });
});
