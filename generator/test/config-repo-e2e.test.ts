/**
 * Raku as a team uses it: the package made by `npm pack`, installed into a config repository made by
 * `raku init`, and there validate → generate → plan against the first commit → build and push to a real local
 * registry → rollout to a local bare GitOps remote (GitHub's REST API faked at its HTTP boundary by a local
 * server) → status against a fake Kubernetes API. Every command runs as the installed `raku` binary in a child
 * process, so nothing of Raku's source tree (no gateway/src, no tsx fallback into generator/) can help.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parseDocument } from 'yaml';
import { parseImageReference } from '../release/src/build/image-reference.ts';
import { RegistryClient } from '../release/src/build/registry-client.ts';
import { type FakeKubeApi, startFakeKubeApi } from './helpers/fake-kube-api.ts';
import { type LocalRegistry, startRegistry } from './helpers/local-registry.ts';
import { git, REPO_ROOT, raku as rakuFromSource } from './helpers/release-repo.ts';
import { pushTestBaseImage } from './helpers/test-base-image.ts';

const run = promisify(execFile);

/** Top-level folders and files of Raku's own repository that a config repository must not hold. */
const RAKU_SOURCE = ['generator', 'gateway', 'schema', 'actions', 'bin', 'scripts', 'bench', 'tsconfig.json'];

interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { replicas?: number; template?: { spec?: { containers?: { name: string; image: string }[] } } };
}

/** GitHub's REST API as far as a rollout uses it: list open pull requests (none), open one. Records requests. */
async function startFakeGitHub(): Promise<{
  url: string;
  requests: string[];
  bodies: unknown[];
  close(): Promise<void>;
}> {
  const requests: string[] = [];
  const bodies: unknown[] = [];
  const read = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
  const server: Server = createServer((req, res) => {
    void read(req).then((body) => {
      const route = `${req.method} ${(req.url ?? '').split('?')[0]}`;
      requests.push(route);
      if (body !== undefined) bodies.push(body);
      res.setHeader('content-type', 'application/json');
      if (route === 'GET /repos/acme/raku-gitops/pulls') {
        res.end('[]');
      } else if (route === 'POST /repos/acme/raku-gitops/pulls') {
        res.statusCode = 201;
        res.end(
          JSON.stringify({
            number: 1,
            html_url: 'https://github.com/acme/raku-gitops/pull/1',
            node_id: 'PR_1',
            head: { sha: 'x' },
          }),
        );
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ message: 'Not Found' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every file under `dir`, '/'-separated and sorted, skipping the folders named. */
async function filesUnder(dir: string, skip: readonly string[] = []): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((p) => !skip.some((s) => p === s || p.startsWith(`${s}/`)))
    .sort();
}

describe('a config repository made by raku init, with Raku installed from npm pack', () => {
  let work: string;
  let repo: string;
  let tarball: string;
  let firstCommit: string;
  let registry: LocalRegistry | undefined;
  let kube: FakeKubeApi | undefined;
  let github: Awaited<ReturnType<typeof startFakeGitHub>> | undefined;

  /** Runs the installed raku in the config repository, as a child process with a clean environment. */
  async function raku(args: string[], env: Record<string, string> = {}) {
    const bin = path.join(repo, 'node_modules/.bin/raku');
    try {
      const { stdout, stderr } = await run(bin, args, {
        cwd: repo,
        env: { PATH: process.env['PATH'], HOME: path.join(work, 'home'), RAKU_CACHE_DIR: 'off', ...env },
        maxBuffer: 64 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === 'number' ? e.code : -1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      };
    }
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'raku-config-e2e-'));
    // One npm pack per file: npm runs the package's prepack (the build) first.
    await run('npm', ['pack', '--pack-destination', work], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
    const tarballs = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);
    tarball = path.join(work, tarballs[0] ?? '');
    // The scaffold comes from Raku's sources here; a later test checks the installed raku writes the same.
    repo = path.join(work, 'config');
    const init = await rakuFromSource(['init', repo]);
    expect(init, init.stderr).toMatchObject({ code: 0, stderr: '' });
    await git(repo, ['add', '.']);
    await git(repo, ['commit', '-q', '-m', 'raku init']);
    firstCommit = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    // One install per file, of the tarball only (its dependencies from the registry or npm's cache).
    await run(
      'npm',
      ['install', '--save-dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball],
      { cwd: repo, maxBuffer: 64 * 1024 * 1024 },
    );
  }, 600_000);

  afterAll(async () => {
    await github?.close();
    await kube?.close();
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('installs a package that holds built JavaScript and none of Raku’s sources or tests', async () => {
    const installed = await filesUnder(path.join(repo, 'node_modules/raku'), ['node_modules']);
    expect(installed).toContain('dist/cli/main.mjs');
    expect(installed).toContain('schema/zone.schema.json');
    expect(installed.filter((f) => /^(generator|gateway|actions|bench|scripts)\//.test(f))).toEqual([]);
    expect(installed.filter((f) => /\.test\.[cm]?[jt]s$|(^|\/)fixtures\//.test(f))).toEqual([]);
  });

  it('holds no file of Raku’s source tree, only what raku init wrote and what npm install added', async () => {
    const files = await filesUnder(repo, ['.git', 'node_modules']);
    expect(files.filter((f) => RAKU_SOURCE.includes(f.split('/')[0] ?? ''))).toEqual([]);
    const committed = (await git(repo, ['ls-files'])).trim().split('\n');
    expect(files).toEqual([...committed, 'package-lock.json'].sort());
  });

  it('writes with the installed raku init the same scaffold as from the sources', async () => {
    const again = path.join(work, 'again');
    const r = await raku(['init', again, '--no-git', '--name', 'config']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const files = await filesUnder(again);
    const first = (await git(repo, ['ls-tree', '-r', '--name-only', firstCommit])).trim().split('\n');
    expect(files).toEqual(first.sort());
    for (const f of files)
      expect(await readFile(path.join(again, f), 'utf8'), f).toBe(
        await git(repo, ['show', `${firstCommit}:${f}`]),
      );
  });

  it('validates, generates, plans, builds and pushes, rolls out and reports the zone healthy', async () => {
    // validate and generate, as init wrote it
    const validated = await raku(['validate']);
    expect(validated.stdout).toContain('5 files checked: 0 errors, 0 warnings');
    expect(validated).toMatchObject({ code: 0, stderr: '' });
    const generated = await raku(['generate', '--zone', 'dev']);
    expect(generated).toMatchObject({ code: 0, stderr: '' });
    expect((await readdir(path.join(repo, 'out'))).length).toBeGreaterThan(0);

    // the team's first change: dev builds into the local registry from a base image pushed there, and the
    // forecast tool takes one more argument
    registry = await startRegistry();
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    const baseDigest = await pushTestBaseImage(client, 'base/node');
    const devFile = path.join(repo, 'zones/dev.yaml');
    const dev = parseDocument(await readFile(devFile, 'utf8'));
    dev.set('registry', { host: registry.host, repository: 'acme/raku', insecure: true });
    dev.setIn(['baseImages', 'default'], {
      image: `${registry.host}/base/node`,
      tag: '24',
      digest: baseDigest,
    });
    await writeFile(devFile, dev.toString());
    const packFile = path.join(repo, 'packs/weather/pack.yaml');
    const pack = parseDocument(await readFile(packFile, 'utf8'));
    pack.set('version', '0.1.1');
    pack.setIn(['tools', 0, 'inputSchema', 'properties', 'timezone'], { type: 'string', maxLength: 64 });
    await writeFile(packFile, pack.toString());
    await git(repo, ['add', 'zones', 'packs', 'package.json', 'package-lock.json']);
    await git(repo, ['commit', '-q', '-m', 'dev zone and weather 0.1.1']);
    const revision = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    expect(await raku(['validate'])).toMatchObject({ code: 0, stderr: '' });

    // plan against the first commit
    const plan = await raku(['plan', '--base', firstCommit, '--format', 'markdown']);
    expect(plan).toMatchObject({ code: 0, stderr: '' });
    expect(plan.stdout).toContain('weather');
    expect(plan.stdout).toContain('**dev**');

    // build and push with the runtime shipped in the package
    const built = await raku(['build', '--zone', 'dev', '--push']);
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    const record = JSON.parse(await readFile(path.join(repo, 'out/builds/dev.json'), 'utf8')) as {
      images: Record<string, { digest: string }>;
    };

    // rollout into a local bare GitOps remote; the pull request goes to the fake GitHub API
    const remote = path.join(work, 'gitops.git');
    await run('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    const seed = path.join(work, 'seed');
    await run('git', ['init', '-q', '-b', 'main', seed]);
    await writeFile(path.join(seed, 'README.md'), 'gitops\n');
    await git(seed, ['add', 'README.md']);
    await git(seed, ['commit', '-q', '-m', 'seed']);
    await git(seed, ['push', '-q', remote, 'main']);
    github = await startFakeGitHub();
    const rolled = await raku(['rollout', '--zone', 'dev', '--remote', `dev=${remote}`, '--format', 'json'], {
      GITHUB_TOKEN: 'ghs_e2e',
      GITHUB_API_URL: github.url,
      GIT_AUTHOR_NAME: 'Raku Test',
      GIT_AUTHOR_EMAIL: 'test@raku.invalid',
      GIT_COMMITTER_NAME: 'Raku Test',
      GIT_COMMITTER_EMAIL: 'test@raku.invalid',
    });
    expect(rolled.stderr).toBe('');
    expect(rolled.code).toBe(0);
    expect(JSON.parse(rolled.stdout).zones[0].operation).toBe('create');
    expect(github.requests).toEqual([
      'GET /repos/acme/raku-gitops/pulls',
      'POST /repos/acme/raku-gitops/pulls',
    ]);

    // every Deployment on the rollout branch runs a digest that was built and is in the registry
    const manifests: K8sObject[] = [];
    const { stdout: branchFiles } = await run('git', [
      '--git-dir',
      remote,
      'ls-tree',
      '-r',
      '--name-only',
      'raku/rollout/dev',
    ]);
    for (const file of branchFiles.split('\n').filter((f) => f.endsWith('manifests.yaml'))) {
      const { stdout } = await run('git', ['--git-dir', remote, 'show', `raku/rollout/dev:${file}`], {
        maxBuffer: 64 * 1024 * 1024,
      });
      for (const doc of parseAllDocuments(stdout)) manifests.push(doc.toJS() as K8sObject);
    }
    const deployments = manifests.filter((m) => m.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['raku-gateway', 'weather-mcp']);
    for (const d of deployments) {
      const ref = parseImageReference(d.spec?.template?.spec?.containers?.[0]?.image ?? '');
      expect(ref.digest, d.metadata.name).toBe(record.images[d.metadata.name.replace(/-mcp$/, '')]?.digest);
      expect(await client.hasManifest(ref.repository, ref.digest ?? ''), d.metadata.name).toBe(true);
    }

    // status against a fake cluster that applied the branch
    kube = await startFakeKubeApi('raku-dev', {
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
        const image = d.spec?.template?.spec?.containers?.[0]?.image ?? '';
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
    });
    const kubeconfig = path.join(work, 'kubeconfig');
    await writeFile(kubeconfig, kube.kubeconfig('dev-cluster'));
    const status = await raku([
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
      sourceRevision?: string;
    };
    expect(saved.sourceRevision).toBe(revision);

    // and still nothing of Raku's source tree in the repository after all that
    const files = await filesUnder(repo, ['.git', 'node_modules']);
    expect(files.filter((f) => RAKU_SOURCE.includes(f.split('/')[0] ?? ''))).toEqual([]);
  }, 300_000);
});
