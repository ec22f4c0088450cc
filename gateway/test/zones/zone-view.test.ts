import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRepoFiles } from '../../../generator/config/src/fs/read-repo.ts';
import { loadRepo } from '../../../generator/config/src/load/load-repo.ts';
import type { RepoModel } from '../../../generator/config/src/model/types.ts';
import { buildBundle } from '../../../generator/render/src/bundle/build-bundle.ts';
import type { GatewayBundle } from '../../../generator/render/src/bundle/types.ts';
import { errorRate } from '../../../generator/render/src/promotion/error-rate.ts';
import { readZonesReport } from '../../src/zones/zone-report.ts';
import { buildZonesReport, type ObservedRecord } from '../../src/zones/zone-view.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const REV_A = `sha256:${'a'.repeat(64)}`;
const REV_B = `sha256:${'b'.repeat(64)}`;
const now = new Date('2026-12-04T12:00:00Z');
let model: RepoModel;

beforeAll(async () => {
  model = loadRepo(await readRepoFiles(ROOT)).model;
});

const bundleOf = (zone: string, revision = REV_A): GatewayBundle => buildBundle(model, zone, { revision });

let seq = 0;
/** One `raku status` run over a zone: a record per pack (example content's versions) at `minutesAgo`. */
function statusRun(
  zone: string,
  minutesAgo: number,
  overrides: Partial<ObservedRecord> & { only?: string[] } = {},
): ObservedRecord[] {
  const packs = [
    ['github-issues', '1.2.0'],
    ['open-meteo', '0.3.1'],
    ['petstore', '1.0.0'],
    // dev also runs the two tenants' CRM packs (zones/dev.yaml).
    ...(zone === 'dev'
      ? [
          ['payments-crm', '1.0.0'],
          ['support-crm', '1.0.0'],
        ]
      : []),
  ].filter(([name]) => !overrides.only || overrides.only.includes(name as string));
  const { only: _, ...rest } = overrides;
  return packs.map(([name, version]) => ({
    id: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
    zone,
    workload: name as string,
    pack: name as string,
    version: version as string,
    imageDigest: `sha256:${'d'.repeat(64)}`,
    health: 'healthy',
    revision: REV_A,
    detail: { desired: 1, updated: 1, ready: 1, problems: [] },
    observedAt: new Date(now.getTime() - minutesAgo * 60_000),
    ...rest,
  }));
}

/** Records per zone, newest first, as the store lists them. */
function recordsOf(...runs: ObservedRecord[][]): Map<string, ObservedRecord[]> {
  const map = new Map<string, ObservedRecord[]>();
  for (const r of runs.flat()) map.set(r.zone, [...(map.get(r.zone) ?? []), r]);
  for (const list of map.values()) list.sort((a, b) => b.observedAt.getTime() - a.observedAt.getTime());
  return map;
}

describe('GET /v1/zones report', () => {
  it('lists the pipeline in promotion order with what each zone should run, all missing without records', () => {
    const report = buildZonesReport({ bundle: bundleOf('dev'), records: new Map(), now });
    expect(report.zone).toBe('dev');
    expect(report.zones.map((z) => [z.name, z.current, z.promotion.from, z.promotion.gate])).toEqual([
      ['dev', true, null, 'none'],
      ['staging', false, 'dev', 'gated'],
      ['prod', false, 'staging', 'gated'],
    ]);
    const staging = report.zones[1]!;
    expect(staging.expected).toContainEqual({
      workload: 'petstore',
      packs: [{ name: 'petstore', version: '1.0.0' }],
    });
    expect(staging.promotion.reason).toBe(
      'upstream zone dev is not healthy: no deployment records (raku status --admin-url posts them); github-issues/github-issues: no deployment record (expected 1.2.0); open-meteo/open-meteo: no deployment record (expected 0.3.1); payments-crm/payments-crm: no deployment record (expected 1.0.0); petstore/petstore: no deployment record (expected 1.0.0); support-crm/support-crm: no deployment record (expected 1.0.0)',
    );
    expect(staging.drift.map((d) => d.kind)).toEqual(['missing', 'missing', 'missing']);
    expect(staging.observed).toEqual([]);
    expect(staging.lastRollout).toBeNull();
  });

  it('opens promotion once the upstream has been healthy at one revision for the gate’s minutes', () => {
    // staging asks dev for 10 min ready and at most 5% errors; dev has been healthy for 30 min.
    const records = recordsOf(statusRun('dev', 30), statusRun('dev', 15), statusRun('dev', 2));
    const report = buildZonesReport({ bundle: bundleOf('staging'), records, now });
    const [dev, staging, prod] = report.zones;
    expect(dev?.drift).toEqual([]);
    expect(dev?.configRevision).toBe(REV_A);
    expect(dev?.observed[0]).toMatchObject({
      workload: 'github-issues',
      version: '1.2.0',
      health: 'healthy',
      observedAt: '2026-12-04T11:58:00.000Z',
    });
    expect(staging?.promotion).toEqual({
      from: 'dev',
      gate: 'open',
      reason:
        'dev healthy at config revision sha256:aaaaaaaaaaaa since 2026-12-04T11:30:00.000Z; error rate not checked (no traces read: raku status --admin-url)',
    });
    expect(prod?.promotion.gate).toBe('gated');
  });

  it('keeps the gate closed while the upstream has been ready too briefly, is unhealthy or its status is old', () => {
    const brief = recordsOf(statusRun('dev', 40, { health: 'degraded' }), statusRun('dev', 5));
    expect(
      buildZonesReport({ bundle: bundleOf('staging'), records: brief, now }).zones[1]?.promotion,
    ).toEqual({
      from: 'dev',
      gate: 'gated',
      reason: 'upstream zone dev has been ready for 5 min, the gate asks for 10',
    });
    const failing = recordsOf(
      statusRun('dev', 3, {
        only: ['petstore'],
        health: 'unhealthy',
        detail: { problems: ['ImagePullBackOff: no such image'] },
      }),
      statusRun('dev', 3, { only: ['github-issues', 'open-meteo', 'payments-crm', 'support-crm'] }),
    );
    const gated = buildZonesReport({ bundle: bundleOf('staging'), records: failing, now }).zones;
    expect(gated[1]?.promotion.reason).toBe(
      'upstream zone dev is not healthy: petstore/petstore: unhealthy (ImagePullBackOff: no such image)',
    );
    expect(gated[0]?.drift).toContainEqual(
      expect.objectContaining({ kind: 'unhealthy', workload: 'petstore', observed: 'unhealthy' }),
    );
    const old = recordsOf(statusRun('dev', 200), statusRun('dev', 90));
    expect(
      buildZonesReport({ bundle: bundleOf('staging'), records: old, now }).zones[1]?.promotion.reason,
    ).toBe('the status of upstream zone dev is 90 min old (at most 60); take it again with raku status');
  });

  it('gates on a rollout under way (workloads at two config revisions)', () => {
    const records = recordsOf(
      statusRun('dev', 30),
      statusRun('dev', 1, { only: ['petstore'], revision: REV_B }),
      statusRun('dev', 1, { only: ['github-issues', 'open-meteo', 'payments-crm', 'support-crm'] }),
    );
    const staging = buildZonesReport({ bundle: bundleOf('prod'), records, now }).zones[1];
    expect(staging?.promotion.reason).toBe(
      'upstream zone dev does not run one config revision (sha256:aaaaaaaaaaaa, sha256:bbbbbbbbbbbb): a rollout is under way or a workload records none',
    );
    expect(buildZonesReport({ bundle: bundleOf('prod'), records, now }).zones[0]?.configRevision).toBeNull();
  });

  it("compares the gateway's own zone with the config revision its bundle renders, and its traces' error rate", () => {
    // This gateway serves dev at REV_B: dev's records at REV_A are drift, and promotion to staging waits.
    const records = recordsOf(statusRun('dev', 30), statusRun('dev', 2));
    const report = buildZonesReport({ bundle: bundleOf('dev', REV_B), records, now });
    expect(report.zones[0]?.expectedConfigRevision).toBe(REV_B);
    // One drift per workload of dev (five: the two tenants' CRM packs included).
    expect(report.zones[0]?.drift.map((d) => d.kind)).toEqual(Array(5).fill('revision'));
    expect(report.zones[1]?.promotion.reason).toBe(
      'upstream zone dev runs config revision sha256:aaaaaaaaaaaa, not sha256:bbbbbbbbbbbb (its rollout is not merged or not synced)',
    );
    // At the expected revision, dev's own traces decide: 6 failed of 100 is over staging's 5%.
    const statuses = [...Array(94).fill('ok'), ...Array(6).fill('error'), 'denied'];
    const failing = buildZonesReport({
      bundle: bundleOf('dev', REV_A),
      records,
      errorRate: errorRate(statuses, '15m', false),
      now,
    });
    expect(failing.zones[1]?.promotion).toEqual({
      from: 'dev',
      gate: 'gated',
      reason: 'upstream zone dev failed 6 of 100 tool calls in 15m (6.0%), the gate allows 5.0%',
    });
    // Another zone's traces are not this gateway's: the rate is not applied to them.
    const elsewhere = buildZonesReport({
      bundle: bundleOf('prod', REV_A),
      records,
      errorRate: errorRate(statuses, '15m', false),
      now,
    });
    expect(elsewhere.zones[1]?.promotion.gate).toBe('open');
  });

  it('reports versions other than config, packs config does not name, and the last rollout pull request', () => {
    const records = recordsOf(
      statusRun('staging', 20, { detail: { pullRequest: 'https://github.com/acme/raku-gitops/pull/6' } }),
      statusRun('staging', 10, { only: ['petstore'], version: '0.9.0' }),
      statusRun('staging', 10, { only: ['github-issues', 'open-meteo'] }),
      [
        {
          ...statusRun('staging', 10, { only: ['petstore'] })[0]!,
          workload: 'legacy',
          pack: 'legacy',
          detail: { pullRequest: { url: 'https://github.com/acme/raku-gitops/pull/7' } },
        },
        {
          ...statusRun('staging', 10, { only: ['petstore'] })[0]!,
          workload: 'raku-gateway',
          pack: 'raku-gateway',
        },
      ],
    );
    const staging = buildZonesReport({ bundle: bundleOf('dev'), records, now }).zones[1];
    expect(staging?.drift).toEqual([
      {
        kind: 'version',
        workload: 'petstore',
        pack: 'petstore',
        expected: '1.0.0',
        observed: '0.9.0',
        message: 'petstore/petstore: runs 0.9.0, config says 1.0.0',
      },
      {
        kind: 'extra',
        workload: 'legacy',
        pack: 'legacy',
        observed: '1.0.0',
        message: "legacy/legacy: recorded running but not in the zone's config",
      },
    ]);
    expect(staging?.lastRollout).toEqual({
      url: 'https://github.com/acme/raku-gitops/pull/7',
      at: '2026-12-04T11:50:00.000Z',
    });
    expect(staging?.observed.map((o) => o.workload)).toEqual([
      'github-issues',
      'legacy',
      'open-meteo',
      'petstore',
      'raku-gateway',
    ]);
  });

  it('shows its own zone alone from a bundle built before the pipeline existed', () => {
    const { pipeline: _, ...old } = bundleOf('dev');
    const report = buildZonesReport({ bundle: old, records: new Map(), now });
    expect(report.zones.map((z) => z.name)).toEqual(['dev']);
    expect(report.zones[0]?.expected.map((e) => e.workload)).toEqual([
      'github-issues',
      'open-meteo',
      'payments-crm',
      'petstore',
      'support-crm',
    ]);
  });
});

describe('readZonesReport', () => {
  it("reads the error rate from this gateway's own zone's traces only (zones may share one database)", async () => {
    const asked: { zone?: string }[] = [];
    await readZonesReport(
      bundleOf('staging'),
      {
        deployments: { list: async () => ({ items: [], nextCursor: null }) },
        traces: {
          list: async (filter) => {
            asked.push(filter);
            return { items: [{ status: 'ok' }], nextCursor: null };
          },
        },
      },
      now,
    );
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((filter) => filter.zone === 'staging')).toBe(true);
  });
});
