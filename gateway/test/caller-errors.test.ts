/**
 * A hostile caller cannot open the breaker every caller shares (issue 11, item 2). Over real HTTP: the
 * official MCP client → gateway → pack server → fake upstream, with a reviewed third-party fallback that is
 * usable. Generated arguments (lone surrogates, control characters, huge values) in every place a request
 * carries them must come back as tool errors, leave the breaker closed, not be retried, and never reach the
 * fallback; a legitimate caller is served by the pack server right after.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pack } from '../../generator/config/src/model/types.ts';
import { McpTarget, TargetError } from '../src/routing/targets.ts';
import { json } from './helpers/fake-upstream.ts';
import { type GatewayStack, startGatewayStack } from './helpers/gateway-stack.ts';
import { connectClient, textOf } from './helpers/mcp-client.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from './helpers/test-pack.ts';
import { REMOTE_SECRET_ENV } from './helpers/test-zone.ts';

/** The widgets pack plus a read-only tool taking free text in the path, the query, a header and the body. */
function hostilePack(upstreamUrl: string): Pack {
  const pack = widgetsPack(upstreamUrl);
  pack.tools.push({
    name: 'get_widget_report',
    description: 'A report on one widget.',
    inputSchema: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string' }, q: { type: 'string' }, trace: { type: 'string' }, note: {} },
    },
    http: {
      method: 'POST',
      path: '/widgets/{id}/report',
      args: { q: 'query', trace: { in: 'header', name: 'X-Trace' } },
    },
    annotations: { readOnlyHint: true },
  });
  return pack;
}

let stack: GatewayStack;
let mallory: Client;
let eve: Client;

beforeAll(async () => {
  stack = await startGatewayStack({
    database: 'Postgres',
    approvalWaitMs: 1000,
    pack: hostilePack,
    secrets: (name) =>
      ({ [WIDGETS_SECRET_ENV]: 'upstream-secret', [REMOTE_SECRET_ENV]: 'partner-secret' })[name],
    // As sensitive as a breaker gets: one counted failure opens it for ten minutes.
    breaker: { failureThreshold: 1, openMs: 600_000 },
  });
  stack.upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
  mallory = await connectClient(
    stack.gateway.url,
    'modern',
    await stack.issuer.sign({ sub: 'bot', agent: true }),
  );
  eve = await connectClient(
    stack.gateway.url,
    'legacy',
    await stack.issuer.sign({ sub: 'eve', groups: ['engineering'] }),
  );
}, 60_000);

afterAll(async () => {
  await mallory?.close();
  await eve?.close();
  await stack?.close();
});

/** Any UTF-16 code unit, with lone surrogates, control characters and line breaks favoured. */
const codeUnit = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.constantFrom('\ud800', '\udfff', '\0', '\u0001', '\r\n', '\u007f', '中', '..') },
);
const hostileString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: codeUnit, minLength: 1, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', 'a\udc00b', '.', '..', 'x\r\nX-Evil: 1') },
  { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 600_000 }).map((n) => `${'y'.repeat(n)}\ud800`) },
);
const hostileCall = fc.oneof(
  fc.record({ name: fc.constant('widgets.get_widget'), arguments: fc.record({ id: hostileString }) }),
  fc.record({
    name: fc.constant('widgets.get_widget_report'),
    arguments: fc.record(
      {
        id: hostileString,
        q: hostileString,
        trace: hostileString,
        note: fc.oneof(
          hostileString,
          hostileString.map((s) => ({ [s]: [s, { s }] })),
        ),
      },
      { requiredKeys: ['id'] },
    ),
  }),
);

/** Calls the pack server executed, from its own metrics: one per call means nothing was retried. */
async function packServerCalls(): Promise<number> {
  const { values } = await stack.packServer.metrics.calls.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

describe('caller errors and the shared breaker', () => {
  it('answers hostile arguments as tool errors without moving the breaker, retrying, or calling the fallback', async () => {
    const breaker = stack.gateway.routes.breaker(stack.packServer.url);
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(hostileCall, async (call) => {
        const result = await mallory.callTool(call);
        sent++;
        expect(result.isError).toBe(true);
        expect(breaker.state).toBe('closed');
        expect(stack.partner.calls).toEqual([]);
        expect(await packServerCalls()).toBe(sent);
      }),
      { numRuns: 80 },
    );

    // The canonical case, by name: a lone surrogate in a path argument.
    const surrogate = await mallory.callTool({ name: 'widgets.get_widget', arguments: { id: '\ud800' } });
    expect(textOf(surrogate)).toBe(
      'invalid arguments for widgets.get_widget: argument "id" holds a lone surrogate (U+D800 at index 0), which a path segment cannot carry: strings must be well-formed Unicode',
    );
    const metrics = await stack.gateway.metrics.registry.getSingleMetricAsString('raku_tool_calls_total');
    expect(metrics).toMatch(
      /raku_tool_calls_total\{tool="widgets.get_widget",status="invalid",zone="dev",pack="widgets",pack_version="1.0.0"\} [1-9]/,
    );

    // Another caller, right after: served by the pack server, not the fallback.
    const legit = await eve.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    expect(legit.isError).toBeFalsy();
    expect(legit.structuredContent).toEqual({ id: 'w1' });
    expect(stack.partner.calls).toEqual([]);
    expect(breaker.state).toBe('closed');
  }, 120_000);
});

describe('a third-party server’s answers', () => {
  it('takes its JSON-RPC errors and 4xx as the call’s outcome, and only 5xx or 429 as the server failing', async () => {
    // A real SDK server; the HTTP layer in front answers some tools' calls itself, by the Mcp-Name header the
    // 2026-07-28 client mirrors.
    const handler = toNodeHandler(
      createMcpHandler(() => {
        const server = new Server({ name: 'partner', version: '1.0.0' }, { capabilities: { tools: {} } });
        server.setRequestHandler('tools/list', async () => ({ tools: [] }));
        server.setRequestHandler('tools/call', async (req) => {
          if (req.params.name === 'bad_args')
            throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'id is wrong');
          throw new Error('exploded');
        });
        return server;
      }),
    );
    const byName: Record<string, number> = { http400: 400, http413: 413, http429: 429, http500: 500 };
    const server = http.createServer((req, res) => {
      const status = byName[String(req.headers['mcp-name'])];
      if (status) res.writeHead(status, { 'content-type': 'text/plain' }).end(`answered ${status}`);
      else void handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const target = new McpTarget({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
      era: 'auto',
    });
    const call = (tool: string) =>
      target
        .call(tool, {}, { signal: new AbortController().signal, timeoutMs: 5000 })
        .catch((e: unknown) => e);
    try {
      expect(await call('bad_args')).toMatchObject({
        isError: true,
        _meta: { 'dev.raku/status': 'invalid' },
      });
      expect(await call('explode')).toMatchObject({
        isError: true,
        content: [{ text: expect.stringContaining('exploded') }],
      });
      expect(await call('http400')).toMatchObject({
        isError: true,
        content: [{ text: expect.stringContaining('refused the call') }],
      });
      expect(await call('http413')).toMatchObject({ isError: true, _meta: { 'dev.raku/status': 'invalid' } });
      for (const tool of ['http429', 'http500']) expect(await call(tool)).toBeInstanceOf(TargetError);
    } finally {
      await target.close();
      await new Promise((r) => server.close(r));
    }
  });
});
