import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialiseBuildRecord } from '../../../generator/release/src/build/build-record.ts';
import { git, makeReleaseRepo, REPO_ROOT } from '../../../generator/test/helpers/release-repo.ts';

const run = promisify(execFile);

/**
 * The bundled rollout action against a real bare repository (GITHUB_SERVER_URL=file://…, so owner/name
 * resolves to a local path) and a small in-process stand-in for the GitHub REST API (GITHUB_API_URL).
 */
describe('actions/rollout (bundled)', () => {
  let work: string;
  let repo: { dir: string; revision: string };
  let api: Server;
  let apiUrl: string;
  const calls: { method: string; url: string; auth?: string; body: string }[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'raku-rollout-action-'));
    repo = await makeReleaseRepo({});
    const image = (w: string) => ({
      repository: `ghcr.io/acme/raku/${w}`,
      digest: `sha256:${'d'.repeat(64)}`,
      tags: [],
      size: 1,
      platforms: ['linux/amd64'],
      packs: [],
      baseDigest: '',
      pushed: true,
    });
    await mkdir(path.join(repo.dir, 'out/builds'), { recursive: true });
    await writeFile(
      path.join(repo.dir, 'out/builds/dev.json'),
      serialiseBuildRecord({
        recordVersion: 1,
        zone: 'dev',
        revision: repo.revision,
        builder: 'oci',
        images: Object.fromEntries(
          ['github-issues', 'open-meteo', 'payments-crm', 'petstore', 'raku-gateway', 'support-crm'].map(
            (w) => [w, image(w)],
          ),
        ),
      }),
    );
    const remote = path.join(work, 'acme/raku-gitops.git');
    await mkdir(path.dirname(remote), { recursive: true });
    await run('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    const seed = path.join(work, 'seed');
    await run('git', ['init', '-q', '-b', 'main', seed]);
    await writeFile(path.join(seed, 'README.md'), 'gitops\n');
    await git(seed, ['add', 'README.md']);
    await git(seed, ['commit', '-q', '-m', 'seed']);
    await git(seed, ['push', '-q', remote, 'main']);
    api = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        calls.push({
          method: req.method ?? '',
          url: req.url ?? '',
          ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
          body,
        });
        const json = (status: number, value: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
        if (req.method === 'GET' && req.url?.startsWith('/repos/acme/raku-gitops/pulls?'))
          return json(200, []);
        if (req.method === 'POST' && req.url === '/repos/acme/raku-gitops/pulls') {
          return json(201, {
            number: 5,
            html_url: 'https://github.com/acme/raku-gitops/pull/5',
            node_id: 'PR_5',
            head: { sha: 'x' },
          });
        }
        if (req.method === 'POST' && req.url === '/repos/acme/raku-gitops/issues/5/labels')
          return json(200, []);
        return json(404, { message: 'Not Found' });
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => api.close(() => r()));
    await rm(work, { recursive: true, force: true });
    await rm(repo.dir, { recursive: true, force: true });
  });

  it('pushes the rollout branch, opens the pull request and publishes the operation', async () => {
    const output = path.join(work, 'github-output');
    const summary = path.join(work, 'step-summary');
    await writeFile(output, '');
    await writeFile(summary, '');
    const inputs: Record<string, string> = {
      path: '.',
      zones: 'dev',
      token: 'ghs_app_token',
      builds: '',
      'upstream-status': '',
      'dry-run': 'false',
      labels: 'raku-rollout',
      reviewers: '',
      draft: 'false',
      'auto-merge': '',
      force: 'false',
      reason: '',
      author: '',
    };
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      HOME: work,
      GITHUB_WORKSPACE: repo.dir,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_API_URL: apiUrl,
      GITHUB_SERVER_URL: `file://${work}`,
    };
    for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
    const res = await run(process.execPath, [path.join(REPO_ROOT, 'actions/rollout/dist/index.mjs')], {
      env,
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect(res.stdout).not.toContain('::error::');
    expect(res.code).toBe(0);
    const outputs = await readFile(output, 'utf8');
    expect(/^operations<<.*\n(.*)\n/m.exec(outputs)?.[1]).toBe('{"dev":"create"}');
    expect(/^pull-requests<<.*\n(.*)\n/m.exec(outputs)?.[1]).toBe(
      '{"dev":{"number":5,"url":"https://github.com/acme/raku-gitops/pull/5"}}',
    );
    expect(calls.map((c) => `${c.method} ${c.url.split('?')[0]}`)).toEqual([
      'GET /repos/acme/raku-gitops/pulls',
      'POST /repos/acme/raku-gitops/pulls',
      'POST /repos/acme/raku-gitops/issues/5/labels',
    ]);
    expect(calls.every((c) => c.auth === 'token ghs_app_token')).toBe(true);
    const { stdout } = await run('git', [
      '--git-dir',
      path.join(work, 'acme/raku-gitops.git'),
      'ls-tree',
      '-r',
      '--name-only',
      'raku/rollout/dev',
    ]);
    expect(stdout).toContain('clusters/dev/raku/kustomization.yaml');
    expect(await readFile(summary, 'utf8')).toContain('https://github.com/acme/raku-gitops/pull/5');
  });
});
