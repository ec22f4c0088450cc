import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '@raku/config';
import { errorRate } from '@raku/render';
import { type BuildRecord, buildRecordPath, parseBuildRecord } from '../build/build-record.ts';
import { loadReleaseContext, selectZones } from '../release-context.ts';
import type { ZoneHealth } from './assess-zone.ts';
import { deploymentRecords, postDeploymentRecords } from './deployment-records.ts';
import { readTraceStatuses } from './error-rate.ts';
import { clusterError, kubeConfigFor } from './kube-config.ts';
import { readZoneObjects } from './kube-reader.ts';
import { expectedWorkloads, watchZone } from './zone-status.ts';

/** What `raku status` and the status action ask for, already parsed. */
export interface ZoneStatusOptions {
  /** Repository root holding packs/, zones/, policies/. */
  root: string;
  /** The config commit; default `git rev-parse HEAD` in the root. */
  revision?: string;
  /** Zones to check; empty means every zone. */
  zones: readonly string[];
  /** Folder of build records, relative to the root. Default out/builds. */
  builds?: string;
  /** A kubeconfig file for every zone (absolute), instead of the zone's credentials secret or KUBECONFIG. */
  kubeconfig?: string;
  /** How long to wait for every zone to be healthy; 0 checks once. */
  timeoutMs: number;
  intervalMs: number;
  /** The gateway's admin API: the error rate over `errorWindow` is read and deployments are recorded. */
  admin?: { url: string; token: string; errorWindow: string; errorWindowMs: number };
  /** Folder (absolute) where each zone's status is written as <zone>.json, for the promotion gate. */
  output?: string;
  /** Kubeconfig secrets (RAKU_SECRET_…), KUBECONFIG and HOME. */
  env: Readonly<Record<string, string | undefined>>;
}

/** Progress of a status check, for a caller that reports as it goes. */
export interface ZoneStatusEvents {
  /** Each check of a zone while waiting. */
  onCheck?: (zone: string, health: ZoneHealth) => void;
  /** Something the caller should see that does not stop the check (a stale build record, an unread error rate). */
  onWarning?: (text: string) => void;
}

/**
 * Checks each zone in its cluster (workloads against the build record, the gateway /readyz, with an admin API the
 * error rate), waiting up to `timeoutMs` for it to be healthy; writes each status under `output` and records the
 * deployments through the admin API when given. Returns every zone's health, healthy or not.
 */
export async function zoneStatus(
  options: ZoneStatusOptions,
  events: ZoneStatusEvents = {},
): Promise<ZoneHealth[]> {
  const release = await loadReleaseContext(options.root, options.revision);
  const zones = selectZones(release.model, options.zones);
  const buildsDir = path.resolve(release.root, options.builds ?? 'out/builds');
  const admin = options.admin;
  const results: ZoneHealth[] = [];
  for (const name of zones) {
    const zone = release.model.zones.find((z) => z.value.name === name)!.value;
    const record = await readOptionalRecord(path.join(buildsDir, path.basename(buildRecordPath(name))));
    const current = record !== undefined && record.revision === release.revision;
    if (record && !current) {
      events.onWarning?.(
        `${name}: the build record is of commit ${record.revision}, this checkout is ${release.revision}: digests are checked against the record, the config revision is not checked`,
      );
    }
    const expected = expectedWorkloads(release.model, name, record, release.revision);
    const kc = await kubeConfigFor(zone, options.env, options.kubeconfig);
    const read = () =>
      readZoneObjects(kc, zone.namespace).catch((err: unknown) => {
        throw clusterError(zone.name, kc.getCurrentCluster()?.server, err);
      });
    const health = await watchZone(zone, expected, read, {
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      onCheck: (h) => events.onCheck?.(name, h),
    });
    if (admin) {
      try {
        const read = await readTraceStatuses(
          admin.url,
          admin.token,
          new Date(Date.now() - admin.errorWindowMs),
        );
        health.errorRate = errorRate(read.statuses, admin.errorWindow, read.sampled);
      } catch (err) {
        events.onWarning?.(`${name}: error rate not read: ${(err as Error).message}`);
      }
    }
    health.checkedAt = new Date().toISOString();
    if (current) health.sourceRevision = release.revision;
    results.push(health);
    if (options.output) {
      await mkdir(options.output, { recursive: true });
      await writeFile(path.join(options.output, `${name}.json`), `${JSON.stringify(health, null, 2)}\n`);
    }
    if (admin) {
      await postDeploymentRecords(
        admin.url,
        admin.token,
        deploymentRecords(health, expected, release.revision),
      ).catch((err: unknown) => {
        throw new UserError(`recording deployments: ${(err as Error).message}`);
      });
    }
  }
  return results;
}

async function readOptionalRecord(file: string): Promise<BuildRecord | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return parseBuildRecord(text, file);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}
