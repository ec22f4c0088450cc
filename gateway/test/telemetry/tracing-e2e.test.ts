/**
 * OpenTelemetry tracing end to end: a whole gateway stack (gateway, pack server, third-party MCP server, fake
 * upstream API, the machine's Postgres) with tracing started from OTEL_* variables, exporting to an OTLP/HTTP
 * receiver started here that decodes what the SDK really sends (protobuf, then JSON). Checked: one trace
 * from the agent's span through the gateway, the hop, the pack server and the upstream request, linked
 * parent to child; the agent's trace id kept (from the HTTP header and from `_meta`); the MCP and Raku
 * attributes; no argument value anywhere; the trace id stored in Postgres and returned by /v1/traces; and,
 * with tracing off, no spans but the agent's trace id still stored.
 */
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpProtocol, telemetryOptionsFrom } from '../../src/telemetry/otel-env.ts';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.ts';
import { json } from '../helpers/fake-upstream.ts';
import { type GatewayStack, STACK_SECRETS, startGatewayStack } from '../helpers/gateway-stack.ts';
import { REMOTE_SECRET_ENV } from '../helpers/test-zone.ts';
import { type ReceivedSpan, startTraceReceiver, type TraceReceiver } from './otlp-trace-receiver.ts';

const SERVER = 2;
const CLIENT = 3;
/** An argument value that must appear in no span. */
const SECRET_ARG = `arg-${randomBytes(6).toString('hex')}`;

let stack: GatewayStack;
let receiver: TraceReceiver;
let bobToken: string;
let adaToken: string;
const clients: Client[] = [];

function w3c(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** Bob (a reader) as an agent whose transport sends `headers` (its trace context) on every request. */
async function bob(headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client(
    { name: 'raku-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(stack.gateway.url), {
      requestInit: { headers: { authorization: `Bearer ${bobToken}`, ...headers } },
    }),
  );
  clients.push(client);
  return client;
}

/** The stored trace of this W3C trace id, once the trace sink has written it (polled: the sink batches). */
async function storedTrace(traceId: string): Promise<Record<string, unknown>> {
  for (;;) {
    const response = await fetch(`${stack.base}/v1/traces?limit=100`, {
      headers: { authorization: `Bearer ${adaToken}` },
    });
    const page = (await response.json()) as { items: Record<string, unknown>[] };
    const found = page.items.find((t) => t['traceId'] === traceId);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const byName = (spans: ReceivedSpan[], name: string, kind: number) => {
  const found = spans.filter((s) => s.name === name && s.kind === kind);
  expect(
    found,
    `${name} (kind ${kind}) in ${spans.map((s) => `${s.name}/${s.kind}`).join(', ')}`,
  ).toHaveLength(1);
  return found[0]!;
};

beforeAll(async () => {
  receiver = await startTraceReceiver();
  stack = await startGatewayStack({
    database: 'Postgres',
    approvalWaitMs: 100,
    adminSubjects: ['user:ada'],
    secrets: (name) => (name === REMOTE_SECRET_ENV ? 'partner-secret' : STACK_SECRETS(name)),
  });
  stack.upstream.routes.set(`GET /api/widgets/${SECRET_ARG}`, (_req, res) => json(res, 200, { id: 'w7' }));
  bobToken = await stack.issuer.sign({ sub: 'bob', groups: ['engineering'] });
  adaToken = await stack.issuer.sign({ sub: 'ada' });
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stack?.close();
  await receiver?.close();
});

describe.each<OtlpProtocol>(['http/protobuf', 'http/json'])('with tracing exported over %s', (protocol) => {
  let tracing: Tracing;

  beforeAll(() => {
    const options = telemetryOptionsFrom(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=raku-test',
        OTEL_SERVICE_NAME: 'raku-e2e',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
      { serviceName: 'raku-gateway' },
    );
    tracing = startTracing(options)!;
  });

  afterAll(async () => {
    await tracing.shutdown();
  });

  it('links the agent span, gateway, hop, pack server and upstream request in one trace', async () => {
    const agent = w3c();
    const client = await bob({ traceparent: agent.traceparent, tracestate: 'agent=1' });
    const result = await client.callTool({ name: 'widgets.get_widget', arguments: { id: SECRET_ARG } });
    expect(result.isError).toBeFalsy();
    await tracing.forceFlush();
    const spans = await receiver.waitForTrace(agent.traceId, 4);

    // The gateway's and the pack server's SERVER spans share a name: the gateway's is the agent's child, the
    // pack server's the hop's.
    const servers = spans.filter((s) => s.kind === SERVER && s.name === 'tools/call widgets.get_widget');
    expect(servers).toHaveLength(2);
    const gateway = servers.find((s) => s.parentSpanId === agent.spanId)!;
    expect(gateway, 'the gateway span is the agent span child').toBeDefined();
    const hop = byName(spans, 'tools/call widgets.get_widget', CLIENT);
    expect(hop.parentSpanId).toBe(gateway.spanId);
    const packServer = servers.find((s) => s.parentSpanId === hop.spanId);
    expect(packServer, 'the pack server span is the hop span child').toBeDefined();
    const upstreamSpan = byName(spans, 'GET', CLIENT);
    expect(upstreamSpan.parentSpanId).toBe(packServer!.spanId);

    // The upstream API got the upstream span's context.
    const request = stack.upstream.requests.findLast((r) => r.url.includes(SECRET_ARG));
    expect(request?.headers['traceparent']).toBe(`00-${agent.traceId}-${upstreamSpan.spanId}-01`);

    expect(gateway.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'widgets.get_widget',
      'gen_ai.operation.name': 'execute_tool',
      'mcp.protocol.version': '2026-07-28',
      'raku.zone': 'dev',
      'raku.decision': 'allow',
      'raku.pack': 'widgets',
      'raku.pack.version': '1.0.0',
      'raku.call.status': 'ok',
    });
    expect(gateway.attributes['jsonrpc.request.id']).toMatch(/^\d+$/);
    expect(gateway.attributes['raku.policy.rule']).toEqual(expect.any(String));
    expect(gateway.attributes['raku.config.revision']).toEqual(expect.any(String));
    expect(packServer!.attributes).toMatchObject({ 'raku.pack': 'widgets', 'raku.pack.version': '1.0.0' });
    expect(upstreamSpan.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
    });
    expect(gateway.resource).toMatchObject({
      'service.name': 'raku-e2e',
      'deployment.environment.name': 'test',
    });
    expect(gateway.contentType).toBe(
      protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
    );
    expect(receiver.exports.at(-1)?.['x-tenant']).toBe('raku-test');
    // Arguments never reach a span, not even in the upstream path.
    expect(JSON.stringify(spans)).not.toContain(SECRET_ARG);

    const stored = await storedTrace(agent.traceId);
    expect(stored).toMatchObject({ tool: 'widgets.get_widget', status: 'ok', traceId: agent.traceId });
  });

  it('takes the parent from params._meta over the HTTP header, linking the HTTP one', async () => {
    const viaHttp = w3c();
    const viaMeta = w3c();
    const client = await bob({ traceparent: viaHttp.traceparent });
    await client.callTool({
      name: 'widgets.get_widget',
      arguments: { id: 'w1' },
      _meta: { traceparent: viaMeta.traceparent },
    });
    await tracing.forceFlush();
    const spans = await receiver.waitForTrace(viaMeta.traceId, 4);
    const gateway = spans.find((s) => s.kind === SERVER && s.parentSpanId === viaMeta.spanId);
    expect(gateway?.links).toEqual([{ traceId: viaHttp.traceId, spanId: viaHttp.spanId }]);
    expect((await storedTrace(viaMeta.traceId))['tool']).toBe('widgets.get_widget');
  });

  it('starts a trace of its own for an agent that sends none, and stores its id', async () => {
    const client = await bob();
    const before = receiver.spans.length;
    await client.callTool({ name: 'widgets.create_widget', arguments: { name: SECRET_ARG } });
    await tracing.forceFlush();
    const denied = await (async () => {
      for (;;) {
        const span = receiver.spans
          .slice(before)
          .find((s) => s.kind === SERVER && s.name === 'tools/call widgets.create_widget');
        if (span) return span;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    expect(denied.parentSpanId).toBe('');
    expect(denied.attributes).toMatchObject({
      'raku.decision': 'deny',
      'raku.call.status': 'denied',
      'error.type': 'tool_error',
    });
    expect(denied.status.code).toBe(2);
    const stored = await storedTrace(denied.traceId);
    expect(stored).toMatchObject({ tool: 'widgets.create_widget', status: 'denied' });
  });

  it('sends the trace context to a third-party MCP server in the header and in _meta', async () => {
    const agent = w3c();
    const client = await bob({ traceparent: agent.traceparent });
    const result = await client.callTool({ name: 'partner.search', arguments: { q: SECRET_ARG } });
    expect(result.isError).toBeFalsy();
    await tracing.forceFlush();
    const spans = await receiver.waitForTrace(agent.traceId, 2);
    const call = byName(spans, 'tools/call search', CLIENT);
    const expected = `00-${agent.traceId}-${call.spanId}-01`;
    const seen = stack.partner.calls.findLast((c) => JSON.stringify(c.args).includes(SECRET_ARG));
    expect(seen?.meta?.['traceparent']).toBe(expected);
    expect(stack.partner.traceparents).toContain(expected);
  });
});

describe('with tracing off', () => {
  it('exports nothing and still stores the trace id the agent sent', async () => {
    const agent = w3c();
    const before = receiver.spans.length;
    const client = await bob({ traceparent: agent.traceparent });
    await client.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    expect((await storedTrace(agent.traceId))['status']).toBe('ok');
    expect(receiver.spans.length).toBe(before);
    const request = stack.upstream.requests.at(-1);
    expect(request?.headers['traceparent']).toBeUndefined();
  });
});
