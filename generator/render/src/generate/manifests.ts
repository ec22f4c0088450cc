/**
 * Kubernetes objects as plain data. Every builder returns objects; serialisation happens once, in
 * render-zone.ts. Every pod meets the restricted Pod Security Standard and more (read-only root filesystem,
 * no service-account token, requests and limits, distinct liveness and readiness probes).
 */
import type { EnvEntry } from './workload-spec.ts';

export type K8sObject = Record<string, unknown> & { apiVersion: string; kind: string };

/** The user every Raku container runs as (the runtime contract; distroless "nonroot"). */
export const RUNTIME_UID = 65532;
export const HTTP_PORT = 8080;

export interface Meta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function standardLabels(opts: {
  name: string;
  zone: string;
  component: 'pack-server' | 'gateway';
  version?: string;
}): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': opts.name,
    'app.kubernetes.io/instance': `${opts.name}-${opts.zone}`.slice(0, 63).replace(/-+$/, ''),
    'app.kubernetes.io/component': opts.component,
    'app.kubernetes.io/part-of': 'raku',
    'app.kubernetes.io/managed-by': 'raku',
  };
  if (opts.version !== undefined) labels['app.kubernetes.io/version'] = labelValue(opts.version);
  return labels;
}

/** The labels that select a workload's pods: stable across versions (a Deployment's selector is immutable). */
export function selectorLabels(labels: Record<string, string>): Record<string, string> {
  return {
    'app.kubernetes.io/name': labels['app.kubernetes.io/name'] ?? '',
    'app.kubernetes.io/instance': labels['app.kubernetes.io/instance'] ?? '',
    'app.kubernetes.io/component': labels['app.kubernetes.io/component'] ?? '',
  };
}

/** Label values: at most 63 of [A-Za-z0-9_.-], starting and ending alphanumeric. */
export function labelValue(s: string): string {
  return s
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

function metadata(meta: Meta, withAnnotations = true): Record<string, unknown> {
  return {
    name: meta.name,
    namespace: meta.namespace,
    labels: meta.labels,
    ...(withAnnotations && { annotations: meta.annotations }),
  };
}

export function serviceAccount(meta: Meta): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: metadata(meta),
    automountServiceAccountToken: false,
  };
}

export function configMap(meta: Meta, data: Record<string, string>): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(meta), data };
}

export function service(meta: Meta, selector: Record<string, string>): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(meta),
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', port: HTTP_PORT, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

export interface PodSpecInput {
  serviceAccountName: string;
  image: string;
  env: EnvEntry[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  /** ConfigMap mounted read-only at mountPath. */
  config: { configMap: string; mountPath: string; items: string[] };
  /** Pod-template annotations (config hash, so a changed ConfigMap rolls the pods). */
  podAnnotations: Record<string, string>;
}

export function deployment(meta: Meta, selector: Record<string, string>, pod: PodSpecInput): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(meta),
    spec: {
      // No replicas: the HorizontalPodAutoscaler owns the count, so GitOps sync never fights it.
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: meta.labels,
          annotations: { ...podTemplateAnnotations(meta), ...pod.podAnnotations },
        },
        spec: podSpec(pod),
      },
    },
  };
}

/**
 * The object's annotations minus the config revision: a new commit that changes nothing a pod runs must not
 * roll the pods (the config hash annotation rolls them when their config does change).
 */
function podTemplateAnnotations(meta: Meta): Record<string, string> {
  const { [REVISION_ANNOTATION]: _revision, ...rest } = meta.annotations;
  return rest;
}

export const REVISION_ANNOTATION = 'raku.dev/config-revision';

function podSpec(pod: PodSpecInput): Record<string, unknown> {
  return {
    serviceAccountName: pod.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: 30,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUNTIME_UID,
      runAsGroup: RUNTIME_UID,
      fsGroup: RUNTIME_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'server',
        image: pod.image,
        imagePullPolicy: 'IfNotPresent',
        ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }],
        env: pod.env.map(envVar),
        resources: pod.resources,
        // Liveness asks only "is the process up"; readiness also checks config (and Postgres, for the gateway).
        livenessProbe: {
          httpGet: { path: '/healthz', port: 'http' },
          initialDelaySeconds: 5,
          periodSeconds: 10,
          timeoutSeconds: 2,
          failureThreshold: 3,
        },
        readinessProbe: {
          httpGet: { path: '/readyz', port: 'http' },
          periodSeconds: 5,
          timeoutSeconds: 2,
          failureThreshold: 2,
        },
        securityContext: {
          allowPrivilegeEscalation: false,
          privileged: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: RUNTIME_UID,
          runAsGroup: RUNTIME_UID,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
        volumeMounts: [
          { name: 'config', mountPath: pod.config.mountPath, readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
    ],
    volumes: [
      {
        name: 'config',
        configMap: { name: pod.config.configMap, items: pod.config.items.map((key) => ({ key, path: key })) },
      },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ],
  };
}

function envVar(e: EnvEntry): Record<string, unknown> {
  if (e.secret) {
    return {
      name: e.name,
      valueFrom: {
        secretKeyRef: {
          name: e.secret.name,
          key: e.secret.key,
          ...(e.secret.optional !== undefined && { optional: e.secret.optional }),
        },
      },
    };
  }
  return { name: e.name, value: e.value ?? '' };
}

export function horizontalPodAutoscaler(
  meta: Meta,
  target: string,
  scale: { min: number; max: number; cpu: number },
): K8sObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(meta),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      minReplicas: scale.min,
      maxReplicas: scale.max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: scale.cpu } },
        },
      ],
    },
  };
}

export function podDisruptionBudget(meta: Meta, selector: Record<string, string>): K8sObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(meta),
    // maxUnavailable (not minAvailable) so a single-replica workload never blocks a node drain.
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  };
}
