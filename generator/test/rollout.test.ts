import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BuildRecord, serialiseBuildRecord } from '../release/src/build/build-record.ts';
import { git, makeReleaseRepo, raku } from './helpers/release-repo.ts';

const run = promisify(execFile);
const API = 'https://api.github.com';
const REPO = '/repos/acme/raku-gitops';
const digest = (c: string) => `sha256:${c.repeat(64)}`;

function record(revision: string, zone: string, fill: string): BuildRecord {
  const image = (workload: string, packs: { name: string; version: string }[]) => ({
    repository: `ghcr.io/acme/raku/${workload}`,
    digest: digest(fill),
    tags: [],
    size: 1000,
    platforms: ['linux/amd64'],
    packs,
    baseDigest: digest('b'),
    pushed: true,
  });
  return {
    recordVersion: 1,
    zone,
    revision,
    builder: 'oci',
    images: {
      'github-issues': image('github-issues', [{ name: 'github-issues', version: '1.2.0' }]),
      'open-meteo': image('open-meteo', [{ name: 'open-meteo', version: '0.3.0' }]),
      petstore: image('petstore', [{ name: 'petstore', version: '1.0.2' }]),
      'raku-gateway': image('raku-gateway', []),
      // dev also runs the two tenants' CRM packs (zones/dev.yaml).
      ...(zone === 'dev'
        ? {
            'payments-crm': image('payments-crm', [{ name: 'payments-crm', version: '1.0.0' }]),
            'support-crm': image('support-crm', [{ name: 'support-crm', version: '1.0.0' }]),
          }
        : {}),
    },
  };
}

function pr(number: number, sha: string) {
  return {
    number,
    html_url: `https://github.com/acme/raku-gitops/pull/${number}`,
    node_id: `PR_${number}`,
    head: { sha },
  };
}

describe('raku rollout with real git and the GitHub API faked at HTTP', () => {
  let repo: { dir: string; revision: string };
  let remote: string;
  let work: string;
  const env = { GITHUB_TOKEN: 'ghs_test', PATH: process.env['PATH'] };
  const writeRecord = async (zone: string, fill: string) => {
    await mkdir(path.join(repo.dir, 'out/builds'), { recursive: true });
    await writeFile(
      path.join(repo.dir, `out/builds/${zone}.json`),
      serialiseBuildRecord(record(repo.revision, zone, fill)),
    );
  };
  const branchHead = async (branch: string) =>
    (
      await run('git', ['--git-dir', remote, 'rev-parse', '--verify', '-q', branch]).catch(() => ({
        stdout: '',
      }))
    ).stdout.trim();

  beforeAll(async () => {
    repo = await makeReleaseRepo({});
    work = await mkdtemp(path.join(tmpdir(), 'raku-gitops-'));
    remote = path.join(work, 'gitops.git');
    await run('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    const seed = path.join(work, 'seed');
    await run('git', ['init', '-q', '-b', 'main', seed]);
    await writeFile(path.join(seed, 'README.md'), 'GitOps repository\n');
    await git(seed, ['add', 'README.md']);
    await git(seed, ['commit', '-q', '-m', 'seed']);
    await git(seed, ['push', '-q', remote, 'main']);
    nock.disableNetConnect();
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await rm(work, { recursive: true, force: true });
    await rm(repo.dir, { recursive: true, force: true });
  });
  beforeEach(() => nock.cleanAll());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });

  const rollout = (...extra: string[]) =>
    raku(
      ['-C', repo.dir, 'rollout', '--zone', 'dev', '--remote', `dev=${remote}`, '--format', 'json', ...extra],
      env,
    );
  const parse = (out: string) =>
    JSON.parse(out).zones[0] as {
      operation: string;
      commit?: string;
      pullRequest?: { number: number };
      files: { added: string[] };
      notes: string[];
    };

  it('creates the branch and the pull request with labels and reviewers', async () => {
    await writeRecord('dev', 'a');
    let created: Record<string, unknown> = {};
    const api = nock(API)
      .get(`${REPO}/pulls`)
      .query({ state: 'open', head: 'acme:raku/rollout/dev', base: 'main', per_page: '10' })
      .reply(200, [])
      .post(`${REPO}/pulls`, (body) => {
        created = body as Record<string, unknown>;
        return true;
      })
      .reply(201, pr(7, 'x'))
      .post(`${REPO}/issues/7/labels`, { labels: ['rollout'] })
      .reply(200, [])
      .post(`${REPO}/pulls/7/requested_reviewers`, { reviewers: ['octocat'], team_reviewers: ['platform'] })
      .reply(201, {});
    const res = await rollout('--label', 'rollout', '--reviewer', 'octocat', '--reviewer', 'acme/platform');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const z = parse(res.stdout);
    expect(z.operation).toBe('create');
    expect(z.pullRequest?.number).toBe(7);
    expect(api.isDone()).toBe(true);
    expect(created['head']).toBe('raku/rollout/dev');
    expect(created['base']).toBe('main');
    // Titled by the zone's config revision (a digest of its files), which the manifests record too.
    expect(created['title']).toMatch(/^raku rollout: dev at sha256:[0-9a-f]{12}$/);
    expect(String(created['body'])).toContain(`ghcr.io/acme/raku/petstore@${digest('a')}`);
    expect(await branchHead('raku/rollout/dev')).toBe(z.commit);
    const { stdout: message } = await run('git', [
      '--git-dir',
      remote,
      'log',
      '-1',
      '--format=%an <%ae>%n%B',
      'raku/rollout/dev',
    ]);
    expect(message).toContain('raku-rollout <raku-rollout@users.noreply.github.com>');
    expect(message).toContain(`Commit: ${repo.revision}`);
    const config = /^Config revision: (sha256:[0-9a-f]{64})$/m.exec(message)?.[1] ?? 'missing';
    expect(String(created['title'])).toBe(`raku rollout: dev at ${config.slice(0, 19)}`);
    expect(message).toContain(`- petstore (petstore 1.0.2): ghcr.io/acme/raku/petstore@${digest('a')}`);
    const { stdout: files } = await run('git', [
      '--git-dir',
      remote,
      'ls-tree',
      '-r',
      '--name-only',
      'raku/rollout/dev',
    ]);
    expect(files).toContain('README.md');
    expect(files).toContain('clusters/dev/raku/kustomization.yaml');
    const { stdout: manifest } = await run('git', [
      '--git-dir',
      remote,
      'show',
      'raku/rollout/dev:clusters/dev/raku/pack-servers/petstore/manifests.yaml',
    ]);
    expect(manifest).toContain(`ghcr.io/acme/raku/petstore@${digest('a')}`);
    expect(manifest).toContain(`raku.dev/config-revision: "${config}"`);
  });

  it('leaves the pull request alone at a new commit that changes nothing in the zone', async () => {
    const before = await branchHead('raku/rollout/dev');
    // Another zone changes: a new commit, a new build record with the same images for dev.
    const prod = path.join(repo.dir, 'zones/prod.yaml');
    await writeFile(prod, (await readFile(prod, 'utf8')).replace('replicas: 3', 'replicas: 4'));
    await git(repo.dir, ['commit', '-q', '-am', 'prod: one more replica']);
    repo.revision = (await git(repo.dir, ['rev-parse', 'HEAD'])).trim();
    await writeRecord('dev', 'a');
    const api = nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [pr(7, before)]);
    const res = await rollout();
    expect(res.stderr).toBe('');
    expect(parse(res.stdout).operation).toBe('none');
    expect(await branchHead('raku/rollout/dev')).toBe(before);
    expect(api.isDone()).toBe(true);
  });

  it('does nothing when run again with nothing changed', async () => {
    const before = await branchHead('raku/rollout/dev');
    const api = nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [pr(7, before)]);
    const res = await rollout();
    expect(res.code).toBe(0);
    expect(parse(res.stdout).operation).toBe('none');
    expect(await branchHead('raku/rollout/dev')).toBe(before);
    expect(api.isDone()).toBe(true);
  });

  it('updates the open pull request when a digest changes, after waiting out a rate limit', async () => {
    await writeRecord('dev', 'c');
    const before = await branchHead('raku/rollout/dev');
    let updated: Record<string, unknown> = {};
    const api = nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '1' })
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [pr(7, before)])
      .patch(`${REPO}/pulls/7`, (body) => {
        updated = body as Record<string, unknown>;
        return true;
      })
      .reply(200, pr(7, 'y'))
      .post(`${REPO}/issues/7/labels`)
      .reply(200, []);
    const res = await rollout('--label', 'rollout');
    expect(res.stderr).toBe('');
    const z = parse(res.stdout);
    expect(z.operation).toBe('update');
    expect(api.isDone()).toBe(true);
    expect(String(updated['body'])).toContain(digest('c'));
    const after = await branchHead('raku/rollout/dev');
    expect(after).not.toBe(before);
    expect(after).toBe(z.commit);
  });

  it('reports a dry run without pushing or calling GitHub', async () => {
    await writeRecord('dev', 'd');
    const before = await branchHead('raku/rollout/dev');
    const res = await rollout('--dry-run');
    expect(res.code).toBe(0);
    const z = parse(res.stdout);
    expect(z.operation).toBe('create');
    expect(await branchHead('raku/rollout/dev')).toBe(before);
    await writeRecord('dev', 'c');
  });

  it('closes the pull request and deletes the branch once the base holds the rollout', async () => {
    // "Merge": fast-forward main to the rollout branch.
    const head = await branchHead('raku/rollout/dev');
    await run('git', ['--git-dir', remote, 'update-ref', 'refs/heads/main', head]);
    const api = nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [pr(7, head)])
      .post(`${REPO}/issues/7/comments`, (b: { body: string }) => b.body.includes('already matches'))
      .reply(201, {})
      .patch(`${REPO}/pulls/7`, { state: 'closed' })
      .reply(200, pr(7, head));
    const res = await rollout();
    expect(res.stderr).toBe('');
    expect(parse(res.stdout).operation).toBe('close');
    expect(api.isDone()).toBe(true);
    expect(await branchHead('raku/rollout/dev')).toBe('');

    // And with neither a difference nor a pull request: none.
    nock(API).get(`${REPO}/pulls`).query(true).reply(200, []);
    expect(parse((await rollout()).stdout).operation).toBe('none');
  });

  it('refuses a build record of another revision or one that was not pushed', async () => {
    await mkdir(path.join(repo.dir, 'out/builds'), { recursive: true });
    const old = { ...record('0123456789ab', 'dev', 'a') };
    await writeFile(path.join(repo.dir, 'out/builds/dev.json'), serialiseBuildRecord(old));
    const stale = await rollout();
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('build record of dev is for revision 0123456789ab');
    const unpushed = record(repo.revision, 'dev', 'a');
    unpushed.images['petstore']!.pushed = false;
    await writeFile(path.join(repo.dir, 'out/builds/dev.json'), serialiseBuildRecord(unpushed));
    const res = await rollout();
    expect(res.stderr).toContain('petstore not pushed');
    const partial = record(repo.revision, 'dev', 'a');
    delete partial.images['open-meteo'];
    await writeFile(path.join(repo.dir, 'out/builds/dev.json'), serialiseBuildRecord(partial));
    const incomplete = await rollout();
    expect(incomplete.code).toBe(1);
    expect(incomplete.stderr).toContain('build record of dev has no image for open-meteo');
    await writeRecord('dev', 'c');
  });

  it('blocks staging until dev is healthy at the same revision, then opens its pull request', async () => {
    await writeRecord('staging', 'e');
    const staging = (...extra: string[]) =>
      raku(
        [
          '-C',
          repo.dir,
          'rollout',
          '--zone',
          'staging',
          '--remote',
          `staging=${remote}`,
          '--format',
          'json',
          ...extra,
        ],
        env,
      );
    const blocked = parse((await staging()).stdout);
    expect(blocked.operation).toBe('blocked');
    expect(blocked.notes).toEqual(['no status of upstream zone dev']);

    const status = path.join(work, 'dev-status.json');
    const devConfig = `sha256:${'d'.repeat(64)}`;
    const healthy = {
      zone: 'dev',
      namespace: 'raku-dev',
      healthy: true,
      workloads: [
        {
          workload: 'petstore',
          deployment: 'petstore-mcp',
          desired: 1,
          updated: 1,
          ready: 1,
          runningDigests: [],
          revision: devConfig,
          healthy: true,
          problems: [],
        },
      ],
      warnings: [],
      gateway: { readyz: 'ok' },
      configRevision: devConfig,
      sourceRevision: repo.revision,
      checkedAt: new Date().toISOString(),
      readySince: new Date(Date.now() - 3_600_000).toISOString(),
      problems: [],
    };
    await writeFile(
      status,
      JSON.stringify({ ...healthy, healthy: false, problems: ['petstore-mcp: ImagePullBackOff'] }),
    );
    const unhealthy = parse((await staging('--upstream-status', status)).stdout);
    expect(unhealthy.operation).toBe('blocked');
    expect(unhealthy.notes[0]).toContain('upstream zone dev is not healthy');

    // Healthy, but still at the config revision of an earlier rollout.
    await writeFile(status, JSON.stringify({ ...healthy, configRevision: `sha256:${'e'.repeat(64)}` }));
    const behind = parse((await staging('--upstream-status', status)).stdout);
    expect(behind.operation).toBe('blocked');
    expect(behind.notes[0]).toContain('(its rollout of this commit is not merged or not synced)');

    await writeFile(status, JSON.stringify(healthy));
    let body = '';
    nock(API)
      .get(`${REPO}/pulls`)
      .query({ state: 'open', head: 'acme:raku/rollout/staging', base: 'main', per_page: '10' })
      .reply(200, [])
      .post(`${REPO}/pulls`, (b: { body: string }) => {
        body = b.body;
        return true;
      })
      .reply(201, pr(8, 'z'));
    const allowed = parse((await staging('--upstream-status', status)).stdout);
    expect(allowed.operation).toBe('create');
    expect(body).toContain(`**Promotion:** dev healthy at config revision ${devConfig.slice(0, 19)}`);

    const noReason = await staging('--force');
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toContain('--force needs --reason');
  });
});
