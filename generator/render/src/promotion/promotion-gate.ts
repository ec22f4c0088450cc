import type { Zone } from '@raku/config';
import { shortRevision } from '@raku/render';
import type { ZoneHealth } from '../status/assess-zone.ts';

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
  zone: Zone;
  /** The commit being rolled out. */
  revision: string;
  upstream?: ZoneHealth;
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
  if (!up.configRevision || !up.sourceRevision) {
    return {
      allowed: false,
      reason: `the status of upstream zone ${from} was taken without a build record of this commit, so what it should run is unknown (raku build --zone ${from}, then raku status --zone ${from})`,
    };
  }
  if (up.sourceRevision !== input.revision) {
    return {
      allowed: false,
      reason: `the status of upstream zone ${from} is of commit ${up.sourceRevision}, this rollout is of ${input.revision}`,
    };
  }
  const revisions = [...new Set(up.workloads.map((w) => w.revision ?? 'unknown'))];
  if (revisions.length !== 1 || revisions[0] !== up.configRevision) {
    return {
      allowed: false,
      reason: `upstream zone ${from} runs config revision ${revisions.join(', ')}, not ${up.configRevision} (its rollout of this commit is not merged or not synced)`,
    };
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
  const note = `${from} healthy at config revision ${shortRevision(up.configRevision)} since ${up.readySince ?? 'now'}`;
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

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
