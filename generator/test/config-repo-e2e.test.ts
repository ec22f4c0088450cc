/**
 * Raku as a team uses it: the package made by `npm pack`, installed into a config repository made by
 * `raku init`, and there validate → generate → plan against the first commit → build and push to a real local
 * registry → rollout to a local bare GitOps remote (GitHub's REST API faked at its HTTP boundary by a local
 * server) → status against a fake Kubernetes API; once with the installed `raku` binary in child processes, once
 * with the actions' committed bundles (inputs as INPUT_* variables, as the runner passes them), whose build
 * action downloads the runtime from Raku's npm package: a local server speaking the npm registry protocol serves
 * the tarball `npm pack` made (the package is not published) and PGlite's real tarball. Nothing of Raku's source
 * tree is in the repository or in the installed package, so nothing of it can help.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { parseImageReference } from '../release/src/build/image-reference.ts';
import { RegistryClient } from '../release/src/build/registry-client.ts';
import {
  clusterThatApplied,
  deploymentsOnBranch,
  type FakeGitHub,
  type FakeNpmRegistry,
  filesUnder,
  seedGitOpsRemote,
  startFakeGitHub,
  startFakeNpmRegistry,
} from './helpers/config-repo-fakes.ts';
import { type FakeKubeApi, startFakeKubeApi } from './helpers/fake-kube-api.ts';
import { type LocalRegistry, startRegistry } from './helpers/local-registry.ts';
import { git, REPO_ROOT, raku as rakuFromSource } from './helpers/release-repo.ts';
import { pushTestBaseImage } from './helpers/test-base-image.ts';

const run = promisify(execFile);
const MAX_BUFFER = 64 * 1024 * 1024;

/** Top-level folders and files of Raku's own repository that a config repository must not hold. */
const RAKU_SOURCE = ['generator', 'gateway', 'schema', 'actions', 'bin', 'scripts', 'bench', 'tsconfig.json'];

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function runProcess(
  file: string,
  args: string[],
  options: { cwd?: string; env: object },
): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(file, args, { ...options, maxBuffer: MAX_BUFFER } as never);
    return { code: 0, stdout: String(stdout), stderr: String(stderr) };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** One output of a GitHub Actions output file (`name<<delimiter` … `delimiter`). */
function actionOutput(file: string, name: string): string | undefined {
  return new RegExp(`^${name}<<(.+)\\n([\\s\\S]*?)\\n\\1$`, 'm').exec(file)?.[2];
}

describe('a config repository made by raku init, with Raku installed from npm pack', () => {
  let work: string;
  let repo: string;
  let firstCommit: string;
  let revision: string;
  let registry: LocalRegistry | undefined;
  let client: RegistryClient;
  const kubes: FakeKubeApi[] = [];
  let github: FakeGitHub | undefined;
  let npmRegistry: FakeNpmRegistry | undefined;
  /** The raku package's name and version, as package.json has them. */
  let rakuPackage: { name: string; version: string };
  /** Image digests of the dev zone built by the installed raku, by workload. */
  let cliDigests: Record<string, string> | undefined;
  const gitEnv = {
    GIT_AUTHOR_NAME: 'Raku Test',
    GIT_AUTHOR_EMAIL: 'test@raku.invalid',
    GIT_COMMITTER_NAME: 'Raku Test',
    GIT_COMMITTER_EMAIL: 'test@raku.invalid',
  };
  const baseEnv = () => ({
    PATH: process.env['PATH'],
    HOME: path.join(work, 'home'),
    RAKU_CACHE_DIR: 'off',
    ...gitEnv,
  });

  /** Runs the installed raku as a child process with a clean environment. */
  const raku = (args: string[], env: Record<string, string> = {}, cwd = repo) =>
    runProcess(path.join(repo, 'node_modules/.bin/raku'), args, { cwd, env: { ...baseEnv(), ...env } });

  /**
   * Runs an action's committed bundle (the `runs.main` of its action.yml) in the config repository as the runner
   * would: every input declared in action.yml set (to its default unless given), GitHub's files for outputs.
   */
  async function runAction(name: string, inputs: Record<string, string>, env: Record<string, string> = {}) {
    const actionDir = path.join(REPO_ROOT, 'actions', name);
    const action = parse(await readFile(path.join(actionDir, 'action.yml'), 'utf8')) as {
      inputs?: Record<string, { default?: string }>;
      runs: { main: string };
    };
    const dir = await mkdtemp(path.join(work, `action-${name}-`));
    const files = { GITHUB_OUTPUT: path.join(dir, 'output'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary') };
    for (const f of Object.values(files)) await writeFile(f, '');
    const declared = Object.entries(action.inputs ?? {}).map(([k, v]) => {
      const value = String(v.default ?? '');
      return [k, value.includes('${{') ? '' : value] as const;
    });
    const given = Object.fromEntries([...declared, ...Object.entries(inputs)]);
    const vars: Record<string, string | undefined> = {
      ...baseEnv(),
      ...files,
      GITHUB_WORKSPACE: repo,
      GITHUB_REPOSITORY: 'acme/config',
      GITHUB_EVENT_NAME: 'push',
      RUNNER_TEMP: dir,
      ...env,
    };
    for (const [k, v] of Object.entries(given)) vars[`INPUT_${k.toUpperCase()}`] = v;
    const ran = await runProcess(process.execPath, [path.resolve(actionDir, action.runs.main)], {
      env: vars,
    });
    return { ...ran, outputs: await readFile(files.GITHUB_OUTPUT, 'utf8') };
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'raku-config-e2e-'));
    // One npm pack per file: npm runs the package's prepack (the build) first.
    await run('npm', ['pack', '--pack-destination', work], { cwd: REPO_ROOT, maxBuffer: MAX_BUFFER });
    const tarballs = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);
    // The registry the build action downloads the runtime from: this tarball, and PGlite's as npm serves it.
    rakuPackage = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(await readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8'));
    const pgliteVersion: string = lock.packages['node_modules/@electric-sql/pglite'].version;
    const pgliteDir = await mkdtemp(path.join(work, 'pglite-'));
    await run(
      'npm',
      ['pack', `@electric-sql/pglite@${pgliteVersion}`, '--prefer-offline', '--pack-destination', pgliteDir],
      { cwd: pgliteDir, maxBuffer: MAX_BUFFER },
    );
    npmRegistry = await startFakeNpmRegistry([
      { ...rakuPackage, tarball: await readFile(path.join(work, tarballs[0] ?? '')) },
      {
        name: '@electric-sql/pglite',
        version: pgliteVersion,
        tarball: await readFile(path.join(pgliteDir, `electric-sql-pglite-${pgliteVersion}.tgz`)),
      },
    ]);
    // The scaffold comes from Raku's sources here; a test below checks the installed raku writes the same.
    repo = path.join(work, 'config');
    const init = await rakuFromSource(['init', repo]);
    expect(init, init.stderr).toMatchObject({ code: 0, stderr: '' });
    await git(repo, ['add', '.']);
    await git(repo, ['commit', '-q', '-m', 'raku init']);
    firstCommit = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    // One install per file, of the tarball only (its dependencies from the registry or npm's cache).
    await run(
      'npm',
      [
        'install',
        '--save-dev',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        path.join(work, tarballs[0] ?? ''),
      ],
      { cwd: repo, maxBuffer: MAX_BUFFER },
    );
    // The team's first change: dev builds into a local registry from a base image pushed there, and the
    // forecast tool takes one more argument (a compatible change: version 0.1.1).
    registry = await startRegistry();
    client = new RegistryClient({ registry: registry.host, insecure: true });
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
    revision = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    github = await startFakeGitHub();
  }, 600_000);

  afterAll(async () => {
    await github?.close();
    await npmRegistry?.close();
    for (const kube of kubes) await kube.close();
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('installs a package that holds built JavaScript and none of Raku’s sources or tests', async () => {
    const installed = await filesUnder(path.join(repo, 'node_modules/raku-mcp'), ['node_modules']);
    expect(installed).toContain('dist/cli/main.mjs');
    expect(installed).toContain('schema/zone.schema.json');
    expect(installed.filter((f) => /^(generator|gateway|actions|bench|scripts)\//.test(f))).toEqual([]);
    expect(installed.filter((f) => /\.test\.[cm]?[jt]s$|(^|\/)fixtures\//.test(f))).toEqual([]);
  });

  it('holds no file of Raku’s source tree: only what raku init wrote and the lock file npm install added', async () => {
    const files = await filesUnder(repo, ['.git', 'node_modules']);
    expect(files.filter((f) => RAKU_SOURCE.includes(f.split('/')[0] ?? ''))).toEqual([]);
    const first = (await git(repo, ['ls-tree', '-r', '--name-only', firstCommit])).trim().split('\n');
    expect(files).toEqual([...first, 'package-lock.json'].sort());
  });

  it('writes with the installed raku init the same scaffold as from the sources, and it validates', async () => {
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
    const validated = await raku(['-C', again, 'validate']);
    expect(validated).toMatchObject({ code: 0, stderr: '' });
    expect(validated.stdout).toContain('5 files checked: 0 errors, 0 warnings');
  });

  it('with the installed raku: validates, generates, plans, builds and pushes, rolls out, reports healthy', async () => {
    const validated = await raku(['validate']);
    expect(validated).toMatchObject({ code: 0, stderr: '' });
    expect(validated.stdout).toContain('5 files checked: 0 errors, 0 warnings');
    const generated = await raku(['generate', '--zone', 'dev']);
    expect(generated).toMatchObject({ code: 0, stderr: '' });
    expect(await readdir(path.join(repo, 'out'))).toContain('dev');

    // plan against the first commit
    const plan = await raku(['plan', '--base', firstCommit, '--format', 'markdown']);
    expect(plan).toMatchObject({ code: 0, stderr: '' });
    expect(plan.stdout).toContain('**dev**');
    expect(plan.stdout).toContain('weather');

    // build and push, with the runtime shipped in the package; PGlite at the version the runtime pins (from the
    // registry when npm install resolved another)
    const built = await raku(['build', '--zone', 'dev', '--push'], { npm_config_registry: npmRegistry!.url });
    expect(built).toMatchObject({ code: 0, stderr: '' });
    const record = JSON.parse(await readFile(path.join(repo, 'out/builds/dev.json'), 'utf8')) as {
      images: Record<string, { digest: string }>;
    };
    cliDigests = Object.fromEntries(Object.entries(record.images).map(([w, i]) => [w, i.digest]));

    // rollout into a local bare GitOps remote; the pull request goes to the fake GitHub API
    const remote = path.join(work, 'cli/gitops.git');
    await mkdir(path.dirname(remote), { recursive: true });
    await seedGitOpsRemote(remote, git);
    github!.requests.length = 0;
    const rolled = await raku(['rollout', '--zone', 'dev', '--remote', `dev=${remote}`, '--format', 'json'], {
      GITHUB_TOKEN: 'ghs_e2e',
      GITHUB_API_URL: github!.url,
    });
    expect(rolled).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(rolled.stdout).zones[0].operation).toBe('create');
    expect(github!.requests).toEqual([
      'GET /repos/acme/raku-gitops/pulls',
      'POST /repos/acme/raku-gitops/pulls',
    ]);

    // every Deployment on the rollout branch runs a digest that was built and is in the registry
    const deployments = await deploymentsOnBranch(remote, 'raku/rollout/dev');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['raku-gateway', 'weather-mcp']);
    for (const d of deployments) {
      const ref = parseImageReference(d.spec?.template?.spec?.containers?.[0]?.image ?? '');
      expect(ref.digest, d.metadata.name).toBe(record.images[d.metadata.name.replace(/-mcp$/, '')]?.digest);
      expect(await client.hasManifest(ref.repository, ref.digest ?? ''), d.metadata.name).toBe(true);
    }

    // status against a fake cluster that applied the branch
    const kube = await startFakeKubeApi('raku-dev', clusterThatApplied(deployments));
    kubes.push(kube);
    const kubeconfig = path.join(work, 'cli/kubeconfig');
    await writeFile(kubeconfig, kube.kubeconfig('dev-cluster'));
    const statusDir = path.join(work, 'cli/status');
    const status = await raku(['status', '--zone', 'dev', '--kubeconfig', kubeconfig, '--output', statusDir]);
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toContain('dev (raku-dev): healthy');
    const saved = JSON.parse(await readFile(path.join(statusDir, 'dev.json'), 'utf8')) as {
      sourceRevision?: string;
    };
    expect(saved.sourceRevision).toBe(revision);

    const files = await filesUnder(repo, ['.git', 'node_modules']);
    expect(files.filter((f) => RAKU_SOURCE.includes(f.split('/')[0] ?? ''))).toEqual([]);
  }, 300_000);

  it("with the actions' committed bundles: the same run, from the same repository", async () => {
    await rm(path.join(repo, 'out'), { recursive: true, force: true });
    const validated = await runAction('validate', {});
    expect(validated.stdout).not.toContain('::error');
    expect(validated.code).toBe(0);
    expect(actionOutput(validated.outputs, 'errors')).toBe('0');

    const generated = await runAction('generate', { zones: 'dev' });
    expect(generated.stdout).not.toContain('::error');
    expect(generated.code).toBe(0);

    // plan mode, as on a pull request whose base is the first commit
    const event = path.join(work, 'pull-request-event.json');
    await writeFile(
      event,
      JSON.stringify({ pull_request: { number: 7, base: { sha: firstCommit }, head: { sha: revision } } }),
    );
    const planDir = path.join(work, 'actions/plan');
    const planned = await runAction(
      'plan',
      { mode: 'plan', base: firstCommit, 'output-dir': planDir },
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event },
    );
    expect(planned.stdout).not.toContain('::error');
    expect(planned.code).toBe(0);
    expect(await readFile(path.join(planDir, 'comment.md'), 'utf8')).toContain('**dev**');
    expect(actionOutput(planned.outputs, 'has-changes')).toBe('true');

    // the runtime from Raku's npm package (no runtime in the committed bundles): the same images as the CLI's
    const built = await runAction(
      'build',
      { zones: 'dev', push: 'true' },
      { npm_config_registry: npmRegistry!.url },
    );
    expect(built.stdout).not.toContain('::error');
    expect(built.code).toBe(0);
    const { name, version } = rakuPackage;
    expect(npmRegistry!.requests).toContain(`/${name}`);
    expect(npmRegistry!.requests).toContain(`/${name}/-/${name}-${version}.tgz`);
    const digests = JSON.parse(actionOutput(built.outputs, 'digests') ?? '{}') as Record<
      string,
      Record<string, string>
    >;
    expect(
      Object.fromEntries(Object.entries(digests['dev'] ?? {}).map(([w, ref]) => [w, ref.split('@').pop()])),
    ).toEqual(cliDigests);

    // GITHUB_SERVER_URL=file://…: the zone's GitOps repository acme/raku-gitops is a local bare repository
    const servers = path.join(work, 'actions/servers');
    const remote = path.join(servers, 'acme/raku-gitops.git');
    await mkdir(path.dirname(remote), { recursive: true });
    await seedGitOpsRemote(remote, git);
    github!.requests.length = 0;
    const rolled = await runAction(
      'rollout',
      { zones: 'dev', token: 'ghs_app_token' },
      { GITHUB_API_URL: github!.url, GITHUB_SERVER_URL: `file://${servers}` },
    );
    expect(rolled.stdout).not.toContain('::error');
    expect(rolled.code).toBe(0);
    expect(actionOutput(rolled.outputs, 'operations')).toBe('{"dev":"create"}');
    expect(github!.requests).toEqual([
      'GET /repos/acme/raku-gitops/pulls',
      'POST /repos/acme/raku-gitops/pulls',
      'POST /repos/acme/raku-gitops/issues/1/labels',
    ]);

    const deployments = await deploymentsOnBranch(remote, 'raku/rollout/dev');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['raku-gateway', 'weather-mcp']);
    for (const d of deployments) {
      const ref = parseImageReference(d.spec?.template?.spec?.containers?.[0]?.image ?? '');
      expect(await client.hasManifest(ref.repository, ref.digest ?? ''), d.metadata.name).toBe(true);
    }
    const kube = await startFakeKubeApi('raku-dev', clusterThatApplied(deployments));
    kubes.push(kube);
    const statusDir = path.join(work, 'actions/status');
    const status = await runAction('status', {
      zones: 'dev',
      kubeconfig: kube.kubeconfig('dev-cluster'),
      output: statusDir,
    });
    expect(status.stdout).not.toContain('::error');
    expect(status.code).toBe(0);
    const saved = JSON.parse(await readFile(path.join(statusDir, 'dev.json'), 'utf8')) as {
      sourceRevision?: string;
    };
    expect(saved.sourceRevision).toBe(revision);

    const files = await filesUnder(repo, ['.git', 'node_modules']);
    expect(files.filter((f) => RAKU_SOURCE.includes(f.split('/')[0] ?? ''))).toEqual([]);
  }, 300_000);
});
