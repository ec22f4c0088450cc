/**
 * Adapter over @kubernetes/client-node 1.x: a workload's pod events and container logs, followed live, for the
 * deployment-logs stream (workload-logs.ts). The gateway reads its own zone's namespace only, with the
 * Kubernetes access the operator opted into (RAKU_KUBE_ACCESS; see docs/gateway.md for the RBAC it needs):
 * get Deployments, list and get Pods, list and watch Events, get pods/log.
 *
 * The workload's Deployment gives the label selector of its pods; the pods running when the stream starts are
 * followed, then each pod of the workload whose container starts later (a `Started` event: a rollout's new
 * pods), at most `maxPods` at a time. Events are those whose object is the Deployment, one of its ReplicaSets
 * or pods (named '<deployment>-…').
 *
 * Loaded only when the operator opted in (cluster-access.ts imports it on demand): @kubernetes/client-node
 * takes about two seconds to import, which no gateway without cluster access should pay at start.
 */

import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import {
  AppsV1Api,
  CoreV1Api,
  type CoreV1Event,
  KubeConfig,
  Log,
  type V1Pod,
  Watch,
} from '@kubernetes/client-node';
import { describeKubeError as describe } from './cluster-access.ts';
import type { ClusterAccess, ClusterLogs, PodEvent } from './cluster-types.ts';

export function loadKubeConfig(access: ClusterAccess): KubeConfig {
  const kc = new KubeConfig();
  if (access.mode === 'in-cluster') kc.loadFromCluster();
  else if (access.file) kc.loadFromFile(access.file);
  else kc.loadFromDefault();
  if (access.mode === 'kubeconfig' && access.context) {
    const known = kc.getContexts().map((c) => c.name);
    if (!known.includes(access.context)) {
      throw new Error(
        `context "${access.context}" is not in the kubeconfig (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(access.context);
  }
  return kc;
}

export function createClusterLogs(kc: KubeConfig): ClusterLogs {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  return {
    async follow({ namespace, deployment }, handlers, limits = {}) {
      const maxLine = limits.maxLineLength ?? 8192;
      const d = await apps.readNamespacedDeployment({ name: deployment, namespace });
      const labels = d.spec?.selector.matchLabels ?? {};
      const labelSelector = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const maxPods = limits.maxPods ?? 5;
      const pods = (await core.listNamespacedPod({ namespace, labelSelector })).items.slice(0, maxPods);
      const mine = (name: string | undefined) =>
        name !== undefined && (name === deployment || name.startsWith(`${deployment}-`));
      const stops = new Set<() => void>();
      let stopped = false;

      // Container logs: the pods running now, and each pod of the workload whose container starts later (a
      // rollout's new pods), as long as fewer than maxPods are followed.
      const log = new Log(kc);
      const followed = new Set<string>();
      const followPod = async (pod: V1Pod) => {
        const podName = pod.metadata?.name ?? '';
        if (followed.has(podName) || followed.size >= maxPods) return;
        followed.add(podName);
        let open = 0;
        for (const container of containersOf(pod)) {
          const stream = new PassThrough();
          const lines = createInterface({ input: stream });
          lines.on('line', (line) =>
            handlers.log({
              pod: podName,
              container,
              line: line.length > maxLine ? `${line.slice(0, maxLine)}…` : line,
            }),
          );
          try {
            const controller = await log.log(namespace, podName, container, stream, {
              follow: true,
              tailLines: limits.tailLines ?? 100,
            });
            const stop = () => {
              controller.abort();
              stream.destroy();
            };
            if (stopped) stop();
            else stops.add(stop);
            open++;
            // The API server ends a follow when the container stops: the pod's place is free again.
            stream.on('close', () => {
              stops.delete(stop);
              if (--open === 0) followed.delete(podName);
            });
          } catch (err) {
            handlers.problem(`logs of ${podName}/${container}: ${describe(err)}`);
          }
        }
        if (open === 0) followed.delete(podName);
      };
      const followStarted = async (name: string) => {
        try {
          await followPod(await core.readNamespacedPod({ name, namespace }));
        } catch (err) {
          handlers.problem(`pod ${name}: ${describe(err)}`);
        }
      };

      const listed = await core.listNamespacedEvent({ namespace });
      const seen = new Set<string>();
      const send = (e: CoreV1Event, live: boolean) => {
        if (!mine(e.involvedObject.name)) return;
        // A MODIFIED event (count grew) is sent again; the same version twice is not.
        const id = `${e.metadata.uid ?? e.metadata.name}/${e.metadata.resourceVersion ?? ''}`;
        if (seen.has(id)) return;
        seen.add(id);
        handlers.event(podEvent(e));
        const name = e.involvedObject.name as string;
        if (live && e.involvedObject.kind === 'Pod' && e.reason === 'Started' && !followed.has(name)) {
          void followStarted(name);
        }
      };
      const history = [...listed.items].sort((a, b) => cmp(eventTime(a) ?? '', eventTime(b) ?? ''));
      for (const e of history) send(e, false);

      const watch = new Watch(kc);
      let resourceVersion = listed.metadata?._continue ? undefined : listed.metadata?.resourceVersion;
      const startWatch = async () => {
        const controller = await watch.watch(
          `/api/v1/namespaces/${namespace}/events`,
          resourceVersion ? { resourceVersion } : {},
          (type, object: CoreV1Event) => {
            // ERROR: the version is too old (410 Gone); the next watch starts from now.
            if (type === 'ERROR') resourceVersion = undefined;
            else if (object?.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
            if (type === 'ADDED' || type === 'MODIFIED') send(object, true);
          },
          (err) => {
            stops.delete(stopWatch);
            if (stopped) return;
            // The API server ends watches after a while; start again from the last version seen.
            if (err) handlers.problem(`event watch ended: ${(err as Error).message ?? err}; watching again`);
            setTimeout(
              () => {
                if (!stopped) startWatch().catch((e) => handlers.problem(`event watch: ${String(e)}`));
              },
              err ? 2000 : 0,
            ).unref();
          },
        );
        const stopWatch = () => controller.abort();
        if (stopped) stopWatch();
        else stops.add(stopWatch);
      };
      await startWatch();
      for (const pod of pods) await followPod(pod);
      return () => {
        stopped = true;
        for (const stop of stops) stop();
      };
    },
  };
}

function containersOf(pod: V1Pod): string[] {
  return (pod.spec?.containers ?? []).map((c) => c.name);
}

function podEvent(e: CoreV1Event): PodEvent {
  return {
    type: e.type ?? '',
    reason: e.reason ?? '',
    message: e.message ?? '',
    object: { kind: e.involvedObject.kind ?? '', name: e.involvedObject.name ?? '' },
    count: e.count ?? 1,
    time: eventTime(e) ?? null,
  };
}

function eventTime(e: CoreV1Event): string | undefined {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp;
  return t ? new Date(t).toISOString() : undefined;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
