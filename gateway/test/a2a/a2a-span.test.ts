/**
 * The OpenTelemetry span of an A2A call: a real agent built with @a2a-js/sdk behind a pack server and the
 * gateway, tracing started as an operator starts it (OTEL_* variables), exported to the OTLP/HTTP receiver
 * the telemetry tests use. The pack server's call gets one CLIENT span for the A2A exchange, carrying the
 * task and context ids, with the SDK's HTTP requests under it, and the agent receives the call's trace.
 */
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../../generator/config/src/model/types.ts';
import { A2A_META } from '../../pack-runtime/src/a2a-call.ts';
import { telemetryOptionsFrom } from '../../src/telemetry/otel-env.ts';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.ts';
import { startAgent, type TestAgent } from '../helpers/a2a-agents.ts';
import { importedPack } from '../helpers/a2a-pack.ts';
import { type GatewayStack, startGatewayStack } from '../helpers/gateway-stack.ts';
import {
  type ReceivedSpan,
  startTraceReceiver,
  type TraceReceiver,
} from '../telemetry/otlp-trace-receiver.ts';

const SERVER = 2;
const CLIENT = 3;

const POLICY: Policy = {
  name: 'agents',
  roles: [{ name: 'asker', tools: ['helper.summarize', 'helper.count-words'] }],
  bindings: [{ role: 'asker', subjects: ['group:engineering'] }],
};

describe('an A2A call with tracing on', () => {
  let agent: TestAgent;
  let stack: GatewayStack;
  let receiver: TraceReceiver;
  let tracing: Tracing;
  let client: Client;
  const traceId = randomBytes(16).toString('hex');

  beforeAll(async () => {
    receiver = await startTraceReceiver();
    agent = await startAgent('long', { steps: 2 });
    const pack = await importedPack(agent);
    stack = await startGatewayStack({
      database: 'PGlite',
      approvalWaitMs: 0,
      policies: [POLICY],
      pack: () => pack,
    });
    tracing = startTracing(
      telemetryOptionsFrom(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '20',
        },
        { serviceName: 'raku-a2a-test' },
      ),
    )!;
    client = new Client(
      { name: 'raku-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const token = await stack.issuer.sign({ sub: 'erin', groups: ['engineering'] });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(stack.gateway.url), {
        requestInit: {
          headers: {
            authorization: `Bearer ${token}`,
            traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
          },
        },
      }),
    );
  });
  afterAll(async () => {
    await client?.close();
    await tracing?.shutdown();
    await stack?.close();
    await agent?.close();
    await receiver?.close();
  });

  it('exports one CLIENT span per A2A call with the task and context ids, and sends the agent its trace', async () => {
    const result = await client.callTool({ name: 'helper.summarize', arguments: { message: 'traced' } });
    expect(result.isError).toBeFalsy();
    const note = (result._meta as Record<string, { taskId: string; contextId: string }>)[A2A_META];
    // Spans end as each hop finishes its answer: wait (on what arrived, not on time) for the A2A span, its
    // parent and its HTTP child.
    const arrived = () => receiver.spans.filter((s) => s.traceId === traceId);
    const complete = (spans: ReceivedSpan[]) => {
      const span = spans.find((s) => s.name === 'SendStreamingMessage summarize');
      return (
        span !== undefined &&
        spans.some((s) => s.spanId === span.parentSpanId) &&
        spans.some((s) => s.parentSpanId === span.spanId)
      );
    };
    while (!complete(arrived())) {
      await tracing.forceFlush();
      if (!complete(arrived())) await new Promise((r) => setTimeout(r, 50));
    }
    const spans = arrived();
    const a2a = spans.filter((s) => s.name === 'SendStreamingMessage summarize');
    expect(a2a).toHaveLength(1);
    const span = a2a[0]!;
    expect(span.kind).toBe(CLIENT);
    expect(span.scope).toBe('@raku/pack-runtime');
    expect(span.attributes).toMatchObject({
      'rpc.system': 'a2a',
      'rpc.method': 'SendStreamingMessage',
      'raku.a2a.skill': 'summarize',
      'raku.a2a.protocol_version': '1.0',
      'raku.a2a.task_id': note?.taskId,
      'raku.a2a.context_id': note?.contextId,
      'raku.a2a.state': 'completed',
      'server.address': '127.0.0.1',
    });
    // Its parent is the pack server's SERVER span of the call; the SDK's HTTP request is its child.
    const parent = spans.find((s) => s.spanId === span.parentSpanId);
    expect(parent?.kind).toBe(SERVER);
    const http = spans.filter((s) => s.parentSpanId === span.spanId);
    expect(http.map((s) => [s.name, s.kind])).toEqual([['POST', CLIENT]]);
    // The agent got the call's trace in its traceparent, naming the HTTP span.
    expect(agent.traceparents).toContain(`00-${traceId}-${http[0]?.spanId}-01`);
    // Nothing of the message in any span.
    expect(JSON.stringify(spans)).not.toContain('traced"');
  });
});
