/**
 * The promotion gate: whether a zone may receive what its upstream zone (`promotion.from`) runs. One pure
 * decision shared by `raku rollout` (which holds back a zone's rollout pull request) and the gateway's
 * GET /v1/zones (which shows whether promotion into each zone is open or gated, and why).
 */
import type { Zone } from '@raku/config';
import { shortRevision } from '../generate/render-zone.ts';
import type { ErrorRate } from './error-rate.ts';

/**
 * What the gate reads of the upstream zone's status: `raku status` gives its ZoneHealth (from the Kubernetes
 * API), the gateway builds one from the latest deployment records and its traces.
 */
export interface UpstreamStatus {
  zone: string;
  healthy: boolean;
  problems: string[];
  /** Each workload's config revision, as its Deployment records it. */
  workloads: { revision?: string }[];
  /** The config revision the zone should run; absent when unknown (no build record). */
  configRevision?: string;
  /** The commit whose config the expectation comes from; absent when unknown. */
  sourceRevision?: string;
  /** When the status was taken. */
  checkedAt?: string;
  /** Since when the zone has been ready. */
  readySince?: string;
  errorRate?: Pick<ErrorRate, 'rate' | 'failed' | 'served' | 'window'>;
}

export type PromotionDecision = { allowed: true; note?: string } | { allowed: false; reason: string };

/** Defaults of `promotion.healthGate` (zone.schema.json). */
export const DEFAULT_MIN_READY_MINUTES = 10;
export const DEFAULT_MAX_ERROR_RATE = 0.05;
/** A status older than this says too little about the upstream zone now (the workflow takes it minutes before). */
export const MAX_STATUS_AGE_MINUTES = 60;

/**
 * Whether a zone may get its rollout pull request. A zone without `promotion.from` always may. Otherwise the
 * upstream zone must be healthy and run what this commit defines for it — its status taken with the build
 * record of this commit, every workload at the config revision the zone renders to — and be ready for at
 * least `minReadyMinutes`, with an error rate within `maxErrorRate` when traces were read; or `force` carries
 * a reason, which is recorded in the pull request. Config revisions are digests of each zone's rendered files,
 * so a commit that changes nothing in the upstream zone does not hold the promotion back. Pure: `now` is given.
 */
export function decidePromotion(input: {
  /** The zone to promote into: only its `promotion` is read (a PipelineZone of the bundle will do). */
  zone: Pick<Zone, 'promotion'>;
  /**
   * The commit being rolled out (raku rollout). Absent when the question is about what runs, not a commit (the
   * gateway): then the upstream's commit and build record are not asked for, and its workloads must agree on
   * one config revision — the expected one when `configRevision` is known.
   */
  revision?: string;
  upstream?: UpstreamStatus;
  force?: { reason: string };
  now: Date;
}): PromotionDecision {
  const from = input.zone.promotion?.from;
  if (!from) return { allowed: true };
  if (input.force) {
    if (!input.force.reason.trim())
      return { allowed: false, reason: '--force needs a reason (--reason "<why>")' };
    return { allowed: true, note: `forced past the health gate of ${from}: ${input.force.reason.trim()}` };
  }
  const up = input.upstream;
  if (!up) return { allowed: false, reason: `no status of upstream zone ${from}` };
  if (up.zone !== from)
    return { allowed: false, reason: `status given is of zone ${up.zone}, not of upstream zone ${from}` };
  if (!up.healthy)
    return { allowed: false, reason: `upstream zone ${from} is not healthy: ${up.problems.join('; ')}` };
  const checkedAt = up.checkedAt ? new Date(up.checkedAt).getTime() : Number.NaN;
  if (Number.isNaN(checkedAt)) {
    return { allowed: false, reason: `the status of upstream zone ${from} does not say when it was taken` };
  }
  const age = (input.now.getTime() - checkedAt) / 60_000;
  if (age > MAX_STATUS_AGE_MINUTES) {
    return {
      allowed: false,
      reason: `the status of upstream zone ${from} is ${Math.floor(age)} min old (at most ${MAX_STATUS_AGE_MINUTES}); take it again with raku status`,
    };
  }
  if (input.revision === undefined) {
    const gated = runningRevision(from, up);
    if (gated) return gated;
  } else if (!up.configRevision || !up.sourceRevision) {
    return {
      allowed: false,
      reason: `the status of upstream zone ${from} was taken without a build record of this commit, so what it should run is unknown (raku build --zone ${from}, then raku status --zone ${from})`,
    };
  } else if (up.sourceRevision !== input.revision) {
    return {
      allowed: false,
      reason: `the status of upstream zone ${from} is of commit ${up.sourceRevision}, this rollout is of ${input.revision}`,
    };
  } else {
    const revisions = [...new Set(up.workloads.map((w) => w.revision ?? 'unknown'))];
    if (revisions.length !== 1 || revisions[0] !== up.configRevision) {
      return {
        allowed: false,
        reason: `upstream zone ${from} runs config revision ${revisions.join(', ')}, not ${up.configRevision} (its rollout of this commit is not merged or not synced)`,
      };
    }
  }
  const minutes = input.zone.promotion?.healthGate?.minReadyMinutes ?? DEFAULT_MIN_READY_MINUTES;
  if (minutes > 0) {
    if (!up.readySince) return { allowed: false, reason: `upstream zone ${from} has no ready time` };
    const readyFor = (input.now.getTime() - new Date(up.readySince).getTime()) / 60_000;
    if (readyFor < minutes) {
      return {
        allowed: false,
        reason: `upstream zone ${from} has been ready for ${Math.floor(readyFor)} min, the gate asks for ${minutes}`,
      };
    }
  }
  const maxErrorRate = input.zone.promotion?.healthGate?.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE;
  const running = up.configRevision ?? up.workloads[0]?.revision ?? 'unknown';
  const note = `${from} healthy at config revision ${shortRevision(running)} since ${up.readySince ?? 'now'}`;
  if (!up.errorRate) {
    return {
      allowed: true,
      note: `${note}; error rate not checked (no traces read: raku status --admin-url)`,
    };
  }
  const { rate, failed, served, window } = up.errorRate;
  if (rate > maxErrorRate) {
    return {
      allowed: false,
      reason: `upstream zone ${from} failed ${failed} of ${served} tool calls in ${window} (${percent(rate)}), the gate allows ${percent(maxErrorRate)}`,
    };
  }
  return { allowed: true, note: `${note}; error rate ${percent(rate)} of ${served} calls in ${window}` };
}

/** Without a commit: the upstream's workloads must run one config revision, the expected one when known. */
function runningRevision(from: string, up: UpstreamStatus): PromotionDecision | undefined {
  const revisions = [...new Set(up.workloads.map((w) => w.revision ?? 'unknown'))].sort();
  if (revisions.length === 1 && revisions[0] !== 'unknown') {
    if (!up.configRevision || revisions[0] === up.configRevision) return undefined;
    return {
      allowed: false,
      reason: `upstream zone ${from} runs config revision ${shortRevision(revisions[0] as string)}, not ${shortRevision(up.configRevision)} (its rollout is not merged or not synced)`,
    };
  }
  return {
    allowed: false,
    reason: `upstream zone ${from} does not run one config revision (${revisions.map(shortRevision).join(', ')}): a rollout is under way or a workload records none`,
  };
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
