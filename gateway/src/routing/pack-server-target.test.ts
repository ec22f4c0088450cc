import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { STATUS_META } from '@raku/pack-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackServerTarget } from './pack-server-target.ts';
import { TargetError, UnsendableCallError } from './targets.ts';

/** A stand-in pack server answering each call as the test says, counting what reaches it. */
let answer: (id: unknown) => { status: number; body: string };
let received = 0;
/** The last request body and its path, as the pack server got them. */
let lastBody = '';
let lastPath = '';
let server: http.Server;
let target: PackServerTarget;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received++;
      lastBody = Buffer.concat(chunks).toString();
      lastPath = req.url ?? '';
      const { status, body } = answer((JSON.parse(Buffer.concat(chunks).toString()) as { id: unknown }).id);
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  target = new PackServerTarget(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
});

afterAll(async () => {
  await target.close();
  await new Promise((r) => server.close(r));
});

const rpcError = (code: number, message: string) => (id: unknown) => ({
  status: 200,
  body: JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }),
});
const call = () =>
  target.call('widgets.get_widget', { id: 'w1' }, { signal: new AbortController().signal, timeoutMs: 5000 });

describe('PackServerTarget: what it sends', () => {
  it('sends the call as JSON.stringify would encode it, whatever the name and arguments', async () => {
    const ok = (id: unknown) => ({
      status: 200,
      body: JSON.stringify({ jsonrpc: '2.0', id, result: { content: [] } }),
    });
    const cases: [string, Record<string, unknown>][] = [
      ['widgets.get_widget', { id: 'w1' }],
      // The name also travels in the Mcp-Name header, so only its JSON-escaped characters are odd here.
      ['odd "name" \\ too', { '"quoted"': ['\u0000', 1.5e300, null, { nested: true }], '': {} }],
      ['no.args', {}],
      ['to-json.nothing', { toJSON: () => undefined } as unknown as Record<string, unknown>],
    ];
    for (const [tool, args] of cases) {
      answer = ok;
      await target.call(tool, args, { signal: new AbortController().signal, timeoutMs: 5000 });
      const id = (JSON.parse(lastBody) as { id: number }).id;
      expect(lastBody).toBe(
        JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: {
            name: tool,
            arguments: args,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientInfo': { name: 'raku-gateway', version: '0.1.0' },
              'io.modelcontextprotocol/clientCapabilities': {},
            },
          },
        }),
      );
      expect(lastPath).toBe('/mcp');
    }
  });
});

describe('PackServerTarget: what counts as the pack server failing', () => {
  it('returns invalid params as the caller’s invalid-arguments outcome', async () => {
    answer = rpcError(-32602, 'unknown tool "widgets.nope"');
    expect(await call()).toEqual({
      content: [{ type: 'text', text: 'unknown tool "widgets.nope"' }],
      isError: true,
      _meta: { [STATUS_META]: 'invalid' },
    });
  });

  it('returns any other JSON-RPC error as a tool error of this call, naming the pack server', async () => {
    answer = rpcError(-32603, 'Internal error');
    const result = await call();
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([
      { type: 'text', text: `${target.id} answered error -32603: Internal error` },
    ]);
    expect(result._meta).toBeUndefined();
  });

  it('returns a 4xx as the call’s outcome (413: its arguments are too large), not a failure', async () => {
    answer = () => ({ status: 413, body: 'payload too large' });
    expect(await call()).toMatchObject({ isError: true, _meta: { [STATUS_META]: 'invalid' } });
    answer = () => ({ status: 400, body: 'bad request' });
    expect(await call()).toEqual({
      content: [{ type: 'text', text: `${target.id} refused the call with HTTP 400: bad request` }],
      isError: true,
    });
  });

  it.each([
    [500, 'boom'],
    [503, 'overloaded'],
    [429, 'slow down'],
    [408, 'too slow'],
    [200, 'not json'],
  ])('fails the target on HTTP %i %s', async (status, body) => {
    answer = () => ({ status, body });
    const err = await call().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect(err).toMatchObject({ kind: 'failed', message: `${target.id} answered HTTP ${status}: ${body}` });
  });

  it('sends nothing for arguments that cannot be serialised, and says it is the call', async () => {
    const before = received;
    const deep: Record<string, unknown> = {};
    let node = deep;
    for (let i = 0; i < 100_000; i++) node = node['a'] = {};
    const err = await target
      .call('widgets.get_widget', deep, { signal: new AbortController().signal, timeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsendableCallError);
    expect((err as Error).message).toMatch(/^the arguments cannot be sent to http:.*: Maximum call stack/);
    expect(received).toBe(before);
  });
});

describe('PackServerTarget: progress', () => {
  it('passes on each progress notification for its own token as the event stream arrives, and no other', async () => {
    let meta: Record<string, unknown> | undefined;
    const sse = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          id: number;
          params: { _meta: Record<string, unknown> };
        };
        meta = body.params._meta;
        const event = (message: object) =>
          `event: message\r\ndata: ${JSON.stringify({ jsonrpc: '2.0', ...message })}\r\n\r\n`;
        const progress = (progressToken: unknown, n: number, text?: string) =>
          event({
            method: 'notifications/progress',
            params: { progressToken, progress: n, ...(text ? { message: text } : {}) },
          });
        const first = progress(meta['progressToken'], 1, 'half way');
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // An event split across writes, a notification for another token, one without a message, the answer.
        res.write(first.slice(0, 25));
        res.write(
          first.slice(25) + progress('another-call', 9, 'not mine') + progress(meta['progressToken'], 2),
        );
        res.end(event({ id: body.id, result: { content: [{ type: 'text', text: 'done' }] } }));
      });
    });
    await new Promise<void>((r) => sse.listen(0, '127.0.0.1', r));
    const streaming = new PackServerTarget(`http://127.0.0.1:${(sse.address() as AddressInfo).port}/mcp`);
    try {
      const seen: { progress: number; message?: string }[] = [];
      const result = await streaming.call(
        'helper.summarize',
        { message: 'x' },
        {
          signal: new AbortController().signal,
          timeoutMs: 5000,
          onProgress: (p) => seen.push(p),
          a2aTask: { taskId: 't1' },
        },
      );
      expect(meta).toMatchObject({
        progressToken: expect.any(Number),
        'dev.raku/a2a-task': { taskId: 't1' },
      });
      expect(seen).toEqual([{ progress: 1, message: 'half way' }, { progress: 2 }]);
      expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
    } finally {
      await streaming.close();
      await new Promise((r) => sse.close(r));
    }
  });

  it('names no progress token when the call asks for no progress', async () => {
    answer = (id) => ({ status: 200, body: JSON.stringify({ jsonrpc: '2.0', id, result: { content: [] } }) });
    await call();
    expect(JSON.parse(lastBody).params._meta).not.toHaveProperty('progressToken');
  });
});
