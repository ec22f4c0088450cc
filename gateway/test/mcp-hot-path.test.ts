/**
 * The hot path (gateway/src/mcp/hot-path.ts) against the SDK as the oracle: every request of a corpus goes
 * over real HTTP to one endpoint that answers 2026-07-28 tools/call and tools/list itself and to one that
 * sends everything through the SDK, and the answers must be the same (status, media type, JSON body). Each
 * case also says whether the hot path is meant to take it, so a hot path that took nothing (or too much)
 * fails here rather than passing unnoticed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProtocolError, specTypeSchemas } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallToolResult, McpToolDefinition } from '../pack-runtime/src/pack-executor.ts';
import type { Caller } from '../src/auth/caller.ts';
import { isHotRequest, plainCallResult } from '../src/mcp/hot-path.ts';
import {
  type CallRequest,
  createMcpEndpoint,
  encodeCursor,
  type ToolCatalog,
  ToolNotFound,
} from '../src/mcp/tool-endpoint.ts';
import { connectClient, ERAS, textOf } from './helpers/mcp-client.ts';

const CALLER: Caller = { subject: 'agent:bot', kind: 'agent', groups: ['ops'], claims: {} };
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'test', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const TOOLS: McpToolDefinition[] = ['a.first', 'b.second', 'c.third'].map((name) => ({
  name,
  description: `the ${name} tool`,
  inputSchema: { type: 'object', properties: { n: { type: 'number' } } },
  annotations: { readOnlyHint: true },
  _meta: { 'dev.raku/pack-version': '1.2.3' },
}));

/** Tools whose results cover what a handler can hand back: plain, with `_meta`, thrown, malformed, slow. */
interface Seen {
  aborted: number;
  calls: number;
  /** Calls of c.gate waiting to be let through. */
  gates: (() => void)[];
}

function catalog(seen: Seen): ToolCatalog {
  return {
    listTools: () => TOOLS,
    async callTool(
      name: string,
      args: Record<string, unknown>,
      caller: Caller,
      signal: AbortSignal,
      request?: CallRequest,
    ): Promise<CallToolResult> {
      seen.calls++;
      switch (name) {
        case 'a.first':
          return {
            content: [{ type: 'text', text: JSON.stringify(args) }],
            structuredContent: { args, subject: caller.subject, packVersion: request?.packVersion ?? null },
          };
        case 'b.second':
          return {
            content: [{ type: 'text', text: 'upstream failed' }],
            isError: true,
            _meta: { 'dev.raku/status': 'error' },
          };
        case 'c.boom':
          throw new Error('the catalog broke');
        case 'c.protocol':
          throw new ProtocolError(-32002, 'gone', { uri: 'x' });
        case 'c.malformed':
          return { content: 'not a list' } as unknown as CallToolResult;
        case 'c.gate':
          await new Promise<void>((resolve) => seen.gates.push(resolve));
          return { content: [{ type: 'text', text: 'let through' }] };
        case 'c.wait':
          await new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => resolve(), { once: true }),
          );
          seen.aborted++;
          return { content: [] };
        default:
          throw new ToolNotFound(`unknown tool "${name}"`);
      }
    },
  };
}

interface Served {
  url: string;
  seen: Seen;
  errors: Error[];
  close(): Promise<void>;
}

async function serve(hotPath: boolean): Promise<Served> {
  const seen: Seen = { aborted: 0, calls: 0, gates: [] };
  const errors: Error[] = [];
  const endpoint = createMcpEndpoint(catalog(seen), {
    name: 'raku-test',
    version: '9.9.9',
    pageSize: 2,
    hotPath,
    // Short, so a call kept waiting gets its stream's keep-alive comments without a long test.
    keepAliveMs: 25,
    onerror: (e) => errors.push(e),
  });
  const server = http.createServer((req, res) => void endpoint(req, res, CALLER));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    seen,
    errors,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

interface Answer {
  status: number;
  type: string;
  body: unknown;
  /** The other headers an event-stream answer carries (absent on JSON answers of either endpoint). */
  streamHeaders: (string | null)[];
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  let parsed: unknown = text;
  if (type.includes('application/json') && text) parsed = JSON.parse(text);
  if (type.includes('text/event-stream')) {
    // Event ids and keep-alive comments are per stream; the messages are what the client sees.
    parsed = text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)));
  }
  return {
    status: res.status,
    type: type.split(';')[0] ?? '',
    body: parsed,
    streamHeaders: ['cache-control', 'x-accel-buffering', 'mcp-session-id'].map((h) => res.headers.get(h)),
  };
}

const headersFor = (method: string, name?: string): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': method,
  ...(name !== undefined ? { 'mcp-name': name } : {}),
});

/** What a 2025-11-25 client sends after initialize (stateless serving: no session id to repeat). */
const LEGACY_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const legacyCall = (name: unknown, extra: Record<string, unknown> = {}, id: unknown = 11) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: { n: 1 }, ...extra },
});
const legacyList = (params: unknown = {}) => ({
  jsonrpc: '2.0',
  id: 'legacy-list',
  method: 'tools/list',
  ...(params !== undefined ? { params } : {}),
});

const callBody = (name: unknown, extra: Record<string, unknown> = {}, id: unknown = 1) =>
  ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: { n: 1 }, _meta: ENVELOPE, ...extra },
  }) as Record<string, unknown>;
const listBody = (params: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: 'list-1',
  method: 'tools/list',
  params: { _meta: ENVELOPE, ...params },
});

interface Case {
  name: string;
  headers: Record<string, string>;
  body: unknown;
  /** Whether the hot path answers it (else the SDK does). */
  hot: boolean;
}

const CASES: Case[] = [
  // Taken: what agents send.
  {
    name: 'a tools/call',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first'),
    hot: true,
  },
  {
    name: 'a tools/call with a string id',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', {}, 'x-7'),
    hot: true,
  },
  {
    name: 'a tools/call without arguments',
    headers: headersFor('tools/call', 'a.first'),
    body: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'a.first', _meta: ENVELOPE } },
    hot: true,
  },
  {
    name: 'a tools/call asking for a pack version',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', { _meta: { ...ENVELOPE, 'dev.raku/pack-version': '^1.2' } }),
    hot: true,
  },
  {
    name: 'a tools/call with trace context and a progress token in _meta',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', {
      _meta: {
        ...ENVELOPE,
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        progressToken: 5,
      },
    }),
    hot: true,
  },
  {
    name: 'a tools/call with a charset in the media type',
    headers: { ...headersFor('tools/call', 'a.first'), 'content-type': 'application/json; charset=utf-8' },
    body: callBody('a.first'),
    hot: true,
  },
  {
    name: 'a tool error result with _meta',
    headers: headersFor('tools/call', 'b.second'),
    body: callBody('b.second'),
    hot: true,
  },
  {
    name: 'an unknown tool',
    headers: headersFor('tools/call', 'z.nope'),
    body: callBody('z.nope'),
    hot: true,
  },
  {
    name: 'a catalog that throws',
    headers: headersFor('tools/call', 'c.boom'),
    body: callBody('c.boom'),
    hot: true,
  },
  {
    name: 'a catalog that throws a protocol error with data',
    headers: headersFor('tools/call', 'c.protocol'),
    body: callBody('c.protocol'),
    hot: true,
  },
  {
    name: 'a malformed result',
    headers: headersFor('tools/call', 'c.malformed'),
    body: callBody('c.malformed'),
    hot: true,
  },
  {
    name: 'a pack version that is not a string',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', { _meta: { ...ENVELOPE, 'dev.raku/pack-version': 2 } }),
    hot: true,
  },
  { name: 'a tools/list', headers: headersFor('tools/list'), body: listBody(), hot: true },
  {
    name: 'a tools/call with a log level and a vendor _meta key',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', {
      _meta: { ...ENVELOPE, 'io.modelcontextprotocol/logLevel': 'info', 'x.example/anything': { deep: [1] } },
    }),
    hot: true,
  },
  {
    name: 'a tools/call from a client declaring capabilities',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', {
      _meta: {
        ...ENVELOPE,
        'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} }, roots: {} },
      },
    }),
    hot: true,
  },
  {
    name: 'the last tools/list page',
    headers: headersFor('tools/list'),
    body: listBody({ cursor: encodeCursor('b.second') }),
    hot: true,
  },
  {
    name: 'a tools/list with a bad cursor',
    headers: headersFor('tools/list'),
    body: listBody({ cursor: '!!' }),
    hot: true,
  },

  // Left to the SDK: its validation ladder, other methods, the other era.
  { name: 'no Mcp-Name header', headers: headersFor('tools/call'), body: callBody('a.first'), hot: false },
  {
    name: 'an Mcp-Name naming another tool',
    headers: headersFor('tools/call', 'b.second'),
    body: callBody('a.first'),
    hot: false,
  },
  {
    name: 'a Base64-encoded Mcp-Name',
    headers: headersFor('tools/call', `=?base64?${Buffer.from('a.first').toString('base64')}?=`),
    body: callBody('a.first'),
    hot: false,
  },
  {
    name: 'no Mcp-Method header',
    headers: {
      'content-type': 'application/json',
      'mcp-protocol-version': '2026-07-28',
      'mcp-name': 'a.first',
    },
    body: callBody('a.first'),
    hot: false,
  },
  {
    name: 'an Mcp-Method naming another method',
    headers: { ...headersFor('tools/list'), 'mcp-name': 'a.first' },
    body: callBody('a.first'),
    hot: false,
  },
  {
    name: 'no MCP-Protocol-Version header',
    headers: { 'content-type': 'application/json', 'mcp-method': 'tools/call', 'mcp-name': 'a.first' },
    body: callBody('a.first'),
    hot: false,
  },
  {
    name: 'a header revision that disagrees with the envelope',
    headers: { ...headersFor('tools/call', 'a.first'), 'mcp-protocol-version': '2025-11-25' },
    body: callBody('a.first'),
    hot: false,
  },
  {
    name: 'an envelope without client capabilities',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', {
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
      },
    }),
    hot: false,
  },
  {
    name: 'a revision this SDK does not serve',
    headers: { ...headersFor('tools/call', 'a.first'), 'mcp-protocol-version': '2027-01-01' },
    body: callBody('a.first', {
      _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2027-01-01' },
    }),
    hot: false,
  },
  {
    name: 'a log level the protocol does not have (same client otherwise)',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', { _meta: { ...ENVELOPE, 'io.modelcontextprotocol/logLevel': 'loud' } }),
    hot: false,
  },
  {
    name: 'capabilities of the wrong type (same client otherwise)',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', {
      _meta: { ...ENVELOPE, 'io.modelcontextprotocol/clientCapabilities': { roots: 5 } },
    }),
    hot: false,
  },
  {
    name: 'client info without a version',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', {
      _meta: { ...ENVELOPE, 'io.modelcontextprotocol/clientInfo': { name: 't' } },
    }),
    hot: false,
  },
  {
    name: 'a progress token that is an object',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', { _meta: { ...ENVELOPE, progressToken: {} } }),
    hot: false,
  },
  {
    name: 'a traceparent that is a number',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', { _meta: { ...ENVELOPE, traceparent: 5 } }),
    hot: false,
  },
  {
    name: 'another key of the protocol in _meta',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', { _meta: { ...ENVELOPE, 'io.modelcontextprotocol/related-task': 5 } }),
    hot: false,
  },
  {
    name: 'an id that is a fraction',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', {}, 1.5),
    hot: false,
  },
  {
    name: 'an id that is null',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', {}, null),
    hot: false,
  },
  {
    name: 'an id beyond the safe integers',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', {}, 2 ** 60),
    hot: false,
  },
  {
    name: 'a request that also carries a result',
    headers: headersFor('tools/call', 'a.first'),
    body: { ...callBody('a.first'), result: {} },
    hot: false,
  },
  {
    name: 'arguments that are a number',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', { arguments: 5 }),
    hot: false,
  },
  {
    name: 'arguments that are null',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', { arguments: null }),
    hot: false,
  },
  {
    name: 'arguments that are a list',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', { arguments: [1] }),
    hot: false,
  },
  {
    name: 'a tool name that is not a string',
    headers: headersFor('tools/call', '7'),
    body: callBody(7),
    hot: false,
  },
  {
    name: 'params the hot path does not know',
    headers: headersFor('tools/call', 'a.first'),
    body: callBody('a.first', { task: {} }),
    hot: false,
  },
  {
    name: 'a tools/list cursor that is not a string',
    headers: headersFor('tools/list'),
    body: listBody({ cursor: 3 }),
    hot: false,
  },
  {
    name: 'another method',
    headers: headersFor('resources/list'),
    body: { jsonrpc: '2.0', id: 4, method: 'resources/list', params: { _meta: ENVELOPE } },
    hot: false,
  },
  {
    name: 'a notification',
    headers: headersFor('notifications/cancelled'),
    body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: ENVELOPE } },
    hot: false,
  },
  { name: 'a batch', headers: headersFor('tools/call', 'a.first'), body: [callBody('a.first')], hot: false },
  {
    name: 'a JSON-RPC version that is not 2.0',
    headers: headersFor('tools/call', 'a.first'),
    body: { ...callBody('a.first'), jsonrpc: '1.0' },
    hot: false,
  },
  {
    name: 'a text/plain body',
    headers: { ...headersFor('tools/call', 'a.first'), 'content-type': 'text/plain' },
    body: callBody('a.first'),
    hot: false,
  },

  // 2025-11-25, served statelessly by the SDK's legacy fallback. Taken: what agents send after initialize.
  { name: '2025-11-25: a tools/call', headers: LEGACY_HEADERS, body: legacyCall('a.first'), hot: true },
  {
    name: '2025-11-25: a tools/call with a string id',
    headers: LEGACY_HEADERS,
    body: legacyCall('a.first', {}, 'x-8'),
    hot: true,
  },
  {
    name: '2025-11-25: a tools/call without arguments',
    headers: LEGACY_HEADERS,
    body: { jsonrpc: '2.0', id: 12, method: 'tools/call', params: { name: 'a.first' } },
    hot: true,
  },
  {
    name: '2025-11-25: a tools/call asking for a pack version',
    headers: LEGACY_HEADERS,
    body: legacyCall('a.first', { _meta: { 'dev.raku/pack-version': '^1.2' } }),
    hot: true,
  },
  {
    name: '2025-11-25: trace context and a progress token in _meta',
    headers: LEGACY_HEADERS,
    body: legacyCall('a.first', {
      _meta: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', progressToken: 'p' },
    }),
    hot: true,
  },
  {
    name: '2025-11-25: no MCP-Protocol-Version header',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: legacyCall('a.first'),
    hot: true,
  },
  {
    name: '2025-11-25: an Mcp-Session-Id header (stateless serving ignores it)',
    headers: { ...LEGACY_HEADERS, 'mcp-session-id': 'a-session-we-never-gave' },
    body: legacyCall('a.first'),
    hot: true,
  },
  {
    name: '2025-11-25: Mcp-Method and Mcp-Name headers naming something else (that era has none)',
    headers: { ...LEGACY_HEADERS, 'mcp-method': 'tools/list', 'mcp-name': 'b.second' },
    body: legacyCall('a.first'),
    hot: true,
  },
  {
    name: '2025-11-25: the accepted media types the other way round, with a charset',
    headers: {
      ...LEGACY_HEADERS,
      accept: 'text/event-stream, application/json',
      'content-type': 'application/json; charset=utf-8',
    },
    body: legacyCall('a.first'),
    hot: true,
  },
  {
    name: '2025-11-25: a tool error result',
    headers: LEGACY_HEADERS,
    body: legacyCall('b.second'),
    hot: true,
  },
  { name: '2025-11-25: an unknown tool', headers: LEGACY_HEADERS, body: legacyCall('z.nope'), hot: true },
  {
    name: '2025-11-25: a catalog that throws',
    headers: LEGACY_HEADERS,
    body: legacyCall('c.boom'),
    hot: true,
  },
  {
    name: '2025-11-25: a protocol error with data',
    headers: LEGACY_HEADERS,
    body: legacyCall('c.protocol'),
    hot: true,
  },
  {
    name: '2025-11-25: a malformed result',
    headers: LEGACY_HEADERS,
    body: legacyCall('c.malformed'),
    hot: true,
  },
  {
    name: '2025-11-25: a pack version that is not a string',
    headers: LEGACY_HEADERS,
    body: legacyCall('a.first', { _meta: { 'dev.raku/pack-version': 2 } }),
    hot: true,
  },
  { name: '2025-11-25: a tools/list', headers: LEGACY_HEADERS, body: legacyList(), hot: true },
  {
    name: '2025-11-25: a tools/list without params',
    headers: LEGACY_HEADERS,
    body: legacyList(undefined),
    hot: true,
  },
  {
    name: '2025-11-25: the last tools/list page',
    headers: LEGACY_HEADERS,
    body: legacyList({ cursor: encodeCursor('b.second') }),
    hot: true,
  },
  {
    name: '2025-11-25: a tools/list with a bad cursor',
    headers: LEGACY_HEADERS,
    body: legacyList({ cursor: '!!' }),
    hot: true,
  },

  // 2025-11-25 left to the SDK.
  {
    name: '2025-11-25: Accept without event streams',
    headers: { ...LEGACY_HEADERS, accept: 'application/json' },
    body: legacyCall('a.first'),
    hot: false,
  },
  {
    name: '2025-11-25: Accept without JSON',
    headers: { ...LEGACY_HEADERS, accept: 'text/event-stream' },
    body: legacyCall('a.first'),
    hot: false,
  },
  {
    name: '2025-11-25: no Accept header',
    headers: { 'content-type': 'application/json', 'mcp-protocol-version': '2025-11-25' },
    body: legacyCall('a.first'),
    hot: false,
  },
  {
    name: '2025-11-25: an older revision in the header',
    headers: { ...LEGACY_HEADERS, 'mcp-protocol-version': '2025-06-18' },
    body: legacyCall('a.first'),
    hot: false,
  },
  {
    name: '2025-11-25: a revision nobody serves in the header',
    headers: { ...LEGACY_HEADERS, 'mcp-protocol-version': '2024-01-01' },
    body: legacyCall('a.first'),
    hot: false,
  },
  {
    name: '2025-11-25: a revision header with padding',
    headers: { ...LEGACY_HEADERS, 'mcp-protocol-version': '2025-11-25 ' },
    body: legacyCall('a.first'),
    hot: false,
  },
  {
    name: '2025-11-25: envelope keys without a protocol version',
    headers: LEGACY_HEADERS,
    body: legacyCall('a.first', {
      _meta: { 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' } },
    }),
    hot: false,
  },
  {
    name: '2025-11-25: another key of the protocol in _meta',
    headers: LEGACY_HEADERS,
    body: legacyCall('a.first', { _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't' } } }),
    hot: false,
  },
  {
    name: '2025-11-25: a task-augmented call',
    headers: LEGACY_HEADERS,
    body: legacyCall('a.first', { task: { ttl: 1000 } }),
    hot: false,
  },
  {
    name: '2025-11-25: arguments that are a number',
    headers: LEGACY_HEADERS,
    body: legacyCall('a.first', { arguments: 5 }),
    hot: false,
  },
  {
    name: '2025-11-25: a tool name that is not a string',
    headers: LEGACY_HEADERS,
    body: legacyCall(7),
    hot: false,
  },
  {
    name: '2025-11-25: a tools/call without params',
    headers: LEGACY_HEADERS,
    body: { jsonrpc: '2.0', id: 13, method: 'tools/call' },
    hot: false,
  },
  {
    name: '2025-11-25: a progress token that is a fraction',
    headers: LEGACY_HEADERS,
    body: legacyCall('a.first', { _meta: { progressToken: 1.5 } }),
    hot: false,
  },
  {
    name: '2025-11-25: an id that is a fraction',
    headers: LEGACY_HEADERS,
    body: legacyCall('a.first', {}, 2.5),
    hot: false,
  },
  {
    name: '2025-11-25: a tools/list with params null',
    headers: LEGACY_HEADERS,
    body: legacyList(null),
    hot: false,
  },
  {
    name: '2025-11-25: a tools/list cursor that is not a string',
    headers: LEGACY_HEADERS,
    body: legacyList({ cursor: 3 }),
    hot: false,
  },
  {
    name: '2025-11-25: the initialized notification',
    headers: LEGACY_HEADERS,
    body: { jsonrpc: '2.0', method: 'notifications/initialized' },
    hot: false,
  },
  {
    name: '2025-11-25: another method',
    headers: LEGACY_HEADERS,
    body: { jsonrpc: '2.0', id: 14, method: 'resources/list', params: {} },
    hot: false,
  },
  {
    name: '2025-11-25: a text/plain body',
    headers: { ...LEGACY_HEADERS, 'content-type': 'text/plain' },
    body: legacyCall('a.first'),
    hot: false,
  },
  {
    name: 'a 2025-11-25 initialize',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    },
    hot: false,
  },
];

let hot: Served;
let sdk: Served;
beforeAll(async () => {
  hot = await serve(true);
  sdk = await serve(false);
});
afterAll(async () => {
  await hot.close();
  await sdk.close();
});

describe('the MCP hot path', () => {
  it.each(CASES)('takes only what it should: $name', ({ headers, body, hot: expected }) => {
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(isHotRequest(lower, body)).toBe(expected);
  });

  it.each(CASES)('answers as the SDK does: $name', async ({ headers, body }) => {
    const text = JSON.stringify(body);
    const [fromHot, fromSdk] = await Promise.all([
      post(hot.url, headers, text),
      post(sdk.url, headers, text),
    ]);
    expect(fromHot).toEqual(fromSdk);
  });

  it('reports to onerror what the SDK reports, and nothing of its own', () => {
    // Both endpoints got the corpus in the same order; the SDK reports its ladder rejections on both.
    expect(hot.errors.map((e) => e.message)).toEqual(sdk.errors.map((e) => e.message));
    expect(sdk.errors.length).toBeGreaterThan(0);
  });

  it('answers tools/call with the encoding of 2026-07-28 and the handler result as it is', async () => {
    const answer = await post(
      hot.url,
      headersFor('tools/call', 'b.second'),
      JSON.stringify(callBody('b.second')),
    );
    expect(answer).toEqual({
      status: 200,
      type: 'application/json',
      body: {
        jsonrpc: '2.0',
        id: 1,
        result: {
          content: [{ type: 'text', text: 'upstream failed' }],
          isError: true,
          resultType: 'complete',
          _meta: {
            'dev.raku/status': 'error',
            'io.modelcontextprotocol/serverInfo': { name: 'raku-test', version: '9.9.9' },
          },
        },
      },
      streamHeaders: [null, null, null],
    });
  });

  it('answers a 2025-11-25 tools/call as one event of a stream, with the handler result as it is', async () => {
    const answer = await post(hot.url, LEGACY_HEADERS, JSON.stringify(legacyCall('b.second')));
    expect(answer).toEqual({
      status: 200,
      type: 'text/event-stream',
      body: [
        {
          jsonrpc: '2.0',
          id: 11,
          result: {
            content: [{ type: 'text', text: 'upstream failed' }],
            isError: true,
            _meta: { 'dev.raku/status': 'error' },
          },
        },
      ],
      streamHeaders: ['no-cache, no-transform', 'no', null],
    });
  });

  it('cancels the call when the client goes away before the answer', async () => {
    const before = hot.seen.aborted;
    const req = http.request(hot.url, { method: 'POST', headers: headersFor('tools/call', 'c.wait') });
    req.on('error', () => {});
    const calls = hot.seen.calls;
    req.end(JSON.stringify(callBody('c.wait')));
    while (hot.seen.calls === calls) await new Promise((r) => setTimeout(r, 5));
    req.destroy();
    while (hot.seen.aborted === before) await new Promise((r) => setTimeout(r, 5));
    expect(hot.seen.aborted).toBe(before + 1);
  });

  it('serves the official client in both eras with the same tools and results', async () => {
    for (const era of ERAS) {
      const client = await connectClient(hot.url, era);
      // The client follows the cursor across the two pages.
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['a.first', 'b.second', 'c.third']);
      const result = await client.callTool({ name: 'a.first', arguments: { n: 2 } });
      expect(textOf(result)).toBe('{"n":2}');
      expect(result.structuredContent).toEqual({ args: { n: 2 }, subject: 'agent:bot', packVersion: null });
      await client.close();
    }
  });

  it('skips the CallToolResult schema only for results the schema accepts', () => {
    const schema = specTypeSchemas.CallToolResult['~standard'];
    const accepted = (value: Record<string, unknown>) => {
      const checked = schema.validate(value);
      if (checked instanceof Promise) throw new Error('asynchronous schema');
      return checked.issues === undefined;
    };
    const key = fc.oneof(
      fc.string(),
      fc.constantFrom('progressToken', 'io.modelcontextprotocol/serverInfo', 'type', 'text', 'annotations'),
    );
    const block = fc.oneof(
      fc.record({ type: fc.constant('text'), text: fc.string() }),
      fc.dictionary(key, fc.jsonValue(), { maxKeys: 3 }),
    );
    const some = <T>(likely: fc.Arbitrary<T>) => fc.oneof({ arbitrary: likely, weight: 5 }, fc.jsonValue());
    const result = fc.oneof(
      // Mostly results of the shape pack tools return, with now and then a value of another type.
      fc.record(
        {
          content: some(fc.array(block, { maxLength: 3 })),
          structuredContent: some(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 })),
          isError: some(fc.boolean()),
          _meta: some(fc.dictionary(key, fc.jsonValue(), { maxKeys: 2 })),
        },
        { requiredKeys: ['content'] },
      ),
      fc.dictionary(
        fc.oneof(key, fc.constantFrom('content', 'isError', 'structuredContent')),
        fc.jsonValue(),
      ),
    );
    let plain = 0;
    fc.assert(
      fc.property(result, (value) => {
        if (!plainCallResult(value)) return true;
        plain++;
        return accepted(value);
      }),
      { numRuns: 2000 },
    );
    // The generator must reach the hand check's side, or the property says nothing.
    expect(plain).toBeGreaterThan(50);
    expect(plainCallResult({ content: [{ type: 'text', text: 'x', annotations: {} }] })).toBe(false);
  });

  it('keeps a slow 2025-11-25 call open with the keep-alive comments the SDK writes, then answers', async () => {
    const answers: { status: number; type: string; kept: boolean; data: unknown[] }[] = [];
    for (const served of [hot, sdk]) {
      const text = await new Promise<string>((resolve, reject) => {
        const req = http.request(served.url, { method: 'POST', headers: LEGACY_HEADERS }, (res) => {
          let got = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            got += chunk;
            // Let the call finish only once the stream has been kept alive while it waited.
            if (got.includes(': keepalive')) for (const open of served.seen.gates.splice(0)) open();
          });
          res.on('end', () => resolve(`${res.statusCode} ${res.headers['content-type']}\n${got}`));
        });
        req.on('error', reject);
        req.end(JSON.stringify(legacyCall('c.gate')));
      });
      const [head = '', ...lines] = text.split('\n');
      const [status, type] = head.split(' ');
      answers.push({
        status: Number(status),
        type: type ?? '',
        kept: lines.includes(': keepalive'),
        data: lines.filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5))),
      });
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]).toEqual({
      status: 200,
      type: 'text/event-stream',
      kept: true,
      data: [{ jsonrpc: '2.0', id: 11, result: { content: [{ type: 'text', text: 'let through' }] } }],
    });
  });
});
