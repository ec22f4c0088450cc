/**
 * GET /v1/zones/{zone}/workloads/{workload}/logs: one text/event-stream per viewer of a workload's deployment
 * logs. It sends the rollout timeline — the workload's deployment records, oldest first, then each new one as
 * it is stored (the store is polled every few seconds: records posted to another replica show up too) — and,
 * when this gateway has cluster access and the zone is its own, the pods' events (`k8s`) and container log
 * lines (`log`) followed live. Without access one `unavailable` event says why.
 *
 * Bounded per connection: when the viewer reads too slowly and more than `maxBufferedBytes` wait in the
 * socket, further events are dropped and counted, and a `dropped` event tells how many once it drains.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayBundle, PipelineZone } from '@raku/render';
import { describeKubeError as describe } from './cluster-access.ts';
import type { ClusterLogs } from './cluster-types.ts';
import type { ZoneSources } from './zone-report.ts';
import { GATEWAY_WORKLOAD, type ObservedRecord, pipelineOf } from './zone-view.ts';

/** The event types of the stream, as the OpenAPI document lists them. */
export const LOG_EVENT_TYPES = ['deployment', 'k8s', 'log', 'unavailable', 'problem', 'dropped'] as const;

export interface WorkloadLogsOptions {
  bundle: GatewayBundle;
  deployments: ZoneSources['deployments'];
  /** The gateway's cluster access; absent: logs are unavailable (`unavailableReason` says why). */
  cluster?: ClusterLogs;
  unavailableReason?: string;
  /** How often new deployment records are looked for. Default 3000 ms. */
  pollMs?: number;
  /** Comment sent to keep proxies from closing an idle stream. Default 15 000 ms. */
  heartbeatMs?: number;
  /** Bytes waiting in the socket past which events are dropped. Default 1 MiB. */
  maxBufferedBytes?: number;
}

/** Records of the timeline sent at the start, at most (the newest ones). */
const TIMELINE_RECORDS = 200;
/** Record ids remembered so a polled record is sent once. */
const SEEN_IDS = 1000;

/** The zone and workload, or why the request names none (the router answers 404 with it). */
export function findWorkload(
  bundle: GatewayBundle,
  zoneName: string,
  workload: string,
): { ok: true; zone: PipelineZone } | { ok: false; message: string } {
  const zones = pipelineOf(bundle);
  const zone = zones.find((z) => z.name === zoneName);
  if (!zone) {
    const known = zones.map((z) => z.name).join(', ');
    return { ok: false, message: `zone ${zoneName} is not in this gateway's pipeline (zones: ${known})` };
  }
  if (workload !== GATEWAY_WORKLOAD && !zone.workloads.some((w) => w.name === workload)) {
    const known = [...zone.workloads.map((w) => w.name), GATEWAY_WORKLOAD].join(', ');
    return { ok: false, message: `zone ${zoneName} has no workload ${workload} (workloads: ${known})` };
  }
  return { ok: true, zone };
}

/** Name of a workload's Deployment (render's naming: '<workload>-mcp', the gateway's own). */
export function deploymentName(workload: string): string {
  return workload === GATEWAY_WORKLOAD ? GATEWAY_WORKLOAD : `${workload}-mcp`;
}

export async function streamWorkloadLogs(
  req: IncomingMessage,
  res: ServerResponse,
  zone: PipelineZone,
  workload: string,
  options: WorkloadLogsOptions,
): Promise<void> {
  // The viewer may have gone while it was being authorized; its 'close' will not fire again.
  if (req.socket.destroyed || res.destroyed) return;
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  let dropped = 0;
  let closed = false;
  const cleanups: (() => void)[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    for (const c of cleanups) c();
  };
  req.on('close', close);
  res.on('close', close);
  res.on('drain', () => {
    if (dropped > 0 && !closed) {
      const count = dropped;
      dropped = 0;
      res.write(`event: dropped\ndata: ${JSON.stringify({ count })}\n\n`);
    }
  });
  const send = (type: (typeof LOG_EVENT_TYPES)[number], data: unknown) => {
    if (closed) return;
    if (res.writableLength > maxBuffered) {
      dropped++;
      return;
    }
    res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const heartbeat = setInterval(() => {
    if (!closed) res.write(': ping\n\n');
  }, options.heartbeatMs ?? 15_000);
  cleanups.push(() => clearInterval(heartbeat));

  // The timeline: what is stored now, oldest first, then new records as they come.
  const seen = new Set<string>();
  const remember = (r: ObservedRecord) => {
    seen.add(r.id);
    if (seen.size > SEEN_IDS) seen.delete(seen.values().next().value as string);
  };
  const record = (r: ObservedRecord) => ({ ...r, observedAt: r.observedAt.toISOString() });
  const first = await options.deployments.list({ zone: zone.name, workload, limit: TIMELINE_RECORDS });
  for (const r of [...first.items].reverse()) {
    remember(r);
    send('deployment', record(r));
  }
  let polling = false;
  const poll = setInterval(async () => {
    if (polling || closed) return;
    polling = true;
    try {
      const page = await options.deployments.list({ zone: zone.name, workload, limit: 50 });
      for (const r of [...page.items].reverse()) {
        if (seen.has(r.id)) continue;
        remember(r);
        send('deployment', record(r));
      }
    } catch (err) {
      send('problem', { message: `deployment records: ${(err as Error).message}` });
    } finally {
      polling = false;
    }
  }, options.pollMs ?? 3000);
  cleanups.push(() => clearInterval(poll));

  if (!options.cluster) {
    send('unavailable', {
      reason: options.unavailableReason ?? 'this gateway has no cluster access (RAKU_KUBE_ACCESS)',
    });
    return;
  }
  if (zone.name !== options.bundle.zone) {
    send('unavailable', {
      reason: `pod events and logs of zone ${zone.name} are read by its own gateway; this one serves zone ${options.bundle.zone}`,
    });
    return;
  }
  try {
    const stop = await options.cluster.follow(
      { namespace: zone.namespace, deployment: deploymentName(workload) },
      {
        event: (e) => send('k8s', e),
        log: (l) => send('log', l),
        problem: (message) => send('problem', { message }),
      },
    );
    if (closed) stop();
    else cleanups.push(stop);
  } catch (err) {
    send('unavailable', {
      reason: `cannot read Deployment ${deploymentName(workload)} in namespace ${zone.namespace}: ${describe(err)}`,
    });
  }
}
