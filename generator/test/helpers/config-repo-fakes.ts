import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { FakeClusterState } from './fake-kube-api.ts';

const run = promisify(execFile);

export interface FakeGitHub {
  url: string;
  /** `METHOD /path` of every request, query left off. */
  requests: string[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

/**
 * GitHub's REST API as far as a rollout to acme/raku-gitops uses it: no open pull request, open one (number 1),
 * label it. Anything else is a 404, and every request is recorded.
 */
export async function startFakeGitHub(): Promise<FakeGitHub> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then(() => {
      const route = `${req.method} ${(req.url ?? '').split('?')[0]}`;
      requests.push(route);
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (route === 'GET /repos/acme/raku-gitops/pulls') json(200, []);
      else if (route === 'POST /repos/acme/raku-gitops/pulls')
        json(201, {
          number: 1,
          html_url: 'https://github.com/acme/raku-gitops/pull/1',
          node_id: 'PR_1',
          head: { sha: 'x' },
        });
      else if (route === 'POST /repos/acme/raku-gitops/issues/1/labels') json(200, []);
      else json(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { replicas?: number; template?: { spec?: { containers?: { name: string; image: string }[] } } };
}

/** The Deployments a rollout branch of a bare GitOps repository deploys. */
export async function deploymentsOnBranch(remote: string, branch: string): Promise<K8sObject[]> {
  const manifests: K8sObject[] = [];
  const { stdout: files } = await run('git', ['--git-dir', remote, 'ls-tree', '-r', '--name-only', branch]);
  for (const file of files.split('\n').filter((f) => f.endsWith('manifests.yaml'))) {
    const { stdout } = await run('git', ['--git-dir', remote, 'show', `${branch}:${file}`], {
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const doc of parseAllDocuments(stdout)) manifests.push(doc.toJS() as K8sObject);
  }
  return manifests.filter((m) => m.kind === 'Deployment');
}

/** A cluster that applied these Deployments: each rolled out and available, its pods running their images. */
export function clusterThatApplied(deployments: readonly K8sObject[]): FakeClusterState {
  const imageOf = (d: K8sObject) => d.spec?.template?.spec?.containers?.[0]?.image ?? '';
  return {
    deployments: deployments.map((d) => {
      const replicas = d.spec?.replicas ?? 1;
      return {
        ...d,
        metadata: { ...d.metadata, generation: 1 },
        status: {
          observedGeneration: 1,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
          conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2026-11-24T00:00:00Z' }],
        },
      };
    }),
    pods: deployments.map((d) => ({
      metadata: { name: `${d.metadata.name}-abc-1`, labels: { 'app.kubernetes.io/name': d.metadata.name } },
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'runtime', image: imageOf(d), imageID: imageOf(d), ready: true, restartCount: 0 },
        ],
      },
    })),
    events: [],
    readyz: { status: 200, body: '{"status":"ready"}' },
  };
}

/** Every file under `dir`, '/'-separated and sorted, skipping the folders named. */
export async function filesUnder(dir: string, skip: readonly string[] = []): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((p) => !skip.some((s) => p === s || p.startsWith(`${s}/`)))
    .sort();
}

/** A bare GitOps repository at `remote` with one commit on main, as a rollout expects to find it. */
export async function seedGitOpsRemote(
  remote: string,
  git: (dir: string, args: string[]) => Promise<string>,
) {
  await run('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  const seed = `${remote}-seed`;
  await run('git', ['init', '-q', '-b', 'main', seed]);
  await git(seed, ['commit', '-q', '--allow-empty', '-m', 'seed']);
  await git(seed, ['push', '-q', remote, 'main']);
}

export interface FakeNpmRegistry {
  /** The registry URL, for npm_config_registry (ends with '/'). */
  url: string;
  /** The path of every request. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * The npm registry's read protocol for a few package versions: GET /<name> (a scoped name's '/' as %2f) is the
 * packument, whose versions[v].dist.tarball points at GET /<name>/-/<basename>-<v>.tgz, the tarball's bytes as
 * given. Raku's own package is not published, so the tarball `npm pack` made is served here; anything else is a 404.
 */
export async function startFakeNpmRegistry(
  packages: readonly { name: string; version: string; tarball: Buffer }[],
): Promise<FakeNpmRegistry> {
  const requests: string[] = [];
  const tarballPath = (p: { name: string; version: string }) =>
    `/${p.name}/-/${p.name.split('/').pop()}-${p.version}.tgz`;
  const server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    requests.push(url);
    const base = `http://${req.headers.host}`;
    const versions = packages.filter((p) => `/${p.name}` === url);
    const tarball = packages.find((p) => tarballPath(p) === url);
    if (versions.length > 0) {
      const packument = {
        name: versions[0]?.name,
        versions: Object.fromEntries(
          versions.map((p) => [
            p.version,
            { name: p.name, version: p.version, dist: { tarball: `${base}${tarballPath(p)}` } },
          ]),
        ),
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
    } else if (tarball)
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tarball.tarball);
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fake npm registry: no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
