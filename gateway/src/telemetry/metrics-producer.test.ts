import { DataPointType, type HistogramMetricData, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { createMetrics, recordCall, registerApprovalBacklog } from '../server/metrics.ts';
import { registryProducer } from './metrics-producer.ts';

const labels = { tool: 'widgets.get_widget', zone: 'dev', pack: 'widgets', pack_version: '1.0.0' };

async function collect(metrics: ReturnType<typeof createMetrics>) {
  const { resourceMetrics, errors } = await registryProducer(metrics.registry, [1, 0]).collect();
  expect(errors).toEqual([]);
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
}

describe('registryProducer', () => {
  it('turns a prom-client counter into a cumulative monotonic sum with the same labels', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    recordCall(metrics, labels, 'ok', 0.002);
    recordCall(metrics, labels, 'ok', 0.002);
    recordCall(metrics, labels, 'error', 0.3);
    const calls = (await collect(metrics)).find(
      (m) => m.descriptor.name === 'raku_tool_calls_total',
    ) as SumMetricData;
    expect(calls.dataPointType).toBe(DataPointType.SUM);
    expect(calls.isMonotonic).toBe(true);
    expect(calls.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
      [{ ...labels, status: 'ok' }, 2],
      [{ ...labels, status: 'error' }, 1],
    ]);
    expect(calls.dataPoints[0]?.startTime).toEqual([1, 0]);
  });

  it("turns Prometheus' cumulative buckets into per-bucket counts, +Inf last", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    for (const seconds of [0.0001, 0.002, 0.002, 0.3, 60]) recordCall(metrics, labels, 'ok', seconds);
    const latency = (await collect(metrics)).find(
      (m) => m.descriptor.name === 'raku_tool_call_duration_seconds',
    ) as HistogramMetricData;
    expect(latency.descriptor.unit).toBe('s');
    const [point] = latency.dataPoints;
    expect(point?.attributes).toEqual(labels);
    expect(point?.value.count).toBe(5);
    expect(point?.value.sum).toBeCloseTo(60.3041);
    const { boundaries, counts } = point!.value.buckets;
    expect(boundaries).toEqual([
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
    ]);
    expect(counts).toEqual([1, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
  });

  it('reads gauges that are computed at collection (the approval backlog), as a scrape does', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let pending = 3;
    registerApprovalBacklog(
      metrics,
      () => 'prod',
      async () => pending,
    );
    const read = async () =>
      (await collect(metrics)).find((m) => m.descriptor.name === 'raku_approvals_pending')?.dataPoints;
    expect((await read())?.map((p) => [p.attributes, p.value])).toEqual([[{ zone: 'prod' }, 3]]);
    pending = 0;
    expect((await read())?.map((p) => p.value)).toEqual([0]);
  });
});

describe('registerApprovalBacklog', () => {
  it('keeps the last count when counting fails, and reports the failure', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let fail = false;
    const errors: string[] = [];
    registerApprovalBacklog(
      metrics,
      () => 'prod',
      async () => {
        if (fail) throw new Error('connection refused');
        return 2;
      },
      (e) => errors.push(e.message),
    );
    expect(await metrics.registry.metrics()).toContain('raku_approvals_pending{zone="prod"} 2');
    fail = true;
    expect(await metrics.registry.metrics()).toContain('raku_approvals_pending{zone="prod"} 2');
    expect(errors).toEqual(['connection refused']);
  });
});
