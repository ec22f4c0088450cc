import { describe, expect, it } from 'vitest';
import { assessZone, type DeploymentView, type PodView } from './assess-zone.ts';

const D = `sha256:${'a'.repeat(64)}`;
const image = `ghcr.io/acme/raku/petstore@${D}`;

function deployment(overrides: Partial<DeploymentView> = {}): DeploymentView {
  return {
    name: 'petstore-mcp',
    annotations: { 'raku.dev/config-revision': 'r1' },
    generation: 3,
    observedGeneration: 3,
    desired: 2,
    updated: 2,
    ready: 2,
    available: 2,
    images: [image],
    conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2026-11-24T10:00:00.000Z' }],
    ...overrides,
  };
}

function pod(name: string, overrides: Partial<PodView['containers'][number]> = {}): PodView {
  return {
    name,
    labels: { 'app.kubernetes.io/name': 'petstore-mcp' },
    containers: [
      {
        name: 'runtime',
        image,
        imageID: `docker-pullable://ghcr.io/acme/raku/petstore@${D}`,
        ready: true,
        ...overrides,
      },
    ],
  };
}

const assess = (deployments: DeploymentView[], pods: PodView[], readyz = true) =>
  assessZone({
    zone: 'dev',
    namespace: 'raku-dev',
    expected: [{ workload: 'petstore', deployment: 'petstore-mcp', packs: [], image }],
    deployments,
    pods,
    events: [],
    gatewayReadyz: { ok: readyz },
  });

describe('assessZone', () => {
  it('is healthy when replicas are ready, pods run the pinned digest and /readyz answers', () => {
    const h = assess([deployment()], [pod('petstore-mcp-1'), pod('petstore-mcp-2')]);
    expect(h.healthy).toBe(true);
    expect(h.readySince).toBe('2026-11-24T10:00:00.000Z');
    expect(h.workloads[0]).toMatchObject({ revision: 'r1', runningDigests: [D], problems: [] });
  });

  it('reports a generation the controller has not observed and a rollout that stopped progressing', () => {
    const h = assess(
      [
        deployment({
          observedGeneration: 2,
          updated: 1,
          conditions: [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: 'ReplicaSet "petstore-mcp-7d9f" has timed out progressing.',
            },
          ],
        }),
      ],
      [pod('petstore-mcp-1')],
    );
    expect(h.healthy).toBe(false);
    expect(h.workloads[0]!.problems).toEqual([
      'generation 3 not yet observed by the controller',
      'rolling out: 1/2 updated, 2/2 ready',
      'ProgressDeadlineExceeded: ReplicaSet "petstore-mcp-7d9f" has timed out progressing.',
    ]);
    expect(h.readySince).toBeUndefined();
  });

  it('names crash-looping pods once per reason and ignores pods still being created', () => {
    const crashing = {
      ready: false,
      waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' },
    };
    const h = assess(
      [deployment({ ready: 0, available: 0 })],
      [
        pod('petstore-mcp-1', crashing),
        pod('petstore-mcp-2', crashing),
        pod('petstore-mcp-3', { ready: false, waiting: { reason: 'ContainerCreating' } }),
      ],
    );
    expect(h.workloads[0]!.problems).toEqual([
      'rolling out: 2/2 updated, 0/2 ready',
      'CrashLoopBackOff: back-off 40s restarting failed container',
    ]);
  });

  it('flags a Deployment whose template is not pinned to the expected digest', () => {
    const h = assess(
      [deployment({ images: ['ghcr.io/acme/raku/petstore:rev-abc'] })],
      [pod('petstore-mcp-1')],
    );
    expect(h.workloads[0]!.problems).toEqual([
      `Deployment image is ghcr.io/acme/raku/petstore:rev-abc, expected ${image}`,
    ]);
  });

  it('is unhealthy when the gateway is not ready even if every workload is', () => {
    const h = assess([deployment()], [pod('petstore-mcp-1')], false);
    expect(h.healthy).toBe(false);
    expect(h.problems).toEqual(['gateway /readyz: failed']);
  });
});
