import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../../generator/release/src/build/registry-client.ts';
import { type LocalRegistry, startRegistry } from '../../../generator/test/helpers/local-registry.ts';
import { makeReleaseRepo, REPO_ROOT } from '../../../generator/test/helpers/release-repo.ts';
import { pushTestBaseImage } from '../../../generator/test/helpers/test-base-image.ts';

const run = promisify(execFile);

/** Runs the committed bundle as the runner does; esbuild (external in the bundle) resolves from the workspace. */
async function runAction(dir: string, inputs: Record<string, string>) {
  const output = path.join(dir, 'github-output');
  const summary = path.join(dir, 'step-summary');
  await writeFile(output, '');
  await writeFile(summary, '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: '/nonexistent',
    GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/raku',
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const result = await run(process.execPath, [path.join(REPO_ROOT, 'actions/build/dist/index.mjs')], {
    env,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
  return { ...result, outputs: await readFile(output, 'utf8'), summary: await readFile(summary, 'utf8') };
}

describe('actions/build (bundled)', () => {
  let registry: LocalRegistry;
  let repo: { dir: string; revision: string };
  beforeAll(async () => {
    registry = await startRegistry({ htpasswd: { username: 'ci', password: 'pw' } });
    const client = new RegistryClient({
      registry: registry.host,
      insecure: true,
      credentials: { username: 'ci', password: 'pw' },
    });
    const base = await pushTestBaseImage(client, 'base/node');
    repo = await makeReleaseRepo({
      editZone: (name, zone) => {
        if (name !== 'dev') return;
        zone['registry'] = { host: registry.host, repository: 'acme/raku', insecure: true };
        zone['baseImages'] = { default: { image: `${registry.host}/base/node`, digest: base } };
      },
    });
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(repo.dir, { recursive: true, force: true });
  });
  const inputs = (password: string) => ({
    path: '.',
    zones: 'dev',
    packs: '',
    push: 'true',
    builder: 'oci',
    'registry-username': 'ci',
    'registry-password': password,
  });

  it('pushes with the credentials from its inputs and publishes the digests', async () => {
    const res = await runAction(repo.dir, inputs('pw'));
    expect(res.stdout).not.toContain('::error::');
    expect(res.code).toBe(0);
    const digests = /^digests<<(.*)\n(.*)\n/m.exec(res.outputs)?.[2];
    const parsed = JSON.parse(digests ?? '{}') as Record<string, Record<string, string>>;
    expect(Object.keys(parsed['dev'] ?? {}).sort()).toEqual([
      'github-issues',
      'open-meteo',
      'payments-crm',
      'petstore',
      'raku-gateway',
      'support-crm',
    ]);
    expect(parsed['dev']!['petstore']).toMatch(
      new RegExp(`^${registry.host}/acme/raku/petstore@sha256:[a-f0-9]{64}$`),
    );
    expect(res.summary).toContain('<h2>Raku build</h2>');
    expect(res.stdout).toContain('::add-mask::pw');
    const { stdout } = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--creds',
      'ci:pw',
      `docker://${parsed['dev']!['petstore']}`,
    ]);
    expect(JSON.parse(stdout).Labels['org.opencontainers.image.source']).toBe('https://github.com/acme/raku');
  });

  it('fails the step with the registry error for a wrong password', async () => {
    const res = await runAction(repo.dir, inputs('wrong'));
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/::error::.*401/);
  });
});
