import type { ErrorRate } from '@raku/render';

/**
 * Health of a zone from what the Kubernetes API reports. Pure: the adapter (kube-reader.ts) fetches the
 * objects, this decides. The shapes below are the few fields used, as the API returns them.
 */

export interface DeploymentView {
  name: string;
  annotations: Record<string, string>;
  generation?: number;
  observedGeneration?: number;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  /** Images of the pod template's containers. */
  images: string[];
  conditions: {
    type: string;
    status: string;
    reason?: string;
    message?: string;
    lastTransitionTime?: string;
  }[];
}

export interface PodView {
  name: string;
  labels: Record<string, string>;
  phase?: string;
  containers: {
    name: string;
    image: string;
    /** As the kubelet reports it, e.g. 'ghcr.io/acme/raku/petstore@sha256:…' or 'docker-pullable://…@sha256:…'. */
    imageID?: string;
    ready: boolean;
    waiting?: { reason?: string; message?: string };
  }[];
}

export interface EventView {
  type: string;
  reason?: string;
  message?: string;
  object: { kind?: string; name?: string };
  count?: number;
  lastTimestamp?: string;
}

/** The workloads a zone should run: Deployment name → expected image (repository@digest) when known. */
export interface ExpectedWorkload {
  workload: string;
  deployment: string;
  packs: { name: string; version: string }[];
  image?: string;
  /** The zone's config revision when rendered with the build record's images (every workload records it). */
  revision?: string;
}

export interface WorkloadHealth {
  workload: string;
  deployment: string;
  desired: number;
  updated: number;
  ready: number;
  expectedImage?: string;
  runningDigests: string[];
  revision?: string;
  readySince?: string;
  healthy: boolean;
  problems: string[];
}

export interface ZoneHealth {
  zone: string;
  namespace: string;
  healthy: boolean;
  workloads: WorkloadHealth[];
  /** Recent Warning events of the zone's workloads. */
  warnings: { object: string; reason: string; message: string; count: number }[];
  gateway: { readyz: 'ok' | 'failed' | 'unknown'; detail?: string };
  /**
   * The config revision the zone should run: that of its rendering with the build record's images. Absent
   * without a build record (then digests and revisions are not compared).
   */
  configRevision?: string;
  /**
   * The commit whose config and build record the expectation comes from (the promotion gate compares it with
   * its own); absent when there was no build record of the checkout's commit.
   */
  sourceRevision?: string;
  /** When `raku status` took this status (the promotion gate refuses an old one). */
  checkedAt?: string;
  /** The latest time a workload became available: the zone has been ready since then. */
  readySince?: string;
  /** Share of failed tool calls in the gateway's recent traces, when read (raku status --admin-url). */
  errorRate?: ErrorRate;
  problems: string[];
}

/** Waiting reasons that will not resolve by waiting: reported as they are. */
const STUCK = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/**
 * Decides the health of each expected workload: replicas desired vs updated vs ready, the image digests the
 * pods actually run vs the digest the build record pinned, the config revision its Deployment records vs the
 * one the zone renders to, pods stuck (image pull errors, crash loops), and the gateway's /readyz. A zone is
 * healthy when every workload is and /readyz answered ok.
 */
export function assessZone(input: {
  zone: string;
  namespace: string;
  expected: readonly ExpectedWorkload[];
  deployments: readonly DeploymentView[];
  pods: readonly PodView[];
  events: readonly EventView[];
  gatewayReadyz: { ok: boolean; detail?: string } | undefined;
}): ZoneHealth {
  const workloads = input.expected.map((exp) => assessWorkload(exp, input));
  const names = new Set(input.expected.map((e) => e.deployment));
  const warnings = input.events
    .filter((e) => e.type === 'Warning' && e.object.name && ownedBy(e.object.name, names))
    .map((e) => ({
      object: `${e.object.kind ?? 'Object'}/${e.object.name}`,
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.count ?? 1,
    }));
  const problems = workloads.flatMap((w) => w.problems.map((p) => `${w.deployment}: ${p}`));
  const gateway: ZoneHealth['gateway'] = input.gatewayReadyz
    ? {
        readyz: input.gatewayReadyz.ok ? 'ok' : 'failed',
        ...(input.gatewayReadyz.detail ? { detail: input.gatewayReadyz.detail } : {}),
      }
    : { readyz: 'unknown' };
  if (gateway.readyz !== 'ok')
    problems.push(`gateway /readyz: ${gateway.readyz}${gateway.detail ? ` (${gateway.detail})` : ''}`);
  const times = workloads.map((w) => w.readySince);
  const readySince =
    times.every((t): t is string => t !== undefined) && times.length > 0 ? times.sort().at(-1) : undefined;
  const health: ZoneHealth = {
    zone: input.zone,
    namespace: input.namespace,
    healthy: problems.length === 0,
    workloads,
    warnings,
    gateway,
    problems,
  };
  const expectedRevision = input.expected.find((e) => e.revision)?.revision;
  if (expectedRevision) health.configRevision = expectedRevision;
  if (readySince) health.readySince = readySince;
  return health;
}

function assessWorkload(
  exp: ExpectedWorkload,
  input: { deployments: readonly DeploymentView[]; pods: readonly PodView[] },
): WorkloadHealth {
  const d = input.deployments.find((x) => x.name === exp.deployment);
  const base = {
    workload: exp.workload,
    deployment: exp.deployment,
    ...(exp.image ? { expectedImage: exp.image } : {}),
  };
  if (!d) {
    return {
      ...base,
      desired: 0,
      updated: 0,
      ready: 0,
      runningDigests: [],
      healthy: false,
      problems: ['Deployment not found'],
    };
  }
  const problems: string[] = [];
  if (
    d.observedGeneration !== undefined &&
    d.generation !== undefined &&
    d.observedGeneration < d.generation
  ) {
    problems.push(`generation ${d.generation} not yet observed by the controller`);
  }
  if (d.updated < d.desired || d.ready < d.desired || d.available < d.desired) {
    problems.push(`rolling out: ${d.updated}/${d.desired} updated, ${d.ready}/${d.desired} ready`);
  }
  const progressing = d.conditions.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False')
    problems.push(`${progressing.reason ?? 'not progressing'}: ${progressing.message ?? ''}`.trim());
  const pods = input.pods.filter(
    (p) => p.labels['app.kubernetes.io/name'] === exp.deployment || p.name.startsWith(`${exp.deployment}-`),
  );
  const stuck = new Set<string>();
  for (const pod of pods) {
    for (const c of pod.containers) {
      const reason = c.waiting?.reason;
      if (reason && STUCK.has(reason)) stuck.add(`${reason}: ${c.waiting?.message ?? c.image}`);
    }
  }
  problems.push(...[...stuck].sort());
  const expectedDigest = exp.image?.split('@')[1];
  if (expectedDigest && !d.images.some((i) => i.endsWith(`@${expectedDigest}`))) {
    problems.push(`Deployment image is ${d.images.join(', ')}, expected ${exp.image}`);
  }
  const running = [
    ...new Set(
      pods
        .flatMap((p) =>
          p.containers.filter((c) => c.ready).map((c) => digestOf(c.imageID) ?? digestOf(c.image)),
        )
        .filter((x): x is string => !!x),
    ),
  ].sort();
  if (expectedDigest) {
    const wrong = running.filter((r) => r !== expectedDigest);
    if (wrong.length > 0) problems.push(`pods run ${wrong.join(', ')}, expected ${expectedDigest}`);
  }
  const revision = d.annotations['raku.dev/config-revision'];
  if (exp.revision && revision !== exp.revision) {
    // Same images, other config (a policy or a pack's settings): the rollout is not merged or not synced yet.
    problems.push(`runs config revision ${revision ?? '(none)'}, expected ${exp.revision}`);
  }
  const available = d.conditions.find((c) => c.type === 'Available' && c.status === 'True');
  const result: WorkloadHealth = {
    ...base,
    desired: d.desired,
    updated: d.updated,
    ready: d.ready,
    runningDigests: running,
    healthy: problems.length === 0,
    problems,
  };
  if (revision) result.revision = revision;
  if (problems.length === 0 && available?.lastTransitionTime)
    result.readySince = available.lastTransitionTime;
  return result;
}

function digestOf(ref: string | undefined): string | undefined {
  const m = ref ? /sha256:[a-f0-9]{64}/.exec(ref) : null;
  return m ? m[0] : undefined;
}

/** Events about a Deployment, its ReplicaSets ('<name>-<hash>') and pods ('<name>-<hash>-<id>'). */
function ownedBy(object: string, deployments: Set<string>): boolean {
  for (const d of deployments) if (object === d || object.startsWith(`${d}-`)) return true;
  return false;
}
