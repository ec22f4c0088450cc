import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, registerSpanDrops } from '../server/metrics.ts';
import { startMetricsExport } from './metrics-otlp.ts';
import { telemetryOptionsFrom } from './otel-env.ts';

const options = (env: Record<string, string>) => telemetryOptionsFrom(env, { serviceName: 'raku-gateway' });
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A receiver answering every export with `status`. */
async function receiver(status: () => number): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status(), { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`;
}

describe('startMetricsExport', () => {
  it.each([
    ['no OTEL_* variable is set', {}],
    [
      'only traces have an endpoint',
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' },
    ],
    [
      'OTEL_METRICS_EXPORTER=none',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_METRICS_EXPORTER: 'none' },
    ],
    [
      'OTEL_SDK_DISABLED=true',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' },
    ],
  ])('exports nothing when %s', (_why, env) => {
    expect(
      startMetricsExport(createMetrics({ defaultMetrics: false }).registry, options(env), () => {}),
    ).toBe(undefined);
  });

  it('logs once when exports start failing and once when they recover', async () => {
    let status = 400; // not retried by the exporter (503 would be, with backoff)
    const url = await receiver(() => status);
    const logged: string[] = [];
    const exporting = startMetricsExport(
      createMetrics({ defaultMetrics: false }).registry,
      options({
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: url,
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
        OTEL_METRIC_EXPORT_INTERVAL: '3600000',
      }),
      (m) => logged.push(m),
    )!;
    closers.push(() => exporting.shutdown());
    await exporting.forceFlush();
    await exporting.forceFlush();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(
      new RegExp(`^metrics export to ${url} failing: .+/metrics still serves them\\)$`),
    );
    status = 200;
    await exporting.forceFlush();
    expect(logged).toEqual([logged[0], `metrics export to ${url} recovered`]);
  });
});

describe('registerSpanDrops', () => {
  it("exports the span processor's drop count at every scrape", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let dropped = 0;
    registerSpanDrops(metrics, () => dropped);
    expect(await metrics.registry.metrics()).toContain('raku_otel_spans_dropped_total 0');
    dropped = 7;
    expect(await metrics.registry.metrics()).toContain('raku_otel_spans_dropped_total 7');
  });
});
