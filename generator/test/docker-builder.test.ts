import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepoFiles } from '../config/src/fs/read-repo.ts';
import type { RepoModel } from '../config/src/model/types.ts';
import { validateRepo } from '../config/src/validate/validate-repo.ts';
import { dockerBuilder } from '../release/src/build/docker-builder.ts';
import { planZoneImages } from '../release/src/build/plan-images.ts';
import { renderZone } from '../render/src/generate/render-zone.ts';
import { REPO_ROOT } from './helpers/release-repo.ts';

/**
 * There is no Docker engine here: a stand-in `docker` executable records its argument array and the build
 * context it was given, and writes the metadata file buildx writes.
 */
describe('--builder docker', () => {
  let dir: string;
  let docker: string;
  let model: RepoModel;
  beforeAll(async () => {
    model = validateRepo(await readRepoFiles(REPO_ROOT)).model;
    dir = await mkdtemp(path.join(tmpdir(), 'raku-docker-'));
    docker = path.join(dir, 'docker');
    await writeFile(
      docker,
      [
        '#!/bin/sh',
        `printf '%s\\n' "$@" > "${dir}/argv"`,
        'for last; do :; done',
        `ls -R "$last" > "${dir}/context"`,
        'while [ "$#" -gt 0 ]; do if [ "$1" = --metadata-file ]; then meta="$2"; fi; shift; done',
        `printf '{"containerimage.digest":"sha256:%s"}' "$(printf 'c%.0s' $(seq 64))" > "$meta"`,
        '',
      ].join('\n'),
    );
    await chmod(docker, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs docker buildx build --push with the generated Dockerfile, tags and labels as separate arguments', async () => {
    const plan = planZoneImages(model, 'dev', {
      revision: 'abc',
      runtime: [{ path: 'app/gateway.mjs', content: 'x' }],
      only: ['petstore'],
    })[0]!;
    const build = dockerBuilder({
      rendered: renderZone(model, 'dev', { revision: 'abc' }),
      push: true,
      platforms: ['linux/amd64', 'linux/arm64'],
      docker,
    });
    const result = await build(plan, 'inputs-123');
    expect(result.digest).toBe(`sha256:${'c'.repeat(64)}`);
    expect(result.reference).toBe(`ghcr.io/acme/raku/petstore@sha256:${'c'.repeat(64)}`);
    const argv = (await readFile(path.join(dir, 'argv'), 'utf8')).trim().split('\n');
    expect(argv.slice(0, 2)).toEqual(['buildx', 'build']);
    expect(argv[argv.indexOf('--file') + 1]).toMatch(/pack-servers\/petstore\/Dockerfile$/);
    expect(argv).toContain('--push');
    expect(argv.filter((_a, i) => argv[i - 1] === '--tag')).toEqual([
      'ghcr.io/acme/raku/petstore:rev-abc',
      'ghcr.io/acme/raku/petstore:inputs-123',
    ]);
    expect(argv[argv.indexOf('--platform') + 1]).toBe('linux/amd64,linux/arm64');
    expect(argv).toContain('org.opencontainers.image.revision=abc');
    const context = await readFile(path.join(dir, 'context'), 'utf8');
    expect(context).toContain('gateway.mjs');
    expect(context).toContain('petstore.json');
  });

  it('fails with a clear message when docker fails or the Dockerfile is missing', async () => {
    const plan = planZoneImages(model, 'dev', {
      revision: 'abc',
      runtime: [{ path: 'app/gateway.mjs', content: '' }],
      only: ['petstore'],
    })[0]!;
    const failing = path.join(dir, 'docker-fails');
    await writeFile(failing, '#!/bin/sh\necho "ERROR: failed to solve: base image not found" >&2\nexit 1\n');
    await chmod(failing, 0o755);
    const rendered = renderZone(model, 'dev', { revision: 'abc' });
    await expect(dockerBuilder({ rendered, push: true, docker: failing })(plan, 'inputs-1')).rejects.toThrow(
      'docker buildx build for petstore failed: ERROR: failed to solve: base image not found',
    );
    const without = new Map([...rendered].filter(([p]) => !p.endsWith('petstore/Dockerfile')));
    await expect(dockerBuilder({ rendered: without, push: true, docker })(plan, 'inputs-1')).rejects.toThrow(
      'the generated output has no pack-servers/petstore/Dockerfile for workload "petstore"',
    );
  });
});
