/**
 * GET /v1/zones, the reading part: the recent deployment records of every zone of the bundle's pipeline and the
 * error rate of this gateway's own traces, handed to the pure `buildZonesReport` (zone-view.ts).
 */
import type { DeploymentRecordInput } from '@raku/config';
import { type ErrorRate, errorRate, type GatewayBundle } from '@raku/render';
import type { Page } from '../db/cursor.ts';
import { buildZonesReport, type ObservedRecord, pipelineOf, type ZonesReport } from './zone-view.ts';

/** What the report reads: the deployment store and the trace reader, as the admin API has them. */
export interface ZoneSources {
  deployments: {
    list(filter: {
      zone?: string;
      workload?: string;
      limit?: number;
      cursor?: string;
    }): Promise<Page<DeploymentRecordInput & { id: string; observedAt: Date }>>;
  };
  traces: {
    list(filter: {
      from?: Date;
      zone?: string;
      cursor?: string;
      limit?: number;
    }): Promise<Page<{ status: string }>>;
  };
}

/** Records read per zone: enough for the latest of every workload and the start of its healthy run. */
export const RECORDS_PER_ZONE = 200;
/** The window of traces the error rate is taken over, as `raku status --error-window` defaults it. */
export const ERROR_WINDOW_MINUTES = 15;
/** Trace pages (500 each) read at most; past it the rate is `sampled`. */
const MAX_TRACE_PAGES = 10;

export async function readZonesReport(
  bundle: GatewayBundle,
  sources: ZoneSources,
  now = new Date(),
): Promise<ZonesReport> {
  const zones = pipelineOf(bundle).map((z) => z.name);
  const records = new Map<string, ObservedRecord[]>();
  await Promise.all(
    zones.map(async (zone) => {
      const page = await sources.deployments.list({ zone, limit: RECORDS_PER_ZONE });
      records.set(zone, page.items);
    }),
  );
  const rate = await ownErrorRate(sources.traces, bundle.zone, now);
  return buildZonesReport({ bundle, records, ...(rate ? { errorRate: rate } : {}), now });
}

/**
 * The error rate of the last ERROR_WINDOW_MINUTES of this gateway's zone's traces (gateways of several zones may
 * share one database); none when it served no call.
 */
async function ownErrorRate(
  traces: ZoneSources['traces'],
  zone: string,
  now: Date,
): Promise<ErrorRate | undefined> {
  const from = new Date(now.getTime() - ERROR_WINDOW_MINUTES * 60_000);
  const statuses: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_TRACE_PAGES; page++) {
    const res: Page<{ status: string }> = await traces.list({
      from,
      zone,
      limit: 500,
      ...(cursor ? { cursor } : {}),
    });
    for (const t of res.items) statuses.push(t.status);
    cursor = res.nextCursor;
    if (!cursor) break;
  }
  const rate = errorRate(statuses, `${ERROR_WINDOW_MINUTES}m`, cursor !== null);
  return rate.served > 0 ? rate : undefined;
}
