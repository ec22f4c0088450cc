/**
 * Issue 11, items 1 and 3, end to end: JSON nested thousands of levels deep, strings with lone surrogates and
 * NUL, and huge strings, at every boundary where JSON enters the gateway (tool arguments in both protocol
 * revisions, upstream API results, third-party MCP results, admin API bodies). Whatever arrives, the gateway
 * answers, stays up, and writes one trace per call (Postgres).
 */
import type { ServerResponse } from 'node:http';
import { jsonBounds } from '@raku/pack-runtime';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GatewayStack, startGatewayStack } from './helpers/gateway-stack.ts';
import {
  deepJson,
  hostileJson,
  hostileString,
  hugeString,
  jsonText,
  nest,
  nestedText,
} from './helpers/hostile-json.ts';
import { connectClient, ERAS, type Era, textOf } from './helpers/mcp-client.ts';
import { WIDGETS_SECRET_ENV } from './helpers/test-pack.ts';
import { REMOTE_SECRET_ENV } from './helpers/test-zone.ts';

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'hostile', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** A JSON-RPC answer read from a JSON or event-stream body. */
interface Answer {
  status: number;
  message: {
    id?: unknown;
    result?: { isError?: boolean; content?: { text?: string }[] };
    error?: { code: number; message: string };
  };
}

let stack: GatewayStack;
let token: string;
let adminToken: string;
let nextId = 1;

/** POSTs a tools/call whose `arguments` are the given JSON text, as a client of `era` would. */
async function callRaw(era: Era, name: string, argumentsJson: string): Promise<Answer> {
  const id = nextId++;
  const params =
    era === 'modern'
      ? `{"name":${JSON.stringify(name)},"arguments":${argumentsJson},"_meta":${JSON.stringify(MODERN_META)}}`
      : `{"name":${JSON.stringify(name)},"arguments":${argumentsJson}}`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${token}`,
    'mcp-protocol-version': era === 'modern' ? '2026-07-28' : '2025-11-25',
  };
  if (era === 'modern') Object.assign(headers, { 'mcp-method': 'tools/call', 'mcp-name': name });
  const response = await fetch(stack.gateway.url, {
    method: 'POST',
    headers,
    body: `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":${params}}`,
  });
  const text = await response.text();
  const data = (response.headers.get('content-type') ?? '').includes('text/event-stream')
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5))
        .find((l) => l.includes(`"id":${id}`))
    : text;
  return { status: response.status, message: JSON.parse(data ?? '{}') };
}

/** Every call was answered: a result or a JSON-RPC error for its id, never a server error. */
function expectAnswered(answer: Answer): void {
  expect(answer.status).toBe(200);
  expect(answer.message.result !== undefined || answer.message.error !== undefined).toBe(true);
  if (answer.message.error) expect(answer.message.error.code).not.toBe(-32603);
}

/** Strings (keys included) anywhere in `value` that hold NUL or a lone surrogate. */
function illFormedStrings(value: unknown): string[] {
  const bad: string[] = [];
  const check = (s: string) => {
    if (s.includes('\u0000') || !(s as string & { isWellFormed(): boolean }).isWellFormed()) bad.push(s);
  };
  const todo = [value];
  while (todo.length > 0) {
    const item = todo.pop();
    if (typeof item === 'string') check(item);
    else if (item !== null && typeof item === 'object' && !(item instanceof Date)) {
      for (const [k, v] of Object.entries(item)) {
        check(k);
        todo.push(v);
      }
    }
  }
  return bad;
}

async function traces() {
  await stack.persistence.traces.flush();
  return stack.persistence.db.prisma.trace.findMany({ orderBy: { time: 'asc' } });
}

beforeAll(async () => {
  stack = await startGatewayStack({
    database: 'Postgres',
    approvalWaitMs: 1000,
    secrets: (name) =>
      ({ [WIDGETS_SECRET_ENV]: 'upstream-secret', [REMOTE_SECRET_ENV]: 'partner-secret' })[name],
    adminSubjects: ['user:ops'],
  });
  token = await stack.issuer.sign({ sub: 'bot', agent: true });
  adminToken = await stack.issuer.sign({ sub: 'ops' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

beforeEach(async () => {
  await stack.persistence.traces.flush();
  await stack.persistence.db.prisma.trace.deleteMany({});
  stack.partner.answer = undefined;
  stack.upstream.routes.delete('GET /api/widgets');
});

describe('tool arguments', () => {
  it.each(ERAS)(
    'refuses a 4,300-deep arguments object (%s), stays up, answers the next call, and traces both',
    async (era) => {
      const deep = await callRaw(era, 'widgets.get_widget', nestedText(4300));
      expect(deep.status).toBe(200);
      expect(deep.message.error?.code).toBe(-32602);
      expect(deep.message.error?.message).toBe(
        'Invalid params: the request nests 4302 levels deep; the limit is 128 levels (RAKU_JSON_MAX_DEPTH)',
      );
      const client = await connectClient(stack.gateway.url, era, token);
      const next = await client.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
      await client.close();
      expect(next.isError).toBeFalsy();
      expect(textOf(next)).toContain('w1');
      const rows = await traces();
      expect(rows.map((r) => [r.tool, r.status, r.decision])).toEqual([
        ['widgets.get_widget', 'invalid', 'none'],
        ['widgets.get_widget', 'ok', 'allow'],
      ]);
      expect(rows[0]!.args).toEqual({ $raku: 'truncated', reason: 'depth', bytes: rows[0]!.argsBytes });
      expect(rows[0]!.error).toContain('RAKU_JSON_MAX_DEPTH');
      expect(stack.persistence.traces.stats().dropped).toBe(0);
    },
  );

  it('accepts arguments nested up to the limit and refuses one level more', async () => {
    const { maxDepth } = jsonBounds();
    // The body is two levels (the request, params) around the arguments.
    const within = await callRaw('modern', 'widgets.get_widget', JSON.stringify(nest('x', maxDepth - 2)));
    expect(within.message.result?.isError).toBe(true); // the pack's schema refuses it: a tool error
    const past = await callRaw('modern', 'widgets.get_widget', JSON.stringify(nest('x', maxDepth - 1)));
    expect(past.message.error?.code).toBe(-32602);
  });

  it.each(ERAS)(
    'answers and traces every call whatever its arguments hold: lone surrogates, NUL, huge strings, deep nesting (%s)',
    async (era) => {
      const tools = ['partner.search', 'widgets.get_widget', 'widgets.list_widgets', 'nope.unknown'];
      let calls = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...tools),
          fc.oneof(
            fc.record({ q: hostileString(), id: hostileString() }),
            fc.record({ id: hugeString(200_000) }),
            fc.dictionary(hostileString(8), hostileJson(3), { maxKeys: 4 }),
            deepJson(100, 5000).map((v) => ({ v })),
          ),
          async (tool, args) => {
            calls++;
            expectAnswered(await callRaw(era, tool, jsonText(args)));
          },
        ),
        { numRuns: 40 },
      );
      const rows = await traces();
      const stats = stack.persistence.traces.stats();
      expect(rows.length + stats.dropped).toBe(calls);
      expect(stats.dropped).toBe(0);
      // Nothing stored holds a lone surrogate or NUL (they became U+FFFD).
      expect(illFormedStrings(rows)).toEqual([]);
    },
    120_000,
  );
});

/** The fake upstream answers GET /api/widgets with this text as JSON. */
function upstreamAnswers(text: string): void {
  stack.upstream.routes.set('GET /api/widgets', (_req, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
}

describe('upstream API results', () => {
  it('refuses an upstream answer nested 5,000 levels deep as a tool error, and traces the call', async () => {
    upstreamAnswers(nestedText(5000));
    const answer = await callRaw('modern', 'widgets.list_widgets', '{"color":"blue"}');
    expect(answer.message.result?.isError).toBe(true);
    expect(answer.message.result?.content?.[0]?.text).toBe(
      'the upstream response nests 5000 levels deep; the limit is 128 levels (RAKU_JSON_MAX_DEPTH)',
    );
    const rows = await traces();
    expect(rows.map((r) => [r.tool, r.status])).toEqual([['widgets.list_widgets', 'error']]);
  });

  it('answers and traces every call whatever the upstream returns', async () => {
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileJson(4),
          deepJson(100, 3000),
          hugeString(300_000).map((s) => ({ s })),
        ),
        async (body) => {
          upstreamAnswers(jsonText(body));
          calls++;
          expectAnswered(await callRaw('modern', 'widgets.list_widgets', '{"color":"blue"}'));
        },
      ),
      { numRuns: 30 },
    );
    const rows = await traces();
    expect(rows.length).toBe(calls);
    expect(stack.persistence.traces.stats().dropped).toBe(0);
  }, 120_000);
});

describe('third-party results', () => {
  it('refuses deeply nested structuredContent from a third-party server as a tool error; the gateway stays up', async () => {
    stack.partner.answer = () => ({
      content: [{ type: 'text', text: 'deep' }],
      structuredContent: nest(1, 3000),
    });
    const answer = await callRaw('modern', 'partner.search', '{"q":"x"}');
    expect(answer.message.result?.isError).toBe(true);
    expect(answer.message.result?.content?.[0]?.text).toContain(
      `nests more than ${jsonBounds().maxDepth} levels`,
    );
    stack.partner.answer = undefined;
    const next = await callRaw('modern', 'partner.search', '{"q":"y"}');
    expect(next.message.result?.isError).toBeFalsy();
    const rows = await traces();
    expect(rows.map((r) => [r.tool, r.status])).toEqual([
      ['partner.search', 'error'],
      ['partner.search', 'ok'],
    ]);
  });

  it('answers and traces every call whatever the third party returns', async () => {
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostileJson(3), deepJson(100, 3000), hugeString(200_000)),
        hostileString(),
        async (structured, text) => {
          stack.partner.answer = () => ({
            content: [{ type: 'text', text }],
            structuredContent: { value: structured },
          });
          calls++;
          expectAnswered(await callRaw('modern', 'partner.search', '{"q":"x"}'));
        },
      ),
      { numRuns: 30 },
    );
    const rows = await traces();
    expect(rows.length).toBe(calls);
    expect(stack.persistence.traces.stats().dropped).toBe(0);
  }, 120_000);
});

describe('admin API bodies', () => {
  const post = (path: string, body: string) =>
    fetch(`${stack.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });

  it('refuses a deeply nested body with a 400 naming the limit', async () => {
    const response = await post('/v1/jobs', `{"tool":"widgets.get_widget","arguments":${nestedText(4300)}}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'bad_request',
        message: 'request body: nests 4301 levels deep; the limit is 128 levels (RAKU_JSON_MAX_DEPTH)',
      },
    });
  });

  it('refuses a string the database cannot store with a 400 naming it', async () => {
    const body = '{"tool":"widgets.get_widget","arguments":{"id":"a\\ud800"}}';
    const response = await post('/v1/jobs', body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      `request body: the string escape \\ud800 at byte ${body.indexOf('\\')} is a lone surrogate, which cannot be stored; send well-formed Unicode text`,
    );
  });

  it('refuses a query parameter holding NUL with a 400 naming it', async () => {
    const response = await fetch(`${stack.base}/v1/traces?tool=%00`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      'query parameter tool: holds NUL or a lone surrogate, which no stored value can; send well-formed Unicode text',
    );
  });

  it('never answers hostile query parameters with a server error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('tool', 'subject', 'cursor'), hostileString(), {
          minKeys: 1,
          maxKeys: 2,
        }),
        async (query) => {
          const params = new URLSearchParams();
          for (const [key, value] of Object.entries(query)) {
            params.append(key, (value as string & { toWellFormed(): string }).toWellFormed());
          }
          const response = await fetch(`${stack.base}/v1/traces?${params}`, {
            headers: { authorization: `Bearer ${adminToken}` },
          });
          expect(response.status).toBeLessThan(500);
          await response.arrayBuffer();
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);

  it('never answers a hostile body with a server error', async () => {
    const paths = [
      '/v1/jobs',
      '/v1/deployments',
      '/v1/approvals/00000000-0000-4000-8000-000000000000/decision',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.oneof(
          fc.record({
            tool: fc.constant('widgets.get_widget'),
            arguments: fc.dictionary(hostileString(8), hostileJson(3)),
          }),
          fc.record({ tool: hostileString(), arguments: deepJson(100, 5000) }),
          hostileJson(4),
          hugeString(300_000).map((s) => ({ tool: s })),
        ),
        async (path, body) => {
          const response = await post(path, jsonText(body));
          expect(response.status).toBeLessThan(500);
          await response.arrayBuffer();
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
