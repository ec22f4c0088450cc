/**
 * Tracing as the container runs it: the pack-server role in its own process (`main.ts`), configured only by
 * environment variables, tracing to an OTLP receiver started here. Its export delay is longer than the test,
 * so the spans arrive only because SIGTERM exports what is queued before the process ends.
 */
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MainProcess,
  startPackServerProcess,
  startWidgetsPacksDir,
  type WidgetsPacksDir,
} from '../helpers/pack-server-process.ts';
import { startTraceReceiver, type TraceReceiver } from './otlp-trace-receiver.ts';

let packs: WidgetsPacksDir;
let receiver: TraceReceiver;
let main: MainProcess;
/** A ceiling for a loaded machine, not an expectation. */
const SOON = { timeout: 60_000, interval: 50 };

beforeAll(async () => {
  packs = await startWidgetsPacksDir();
  receiver = await startTraceReceiver();
  main = startPackServerProcess(packs.dir, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_BSP_SCHEDULE_DELAY: '3600000',
  });
}, 90_000);

afterAll(async () => {
  if (main && main.child.exitCode === null) main.child.kill('SIGKILL');
  await packs?.close();
  await receiver?.close();
});

describe('pack server process with OTEL_* set', () => {
  it('traces each call under the caller span, and exports what is queued at SIGTERM', async () => {
    await expect.poll(() => /listening on (http:\/\/\S+\/mcp)/.exec(main.stderr())?.[1], SOON).toBeDefined();
    const url = /listening on (http:\/\/\S+\/mcp)/.exec(main.stderr())![1]!;
    expect(main.stderr()).toContain(
      `tracing: spans of raku-pack-server exported to ${receiver.url}/v1/traces`,
    );
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const client = new Client(
      { name: 'raku-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const result = await client.callTool({
      name: 'widgets.get_widget',
      arguments: { id: 'w1' },
      _meta: { traceparent: `00-${traceId}-${callerSpan}-01` },
    });
    expect(result.isError).toBeFalsy();
    await client.close();
    // Nothing exported yet: the next export is an hour away.
    expect(receiver.spans).toHaveLength(0);

    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    const spans = await receiver.waitForTrace(traceId, 2);
    const server = spans.find((s) => s.name === 'tools/call widgets.get_widget');
    expect(server).toMatchObject({
      kind: 2,
      parentSpanId: callerSpan,
      resource: { 'service.name': 'raku-pack-server' },
      attributes: { 'raku.pack': 'widgets', 'raku.pack.version': '1.0.0', 'mcp.method.name': 'tools/call' },
    });
    const get = spans.find((s) => s.name === 'GET');
    expect(get).toMatchObject({ kind: 3, parentSpanId: server?.spanId });
    expect(packs.upstream.requests.at(-1)?.headers['traceparent']).toBe(`00-${traceId}-${get?.spanId}-01`);
  }, 120_000);
});
