/**
 * The whole release pipeline in one test: repository content → generate → build → push to a local registry →
 * rollout branch and pull request (GitHub API faked with nock) in a local GitOps repository, with digests that
 * match what the registry holds → status against a fake cluster that "applied" the rollout branch.
 * The runtime is the real gateway/src/main.ts bundled with esbuild.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseBuildRecord } from '../release/src/build/build-record.ts';
import { parseImageReference } from '../release/src/build/image-reference.ts';
import { RegistryClient } from '../release/src/build/registry-client.ts';
import { type FakeKubeApi, startFakeKubeApi } from './helpers/fake-kube-api.ts';
import { type LocalRegistry, startRegistry } from './helpers/local-registry.ts';
import { git, makeReleaseRepo, REPO_ROOT, raku } from './helpers/release-repo.ts';
import { pushTestBaseImage } from './helpers/test-base-image.ts';

const run = promisify(execFile);
const API = 'https://api.github.com';

interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { replicas?: number; template?: { spec?: { containers?: { name: string; image: string }[] } } };
}

describe('release pipeline end to end', () => {
  let registry: LocalRegistry;
  let kube: FakeKubeApi | undefined;
  let work: string;
  beforeAll(async () => {
    registry = await startRegistry();
    work = await mkdtemp(path.join(tmpdir(), 'raku-e2e-'));
  });
  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await kube?.close();
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('takes the example repository from generate to a healthy zone', async () => {
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    const baseDigest = await pushTestBaseImage(client, 'base/node');
    const repo = await makeReleaseRepo({
      dir: path.join(work, 'config'),
      editZone: (name, zone) => {
        if (name !== 'dev') return;
        zone['registry'] = { host: registry.host, repository: 'acme/raku', insecure: true };
        zone['baseImages'] = {
          default: { image: `${registry.host}/base/node`, tag: '24', digest: baseDigest },
        };
      },
    });

    // generate
    const generated = await raku(['-C', repo.dir, 'generate', '--zone', 'dev']);
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);

    // build + push, with the real runtime
    const entry = path.join(REPO_ROOT, 'gateway/src/main.ts');
    const built = await raku(['-C', repo.dir, 'build', '--zone', 'dev', '--push', '--entry', entry]);
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    const record = parseBuildRecord(
      await readFile(path.join(repo.dir, 'out/builds/dev.json'), 'utf8'),
      'dev.json',
    );

    // rollout into a local GitOps repository; the pull request goes to the faked GitHub API
    const remote = path.join(work, 'gitops.git');
    await run('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    const seed = path.join(work, 'seed');
    await run('git', ['init', '-q', '-b', 'main', seed]);
    await writeFile(path.join(seed, 'README.md'), 'gitops\n');
    await git(seed, ['add', 'README.md']);
    await git(seed, ['commit', '-q', '-m', 'seed']);
    await git(seed, ['push', '-q', remote, 'main']);
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1/);
    let prBody = '';
    const api = nock(API)
      .get('/repos/acme/raku-gitops/pulls')
      .query(true)
      .reply(200, [])
      .post('/repos/acme/raku-gitops/pulls', (b: { body: string }) => {
        prBody = b.body;
        return true;
      })
      .reply(201, {
        number: 1,
        html_url: 'https://github.com/acme/raku-gitops/pull/1',
        node_id: 'PR_1',
        head: { sha: 'x' },
      });
    const rolled = await raku(
      ['-C', repo.dir, 'rollout', '--zone', 'dev', '--remote', `dev=${remote}`, '--format', 'json'],
      {
        GITHUB_TOKEN: 'ghs_e2e',
      },
    );
    expect(rolled.stderr).toBe('');
    expect(rolled.code).toBe(0);
    expect(JSON.parse(rolled.stdout).zones[0].operation).toBe('create');
    expect(api.isDone()).toBe(true);
    expect(prBody).toContain('### Plan');

    // every image the rollout branch deploys is pinned by digest, is the one built, and is in the registry
    const manifests: K8sObject[] = [];
    const { stdout: files } = await run('git', [
      '--git-dir',
      remote,
      'ls-tree',
      '-r',
      '--name-only',
      'raku/rollout/dev',
    ]);
    for (const file of files.split('\n').filter((f) => f.endsWith('manifests.yaml'))) {
      const { stdout } = await run('git', ['--git-dir', remote, 'show', `raku/rollout/dev:${file}`], {
        maxBuffer: 64 * 1024 * 1024,
      });
      for (const doc of parseAllDocuments(stdout)) manifests.push(doc.toJS() as K8sObject);
    }
    const deployments = manifests.filter((m) => m.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'github-issues-mcp',
      'open-meteo-mcp',
      'payments-crm-mcp',
      'petstore-mcp',
      'raku-gateway',
      'support-crm-mcp',
    ]);
    for (const d of deployments) {
      const image = d.spec!.template!.spec!.containers![0]!.image;
      const ref = parseImageReference(image);
      const workload = d.metadata.name.replace(/-mcp$/, '');
      expect(ref.digest, d.metadata.name).toBe(record.images[workload]!.digest);
      expect(await client.hasManifest(ref.repository, ref.digest!)).toBe(true);
    }

    // status against a fake cluster that applied the branch: every Deployment rolled out, pods run the digests
    const state = {
      deployments: deployments.map((d) => ({
        ...d,
        metadata: { ...d.metadata, generation: 1 },
        status: {
          observedGeneration: 1,
          replicas: d.spec?.replicas ?? 1,
          updatedReplicas: d.spec?.replicas ?? 1,
          readyReplicas: d.spec?.replicas ?? 1,
          availableReplicas: d.spec?.replicas ?? 1,
          conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2026-11-24T00:00:00Z' }],
        },
      })),
      pods: deployments.map((d) => {
        const image = d.spec!.template!.spec!.containers![0]!.image;
        return {
          metadata: {
            name: `${d.metadata.name}-abc-1`,
            labels: { 'app.kubernetes.io/name': d.metadata.name },
          },
          status: {
            phase: 'Running',
            containerStatuses: [{ name: 'runtime', image, imageID: image, ready: true, restartCount: 0 }],
          },
        };
      }),
      events: [],
      readyz: { status: 200, body: '{"status":"ready"}' },
    };
    kube = await startFakeKubeApi('raku-dev', state);
    const kubeconfig = path.join(work, 'kubeconfig');
    await writeFile(kubeconfig, kube.kubeconfig('dev-cluster'));
    const status = await raku([
      '-C',
      repo.dir,
      'status',
      '--zone',
      'dev',
      '--kubeconfig',
      kubeconfig,
      '--output',
      path.join(work, 'status'),
    ]);
    expect(status.stderr).toBe('');
    expect(status.stdout).toContain('dev (raku-dev): healthy');
    expect(status.code).toBe(0);
    const saved = JSON.parse(await readFile(path.join(work, 'status/dev.json'), 'utf8')) as {
      configRevision?: string;
      sourceRevision?: string;
      workloads: { revision?: string }[];
    };
    // The config revision status expects (rendered from the build record) is the one the rollout committed.
    expect(saved.sourceRevision).toBe(repo.revision);
    expect(saved.configRevision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(saved.workloads.every((w) => w.revision === saved.configRevision)).toBe(true);
  }, 240_000);
});
