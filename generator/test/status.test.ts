import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBody } from '../../gateway/src/admin/request-validation.ts';
import { readRepoFiles } from '../config/src/fs/read-repo.ts';
import { loadRepo } from '../config/src/load/load-repo.ts';
import { type BuildRecord, serialiseBuildRecord, workloadImages } from '../release/src/build/build-record.ts';
import type { ZoneHealth } from '../release/src/status/assess-zone.ts';
import { configRevision, renderZone } from '../render/src/generate/render-zone.ts';
import {
  type FakeClusterState,
  type FakeKubeApi,
  startFakeKubeApi,
  workloadObjects,
} from './helpers/fake-kube-api.ts';
import { makeReleaseRepo, raku } from './helpers/release-repo.ts';

const NS = 'raku-dev';
const WORKLOADS = [
  'github-issues-mcp',
  'open-meteo-mcp',
  'payments-crm-mcp',
  'petstore-mcp',
  'raku-gateway',
  'support-crm-mcp',
];
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const imageOf = (deployment: string) => `ghcr.io/acme/raku/${deployment.replace(/-mcp$/, '')}@${digest('a')}`;

function healthyState(revision: string): FakeClusterState {
  const objects = WORKLOADS.map((name) =>
    workloadObjects({ name, namespace: NS, image: imageOf(name), revision }),
  );
  return {
    deployments: objects.map((o) => o.deployment),
    pods: objects.flatMap((o) => o.pods),
    events: [],
    readyz: { status: 200, body: '{"status":"ready"}' },
  };
}

describe('raku status against a fake Kubernetes API', () => {
  let repo: { dir: string; revision: string };
  /** The config revision dev renders to with the build record's images: what its Deployments must record. */
  let config: string;
  let kube: FakeKubeApi;
  let kubeconfig: string;
  beforeAll(async () => {
    repo = await makeReleaseRepo({});
    const record: BuildRecord = {
      recordVersion: 1,
      zone: 'dev',
      revision: repo.revision,
      builder: 'oci',
      images: Object.fromEntries(
        WORKLOADS.map((d) => {
          const w = d.replace(/-mcp$/, '');
          return [
            w,
            {
              repository: `ghcr.io/acme/raku/${w}`,
              digest: digest('a'),
              tags: [],
              size: 1,
              platforms: [],
              packs: [],
              baseDigest: '',
              pushed: true,
            },
          ];
        }),
      ),
    };
    await mkdir(path.join(repo.dir, 'out/builds'), { recursive: true });
    await writeFile(path.join(repo.dir, 'out/builds/dev.json'), serialiseBuildRecord(record));
    const { model } = loadRepo(await readRepoFiles(repo.dir));
    config = configRevision(
      renderZone(model, 'dev', { revision: repo.revision, images: workloadImages(record) }),
    );
    kube = await startFakeKubeApi(NS, healthyState(config));
    kubeconfig = path.join(repo.dir, 'kubeconfig');
    await writeFile(kubeconfig, kube.kubeconfig('dev-cluster'));
  });
  afterAll(async () => {
    await kube?.close();
    await rm(repo.dir, { recursive: true, force: true });
  });
  const status = (...extra: string[]) =>
    raku(['-C', repo.dir, 'status', '--zone', 'dev', '--kubeconfig', kubeconfig, ...extra]);

  it('waits for a rollout that becomes ready, then exits 0', async () => {
    const ready = healthyState(config);
    const rolling = workloadObjects({
      name: 'petstore-mcp',
      namespace: NS,
      image: imageOf('petstore-mcp'),
      revision: config,
      replicas: 2,
      ready: 0,
    });
    kube.state = {
      ...ready,
      deployments: ready.deployments.map((d) =>
        (d as { metadata: { name: string } }).metadata.name === 'petstore-mcp' ? rolling.deployment : d,
      ),
    };
    kube.onDeploymentList = (count, state) => {
      if (count === 2) Object.assign(state, healthyState(config));
    };
    kube.requests.length = 0;
    const res = await status('--wait', '--timeout', '30s', '--interval', '20ms');
    kube.onDeploymentList = undefined;
    expect(res.stdout).toContain('dev (raku-dev): healthy');
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('dev: waiting — petstore-mcp: rolling out: 2/2 updated, 0/2 ready');
    expect(
      kube.requests.filter((r) => r.url.startsWith('/apis/apps/v1/namespaces/raku-dev/deployments')),
    ).toHaveLength(3);
    expect(kube.requests.every((r) => r.authorization === 'Bearer kube-token')).toBe(true);
    expect(
      kube.requests.some((r) => r.url.includes('labelSelector=app.kubernetes.io%2Fpart-of%3Draku')),
    ).toBe(true);
  });

  it('reports a pod stuck on an image pull error with its warning event, and exits 3 when --wait times out', async () => {
    const state = healthyState(config);
    const stuck = workloadObjects({
      name: 'petstore-mcp',
      namespace: NS,
      image: imageOf('petstore-mcp'),
      revision: config,
      ready: 0,
      waiting: {
        reason: 'ImagePullBackOff',
        message: 'Back-off pulling image "ghcr.io/acme/raku/petstore@sha256:aaaa"',
      },
    });
    state.deployments[2] = stuck.deployment;
    state.pods = [
      ...state.pods.filter(
        (p) => !(p as { metadata: { name: string } }).metadata.name.startsWith('petstore-mcp'),
      ),
      ...stuck.pods,
    ];
    state.events = [
      {
        type: 'Warning',
        reason: 'Failed',
        message: 'Failed to pull image: not found',
        count: 4,
        involvedObject: { kind: 'Pod', name: 'petstore-mcp-7d9f-0' },
        metadata: { name: 'e1' },
      },
      {
        type: 'Warning',
        reason: 'Unrelated',
        message: 'other app',
        involvedObject: { kind: 'Pod', name: 'someone-else-1' },
        metadata: { name: 'e2' },
      },
    ];
    kube.state = state;
    const res = await status('--wait', '--timeout', '100ms', '--interval', '40ms');
    expect(res.code).toBe(3);
    expect(res.stdout).toContain('dev (raku-dev): UNHEALTHY');
    expect(res.stdout).toMatch(/petstore-mcp .*ImagePullBackOff: Back-off pulling image/);
    expect(res.stdout).toContain(
      'warning Pod/petstore-mcp-7d9f-0 Failed (x4): Failed to pull image: not found',
    );
    expect(res.stdout).not.toContain('someone-else');
    expect(res.stderr).toContain('error: unhealthy: dev');
  });

  it('flags pods running another digest than the build record pinned', async () => {
    const state = healthyState(config);
    const wrong = workloadObjects({
      name: 'open-meteo-mcp',
      namespace: NS,
      image: imageOf('open-meteo-mcp'),
      runningDigest: digest('b'),
      revision: config,
    });
    state.deployments[1] = wrong.deployment;
    state.pods = [
      ...state.pods.filter(
        (p) => !(p as { metadata: { name: string } }).metadata.name.startsWith('open-meteo-mcp'),
      ),
      ...wrong.pods,
    ];
    kube.state = state;
    const res = await status('--format', 'json');
    expect(res.code).toBe(3);
    const [zone] = JSON.parse(res.stdout) as {
      workloads: { deployment: string; problems: string[]; runningDigests: string[] }[];
    }[];
    const om = zone!.workloads.find((w) => w.deployment === 'open-meteo-mcp')!;
    expect(om.runningDigests).toEqual([digest('b')]);
    expect(om.problems).toEqual([`pods run ${digest('b')}, expected ${digest('a')}`]);
  });

  it('flags a Deployment still at another config revision with the right images', async () => {
    const state = healthyState(config);
    const old = `sha256:${'0'.repeat(64)}`;
    state.deployments[0] = workloadObjects({
      name: 'github-issues-mcp',
      namespace: NS,
      image: imageOf('github-issues-mcp'),
      revision: old,
    }).deployment;
    kube.state = state;
    const res = await status('--format', 'json');
    expect(res.code).toBe(3);
    const [zone] = JSON.parse(res.stdout) as ZoneHealth[];
    expect(zone).toMatchObject({ configRevision: config, sourceRevision: repo.revision, healthy: false });
    expect(Date.now() - new Date(zone!.checkedAt ?? 0).getTime()).toBeLessThan(600_000);
    expect(zone!.workloads.find((w) => w.deployment === 'github-issues-mcp')?.problems).toEqual([
      `runs config revision ${old}, expected ${config}`,
    ]);
  });

  it('checks digests but not the config revision against a build record of another commit', async () => {
    const file = path.join(repo.dir, 'out/builds/dev.json');
    const current = await readFile(file, 'utf8');
    const stale = {
      ...(JSON.parse(current) as BuildRecord),
      revision: '0123456789abcdef0123456789abcdef01234567',
    };
    await writeFile(file, serialiseBuildRecord(stale));
    try {
      const state = healthyState(`sha256:${'0'.repeat(64)}`);
      kube.state = state;
      const res = await status('--format', 'json');
      expect(res.stderr).toContain(
        'dev: the build record is of commit 0123456789abcdef0123456789abcdef01234567, this checkout is',
      );
      expect(res.code).toBe(0);
      const [zone] = JSON.parse(res.stdout) as ZoneHealth[];
      // Nothing for the promotion gate to rely on: it refuses a status without these.
      expect(zone?.configRevision).toBeUndefined();
      expect(zone?.sourceRevision).toBeUndefined();
    } finally {
      await writeFile(file, current);
    }
  });

  it('is unhealthy when the gateway /readyz fails or a Deployment is missing', async () => {
    const state = healthyState(config);
    state.readyz = { status: 503, body: '{"status":"not ready","database":"unreachable"}' };
    state.deployments = state.deployments.slice(1);
    kube.state = state;
    const res = await status();
    expect(res.code).toBe(3);
    expect(res.stdout).toMatch(/gateway \/readyz: failed HTTP 503/);
    expect(res.stdout).toMatch(/github-issues-mcp .*Deployment not found/);
  });

  it('writes the status for the promotion gate and records Deployments through the admin API', async () => {
    kube.state = healthyState(config);
    const posted: unknown[] = [];
    const traceQueries: string[] = [];
    const admin = createServer((req, res) => {
      if (req.method === 'GET' && req.url?.startsWith('/v1/traces')) {
        traceQueries.push(req.url);
        const statuses = ['ok', 'ok', 'error', 'denied', 'rate_limited'];
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ items: statuses.map((status) => ({ status })), nextCursor: null }));
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        posted.push({ url: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => admin.listen(0, '127.0.0.1', r));
    const port = (admin.address() as { port: number }).port;
    try {
      const out = path.join(repo.dir, 'status-out');
      const res = await raku(
        [
          '-C',
          repo.dir,
          'status',
          '--zone',
          'dev',
          '--kubeconfig',
          kubeconfig,
          '--output',
          out,
          '--admin-url',
          `http://127.0.0.1:${port}`,
        ],
        { RAKU_ADMIN_TOKEN: 'admin-token' },
      );
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const saved = JSON.parse(await readFile(path.join(out, 'dev.json'), 'utf8')) as ZoneHealth;
      // What the promotion gate reads: healthy, at the config revision of this commit's build record.
      expect(saved).toMatchObject({
        zone: 'dev',
        healthy: true,
        configRevision: config,
        sourceRevision: repo.revision,
      });
      expect(posted).toHaveLength(WORKLOADS.length);
      // Every record passes the gateway admin API's own request schema (POST /v1/deployments).
      for (const p of posted as { body: unknown }[]) {
        expect(checkBody('DeploymentInput', p.body)).toMatchObject({ ok: true });
      }
      expect(posted[0]).toEqual({
        url: '/v1/deployments',
        auth: 'Bearer admin-token',
        body: expect.objectContaining({
          zone: 'dev',
          health: 'healthy',
          revision: config,
          imageDigest: digest('a'),
        }),
      });
    } finally {
      await new Promise<void>((r) => admin.close(() => r()));
    }
  });

  it('rejects a bad duration and a kubeconfig without the zone context', async () => {
    expect((await status('--wait', '--timeout', 'soon')).stderr).toContain(
      '--timeout must be a duration like 90s, 10m or 1h',
    );
    const other = path.join(repo.dir, 'other-kubeconfig');
    await writeFile(other, kube.kubeconfig('prod-cluster'));
    const res = await raku(['-C', repo.dir, 'status', '--zone', 'dev', '--kubeconfig', other]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('zone dev: kubeconfig has no context "dev-cluster"');
  });

  it("refuses a kubeconfig whose cluster is not the zone's cluster.server", async () => {
    const other = await makeReleaseRepo({
      editZone: (name, zone) => {
        if (name === 'dev')
          zone['cluster'] = { server: 'https://k8s.dev.acme.example:6443', context: 'dev-cluster' };
      },
    });
    try {
      const res = await raku(['-C', other.dir, 'status', '--zone', 'dev', '--kubeconfig', kubeconfig]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(
        `zone dev: the kubeconfig points at ${kube.url}, the zone's cluster.server is https://k8s.dev.acme.example:6443`,
      );
    } finally {
      await rm(other.dir, { recursive: true, force: true });
    }
  });
});
