/**
 * One definition, two exports, end to end: a whole gateway stack (pack server, PGlite persistence, JWTs) takes
 * calls through the official MCP client; its /metrics scrape carries the zone, pack and pack-version labels,
 * the approval backlog and HTTP metrics by route template; and the same registry exported over OTLP (JSON and
 * protobuf, decoded by a receiver started here) agrees with the scrape series for series.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsExport } from '../../src/telemetry/metrics-otlp.ts';
import { type OtlpProtocol, telemetryOptionsFrom } from '../../src/telemetry/otel-env.ts';
import { type GatewayStack, startGatewayStack } from '../helpers/gateway-stack.ts';
import { connectClient } from '../helpers/mcp-client.ts';
import {
  type MetricsReceiver,
  seriesOfExport,
  seriesOfScrape,
  startMetricsReceiver,
} from './metrics-otlp-receiver.ts';

let stack: GatewayStack;
let receiver: MetricsReceiver;
const clients: Client[] = [];

async function client(sub: string, groups: string[] = []): Promise<Client> {
  const c = await connectClient(stack.gateway.url, 'modern', await stack.issuer.sign({ sub, groups }));
  clients.push(c);
  return c;
}

async function scrape(): Promise<Map<string, number>> {
  return seriesOfScrape(await (await fetch(`${stack.base}/metrics`)).text());
}

beforeAll(async () => {
  stack = await startGatewayStack({ database: 'PGlite', approvalWaitMs: 100 });
  receiver = await startMetricsReceiver();
  const bob = await client('bob', ['engineering']);
  await bob.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
  await bob.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
  await bob.callTool({ name: 'widgets.create_widget', arguments: { name: 'bolt' } }); // bob is no writer
  // Alice may create, with an approval: the call is parked as a job and its request stays pending.
  await (await client('alice')).callTool({ name: 'widgets.create_widget', arguments: { name: 'nut' } });
  await fetch(`${stack.base}/v1/traces/6f1c1a52-4b7e-4a53-9c39-0d1f9b0c2a11`);
  await fetch(`${stack.base}/no/such/path`);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stack?.close();
  await receiver?.close();
});

describe('/metrics', () => {
  it('labels tool calls with zone, pack and the pack version that answered (empty where none did)', async () => {
    const series = await scrape();
    const calls = (labels: string) => series.get(`raku_tool_calls_total{${labels}}`);
    expect(
      calls('pack="widgets",pack_version="1.0.0",status="ok",tool="widgets.get_widget",zone="dev"'),
    ).toBe(2);
    expect(
      calls('pack="widgets",pack_version="",status="denied",tool="widgets.create_widget",zone="dev"'),
    ).toBe(1);
    expect(
      series.get(
        'raku_tool_call_duration_seconds_count{pack="widgets",pack_version="1.0.0",tool="widgets.get_widget",zone="dev"}',
      ),
    ).toBe(2);
  });

  it('reports the approval backlog of the zone', async () => {
    expect((await scrape()).get('raku_approvals_pending{zone="dev"}')).toBe(1);
  });

  it('counts HTTP requests by route template, never by raw path', async () => {
    const series = await scrape();
    expect(
      series.get('raku_http_requests_total{method="POST",route="/mcp",status="200"}'),
    ).toBeGreaterThanOrEqual(4);
    expect(series.get('raku_http_requests_total{method="GET",route="/v1/traces/:id",status="401"}')).toBe(1);
    expect(series.get('raku_http_requests_total{method="GET",route="(unmatched)",status="404"}')).toBe(1);
    expect(series.get('raku_http_request_duration_seconds_count{method="GET",route="/v1/traces/:id"}')).toBe(
      1,
    );
    const keys = [...series.keys()].join('\n');
    expect(keys).not.toContain('6f1c1a52');
    expect(keys).not.toContain('/no/such/path');
  });
});

describe.each<OtlpProtocol>(['http/json', 'http/protobuf'])('OTLP export over %s', (protocol) => {
  it('sends the series /metrics serves, with the same names, labels and values', async () => {
    const telemetry = telemetryOptionsFrom(
      {
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=t0ken',
        // Exports come from forceFlush below, not from the timer.
        OTEL_METRIC_EXPORT_INTERVAL: '3600000',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,service.version=1.2.3',
      },
      { serviceName: 'raku-gateway' },
    );
    const logged: string[] = [];
    const exporting = startMetricsExport(stack.gateway.metrics.registry, telemetry, (m) => logged.push(m));
    expect(exporting).toBeDefined();
    const before = receiver.exports.length;
    await exporting!.forceFlush();
    // Nothing reaches the gateway between the export and this scrape (the scrape counts itself once answered).
    const scraped = await scrape();
    await exporting!.shutdown();

    const received = receiver.exports[before]!;
    expect(received.contentType).toBe(
      protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
    );
    expect(received.headers['x-collector-token']).toBe('t0ken');
    expect(received.resource).toMatchObject({
      'service.name': 'raku-gateway',
      'service.version': '1.2.3',
      'deployment.environment': 'test',
    });
    expect(received.scopes).toContain('raku');
    const calls = received.metrics.find((m) => m.name === 'raku_tool_calls_total');
    expect(calls).toMatchObject({ kind: 'sum', monotonic: true, temporality: 2 });
    expect(received.metrics.find((m) => m.name === 'raku_tool_call_duration_seconds')).toMatchObject({
      kind: 'histogram',
      unit: 's',
      temporality: 2,
    });

    const exported = seriesOfExport(received);
    const raku = (series: Map<string, number>) =>
      new Map([...series].filter(([key]) => key.startsWith('raku_') && !key.startsWith('raku_trace_')));
    // The trace sink's figures move on their own (the writer flushes on a timer): same names, values aside.
    const names = (series: Map<string, number>) =>
      [
        ...new Set(
          [...series.keys()].filter((k) => k.startsWith('raku_')).map((k) => k.slice(0, k.indexOf('{'))),
        ),
      ].sort();
    expect(names(exported)).toEqual(names(scraped));
    expect(raku(exported)).toEqual(raku(scraped));
    expect(raku(exported).size).toBeGreaterThan(20);
    expect(logged).toEqual([]);
  });
});
