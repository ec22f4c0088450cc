/**
 * Metrics recording cost per tool call, the figure that chose the design of "one definition, two exports"
 * (docs/observability.md, "Metrics"): what the gateway records per call (a counter and a histogram) in
 * prom-client with the labels of before (tool, status) and of now (+ zone, pack, pack_version), against the
 * same two instruments in the OpenTelemetry SDK (sdk-metrics 2.x, the alternative definition), plus the HTTP
 * metrics each request now pays and what one collection costs (a scrape, or an OTLP export's conversion).
 * In-process, single thread, CPU time per call; medians of 5 runs of 300,000 calls over 20 tools.
 */
import os from 'node:os';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Counter, Histogram, Registry } from 'prom-client';
import { createMetrics, recordCall } from '../gateway/src/server/metrics.ts';
import { registryProducer } from '../gateway/src/telemetry/metrics-producer.ts';

const TOOLS = Array.from({ length: 20 }, (_, i) => `pack${i % 4}.tool_${i}`);
const STATUSES = ['ok', 'ok', 'ok', 'error', 'denied'];
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

class PullReader extends MetricReader {
  protected override async onShutdown() {}
  protected override async onForceFlush() {}
}

/** CPU time (not wall time: the machine is shared, a waiting thread would count the wait) per call, in ns. */
function nsPerCall(fn: (i: number) => void): number {
  for (let i = 0; i < 200_000; i++) fn(i);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const n = 300_000;
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) fn(i);
    const used = process.cpuUsage(start);
    runs.push(((used.user + used.system) * 1000) / n);
  }
  return runs.sort((a, b) => a - b)[2]!;
}

async function msPer(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    await fn();
    runs.push(performance.now() - start);
  }
  return runs.sort((a, b) => a - b)[2]!;
}

export default async function metricsBench(): Promise<void> {
  const registry = new Registry();
  const before = {
    calls: new Counter({ name: 'c', help: 'h', labelNames: ['tool', 'status'], registers: [registry] }),
    latency: new Histogram({
      name: 'h',
      help: 'h',
      labelNames: ['tool'],
      buckets: BUCKETS,
      registers: [registry],
    }),
  };
  const metrics = createMetrics({ defaultMetrics: false });
  const reader = new PullReader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter('raku');
  const otel = {
    calls: meter.createCounter('raku_tool_calls_total'),
    latency: meter.createHistogram('raku_tool_call_duration_seconds', {
      unit: 's',
      advice: { explicitBucketBoundaries: BUCKETS },
    }),
  };
  const labels = (i: number) => ({
    tool: TOOLS[i % 20]!,
    zone: 'prod',
    pack: 'pack1',
    pack_version: '1.2.3',
  });
  const rows: [string, number][] = [
    [
      'prom-client, labels of before (tool, status)',
      nsPerCall((i) => {
        const tool = TOOLS[i % 20]!;
        before.calls.inc({ tool, status: STATUSES[i % 5]! });
        before.latency.observe({ tool }, (i % 100) / 1000);
      }),
    ],
    [
      'prom-client, + zone, pack, pack_version (now)',
      nsPerCall((i) => recordCall(metrics, labels(i), STATUSES[i % 5]!, (i % 100) / 1000)),
    ],
    [
      'OpenTelemetry SDK, same labels (alternative)',
      nsPerCall((i) => {
        const { tool, zone, pack, pack_version } = labels(i);
        otel.calls.add(1, { tool, status: STATUSES[i % 5]!, zone, pack, pack_version });
        otel.latency.record((i % 100) / 1000, { tool, zone, pack, pack_version });
      }),
    ],
    [
      'HTTP metrics of one request (counter + histogram)',
      nsPerCall((i) => {
        metrics.httpRequests.inc({ method: 'POST', route: '/mcp', status: i % 50 === 0 ? 403 : 200 });
        metrics.httpDuration.observe({ method: 'POST', route: '/mcp' }, (i % 100) / 1000);
      }),
    ],
  ];
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${os.cpus().length} cores`,
  );
  for (const [name, ns] of rows) console.log(`${name.padEnd(52)} ${ns.toFixed(0).padStart(6)} ns/call`);
  const producer = registryProducer(metrics.registry);
  console.log(
    `collection with ${TOOLS.length * STATUSES.length} call series: /metrics text ${(await msPer(() => metrics.registry.metrics())).toFixed(2)} ms, OTLP conversion ${(await msPer(() => producer.collect())).toFixed(2)} ms, OTel SDK collect ${(await msPer(() => reader.collect())).toFixed(2)} ms`,
  );
}
