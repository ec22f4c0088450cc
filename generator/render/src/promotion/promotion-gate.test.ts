import { describe, expect, it } from 'vitest';
import type { Zone } from '../../../config/src/model/types.ts';
import { decidePromotion, type UpstreamStatus } from './promotion-gate.ts';

const staging = {
  name: 'staging',
  promotion: { from: 'dev', healthGate: { minReadyMinutes: 10 } },
} as Zone;
const now = new Date('2026-11-24T12:00:00Z');
/** The config revision dev renders to at commit 'abc' (a digest of its files). */
const DEV_CONFIG = `sha256:${'d'.repeat(64)}`;

function dev(overrides: Partial<UpstreamStatus> = {}, revision = DEV_CONFIG): UpstreamStatus {
  return {
    zone: 'dev',
    healthy: true,
    workloads: [{ revision }],
    configRevision: DEV_CONFIG,
    sourceRevision: 'abc',
    checkedAt: '2026-11-24T11:55:00Z',
    readySince: '2026-11-24T11:00:00Z',
    problems: [],
    ...overrides,
  };
}

describe('promotion gate', () => {
  it('lets a zone without promotion.from through', () => {
    expect(decidePromotion({ zone: { name: 'dev' } as Zone, revision: 'abc', now }).allowed).toBe(true);
  });

  it('allows promotion when the upstream zone is healthy at the same revision for long enough', () => {
    expect(decidePromotion({ zone: staging, revision: 'abc', upstream: dev(), now })).toEqual({
      allowed: true,
      note: 'dev healthy at config revision sha256:dddddddddddd since 2026-11-24T11:00:00Z; error rate not checked (no traces read: raku status --admin-url)',
    });
  });

  it('checks the upstream error rate against healthGate.maxErrorRate (default 5%)', () => {
    const rate = (failed: number, served: number) => ({
      rate: failed / served,
      failed,
      served,
      window: '15m',
      sampled: false,
    });
    expect(
      decidePromotion({ zone: staging, revision: 'abc', upstream: dev({ errorRate: rate(2, 100) }), now }),
    ).toEqual({
      allowed: true,
      note: 'dev healthy at config revision sha256:dddddddddddd since 2026-11-24T11:00:00Z; error rate 2.0% of 100 calls in 15m',
    });
    expect(
      decidePromotion({ zone: staging, revision: 'abc', upstream: dev({ errorRate: rate(6, 100) }), now }),
    ).toEqual({
      allowed: false,
      reason: 'upstream zone dev failed 6 of 100 tool calls in 15m (6.0%), the gate allows 5.0%',
    });
    const strict = {
      ...staging,
      promotion: { from: 'dev', healthGate: { minReadyMinutes: 0, maxErrorRate: 0.01 } },
    } as Zone;
    expect(
      decidePromotion({ zone: strict, revision: 'abc', upstream: dev({ errorRate: rate(2, 100) }), now })
        .allowed,
    ).toBe(false);
  });

  it('blocks when the upstream is unhealthy, at another revision, ready too briefly, or unknown', () => {
    const old = `sha256:${'0'.repeat(64)}`;
    expect(decidePromotion({ zone: staging, revision: 'abc', now })).toEqual({
      allowed: false,
      reason: 'no status of upstream zone dev',
    });
    expect(
      decidePromotion({
        zone: staging,
        revision: 'abc',
        upstream: dev({ healthy: false, problems: ['petstore-mcp: ImagePullBackOff'] }),
        now,
      }),
    ).toEqual({ allowed: false, reason: 'upstream zone dev is not healthy: petstore-mcp: ImagePullBackOff' });
    expect(decidePromotion({ zone: staging, revision: 'abc', upstream: dev({}, old), now })).toEqual({
      allowed: false,
      reason: `upstream zone dev runs config revision ${old}, not ${DEV_CONFIG} (its rollout of this commit is not merged or not synced)`,
    });
    // A status taken at another commit, or without the build record, says nothing about this commit.
    expect(decidePromotion({ zone: staging, revision: 'def', upstream: dev(), now })).toEqual({
      allowed: false,
      reason: 'the status of upstream zone dev is of commit abc, this rollout is of def',
    });
    // A status must say when it was taken, and not be older than an hour.
    const { checkedAt: _t, ...undated } = dev();
    expect(decidePromotion({ zone: staging, revision: 'abc', upstream: undated, now }).allowed).toBe(false);
    expect(
      decidePromotion({
        zone: staging,
        revision: 'abc',
        upstream: dev({ checkedAt: '2026-11-24T10:30:00Z' }),
        now,
      }),
    ).toEqual({
      allowed: false,
      reason: 'the status of upstream zone dev is 90 min old (at most 60); take it again with raku status',
    });
    const { configRevision: _c, sourceRevision: _s, ...withoutRecord } = dev();
    expect(decidePromotion({ zone: staging, revision: 'abc', upstream: withoutRecord, now })).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('taken without a build record of this commit'),
    });
    expect(
      decidePromotion({
        zone: staging,
        revision: 'abc',
        upstream: dev({ readySince: '2026-11-24T11:55:00Z' }),
        now,
      }),
    ).toEqual({
      allowed: false,
      reason: 'upstream zone dev has been ready for 5 min, the gate asks for 10',
    });
  });

  it('lets --force through only with a reason, and records it', () => {
    expect(decidePromotion({ zone: staging, revision: 'abc', force: { reason: '  ' }, now }).allowed).toBe(
      false,
    );
    expect(
      decidePromotion({ zone: staging, revision: 'abc', force: { reason: 'hotfix CVE-2026-1' }, now }),
    ).toEqual({
      allowed: true,
      note: 'forced past the health gate of dev: hotfix CVE-2026-1',
    });
  });

  it('without a commit (the gateway) judges what runs: one config revision, the expected one when known', () => {
    const noCommit = { configRevision: undefined, sourceRevision: undefined };
    expect(decidePromotion({ zone: staging, upstream: dev(noCommit), now })).toEqual({
      allowed: true,
      note: 'dev healthy at config revision sha256:dddddddddddd since 2026-11-24T11:00:00Z; error rate not checked (no traces read: raku status --admin-url)',
    });
    expect(decidePromotion({ zone: staging, upstream: dev(), now }).allowed).toBe(true);
    const other = `sha256:${'e'.repeat(64)}`;
    expect(decidePromotion({ zone: staging, upstream: dev({}, other), now })).toEqual({
      allowed: false,
      reason:
        'upstream zone dev runs config revision sha256:eeeeeeeeeeee, not sha256:dddddddddddd (its rollout is not merged or not synced)',
    });
    const mixed = dev({ ...noCommit, workloads: [{ revision: DEV_CONFIG }, { revision: other }] });
    expect(decidePromotion({ zone: staging, upstream: mixed, now })).toEqual({
      allowed: false,
      reason:
        'upstream zone dev does not run one config revision (sha256:dddddddddddd, sha256:eeeeeeeeeeee): a rollout is under way or a workload records none',
    });
    const unknown = dev({ ...noCommit, workloads: [{}] });
    expect(decidePromotion({ zone: staging, upstream: unknown, now }).allowed).toBe(false);
  });
});
