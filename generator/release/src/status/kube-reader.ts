import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import type { DeploymentView, EventView, PodView } from './assess-zone.ts';

/** What the status check reads from a cluster. */
export interface ZoneObjects {
  deployments: DeploymentView[];
  pods: PodView[];
  events: EventView[];
  gatewayReadyz: { ok: boolean; detail?: string } | undefined;
}

/** Label every raku workload carries (generate's standardLabels). */
export const RAKU_SELECTOR = 'app.kubernetes.io/part-of=raku';

/**
 * Adapter over @kubernetes/client-node: lists the zone's Deployments, Pods and Warning events in its namespace,
 * and asks the gateway's /readyz through the API server's service proxy (so no network path into the cluster
 * is needed beyond the API server).
 */
export async function readZoneObjects(
  kc: KubeConfig,
  namespace: string,
  gatewayService = 'raku-gateway:http',
): Promise<ZoneObjects> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const [deployments, pods, events] = await Promise.all([
    apps.listNamespacedDeployment({ namespace, labelSelector: RAKU_SELECTOR }),
    core.listNamespacedPod({ namespace, labelSelector: RAKU_SELECTOR }),
    core.listNamespacedEvent({ namespace, fieldSelector: 'type=Warning' }),
  ]);
  let gatewayReadyz: ZoneObjects['gatewayReadyz'];
  try {
    const body = await core.connectGetNamespacedServiceProxyWithPath({
      name: gatewayService,
      namespace,
      path: 'readyz',
    });
    gatewayReadyz = { ok: true, detail: summarise(body) };
  } catch (err) {
    const e = err as { code?: number; body?: unknown; message?: string };
    gatewayReadyz = {
      ok: false,
      detail: e.code ? `HTTP ${e.code} ${summarise(e.body)}`.trim() : (e.message ?? String(err)),
    };
  }
  return {
    deployments: deployments.items.map(deploymentView),
    pods: pods.items.map(podView),
    events: events.items.map((e) => ({
      type: e.type ?? '',
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.message ? { message: e.message } : {}),
      object: {
        ...(e.involvedObject.kind ? { kind: e.involvedObject.kind } : {}),
        ...(e.involvedObject.name ? { name: e.involvedObject.name } : {}),
      },
      ...(e.count !== undefined ? { count: e.count } : {}),
      ...(e.lastTimestamp ? { lastTimestamp: new Date(e.lastTimestamp).toISOString() } : {}),
    })),
    gatewayReadyz,
  };
}

function deploymentView(d: V1Deployment): DeploymentView {
  const view: DeploymentView = {
    name: d.metadata?.name ?? '',
    annotations: d.metadata?.annotations ?? {},
    desired: d.spec?.replicas ?? 1,
    updated: d.status?.updatedReplicas ?? 0,
    ready: d.status?.readyReplicas ?? 0,
    available: d.status?.availableReplicas ?? 0,
    images: (d.spec?.template.spec?.containers ?? []).map((c) => c.image ?? ''),
    conditions: (d.status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.message ? { message: c.message } : {}),
      ...(c.lastTransitionTime ? { lastTransitionTime: new Date(c.lastTransitionTime).toISOString() } : {}),
    })),
  };
  if (d.metadata?.generation !== undefined) view.generation = d.metadata.generation;
  if (d.status?.observedGeneration !== undefined) view.observedGeneration = d.status.observedGeneration;
  return view;
}

function podView(p: V1Pod): PodView {
  const statuses = p.status?.containerStatuses ?? [];
  return {
    name: p.metadata?.name ?? '',
    labels: p.metadata?.labels ?? {},
    ...(p.status?.phase ? { phase: p.status.phase } : {}),
    containers: statuses.map((c) => ({
      name: c.name,
      image: c.image,
      ...(c.imageID ? { imageID: c.imageID } : {}),
      ready: c.ready,
      ...(c.state?.waiting
        ? {
            waiting: {
              ...(c.state.waiting.reason ? { reason: c.state.waiting.reason } : {}),
              ...(c.state.waiting.message ? { message: c.state.waiting.message } : {}),
            },
          }
        : {}),
    })),
  };
}

function summarise(body: unknown): string {
  const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
