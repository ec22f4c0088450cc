/**
 * The MCP endpoint's SERVER spans are the same whichever way a request is answered: the hot path or the SDK
 * (RAKU_MCP_HOT_PATH=false), for both protocol revisions, tools/call and tools/list, a tool error, a JSON-RPC
 * error and a fault of the catalog; the catalog is handed the span and the agent's trace id. Exported over
 * OTLP/HTTP JSON to a receiver started here.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/auth/caller.ts';
import { type CallRequest, createMcpEndpoint, ToolNotFound } from '../../src/mcp/tool-endpoint.ts';
import { telemetryOptionsFrom } from '../../src/telemetry/otel-env.ts';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.ts';
import type { Era } from '../helpers/mcp-client.ts';
import { type ReceivedSpan, startTraceReceiver, type TraceReceiver } from './otlp-trace-receiver.ts';

const CALLER: Caller = { subject: 'agent:bot', kind: 'agent', groups: [], claims: {} };
let receiver: TraceReceiver;
let tracing: Tracing;
const requests: CallRequest[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  receiver = await startTraceReceiver();
  tracing = startTracing(
    telemetryOptionsFrom(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      { serviceName: 'raku-test' },
    ),
  )!;
});

afterAll(async () => {
  for (const close of closers) await close();
  await tracing?.shutdown();
  await receiver?.close();
});

async function serve(hotPath: boolean): Promise<string> {
  const endpoint = createMcpEndpoint(
    {
      listTools: () => [{ name: 'a.ok', description: 'A tool.', inputSchema: { type: 'object' } }],
      async callTool(name, _args, _caller, _signal, request) {
        requests.push(request ?? {});
        if (name === 'a.ok') return { content: [{ type: 'text', text: 'fine' }] };
        if (name === 'a.failing')
          return { content: [{ type: 'text', text: 'upstream failed' }], isError: true };
        if (name === 'a.broken') throw new Error('the catalog broke');
        throw new ToolNotFound(`unknown tool "${name}"`);
      },
    },
    { name: 'raku-test', version: '1.0.0', hotPath },
  );
  const server = http.createServer((req, res) => void endpoint(req, res, CALLER));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

async function agent(url: string, era: Era, traceparent: string): Promise<Client> {
  const client = new Client(
    { name: 'raku-test', version: '1.0.0' },
    { versionNegotiation: { mode: era === 'legacy' ? 'legacy' : { pin: '2026-07-28' } } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { traceparent } } }),
  );
  closers.push(() => client.close());
  return client;
}

describe.each([true, false])('MCP SERVER spans (hot path %s)', (hotPath) => {
  it.each<Era>(['modern', 'legacy'])('traces tools/call and tools/list of a %s client alike', async (era) => {
    const traceId = randomBytes(16).toString('hex');
    const parent = randomBytes(8).toString('hex');
    const client = await agent(await serve(hotPath), era, `00-${traceId}-${parent}-01`);
    requests.length = 0;
    await client.listTools();
    await client.callTool({ name: 'a.ok', arguments: { secret: 'never-exported' } });
    await client.callTool({ name: 'a.failing', arguments: {} });
    await expect(client.callTool({ name: 'a.missing', arguments: {} })).rejects.toThrow(/unknown tool/);
    const broken = await client.callTool({ name: 'a.broken', arguments: {} }).catch((err: Error) => err);
    expect(broken).toBeInstanceOf(Error);
    await tracing.forceFlush();
    const spans = await receiver.waitForTrace(traceId, 5);
    const named = (name: string): ReceivedSpan => spans.find((s) => s.name === name)!;

    for (const span of spans) expect(span).toMatchObject({ kind: 2, parentSpanId: parent });
    expect(named('tools/list').attributes).toMatchObject({ 'mcp.method.name': 'tools/list' });
    expect(named('tools/list').attributes).not.toHaveProperty('gen_ai.tool.name');
    expect(named('tools/call a.ok')).toMatchObject({
      status: { code: 0 },
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'a.ok',
        'gen_ai.operation.name': 'execute_tool',
        'jsonrpc.request.id': expect.stringMatching(/^\d+$/),
      },
    });
    expect(named('tools/call a.failing')).toMatchObject({
      status: { code: 2 },
      attributes: { 'error.type': 'tool_error' },
    });
    expect(named('tools/call a.missing')).toMatchObject({
      status: { code: 2, message: 'unknown tool "a.missing"' },
      attributes: { 'error.type': '-32602', 'rpc.response.status_code': '-32602' },
    });
    expect(named('tools/call a.broken')).toMatchObject({
      status: { code: 2 },
      attributes: { 'error.type': 'Error' },
    });
    expect(JSON.stringify(spans)).not.toContain('never-exported');
    // The catalog gets the request's span and the agent's trace id.
    expect(requests[0]?.w3cTraceId).toBe(traceId);
    expect(requests[0]?.span?.spanContext().spanId).toBe(named('tools/call a.ok').spanId);
  });
});
