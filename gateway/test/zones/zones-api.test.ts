/**
 * GET /v1/zones and the deployment-logs stream over real HTTP: the admin API as persistence wires it, on a
 * scratch Postgres database, with records posted through POST /v1/deployments and a fake Kubernetes API server
 * (the only fake: pods, events list + watch, log follow) reached through a kubeconfig file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readRepoFiles } from '../../../generator/config/src/fs/read-repo.ts';
import { loadRepo } from '../../../generator/config/src/load/load-repo.ts';
import { buildBundle } from '../../../generator/render/src/bundle/build-bundle.ts';
import type { GatewayBundle } from '../../../generator/render/src/bundle/types.ts';
import {
  type FakeKubeApi,
  startFakeKubeApi,
  workloadObjects,
} from '../../../generator/test/helpers/fake-kube-api.ts';
import { openPersistence, type Persistence } from '../../src/server/persistence.ts';
import { authorize } from '../helpers/admin-callers.ts';
import { createTestDatabase, type TestDatabase } from '../persistence/helpers/test-database.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const REV = `sha256:${'c'.repeat(64)}`;
const NAMESPACE = 'raku-dev';
/** How long vi.waitFor keeps looking (a bound for a slow machine, not a speed check). */
const WAIT = { timeout: 20_000, interval: 50 };

let database: TestDatabase;
let dir: string;
let kube: FakeKubeApi;
let bundle: GatewayBundle;
const opened: { persistence: Persistence; server: ReturnType<express.Express['listen']> }[] = [];
/** The gateway with cluster access, and one without. */
let withAccess: string;
let without: string;

async function serve(persistence: Persistence): Promise<string> {
  const app = express();
  app.use(persistence.adminRouter({ authorize, routes: () => ({}), bundle: () => bundle }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  opened.push({ persistence, server });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  bundle = buildBundle(loadRepo(await readRepoFiles(ROOT)).model, 'dev', { revision: REV });
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'raku-zones-'));
  const petstore = workloadObjects({
    name: 'petstore-mcp',
    namespace: NAMESPACE,
    image: `ghcr.io/acme/raku/petstore@sha256:${'1'.repeat(64)}`,
    revision: REV,
    replicas: 2,
  });
  const github = workloadObjects({
    name: 'github-issues-mcp',
    namespace: NAMESPACE,
    image: `ghcr.io/acme/raku/github-issues@sha256:${'2'.repeat(64)}`,
    revision: REV,
  });
  kube = await startFakeKubeApi(NAMESPACE, {
    deployments: [petstore.deployment, github.deployment],
    pods: [...petstore.pods, ...github.pods],
    events: [
      kubeEvent('e1', 'Normal', 'ScalingReplicaSet', 'Deployment', 'petstore-mcp', '2026-12-04T10:00:00Z'),
      kubeEvent('e2', 'Normal', 'Pulled', 'Pod', 'petstore-mcp-7d9f-0', '2026-12-04T10:00:05Z'),
      kubeEvent('e3', 'Warning', 'BackOff', 'Pod', 'github-issues-mcp-7d9f-0', '2026-12-04T10:00:06Z'),
    ],
    readyz: { status: 200, body: 'ok' },
    logs: {
      'petstore-mcp-7d9f-0/runtime': ['old line', 'listening on :8080'],
      'petstore-mcp-7d9f-1/runtime': ['listening on :8080'],
      'github-issues-mcp-7d9f-0/runtime': ['not this workload'],
    },
  });
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kube.kubeconfig('fake'));
  const log = () => {};
  withAccess = await serve(
    await openPersistence({
      databaseUrl: database.url,
      dataDir: dir,
      log,
      clusterAccess: { mode: 'kubeconfig', file: kubeconfig },
    }),
  );
  without = await serve(await openPersistence({ databaseUrl: database.url, dataDir: dir, log }));
});

afterAll(async () => {
  for (const { persistence, server } of opened) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await persistence.close();
  }
  await kube?.close();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

function kubeEvent(name: string, type: string, reason: string, kind: string, object: string, time: string) {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: NAMESPACE, uid: `uid-${name}`, resourceVersion: '1' },
    type,
    reason,
    message: `${reason} of ${object}`,
    involvedObject: { kind, name: object, namespace: NAMESPACE },
    count: 1,
    lastTimestamp: time,
  };
}

async function post(base: string, record: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${base}/v1/deployments`, {
    method: 'POST',
    headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
    body: JSON.stringify({ imageDigest: null, revision: REV, ...record }),
  });
  expect(res.status).toBe(201);
}

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a text/event-stream; `until` resolves once an event matching the predicate has arrived. */
async function openStream(url: string, token = 'admin-token') {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  const events: SseEvent[] = [];
  let waiting: (() => void)[] = [];
  const pump = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
        for (const w of waiting) w();
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    res,
    events,
    async until(predicate: (e: SseEvent) => boolean): Promise<SseEvent> {
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        await new Promise<void>((resolve) => waiting.push(resolve));
        waiting = [];
      }
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}

describe('GET /v1/zones', () => {
  it('answers the pipeline with the records posted through the API, for admins only', async () => {
    for (const [pack, version] of [
      ['github-issues', '1.2.0'],
      ['open-meteo', '0.3.1'],
      ['petstore', '0.9.0'],
      ['payments-crm', '1.0.0'],
      ['support-crm', '1.0.0'],
    ] as const) {
      await post(without, { zone: 'dev', workload: pack, pack, version, health: 'healthy' });
    }
    const res = await fetch(`${withAccess}/v1/zones`, { headers: { authorization: 'Bearer admin-token' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      zone: string;
      zones: { name: string; promotion: { gate: string; reason: string }; drift: { kind: string }[] }[];
    };
    expect(body.zone).toBe('dev');
    expect(body.zones.map((z) => z.name)).toEqual(['dev', 'staging', 'prod']);
    expect(body.zones[0]?.drift).toEqual([
      expect.objectContaining({
        kind: 'version',
        workload: 'petstore',
        expected: '1.0.0',
        observed: '0.9.0',
      }),
    ]);
    expect(body.zones[1]?.promotion.gate).toBe('gated');
    expect(body.zones[1]?.promotion.reason).toContain('petstore/petstore: runs 0.9.0, config says 1.0.0');

    const denied = await fetch(`${withAccess}/v1/zones`, {
      headers: { authorization: 'Bearer reader-token' },
    });
    expect(denied.status).toBe(403);
    expect((await fetch(`${withAccess}/v1/zones`)).status).toBe(401);
  });

  it('filters the deployment history by workload', async () => {
    const res = await fetch(`${withAccess}/v1/deployments?zone=dev&workload=open-meteo`, {
      headers: { authorization: 'Bearer admin-token' },
    });
    const page = (await res.json()) as { items: { workload: string }[] };
    expect(page.items.map((r) => r.workload)).toEqual(['open-meteo']);
  });
});

describe('GET /v1/zones/{zone}/workloads/{workload}/logs', () => {
  it('streams the rollout timeline, pod events and container logs, live, and lets go of the cluster when the viewer leaves', async () => {
    await post(without, {
      zone: 'dev',
      workload: 'petstore',
      pack: 'petstore',
      version: '1.0.0',
      health: 'degraded',
    });
    const stream = await openStream(`${withAccess}/v1/zones/dev/workloads/petstore/logs`);
    expect(stream.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await stream.until((e) => e.event === 'log' && e.data['pod'] === 'petstore-mcp-7d9f-1');
    await stream.until((e) => e.event === 'log' && e.data['line'] === 'listening on :8080');
    await stream.until((e) => e.event === 'k8s' && e.data['reason'] === 'Pulled');
    // The timeline: the workload's records oldest first (0.9.0 posted before the degraded 1.0.0).
    expect(
      stream.events.filter((e) => e.event === 'deployment').map((e) => [e.data['version'], e.data['health']]),
    ).toEqual([
      ['0.9.0', 'healthy'],
      ['1.0.0', 'degraded'],
    ]);
    expect(stream.events.filter((e) => e.event === 'k8s').map((e) => e.data['reason'])).toEqual([
      'ScalingReplicaSet',
      'Pulled',
    ]);
    expect(stream.events.find((e) => e.event === 'k8s')?.data).toEqual({
      type: 'Normal',
      reason: 'ScalingReplicaSet',
      message: 'ScalingReplicaSet of petstore-mcp',
      object: { kind: 'Deployment', name: 'petstore-mcp' },
      count: 1,
      time: '2026-12-04T10:00:00.000Z',
    });
    const logs = stream.events.filter((e) => e.event === 'log').map((e) => e.data);
    expect(logs).toContainEqual({ pod: 'petstore-mcp-7d9f-0', container: 'runtime', line: 'old line' });
    expect(logs.some((l) => l['line'] === 'not this workload')).toBe(false);

    // Live: a new log line, a new event of a pod, a new record posted to another replica.
    await vi.waitFor(() => expect(kube.openStreams()).toBe(3), WAIT); // the event watch and two log follows
    kube.appendLog('petstore-mcp-7d9f-0', 'runtime', 'GET /pets 200');
    await stream.until((e) => e.event === 'log' && e.data['line'] === 'GET /pets 200');
    kube.addEvent(
      kubeEvent('e4', 'Warning', 'Unhealthy', 'Pod', 'petstore-mcp-7d9f-1', '2026-12-04T10:05:00Z'),
    );
    kube.addEvent(
      kubeEvent('e5', 'Warning', 'Unhealthy', 'Pod', 'github-issues-mcp-7d9f-0', '2026-12-04T10:05:00Z'),
    );
    await stream.until((e) => e.event === 'k8s' && e.data['reason'] === 'Unhealthy');
    // A rollout's new pod: followed once its container has started.
    const next = workloadObjects({
      name: 'petstore-mcp',
      namespace: NAMESPACE,
      image: `ghcr.io/acme/raku/petstore@sha256:${'3'.repeat(64)}`,
      revision: REV,
    }).pods[0]!;
    const nextPod = { ...next, metadata: { ...(next['metadata'] as object), name: 'petstore-mcp-8a1c-0' } };
    kube.state.pods.push(nextPod);
    kube.appendLog('petstore-mcp-8a1c-0', 'runtime', 'new pod listening');
    kube.addEvent(kubeEvent('e6', 'Normal', 'Started', 'Pod', 'petstore-mcp-8a1c-0', '2026-12-04T10:06:00Z'));
    await stream.until((e) => e.event === 'log' && e.data['pod'] === 'petstore-mcp-8a1c-0');
    await post(without, {
      zone: 'dev',
      workload: 'petstore',
      pack: 'petstore',
      version: '1.0.0',
      health: 'healthy',
    });
    await stream.until(
      (e) => e.event === 'deployment' && e.data['health'] === 'healthy' && e.data['version'] === '1.0.0',
    );
    expect(
      stream.events
        .filter((e) => e.event === 'k8s' && e.data['reason'] === 'Unhealthy')
        .map((e) => e.data['object']),
    ).toEqual([{ kind: 'Pod', name: 'petstore-mcp-7d9f-1' }]);
    expect(stream.events.some((e) => e.event === 'unavailable' || e.event === 'problem')).toBe(false);

    await stream.close();
    await vi.waitFor(() => expect(kube.openStreams()).toBe(0), WAIT);
  });

  it('sends the timeline and says why there are no pod logs without cluster access', async () => {
    const stream = await openStream(`${without}/v1/zones/dev/workloads/petstore/logs`);
    const unavailable = await stream.until((e) => e.event === 'unavailable');
    expect(unavailable.data['reason']).toBe(
      'this gateway has no cluster access: set RAKU_KUBE_ACCESS=in-cluster (or kubeconfig) to follow pod events and logs',
    );
    expect(stream.events.filter((e) => e.event === 'deployment').length).toBeGreaterThanOrEqual(2);
    await stream.close();
  });

  it("leaves another zone's pods to that zone's gateway, and says when the Deployment cannot be read", async () => {
    const staging = await openStream(`${withAccess}/v1/zones/staging/workloads/petstore/logs`);
    expect((await staging.until((e) => e.event === 'unavailable')).data['reason']).toBe(
      'pod events and logs of zone staging are read by its own gateway; this one serves zone dev',
    );
    await staging.close();
    const meteo = await openStream(`${withAccess}/v1/zones/dev/workloads/open-meteo/logs`);
    expect((await meteo.until((e) => e.event === 'unavailable')).data['reason']).toBe(
      'cannot read Deployment open-meteo-mcp in namespace raku-dev: HTTP 404: deployments.apps "open-meteo-mcp" not found',
    );
    await meteo.close();
  });

  it('drops and counts what a viewer reading too slowly cannot take, instead of buffering it', async () => {
    const LINES = 1600;
    const line = (i: number) => `${String(i).padStart(6, '0')} ${'x'.repeat(7900)}`;
    // The slow viewer: a raw request whose response is paused (nothing read) while 12.8 MB of log lines arrive
    // (more than the loopback socket buffers and the 1 MiB bound hold).
    const slow = await new Promise<IncomingMessage>((resolve, reject) =>
      get(
        `${withAccess}/v1/zones/dev/workloads/petstore/logs`,
        { headers: { authorization: 'Bearer admin-token' } },
        resolve,
      ).on('error', reject),
    );
    slow.pause();
    // A viewer keeping up tells when the gateway has had every line.
    const fast = await openStream(`${withAccess}/v1/zones/dev/workloads/petstore/logs`);
    await vi.waitFor(() => expect(kube.openStreams()).toBe(8), WAIT);
    // In batches under the bound, each awaited by the fast viewer, so only the slow one falls behind.
    for (let i = 0; i < LINES; i++) {
      kube.appendLog('petstore-mcp-7d9f-0', 'runtime', line(i));
      if (i % 100 === 99) await fast.until((e) => e.event === 'log' && e.data['line'] === line(i));
    }
    expect(fast.events.some((e) => e.event === 'dropped')).toBe(false);
    await fast.close();

    const received: string[] = [];
    let dropped = 0;
    let buffer = '';
    const counted = new Promise<void>((resolve) => {
      slow.setEncoding('utf8');
      slow.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (block.startsWith('event: dropped')) dropped += JSON.parse(data ?? '{}').count;
          if (block.startsWith('event: log')) received.push(JSON.parse(data ?? '{}').line);
          end = buffer.indexOf('\n\n');
        }
        if (received.filter((l) => l.endsWith('x')).length + dropped === LINES) resolve();
      });
    });
    slow.resume();
    await counted;
    expect(dropped).toBeGreaterThan(0);
    // What arrived came in order, and the stream goes on after the drop.
    const numbers = received.filter((l) => l.endsWith('x')).map((l) => Number(l.slice(0, 6)));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    kube.appendLog('petstore-mcp-7d9f-0', 'runtime', 'after the drop');
    await vi.waitFor(() => expect(received).toContain('after the drop'), WAIT);
    slow.destroy();
    await vi.waitFor(() => expect(kube.openStreams()).toBe(0), WAIT);
  }, 120_000);

  it('answers 404 naming the zones or workloads there are, and 403 to a non-admin', async () => {
    const get = (url: string, token = 'admin-token') =>
      fetch(`${withAccess}${url}`, { headers: { authorization: `Bearer ${token}` } });
    const zone = await get('/v1/zones/qa/workloads/petstore/logs');
    expect(zone.status).toBe(404);
    expect(await zone.json()).toEqual({
      error: {
        code: 'not_found',
        message: "zone qa is not in this gateway's pipeline (zones: dev, staging, prod)",
      },
    });
    const workload = await get('/v1/zones/dev/workloads/nope/logs');
    expect(((await workload.json()) as { error: { message: string } }).error.message).toBe(
      'zone dev has no workload nope (workloads: github-issues, open-meteo, payments-crm, petstore, support-crm, raku-gateway)',
    );
    expect((await get('/v1/zones/dev/workloads/petstore/logs', 'reader-token')).status).toBe(403);
  });
});
