/**
 * GET /v1/zones, the pure part: the promotion pipeline of the gateway's bundle set against the deployment
 * records `raku status` posted — per zone what config says it should run, what the latest records say runs,
 * the drift between them, the last rollout pull request, and whether promotion into the zone is open or gated
 * (the promotion gate of @raku/render, fed from the records and, for this gateway's own zone, its traces).
 * No I/O: zone-report.ts reads the records and traces and calls `buildZonesReport`.
 */
import type { DeploymentRecordInput } from '@raku/config';
import {
  decidePromotion,
  type ErrorRate,
  type GatewayBundle,
  type PipelineZone,
  type UpstreamStatus,
} from '@raku/render';

/** A stored deployment record (the admin API's DeploymentRecord). */
export interface ObservedRecord extends DeploymentRecordInput {
  id: string;
  observedAt: Date;
}

/** Workload name `raku status` records the zone's gateway under; every zone runs one, so it is never extra. */
export const GATEWAY_WORKLOAD = 'raku-gateway';

export const DRIFT_KINDS = ['missing', 'extra', 'version', 'revision', 'unhealthy'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface Drift {
  kind: DriftKind;
  workload: string;
  pack: string;
  /** What config says (version or config revision); absent for `extra` and `unhealthy`. */
  expected?: string;
  /** What the latest record says (version, revision or health); absent for `missing`. */
  observed?: string;
  message: string;
}

export interface ObservedPack {
  workload: string;
  pack: string;
  version: string;
  health: ObservedRecord['health'];
  revision: string | null;
  imageDigest: string | null;
  observedAt: string;
}

export interface ZoneReport {
  name: string;
  environment: string;
  /** True for the zone of this gateway's bundle. */
  current: boolean;
  promotion: { from: string | null; gate: 'open' | 'gated' | 'none'; reason: string };
  expected: { workload: string; packs: { name: string; version: string }[] }[];
  /** The latest record of each workload and pack, sorted by workload then pack. */
  observed: ObservedPack[];
  /** The config revision the zone runs, when its latest records agree on one; else null. */
  configRevision: string | null;
  /** The config revision its config renders to: known for this gateway's own zone only; else null. */
  expectedConfigRevision: string | null;
  drift: Drift[];
  /** From the newest record whose detail carries `pullRequest` (a URL, or `{ url }`); null when none does. */
  lastRollout: { url: string; at: string } | null;
}

export interface ZonesReport {
  /** The gateway's own zone and config revision (its bundle's). */
  zone: string;
  revision: string;
  /** Pipeline order: promotion.from chains, dev → staging → prod. */
  zones: ZoneReport[];
}

export interface ZonesInput {
  bundle: GatewayBundle;
  /** Records of each zone, newest first (a bounded recent window is enough: see readySince). */
  records: ReadonlyMap<string, readonly ObservedRecord[]>;
  /** Error rate of the gateway's own zone over its recent traces, when read. */
  errorRate?: ErrorRate;
  now: Date;
}

/** Builds the report. Pure: `now` and every input are given. */
export function buildZonesReport(input: ZonesInput): ZonesReport {
  const pipeline = pipelineOf(input.bundle);
  const statuses = new Map(pipeline.map((z) => [z.name, upstreamStatus(z, input)]));
  return {
    zone: input.bundle.zone,
    revision: input.bundle.revision,
    zones: pipeline.map((z) => zoneReport(z, input, statuses)),
  };
}

function zoneReport(
  zone: PipelineZone,
  input: ZonesInput,
  statuses: ReadonlyMap<string, UpstreamStatus>,
): ZoneReport {
  const records = input.records.get(zone.name) ?? [];
  const latest = latestRecords(records);
  const observed = [...latest.values()]
    .map(
      (r): ObservedPack => ({
        workload: r.workload,
        pack: r.pack,
        version: r.version,
        health: r.health,
        revision: r.revision,
        imageDigest: r.imageDigest,
        observedAt: r.observedAt.toISOString(),
      }),
    )
    .sort((a, b) => cmp(a.workload, b.workload) || cmp(a.pack, b.pack));
  const expectedRevision = expectedConfigRevision(zone, input.bundle);
  const revisions = [...new Set(observed.map((o) => o.revision))];
  return {
    name: zone.name,
    environment: zone.environment,
    current: zone.name === input.bundle.zone,
    promotion: promotion(zone, statuses, input.now),
    expected: zone.workloads.map((w) => ({ workload: w.name, packs: w.packs.map((p) => ({ ...p })) })),
    observed,
    configRevision: revisions.length === 1 ? (revisions[0] ?? null) : null,
    expectedConfigRevision: expectedRevision ?? null,
    drift: drift(zone, latest, expectedRevision),
    lastRollout: lastRollout(records),
  };
}

function promotion(
  zone: PipelineZone,
  statuses: ReadonlyMap<string, UpstreamStatus>,
  now: Date,
): ZoneReport['promotion'] {
  const from = zone.promotion?.from;
  if (!from)
    return { from: null, gate: 'none', reason: 'no promotion.from: changes roll out to this zone directly' };
  const upstream = statuses.get(from);
  const decision = decidePromotion({ zone, ...(upstream ? { upstream } : {}), now });
  return decision.allowed
    ? { from, gate: 'open', reason: decision.note ?? `${from} passes the health gate` }
    : { from, gate: 'gated', reason: decision.reason };
}

/**
 * The zone's status as the promotion gate reads it, from its records: healthy when every expected pack has a
 * latest record and every latest record is healthy; taken when the oldest of those latest records was (one
 * `raku status` posts them together); ready since the latest time a workload started its current run of
 * healthy records at one revision. Absent when the zone has no records.
 */
function upstreamStatus(zone: PipelineZone, input: ZonesInput): UpstreamStatus {
  const records = input.records.get(zone.name) ?? [];
  const latest = latestRecords(records);
  const expectedRevision = expectedConfigRevision(zone, input.bundle);
  const problems = drift(zone, latest, expectedRevision)
    .filter((d) => d.kind !== 'extra' && d.kind !== 'revision')
    .map((d) => d.message);
  if (latest.size === 0) problems.unshift('no deployment records (raku status --admin-url posts them)');
  const times = [...latest.values()].map((r) => r.observedAt.getTime());
  const status: UpstreamStatus = {
    zone: zone.name,
    healthy: problems.length === 0,
    problems,
    workloads: [...new Set([...latest.values()].map((r) => r.workload))].map((w) => {
      const revision = latestOf(latest, w)?.revision;
      return revision ? { revision } : {};
    }),
  };
  if (times.length > 0) status.checkedAt = new Date(Math.min(...times)).toISOString();
  if (expectedRevision) status.configRevision = expectedRevision;
  const readySince = zoneReadySince(records, [...new Set([...latest.values()].map((r) => r.workload))]);
  if (readySince) status.readySince = readySince;
  if (zone.name === input.bundle.zone && input.errorRate) status.errorRate = input.errorRate;
  return status;
}

/** Per workload: the oldest record of its newest run of healthy records at one revision; the zone: the latest. */
function zoneReadySince(records: readonly ObservedRecord[], workloads: string[]): string | undefined {
  let since: number | undefined;
  for (const workload of workloads) {
    const mine = records.filter((r) => r.workload === workload);
    const head = mine[0];
    if (head?.health !== 'healthy') return undefined;
    let start = head.observedAt.getTime();
    for (const r of mine) {
      if (r.health !== 'healthy' || r.revision !== head.revision) break;
      start = r.observedAt.getTime();
    }
    since = since === undefined ? start : Math.max(since, start);
  }
  return since === undefined ? undefined : new Date(since).toISOString();
}

function drift(
  zone: PipelineZone,
  latest: ReadonlyMap<string, ObservedRecord>,
  expectedRevision: string | undefined,
): Drift[] {
  const out: Drift[] = [];
  const expectedKeys = new Set<string>();
  for (const w of zone.workloads) {
    for (const p of w.packs) {
      expectedKeys.add(key(w.name, p.name));
      const r = latest.get(key(w.name, p.name));
      if (!r) {
        out.push({
          kind: 'missing',
          workload: w.name,
          pack: p.name,
          expected: p.version,
          message: `${w.name}/${p.name}: no deployment record (expected ${p.version})`,
        });
        continue;
      }
      if (r.version !== p.version) {
        out.push({
          kind: 'version',
          workload: w.name,
          pack: p.name,
          expected: p.version,
          observed: r.version,
          message: `${w.name}/${p.name}: runs ${r.version}, config says ${p.version}`,
        });
      }
    }
  }
  for (const r of latest.values()) {
    const k = key(r.workload, r.pack);
    if (!expectedKeys.has(k) && r.workload !== GATEWAY_WORKLOAD) {
      out.push({
        kind: 'extra',
        workload: r.workload,
        pack: r.pack,
        observed: r.version,
        message: `${r.workload}/${r.pack}: recorded running but not in the zone's config`,
      });
    }
    if (expectedRevision && r.revision !== expectedRevision) {
      out.push({
        kind: 'revision',
        workload: r.workload,
        pack: r.pack,
        expected: expectedRevision,
        observed: r.revision ?? 'none',
        message: `${r.workload}/${r.pack}: at config revision ${r.revision ?? 'none'}, config renders ${expectedRevision}`,
      });
    }
    if (r.health !== 'healthy') {
      const detail = problemsOf(r.detail);
      out.push({
        kind: 'unhealthy',
        workload: r.workload,
        pack: r.pack,
        observed: r.health,
        message: `${r.workload}/${r.pack}: ${r.health}${detail ? ` (${detail})` : ''}`,
      });
    }
  }
  return out;
}

/** The newest record of each workload and pack (records come newest first). */
function latestRecords(records: readonly ObservedRecord[]): Map<string, ObservedRecord> {
  const latest = new Map<string, ObservedRecord>();
  for (const r of records) if (!latest.has(key(r.workload, r.pack))) latest.set(key(r.workload, r.pack), r);
  return latest;
}

function latestOf(latest: ReadonlyMap<string, ObservedRecord>, workload: string): ObservedRecord | undefined {
  let best: ObservedRecord | undefined;
  for (const r of latest.values()) {
    if (r.workload === workload && (!best || r.observedAt > best.observedAt)) best = r;
  }
  return best;
}

function lastRollout(records: readonly ObservedRecord[]): ZoneReport['lastRollout'] {
  for (const r of records) {
    const pr = (r.detail as { pullRequest?: unknown } | null | undefined)?.pullRequest;
    const url = typeof pr === 'string' ? pr : (pr as { url?: unknown } | undefined)?.url;
    if (typeof url === 'string' && /^https?:\/\//.test(url)) return { url, at: r.observedAt.toISOString() };
  }
  return null;
}

/** Only the gateway's own zone knows the revision its config renders to (a real digest, not local mode's label). */
function expectedConfigRevision(zone: PipelineZone, bundle: GatewayBundle): string | undefined {
  return zone.name === bundle.zone && /^sha256:[0-9a-f]{64}$/.test(bundle.revision)
    ? bundle.revision
    : undefined;
}

/** The bundle's pipeline; a bundle from before it has its own zone only (see ownZoneOnly). */
export function pipelineOf(bundle: GatewayBundle): PipelineZone[] {
  return bundle.pipeline ?? [ownZoneOnly(bundle)];
}

/** A bundle from before the pipeline: its own zone, with the packs its tools come from. */
function ownZoneOnly(bundle: GatewayBundle): PipelineZone {
  const workloads = new Map<string, Map<string, string>>();
  for (const t of bundle.tools) {
    if (t.source.kind !== 'pack') continue;
    const packs = workloads.get(t.source.workload) ?? new Map<string, string>();
    packs.set(t.source.pack, t.source.version);
    workloads.set(t.source.workload, packs);
  }
  return {
    name: bundle.zone,
    environment: bundle.environment,
    namespace: bundle.namespace,
    workloads: [...workloads]
      .sort(([a], [b]) => cmp(a, b))
      .map(([name, packs]) => ({
        name,
        packs: [...packs].sort(([a], [b]) => cmp(a, b)).map(([pack, version]) => ({ name: pack, version })),
      })),
  };
}

function problemsOf(detail: unknown): string {
  const problems = (detail as { problems?: unknown } | null | undefined)?.problems;
  return Array.isArray(problems) ? problems.filter((p) => typeof p === 'string').join('; ') : '';
}

function key(workload: string, pack: string): string {
  return `${workload}\0${pack}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
