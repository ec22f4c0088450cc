import { createServer, type Server, type ServerResponse } from 'node:http';
import { stringify } from 'yaml';

/** The state a fake cluster reports; tests change it between checks. */
export interface FakeClusterState {
  deployments: Record<string, unknown>[];
  pods: Record<string, unknown>[];
  events: Record<string, unknown>[];
  readyz: { status: number; body: string };
  /** Container logs by '<pod>/<container>', one entry per line (without the newline). */
  logs?: Record<string, string[]>;
}

export interface FakeKubeApi {
  url: string;
  state: FakeClusterState;
  /** Every request: method, path with query, Authorization header. */
  requests: { method: string; url: string; authorization?: string }[];
  /** Called before answering a Deployment list, with how many were answered before: lets a rollout progress. */
  onDeploymentList?: (count: number, state: FakeClusterState) => void;
  /** A kubeconfig (YAML) pointing at this server with a bearer token, context `context`. */
  kubeconfig(context: string): string;
  /**
   * Adds an event to the namespace as the API server would: a new resourceVersion, listed from now on and sent
   * as ADDED to every open watch of the namespace's events whose field selector it matches.
   */
  addEvent(event: Record<string, unknown>): void;
  /** Appends a line to a container's log, written at once to every follow of that log. */
  appendLog(pod: string, container: string, line: string): void;
  /** Watches and log follows open now (they stay open until the client goes or close()). */
  openStreams(): number;
  close(): Promise<void>;
}

/**
 * A small in-process Kubernetes API server answering only what `raku status` and the gateway's deployment-logs
 * stream read: Deployments (list, get), Pods (list by label selector, get), Events (list and watch, by field
 * selector), a container's log (tail, follow: a chunked response that stays open) and the gateway's /readyz
 * through the service proxy, at the real API's paths and in its formats. Everything else is a 404 Status.
 */
export async function startFakeKubeApi(namespace: string, state: FakeClusterState): Promise<FakeKubeApi> {
  let deploymentLists = 0;
  let resourceVersion = 1;
  const watches = new Set<{ res: ServerResponse; fields: Selector }>();
  const follows = new Set<{ res: ServerResponse; key: string }>();
  const api: Omit<FakeKubeApi, 'url'> & { url: string } = {
    url: '',
    state,
    requests: [],
    kubeconfig: (context) =>
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        // client-node talks plain HTTP only with TLS verification off; the fake is plain HTTP on loopback.
        clusters: [{ name: 'fake', cluster: { server: api.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'raku', user: { token: 'kube-token' } }],
        contexts: [{ name: context, context: { cluster: 'fake', user: 'raku', namespace } }],
        'current-context': context,
      }),
    addEvent(event) {
      const stamped = withVersion(event, String(++resourceVersion));
      api.state.events.push(stamped);
      for (const w of watches) {
        if (matches(w.fields, fieldsOf(stamped)))
          w.res.write(`${JSON.stringify({ type: 'ADDED', object: stamped })}\n`);
      }
    },
    appendLog(pod, container, line) {
      const key = `${pod}/${container}`;
      api.state.logs ??= {};
      const lines = api.state.logs[key] ?? [];
      lines.push(line);
      api.state.logs[key] = lines;
      for (const f of follows) if (f.key === key) f.res.write(`${line}\n`);
    },
    openStreams: () => watches.size + follows.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of watches) w.res.end();
        for (const f of follows) f.res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const notFound = (res: ServerResponse, message: string) =>
    res.writeHead(404, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason: 'NotFound',
        code: 404,
      }),
    );
  const list = (kind: string, apiVersion: string, items: unknown[]) =>
    JSON.stringify({ kind, apiVersion, metadata: { resourceVersion: String(resourceVersion) }, items });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    api.requests.push({
      method: req.method ?? '',
      url: `${url.pathname}${url.search}`,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    const json = (status: number, body: string) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    const ns = `/namespaces/${namespace}`;
    if (url.pathname === `/apis/apps/v1${ns}/deployments`) {
      api.onDeploymentList?.(deploymentLists++, api.state);
      return json(200, list('DeploymentList', 'apps/v1', api.state.deployments));
    }
    const deploymentPath = new RegExp(`^/apis/apps/v1${ns}/deployments/([^/]+)$`).exec(url.pathname);
    if (deploymentPath) {
      const name = decodeURIComponent(deploymentPath[1] as string);
      const found = api.state.deployments.find((d) => metaOf(d).name === name);
      if (!found) return notFound(res, `deployments.apps "${name}" not found`);
      return json(200, JSON.stringify(found));
    }
    if (url.pathname === `/api/v1${ns}/pods`) {
      const labels = parseSelector(url.searchParams.get('labelSelector'));
      const pods = api.state.pods.filter((p) => matches(labels, metaOf(p).labels ?? {}));
      return json(200, list('PodList', 'v1', pods));
    }
    if (url.pathname === `/api/v1${ns}/events`) {
      const fields = parseSelector(url.searchParams.get('fieldSelector'));
      const events = api.state.events.filter((e) => matches(fields, fieldsOf(e)));
      if (url.searchParams.get('watch') !== 'true') return json(200, list('EventList', 'v1', events));
      // A watch: the events after the version asked for, then every new one, until the client goes.
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders(); // as the API server does: the client's request resolves before any event
      const since = Number(url.searchParams.get('resourceVersion') ?? resourceVersion);
      for (const e of events) {
        if (Number(metaOf(e).resourceVersion ?? 0) > since)
          res.write(`${JSON.stringify({ type: 'ADDED', object: e })}\n`);
      }
      const watch = { res, fields };
      watches.add(watch);
      res.on('close', () => watches.delete(watch));
      return;
    }
    const podPath = new RegExp(`^/api/v1${ns}/pods/([^/]+)$`).exec(url.pathname);
    if (podPath) {
      const name = decodeURIComponent(podPath[1] as string);
      const pod = api.state.pods.find((p) => metaOf(p).name === name);
      if (!pod) return notFound(res, `pods "${name}" not found`);
      return json(200, JSON.stringify(pod));
    }
    const logPath = new RegExp(`^/api/v1${ns}/pods/([^/]+)/log$`).exec(url.pathname);
    if (logPath) {
      const podName = decodeURIComponent(logPath[1] as string);
      const pod = api.state.pods.find((p) => metaOf(p).name === podName);
      if (!pod) return notFound(res, `pods "${podName}" not found`);
      const containers = (
        (pod['spec'] as { containers?: { name: string }[] } | undefined)?.containers ?? []
      ).map((c) => c.name);
      const container =
        url.searchParams.get('container') ?? (containers.length === 1 ? containers[0] : undefined);
      if (!container || !containers.includes(container)) {
        return res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `container ${container ?? '(none)'} is not valid for pod ${podName}`,
            reason: 'BadRequest',
            code: 400,
          }),
        );
      }
      const key = `${podName}/${container}`;
      const lines = api.state.logs?.[key] ?? [];
      const tail = Number(url.searchParams.get('tailLines') ?? lines.length);
      res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      for (const line of lines.slice(Math.max(0, lines.length - tail))) res.write(`${line}\n`);
      if (url.searchParams.get('follow') !== 'true') return res.end();
      const follow = { res, key };
      follows.add(follow);
      res.on('close', () => follows.delete(follow));
      return;
    }
    // The client encodes the ':' of 'raku-gateway:http'; the API server decodes it.
    if (decodeURIComponent(url.pathname) === `/api/v1${ns}/services/raku-gateway:http/proxy/readyz`) {
      return res
        .writeHead(api.state.readyz.status, { 'content-type': 'application/json' })
        .end(api.state.readyz.body);
    }
    return json(
      404,
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  api.url = `http://127.0.0.1:${address.port}`;
  return api as FakeKubeApi;
}

type Selector = [string, string][];

/** 'a=b,c==d' (equality terms only: what the gateway and raku status send). */
function parseSelector(raw: string | null): Selector {
  if (!raw) return [];
  return raw.split(',').map((term) => {
    const [key, value] = term.split(/==?/) as [string, string | undefined];
    if (value === undefined) throw new Error(`fake kube API: unsupported selector term "${term}"`);
    return [key.trim(), value.trim()];
  });
}

function matches(selector: Selector, values: Record<string, string | undefined>): boolean {
  return selector.every(([key, value]) => values[key] === value);
}

function metaOf(o: Record<string, unknown>): {
  name?: string;
  labels?: Record<string, string>;
  resourceVersion?: string;
} {
  return (o['metadata'] ?? {}) as ReturnType<typeof metaOf>;
}

/** The fields an Event can be selected by, as the API server indexes them. */
function fieldsOf(e: Record<string, unknown>): Record<string, string | undefined> {
  const involved = (e['involvedObject'] ?? {}) as { kind?: string; name?: string };
  return {
    type: e['type'] as string | undefined,
    reason: e['reason'] as string | undefined,
    'involvedObject.kind': involved.kind,
    'involvedObject.name': involved.name,
    'metadata.name': metaOf(e).name,
  };
}

function withVersion(o: Record<string, unknown>, resourceVersion: string): Record<string, unknown> {
  return { ...o, metadata: { ...metaOf(o), resourceVersion } };
}

/** A Deployment and its pods as the API reports them for a workload running `image` (repository@digest). */
export function workloadObjects(options: {
  name: string;
  namespace: string;
  image: string;
  runningDigest?: string;
  replicas?: number;
  ready?: number;
  revision: string;
  waiting?: { reason: string; message: string };
  availableSince?: string;
}): { deployment: Record<string, unknown>; pods: Record<string, unknown>[] } {
  const replicas = options.replicas ?? 1;
  const ready = options.ready ?? replicas;
  const digest = options.runningDigest ?? options.image.split('@')[1];
  const labels = { 'app.kubernetes.io/name': options.name, 'app.kubernetes.io/part-of': 'raku' };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      generation: 2,
      labels,
      annotations: { 'raku.dev/config-revision': options.revision },
    },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'runtime', image: options.image }] } },
    },
    status: {
      observedGeneration: 2,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      conditions: [
        {
          type: 'Available',
          status: ready === replicas ? 'True' : 'False',
          lastTransitionTime: options.availableSince ?? '2026-11-24T00:00:00Z',
          reason: 'MinimumReplicasAvailable',
        },
      ],
    },
  };
  const pods = Array.from({ length: replicas }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${options.name}-7d9f-${i}`, namespace: options.namespace, labels },
    spec: { containers: [{ name: 'runtime', image: options.image }] },
    status: {
      phase: i < ready ? 'Running' : 'Pending',
      containerStatuses: [
        {
          name: 'runtime',
          image: options.image,
          imageID: i < ready ? `${options.image.split('@')[0]}@${digest}` : '',
          ready: i < ready,
          restartCount: 0,
          state:
            i < ready
              ? { running: { startedAt: '2026-11-24T00:00:00Z' } }
              : { waiting: options.waiting ?? { reason: 'ContainerCreating' } },
        },
      ],
    },
  }));
  return { deployment, pods };
}
