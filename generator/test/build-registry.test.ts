import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, type ImageBuildInput } from '../release/src/build/build-image.ts';
import { parseImageReference } from '../release/src/build/image-reference.ts';
import { MEDIA } from '../release/src/build/oci-image.ts';
import { RegistryClient, RegistryError } from '../release/src/build/registry-client.ts';
import { buildLayer } from '../release/src/build/tar-layer.ts';
import {
  type LocalRegistry,
  startRegistry,
  startTokenServer,
  type TokenServer,
} from './helpers/local-registry.ts';
import { pushTestBaseImage } from './helpers/test-base-image.ts';

const run = promisify(execFile);

function input(registry: string, baseRepo: string, baseDigest: string, targetRepo: string): ImageBuildInput {
  return {
    base: parseImageReference(`${registry}/${baseRepo}@${baseDigest}`),
    target: { registry, repository: targetRepo, tags: ['rev-abc123'] },
    layers: [
      { comment: 'runtime', files: [{ path: 'app/gateway.mjs', content: 'console.log("gateway");\n' }] },
      { comment: 'packs', files: [{ path: 'app/packs/petstore.json', content: '{"name":"petstore"}\n' }] },
    ],
    settings: {
      entrypoint: ['node', '/app/gateway.mjs'],
      user: '65532',
      workingDir: '/app',
      env: { RAKU_ROLE: 'pack-server', RAKU_PACKS_DIR: '/app/packs' },
      labels: { 'org.opencontainers.image.revision': 'abc123' },
      created: '1970-01-01T00:00:00Z',
      createdBy: 'raku build',
    },
    annotations: { 'org.opencontainers.image.revision': 'abc123' },
    push: true,
  };
}

describe('image build against a real registry without auth', () => {
  let registry: LocalRegistry;
  let client: RegistryClient;
  let baseDigest: string;
  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ registry: registry.host, insecure: true });
    baseDigest = await pushTestBaseImage(client, 'base/node');
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes a two-platform index with the raku layers on both platforms, readable by skopeo', async () => {
    const result = await buildImage(
      input(registry.host, 'base/node', baseDigest, 'acme/raku/petstore'),
      () => client,
    );
    expect(result.mediaType).toBe(MEDIA.ociIndex);
    expect(result.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(result.alreadyPresent).toBe(false);
    // Base layers (one per platform) are mounted from base/node; config blobs and the two raku layers (shared by
    // both platforms) are uploaded.
    expect(result.blobs).toEqual({ exists: 0, mounted: 2, uploaded: 4 });

    const raw = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${result.reference}`,
    ]);
    const index = JSON.parse(raw.stdout) as {
      manifests: { digest: string; platform: { architecture: string } }[];
    };
    expect(index.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);

    for (const arch of ['amd64', 'arm64']) {
      const cfg = await run('skopeo', [
        'inspect',
        '--config',
        '--tls-verify=false',
        '--override-os',
        'linux',
        '--override-arch',
        arch,
        `docker://${registry.host}/acme/raku/petstore:rev-abc123`,
      ]);
      const config = JSON.parse(cfg.stdout) as {
        architecture: string;
        config: {
          User: string;
          Entrypoint: string[];
          WorkingDir: string;
          Env: string[];
          Labels: Record<string, string>;
        };
        rootfs: { diff_ids: string[] };
        history: { comment?: string }[];
      };
      expect(config.architecture).toBe(arch);
      expect(config.config.User).toBe('65532');
      expect(config.config.Entrypoint).toEqual(['node', '/app/gateway.mjs']);
      expect(config.config.WorkingDir).toBe('/app');
      expect(config.config.Env).toContain('RAKU_ROLE=pack-server');
      expect(config.config.Env).toContain('PATH=/usr/local/bin:/usr/bin:/bin');
      expect(config.config.Labels['org.opencontainers.image.revision']).toBe('abc123');
      expect(config.rootfs.diff_ids).toHaveLength(3);
      expect(config.history.slice(-2).map((h) => h.comment)).toEqual(['runtime', 'packs']);
    }
  });

  it('uploads nothing and pushes no manifest when the registry already holds the image', async () => {
    const first = await buildImage(
      input(registry.host, 'base/node', baseDigest, 'acme/raku/again'),
      () => client,
    );
    const second = await buildImage(
      input(registry.host, 'base/node', baseDigest, 'acme/raku/again'),
      () => client,
    );
    expect(second.digest).toBe(first.digest);
    expect(second.alreadyPresent).toBe(true);
    // Blobs are checked while the layers compress (before the image digest is known): all six are there.
    expect(second.blobs).toEqual({ exists: 6, mounted: 0, uploaded: 0 });
  });

  it('uploads only the packs layer when another image in the repository has the same runtime layer', async () => {
    const first = await buildImage(
      input(registry.host, 'base/node', baseDigest, 'acme/raku/shared'),
      () => client,
    );
    const other = input(registry.host, 'base/node', baseDigest, 'acme/raku/shared');
    const changed = await buildImage(
      {
        ...other,
        layers: [
          other.layers[0]!,
          {
            comment: 'packs',
            files: [{ path: 'app/packs/petstore.json', content: '{"name":"petstore","v":2}\n' }],
          },
        ],
      },
      () => client,
    );
    expect(changed.digest).not.toBe(first.digest);
    // Base layers and the runtime layer exist; the two new configs and the new packs layer are uploaded.
    expect(changed.blobs).toEqual({ exists: 3, mounted: 0, uploaded: 3 });
  });

  it('refuses to build an image without a layer to add', async () => {
    await expect(
      buildImage(
        { ...input(registry.host, 'base/node', baseDigest, 'acme/raku/empty'), layers: [] },
        () => client,
      ),
    ).rejects.toThrow('acme/raku/empty: an image build needs at least one layer to add');
  });

  it('computes the digest without pushing when push is off', async () => {
    const pushed = await buildImage(
      input(registry.host, 'base/node', baseDigest, 'acme/raku/dry'),
      () => client,
    );
    const dry = await buildImage(
      { ...input(registry.host, 'base/node', baseDigest, 'acme/raku/dry2'), push: false },
      () => client,
    );
    expect(dry.digest).toBe(pushed.digest);
    expect(await client.hasManifest('acme/raku/dry2', dry.digest)).toBe(false);
  });

  it('keeps Docker schema 2 media types for a Docker single-platform base', async () => {
    const digest = await pushTestBaseImage(client, 'base/docker', {
      platforms: ['linux/amd64'],
      docker: true,
    });
    const result = await buildImage(
      input(registry.host, 'base/docker', digest, 'acme/raku/docker'),
      () => client,
    );
    expect(result.mediaType).toBe(MEDIA.dockerManifest);
    const got = await client.getManifest('acme/raku/docker', result.digest);
    const manifest = JSON.parse(new TextDecoder().decode(got.bytes)) as { layers: { mediaType: string }[] };
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([
      MEDIA.dockerLayerGzip,
      MEDIA.dockerLayerGzip,
      MEDIA.dockerLayerGzip,
    ]);
  });

  it('uploads a blob in chunks when it is larger than the chunk size', async () => {
    const chunked = new RegistryClient({ registry: registry.host, insecure: true, chunkSize: 1000 });
    const content = randomBytes(4500); // incompressible, so the gzip blob spans several chunks
    const layer = buildLayer([{ path: 'data.bin', content }]);
    expect(layer.size).toBeGreaterThan(1000);
    expect(await chunked.pushBlob('chunks/test', layer.digest, layer.blob)).toBe('uploaded');
    expect(await chunked.getBlob('chunks/test', layer.digest)).toEqual(layer.blob);
    expect(await chunked.pushBlob('chunks/test', layer.digest, layer.blob)).toBe('exists');
  });

  it('fails with the registry error when the base image does not exist', async () => {
    const missing = `sha256:${'0'.repeat(64)}`;
    await expect(
      buildImage(input(registry.host, 'base/node', missing, 'acme/raku/missing'), () => client),
    ).rejects.toThrow(/manifests\/sha256:0{64}: 404/);
  });

  it('retries 5xx answers with backoff and then succeeds', async () => {
    let failures = 2;
    const delays: number[] = [];
    const flaky = new RegistryClient({
      registry: registry.host,
      insecure: true,
      sleep: async (ms) => {
        delays.push(ms);
      },
      fetch: async (url, init) => {
        if (failures > 0 && init?.method === 'HEAD') {
          failures--;
          return new Response(null, { status: 503, statusText: 'Service Unavailable' });
        }
        return fetch(url, init);
      },
    });
    expect(await flaky.hasBlob('base/node', `sha256:${'1'.repeat(64)}`)).toBe(false);
    expect(flaky.stats.retries).toBe(2);
    expect(delays).toHaveLength(2);
    expect(delays[1]!).toBeGreaterThan(delays[0]!);
  });

  it('gives up after the configured attempts when requests time out', async () => {
    const hanging = new RegistryClient({
      registry: registry.host,
      insecure: true,
      attempts: 3,
      timeoutMs: 50,
      sleep: async () => {},
      fetch: (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    });
    await expect(hanging.hasBlob('base/node', `sha256:${'1'.repeat(64)}`)).rejects.toThrow(
      /after 3 attempts/,
    );
    expect(hanging.stats.requests).toBe(3);
  });

  it('refuses a blob whose bytes do not match its digest', async () => {
    await expect(
      client.pushBlob('bad/blob', `sha256:${'2'.repeat(64)}`, new Uint8Array([1, 2, 3])),
    ).rejects.toThrow(/hashes to sha256:/);
  });
});

describe('registry with htpasswd (basic) auth', () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ htpasswd: { username: 'ci', password: 's3cret' } });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes with the right credentials', async () => {
    const client = new RegistryClient({
      registry: registry.host,
      insecure: true,
      credentials: { username: 'ci', password: 's3cret' },
    });
    const base = await pushTestBaseImage(client, 'base/node');
    const result = await buildImage(input(registry.host, 'base/node', base, 'acme/raku/basic'), () => client);
    const { stdout } = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      'ci:s3cret',
      `docker://${result.reference}`,
    ]);
    expect(JSON.parse(stdout).manifests).toHaveLength(2);
  });

  it('reports 401 for a wrong password and for missing credentials', async () => {
    const wrong = new RegistryClient({
      registry: registry.host,
      insecure: true,
      credentials: { username: 'ci', password: 'nope' },
    });
    const error = await wrong.hasBlob('base/node', `sha256:${'1'.repeat(64)}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(401);
    const anonymous = new RegistryClient({ registry: registry.host, insecure: true });
    await expect(anonymous.hasBlob('base/node', `sha256:${'1'.repeat(64)}`)).rejects.toThrow(
      /authentication required and no credentials configured/,
    );
  });
});

describe('registry with bearer token auth (real registry, in-process token server it trusts)', () => {
  let registry: LocalRegistry;
  let tokens: TokenServer;
  beforeAll(async () => {
    tokens = await startTokenServer({ users: { robot: 'pa55' }, anonymousPull: true });
    registry = await startRegistry({ token: tokens });
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.close();
  });

  it('answers the Bearer challenge with a token scoped to the repositories it needs', async () => {
    const client = new RegistryClient({
      registry: registry.host,
      insecure: true,
      credentials: { username: 'robot', password: 'pa55' },
    });
    const base = await pushTestBaseImage(client, 'base/node');
    const result = await buildImage(input(registry.host, 'base/node', base, 'acme/raku/token'), () => client);
    expect(result.blobs.mounted).toBe(2);
    const scopes = tokens.requests.flatMap((r) => r.scopes);
    expect(scopes).toContain('repository:base/node:pull,push');
    // The mount asks for push on the target and pull on the source in one token.
    expect(
      tokens.requests.some(
        (r) => r.scopes.join(' ') === 'repository:acme/raku/token:pull,push repository:base/node:pull',
      ),
    ).toBe(true);
    expect(tokens.requests.every((r) => r.user === 'robot')).toBe(true);

    const anonymous = new RegistryClient({ registry: registry.host, insecure: true });
    expect(await anonymous.hasManifest('acme/raku/token', result.digest)).toBe(true);
  });

  it('fails a push with a pull-only anonymous token', async () => {
    const anonymous = new RegistryClient({ registry: registry.host, insecure: true });
    const layer = buildLayer([{ path: 'x', content: 'x' }]);
    const error = await anonymous
      .pushBlob('acme/raku/denied', layer.digest, layer.blob)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(401);
  });

  it('fails with the token server answer when the password is wrong', async () => {
    const client = new RegistryClient({
      registry: registry.host,
      insecure: true,
      credentials: { username: 'robot', password: 'wrong' },
    });
    await expect(client.hasBlob('base/node', `sha256:${'1'.repeat(64)}`)).rejects.toThrow(
      /token request to .*: 401/,
    );
  });
});
