import http from 'node:http';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startPackServer } from '../src/server/pack-server.ts';
import { type FakeUpstream, json, startFakeUpstream } from './helpers/fake-upstream.ts';
import { connectClient, ERAS, textOf } from './helpers/mcp-client.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from './helpers/test-pack.ts';

const secrets = (name: string) => (name === WIDGETS_SECRET_ENV ? 'upstream-secret' : undefined);

let upstream: FakeUpstream;
let server: RunningServer;
const clients: Client[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets', (req, res) => json(res, 200, [{ id: 'w1', url: req.url }]));
  upstream.routes.set('POST /api/widgets', (req, res) =>
    json(res, 201, { id: 'w9', received: JSON.parse(req.body) }),
  );
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1', color: 'red' }));
  upstream.routes.set('GET /api/widgets/broken', (_req, res) =>
    json(res, 500, { message: 'database on fire' }),
  );
  upstream.routes.set('GET /api/widgets/slow', (_req, res) => {
    setTimeout(() => json(res, 200, { id: 'slow' }), 3000).unref();
  });
  upstream.routes.set('GET /api/widgets/huge', (_req, res) => json(res, 200, { blob: 'x'.repeat(4096) }));
  upstream.routes.set('GET /api/widgets/away', (_req, res) => {
    res.writeHead(302, { location: `http://localhost:${upstream.port}/api/widgets/w1` });
    res.end();
  });
  upstream.routes.set('GET /api/widgets/moved', (_req, res) => {
    res.writeHead(301, { location: '/api/widgets/w1' });
    res.end();
  });
  server = await startPackServer({
    packs: [widgetsPack(upstream.url, { maxResponseBytes: 2048 })],
    environment: 'dev',
    secrets,
    allowPrivateNetworks: true,
    port: 0,
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  upstream.requests.length = 0;
});

afterAll(async () => {
  await server.close();
  await upstream.close();
});

async function client(era: (typeof ERAS)[number]): Promise<Client> {
  const c = await connectClient(server.url, era);
  clients.push(c);
  return c;
}

describe.each(ERAS)('pack server over MCP (%s client)', (era) => {
  it('lists the pack tools under their exposed names with schemas and annotations, sorted', async () => {
    const { tools } = await (await client(era)).listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'widgets.create_widget',
      'widgets.get_widget',
      'widgets.list_widgets',
    ]);
    const get = tools.find((t) => t.name === 'widgets.get_widget');
    expect(get?.inputSchema).toMatchObject({ required: ['id'] });
    expect(get?.annotations).toEqual({ readOnlyHint: true, idempotentHint: true });
  });

  it('calls the upstream with the mapped path, the pack headers and the secret from the environment', async () => {
    const result = await (await client(era)).callTool({
      name: 'widgets.get_widget',
      arguments: { id: 'w1' },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ id: 'w1', color: 'red' });
    expect(JSON.parse(textOf(result))).toEqual({ id: 'w1', color: 'red' });
    const [req] = upstream.requests;
    expect(req?.url).toBe('/api/widgets/w1');
    expect(req?.headers['authorization']).toBe('Bearer upstream-secret');
    expect(req?.headers['x-client']).toBe('raku');
  });

  it('puts query, header and body arguments where the mapping says and wraps arrays as items', async () => {
    const c = await client(era);
    const list = await c.callTool({ name: 'widgets.list_widgets', arguments: { color: 'red', limit: 5 } });
    expect(list.structuredContent).toEqual({ items: [{ id: 'w1', url: '/api/widgets?color=red&limit=5' }] });
    const created = await c.callTool({
      name: 'widgets.create_widget',
      arguments: { name: 'bolt', request_id: 'r-1', tags: ['a'] },
    });
    expect(created.isError).toBeFalsy();
    const post = upstream.requests.find((r) => r.method === 'POST');
    expect(post?.headers['x-request-id']).toBe('r-1');
    expect(post?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post?.body ?? '')).toEqual({ name: 'bolt', tags: ['a'] });
  });

  it('refuses arguments that do not match the input schema and sends nothing upstream', async () => {
    const c = await client(era);
    const result = await c.callTool({
      name: 'widgets.list_widgets',
      arguments: { color: 'green', extra: 1 },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('invalid arguments for widgets.list_widgets');
    expect(textOf(result)).toContain('/color must be equal to one of the allowed values');
    expect(textOf(result)).toContain('"extra"');
    const missing = await c.callTool({ name: 'widgets.get_widget', arguments: {} });
    expect(textOf(missing)).toContain("must have required property 'id'");
    expect(upstream.requests).toEqual([]);
  });

  it('answers a JSON-RPC error for a tool that does not exist', async () => {
    await expect((await client(era)).callTool({ name: 'widgets.nope', arguments: {} })).rejects.toThrow(
      /unknown tool "widgets.nope"/,
    );
  });

  it('returns isError with the upstream status and message when the upstream fails', async () => {
    const result = await (await client(era)).callTool({
      name: 'widgets.get_widget',
      arguments: { id: 'broken' },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/upstream answered 500 .*database on fire/);
  });

  it('encodes path arguments so they cannot change the path', async () => {
    const c = await client(era);
    for (const id of ['../../admin', '%2e%2e%2fadmin', 'a/b?c#d']) {
      await c.callTool({ name: 'widgets.get_widget', arguments: { id } });
    }
    expect(upstream.requests.map((r) => r.url)).toEqual([
      '/api/widgets/..%2F..%2Fadmin',
      '/api/widgets/%252e%252e%252fadmin',
      '/api/widgets/a%2Fb%3Fc%23d',
    ]);
    const dots = await c.callTool({ name: 'widgets.get_widget', arguments: { id: '..' } });
    expect(dots.isError).toBe(true);
    expect(textOf(dots)).toContain('must not be empty, "." or ".."');
    expect(upstream.requests).toHaveLength(3);
  });
});

describe('pack server limits', () => {
  it('gives up on an upstream that does not answer within the timeout', async () => {
    const c = await client('modern');
    const pack = widgetsPack(upstream.url);
    pack.tools[0]!.timeoutMs = 200;
    const quick = await startPackServer({
      packs: [pack],
      environment: 'dev',
      secrets,
      allowPrivateNetworks: true,
      port: 0,
    });
    try {
      const qc = await connectClient(quick.url, 'modern');
      clients.push(qc);
      const result = await qc.callTool({ name: 'widgets.get_widget', arguments: { id: 'slow' } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe('upstream did not answer within 200 ms');
    } finally {
      await quick.close();
    }
    expect(c).toBeDefined();
  });

  it('refuses a response larger than maxResponseBytes', async () => {
    const result = await (await client('legacy')).callTool({
      name: 'widgets.get_widget',
      arguments: { id: 'huge' },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('upstream response is larger than the 2048-byte limit');
  });

  it('follows a redirect within the upstream origin', async () => {
    const result = await (await client('modern')).callTool({
      name: 'widgets.get_widget',
      arguments: { id: 'moved' },
    });
    expect(result.structuredContent).toEqual({ id: 'w1', color: 'red' });
  });

  it('does not follow a redirect to another host', async () => {
    const result = await (await client('modern')).callTool({
      name: 'widgets.get_widget',
      arguments: { id: 'away' },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('redirects to other hosts are not followed');
    expect(upstream.requests.map((r) => r.url)).toEqual(['/api/widgets/away']);
  });

  it('fails the call with a clear message when the upstream secret is not configured', async () => {
    const bare = await startPackServer({
      packs: [widgetsPack(upstream.url)],
      environment: 'dev',
      secrets: () => undefined,
      allowPrivateNetworks: true,
      port: 0,
    });
    try {
      const c = await connectClient(bare.url, 'legacy');
      clients.push(c);
      const result = await c.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain(`expected in environment variable ${WIDGETS_SECRET_ENV}`);
      expect(upstream.requests).toEqual([]);
    } finally {
      await bare.close();
    }
  });
});

describe('upstream credentials', () => {
  it('fetches an OAuth2 client-credentials token once, caches it, and sends it as a bearer token', async () => {
    let tokenRequests = 0;
    upstream.routes.set('POST /oauth/token', (req, res) => {
      tokenRequests++;
      const form = new URLSearchParams(req.body);
      if (form.get('client_secret') !== 'cs' || form.get('grant_type') !== 'client_credentials') {
        json(res, 401, { error: 'invalid_client' });
        return;
      }
      json(res, 200, { access_token: `tok-${form.get('scope')}`, expires_in: 3600 });
    });
    const pack = widgetsPack(upstream.url, {
      auth: {
        type: 'oauth2ClientCredentials',
        tokenUrl: `${upstream.url}/oauth/token`,
        clientId: { secretRef: { name: 'widgets-oauth', key: 'id' } },
        clientSecret: { secretRef: { name: 'widgets-oauth', key: 'secret' } },
        scopes: ['read', 'write'],
      },
    });
    const env: Record<string, string> = {
      RAKU_SECRET_WIDGETS_OAUTH_ID: 'ci',
      RAKU_SECRET_WIDGETS_OAUTH_SECRET: 'cs',
    };
    const s = await startPackServer({
      packs: [pack],
      environment: 'dev',
      secrets: (n) => env[n],
      allowPrivateNetworks: true,
      port: 0,
    });
    try {
      const c = await connectClient(s.url, 'modern');
      clients.push(c);
      await c.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
      await c.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
      expect(tokenRequests).toBe(1);
      const calls = upstream.requests.filter((r) => r.url === '/api/widgets/w1');
      expect(calls.map((r) => r.headers['authorization'])).toEqual([
        'Bearer tok-read write',
        'Bearer tok-read write',
      ]);
    } finally {
      await s.close();
    }
  });

  it('puts an API key in the query when the pack says so', async () => {
    const pack = widgetsPack(upstream.url, {
      auth: {
        type: 'apiKey',
        in: 'query',
        name: 'key',
        key: { secretRef: { name: 'widgets-api', key: 'token' } },
      },
    });
    const s = await startPackServer({
      packs: [pack],
      environment: 'dev',
      secrets,
      allowPrivateNetworks: true,
      port: 0,
    });
    try {
      const c = await connectClient(s.url, 'legacy');
      clients.push(c);
      await c.callTool({ name: 'widgets.list_widgets', arguments: { color: 'blue' } });
      expect(upstream.requests.map((r) => r.url)).toEqual(['/api/widgets?color=blue&key=upstream-secret']);
      expect(upstream.requests[0]?.headers['authorization']).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});

describe('SSRF guard', () => {
  async function guarded(baseUrl: string) {
    const s = await startPackServer({ packs: [widgetsPack(baseUrl)], environment: 'dev', secrets, port: 0 });
    const c = await connectClient(s.url, 'modern');
    return { s, c };
  }

  it.each([
    ['a loopback IP literal', () => upstream.url],
    ['a name that resolves to loopback', () => `http://localhost:${upstream.port}`],
    ['an IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${upstream.port}`],
  ])('refuses %s unless private networks are allowed', async (_what, base) => {
    const { s, c } = await guarded(base());
    try {
      const result = await c.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/private or special address/);
      expect(upstream.requests).toEqual([]);
    } finally {
      await c.close();
      await s.close();
    }
  });

  it('refuses the cloud metadata address', async () => {
    const { s, c } = await guarded('http://169.254.169.254/latest');
    try {
      const result = await c.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
      expect(textOf(result)).toBe('169.254.169.254 is a private or special address');
    } finally {
      await c.close();
      await s.close();
    }
  });
});

describe('pack server HTTP surface', () => {
  it('answers the probes and exports call metrics', async () => {
    await (await client('modern')).callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    const base = server.url.replace(/\/mcp$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', packs: ['widgets@1.0.0'], tools: 3 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    // A pack server knows its pack and version, not its zone (the scrape target's namespace tells).
    expect(metrics).toMatch(
      /raku_tool_calls_total\{tool="widgets.get_widget",status="ok",zone="",pack="widgets",pack_version="1.0.0"\} \d+/,
    );
    expect(metrics).toMatch(/raku_http_requests_total\{method="GET",route="\/readyz",status="200"\} 1/);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('rejects a request whose Host is not loopback (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(server.url, {
        method: 'POST',
        headers: {
          host: 'evil.example',
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }));
    });
    expect(status).toBe(403);
  });
});
