import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, type McpHttpHandler, Server } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { type NodeHandlerOptions, type RefusedCall, toLeanNodeHandler } from './node-handler.ts';

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'test', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const MODERN_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
};

interface Served {
  url: string;
  /** Subjects the tool handler saw, from the authInfo the node handler passed. */
  subjects: string[];
  /** Resolves when a call to 'wait' was aborted. */
  aborted: Promise<void>;
  errors: Error[];
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A real SDK handler (echo and wait tools) behind the lean node handler on a real HTTP server. */
async function serve(maxRequestBodyBytes?: number, extra: NodeHandlerOptions = {}): Promise<Served> {
  const subjects: string[] = [];
  const errors: Error[] = [];
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
  });
  const handler: McpHttpHandler = createMcpHandler((ctx) => {
    const server = new Server({ name: 'test', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', async () => ({ tools: [] }));
    server.setRequestHandler('tools/call', async (request, callCtx) => {
      subjects.push(String(ctx.authInfo?.clientId));
      if (request.params.name === 'wait') {
        await new Promise<void>((resolve) =>
          callCtx.mcpReq.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        onAbort();
      }
      return { content: [{ type: 'text', text: JSON.stringify(request.params.arguments ?? {}) }] };
    });
    return server;
  });
  const node = toLeanNodeHandler(handler, {
    ...(maxRequestBodyBytes ? { maxRequestBodyBytes } : {}),
    onerror: (e) => errors.push(e),
    ...extra,
  });
  const server = http.createServer((req, res) => {
    void node(req, res, { token: '', clientId: 'agent:bot', scopes: [] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await handler.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    subjects,
    aborted,
    errors,
  };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string | Buffer,
  chunked = false,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    // The server may answer 413 and close before the whole body is written.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? undefined : reject(err)));
    if (chunked && body !== undefined) {
      req.write(body);
      req.end();
    } else req.end(body);
  });
}

const call = (name: string, args: Record<string, unknown>, id = 1) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args, _meta: MODERN_META },
  });
const callHeaders = (name: string) => ({ ...MODERN_HEADERS, 'mcp-method': 'tools/call', 'mcp-name': name });

describe('toLeanNodeHandler', () => {
  it('serves a 2026-07-28 tools/call as one JSON answer with a Content-Length, passing the auth info', async () => {
    const s = await serve();
    const answer = await send(s.url, 'POST', callHeaders('echo'), call('echo', { id: 'w1' }, 7));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.text));
    const message = JSON.parse(answer.text);
    expect(message).toMatchObject({ id: 7, result: { content: [{ type: 'text', text: '{"id":"w1"}' }] } });
    expect(s.subjects).toEqual(['agent:bot']);
  });

  it('serves 2025-11-25 clients through the SDK legacy fallback (event stream), and the official client in both eras', async () => {
    const s = await serve();
    for (const mode of ['legacy', { pin: '2026-07-28' }] as const) {
      const client = new Client({ name: 'test', version: '1' }, { versionNegotiation: { mode } });
      await client.connect(new StreamableHTTPClientTransport(new URL(s.url)));
      const result = await client.callTool({ name: 'echo', arguments: { n: 1 } });
      expect(result.content).toEqual([{ type: 'text', text: '{"n":1}' }]);
      await client.close();
    }
    const raw = await send(
      s.url,
      'POST',
      { ...MODERN_HEADERS, 'mcp-protocol-version': '2025-11-25' },
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} }),
    );
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('text/event-stream');
    expect(raw.text).toContain('"id":3');
  });

  it('answers 413 and closes the connection for a body declared larger than the limit', async () => {
    const s = await serve(1024);
    const big = Buffer.alloc(4096, 32);
    const answer = await send(
      s.url,
      'POST',
      { ...callHeaders('echo'), 'content-length': String(big.length) },
      big,
    );
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.text)).toEqual({
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Payload Too Large: Request body must not exceed 1024 bytes' },
      id: null,
    });
  });

  it('answers 413 for a chunked body that grows past the limit', async () => {
    const s = await serve(1024);
    const answer = await send(s.url, 'POST', callHeaders('echo'), Buffer.alloc(4096, 32), true);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).error.message).toContain('must not exceed 1024 bytes');
  });

  it('lets a client still writing an over-limit body read its 413: the connection is not reset under it', async () => {
    const s = await serve(64 * 1024);
    const { port } = new URL(s.url);
    const head = Object.entries({
      ...callHeaders('echo'),
      host: `127.0.0.1:${port}`,
      'content-length': String(4 * 1024 * 1024),
    })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        // A megabyte of the four declared, then the client is busy (not reading) while the server answers: a
        // server that closed with that megabyte unread would reset the connection and the 413 with it.
        socket.write(`POST /mcp HTTP/1.1\r\n${head}\r\n\r\n`);
        socket.write(Buffer.alloc(1024 * 1024, 32));
        socket.pause();
        setTimeout(() => {
          // More of the body: to a server that hung up, this write fails and the socket is torn down.
          socket.write(Buffer.alloc(1024 * 1024, 32));
          setTimeout(() => {
            socket.resume();
            socket.end();
          }, 300);
        }, 300);
      });
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString();
      });
      socket.on('end', () => resolve(text));
      socket.on('error', (err) => (text ? resolve(text) : reject(err)));
    });
    expect(answer).toMatch(/^HTTP\/1.1 413/);
    expect(answer).toContain('Payload Too Large: Request body must not exceed 65536 bytes');
  });

  it('leaves a body that is not JSON, or empty, to the SDK, which answers its parse error', async () => {
    const s = await serve();
    for (const body of ['{not json', '']) {
      const answer = await send(s.url, 'POST', callHeaders('echo'), body);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: -32700 }, id: null });
    }
  });

  it('passes the SDK answers for a wrong media type and for GET through unchanged', async () => {
    const s = await serve();
    const plain = await send(s.url, 'POST', { ...callHeaders('echo'), 'content-type': 'text/plain' }, '{}');
    expect(plain.status).toBe(415);
    const get = await send(s.url, 'GET', { accept: 'text/event-stream' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('takes only the path of an absolute-form request target', async () => {
    const s = await serve();
    const { port } = new URL(s.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        const body = call('echo', { n: 1 });
        const head = Object.entries({ ...callHeaders('echo'), host: `127.0.0.1:${port}` })
          .map(([k, v]) => `${k}: ${v}`)
          .join('\r\n');
        socket.end(
          `POST http://evil.example/mcp HTTP/1.1\r\n${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
      });
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString();
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    expect(answer).toContain('{\\"n\\":1}');
    expect(s.errors).toEqual([]);
  });

  it('stays quiet when a client hangs up in the middle of its body', async () => {
    const s = await serve();
    const req = http.request(s.url, {
      method: 'POST',
      headers: { ...callHeaders('echo'), 'content-length': '1000' },
    });
    req.on('error', () => {});
    req.write('{"jsonrpc":"2.0",');
    await new Promise((r) => setTimeout(r, 50));
    req.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(s.errors).toEqual([]);
  });

  it('cancels the call when the client goes away before the answer', async () => {
    const s = await serve();
    const req = http.request(s.url, { method: 'POST', headers: callHeaders('wait') });
    req.on('error', () => {});
    req.end(call('wait', {}));
    // Wait until the handler runs, then hang up.
    while (s.subjects.length === 0) await new Promise((r) => setTimeout(r, 5));
    req.destroy();
    await s.aborted;
    expect(s.subjects).toEqual(['agent:bot']);
  });

  it('refuses a tools/call nested past the limit unparsed, with invalid params and its id, and reports it', async () => {
    const refused: RefusedCall[] = [];
    const s = await serve(undefined, { maxDepth: 16, onRefusedCall: (call) => refused.push(call) });
    const body = call('echo', { a: JSON.parse(`${'['.repeat(20)}${']'.repeat(20)}`) }, 9);
    const answer = await send(s.url, 'POST', callHeaders('echo'), body);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({
      jsonrpc: '2.0',
      id: 9,
      error: {
        code: -32602,
        message:
          'Invalid params: the request nests 23 levels deep; the limit is 16 levels (RAKU_JSON_MAX_DEPTH)',
      },
    });
    expect(refused).toEqual([
      {
        tool: 'echo',
        reason: 'depth',
        message: 'the request nests 23 levels deep; the limit is 16 levels (RAKU_JSON_MAX_DEPTH)',
        bytes: Buffer.byteLength(body),
      },
    ]);
    expect(s.subjects).toEqual([]);
    // Within the limit it is served as before.
    const ok = await send(s.url, 'POST', callHeaders('echo'), call('echo', { a: [[1]] }, 10));
    expect(JSON.parse(ok.text)).toMatchObject({ id: 10, result: { content: [{ text: '{"a":[[1]]}' }] } });
  });

  it('answers 400 invalid request for a deep body that is not a JSON-RPC request', async () => {
    const s = await serve(undefined, { maxDepth: 16 });
    const notification = `{"jsonrpc":"2.0","method":"notifications/x","params":{"a":${'['.repeat(30)}${']'.repeat(30)}}}`;
    const answer = await send(s.url, 'POST', callHeaders('echo'), notification);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ id: null, error: { code: -32600 } });
    const garbage = await send(s.url, 'POST', callHeaders('echo'), `{"a":${'['.repeat(30)}`);
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.text)).toMatchObject({ id: null, error: { code: -32700 } });
  });

  it('refuses a JSON-RPC batch in both protocol revisions: one message per POST', async () => {
    const s = await serve();
    for (const version of ['2026-07-28', '2025-11-25']) {
      const batch = JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
        { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
      ]);
      const answer = await send(s.url, 'POST', { ...MODERN_HEADERS, 'mcp-protocol-version': version }, batch);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32600,
          message:
            'Bad Request: JSON-RPC batches are not supported by this endpoint; send one message per POST (MCP 2025-11-25 and 2026-07-28)',
        },
      });
    }
    expect(s.subjects).toEqual([]);
  });
});
