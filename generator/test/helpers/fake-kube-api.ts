import { createServer, type Server } from 'node:http';
import { stringify } from 'yaml';

/** The state a fake cluster reports; tests change it between checks. */
export interface FakeClusterState {
  deployments: Record<string, unknown>[];
  pods: Record<string, unknown>[];
  events: Record<string, unknown>[];
  readyz: { status: number; body: string };
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
  close(): Promise<void>;
}

/**
 * A small in-process Kubernetes API server answering only what `raku status` reads: Deployments, Pods and
 * Events of a namespace, and the gateway's /readyz through the service proxy. Everything else is a 404.
 */
export async function startFakeKubeApi(namespace: string, state: FakeClusterState): Promise<FakeKubeApi> {
  let deploymentLists = 0;
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const list = (kind: string, apiVersion: string, items: unknown[]) =>
    JSON.stringify({ kind, apiVersion, metadata: { resourceVersion: '1' }, items });
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
    if (url.pathname === `/api/v1${ns}/pods`) return json(200, list('PodList', 'v1', api.state.pods));
    if (url.pathname === `/api/v1${ns}/events`) return json(200, list('EventList', 'v1', api.state.events));
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
