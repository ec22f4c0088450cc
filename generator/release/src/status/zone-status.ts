import type { RepoModel } from '@raku/config';
import { configRevision, GATEWAY_NAME, renderZone, resolveZone } from '@raku/render';
import { type BuildRecord, workloadImages } from '../build/build-record.ts';
import { assessZone, type ExpectedWorkload, type ZoneHealth } from './assess-zone.ts';
import type { ZoneObjects } from './kube-reader.ts';

/**
 * The Deployments a zone should run (pack servers '<workload>-mcp' and the gateway). With a build record, also
 * the digests it pinned; and when the record is of `commit` (the model's), the config revision of the zone
 * rendered with them — what its rollout commits. A record of another commit pins digests only: this config
 * with that commit's images proves nothing. Pure.
 */
export function expectedWorkloads(
  model: RepoModel,
  zoneName: string,
  record?: BuildRecord,
  commit?: string,
): ExpectedWorkload[] {
  const { workloads } = resolveZone(model, zoneName);
  const revision =
    record && record.revision === commit
      ? configRevision(
          renderZone(model, zoneName, { revision: record.revision, images: workloadImages(record) }),
        )
      : '';
  const image = (w: string) => {
    const built = record?.images[w];
    return {
      ...(built ? { image: `${built.repository}@${built.digest}` } : {}),
      ...(revision ? { revision } : {}),
    };
  };
  return [
    ...workloads.map((w) => ({
      workload: w.name,
      deployment: `${w.name}-mcp`,
      packs: w.packs.map((p) => ({ name: p.pack.value.name, version: p.pack.value.version })),
      ...image(w.name),
    })),
    { workload: GATEWAY_NAME, deployment: GATEWAY_NAME, packs: [], ...image(GATEWAY_NAME) },
  ];
}

export interface WatchOptions {
  /** Keep checking until healthy or this many ms passed. 0: check once. */
  timeoutMs: number;
  intervalMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onCheck?: (health: ZoneHealth) => void;
}

/**
 * Checks a zone, and with a timeout keeps checking until it is healthy or the time is up. Returns the last
 * health seen; the caller decides the exit code.
 */
export async function watchZone(
  zone: { name: string; namespace: string },
  expected: readonly ExpectedWorkload[],
  read: () => Promise<ZoneObjects>,
  options: WatchOptions,
): Promise<ZoneHealth> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + options.timeoutMs;
  for (;;) {
    const objects = await read();
    const health = assessZone({ zone: zone.name, namespace: zone.namespace, expected, ...objects });
    options.onCheck?.(health);
    if (health.healthy || now() + options.intervalMs > deadline) return health;
    await sleep(options.intervalMs);
  }
}
