/**
 * The HTTP front both roles share (server/http-server.ts), over real HTTP: CORS preflights answered before
 * anything else, the documented error shape on every error it writes, listen failures as user errors, and
 * the log level of what the MCP endpoint reports (a pack server, the SDK's own rejections).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../generator/config/src/errors.ts';
import { corsPolicy } from '../src/server/cors.ts';
import { serverErrorLogger } from '../src/server/error-log.ts';
import { closeServer, createHttpServer, listen } from '../src/server/http-server.ts';
import { createMetrics } from '../src/server/metrics.ts';
import { type RunningServer, startPackServer } from '../src/server/pack-server.ts';
import { type FakeUpstream, startFakeUpstream } from './helpers/fake-upstream.ts';
import { widgetsPack } from './helpers/test-pack.ts';

const ALLOWED = 'https://inspector.example.test';

async function serve(options: Partial<Parameters<typeof createHttpServer>[0]> = {}) {
  const server = createHttpServer({
    mcp: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' });
      res.end('{}');
    },
    readiness: () => ({ ready: true, detail: {} }),
    metrics: createMetrics(),
    ...options,
  });
  const address = await listen(server, 0, '127.0.0.1');
  return { server, base: `http://127.0.0.1:${address.port}` };
}

const preflight = (url: string, origin: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, mcp-protocol-version',
    },
  });

describe('CORS', () => {
  let withCors: Awaited<ReturnType<typeof serve>>;
  let without: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    withCors = await serve({ cors: corsPolicy([`${ALLOWED}/`]) });
    without = await serve();
  });
  afterAll(async () => {
    await closeServer(withCors.server);
    await closeServer(without.server);
  });

  it('answers the preflight of an allowed origin before authentication, with the MCP headers', async () => {
    for (const path of ['/mcp', '/v1/traces']) {
      const res = await preflight(`${withCors.base}${path}`, ALLOWED);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      const allowed = res.headers.get('access-control-allow-headers')?.toLowerCase() ?? '';
      for (const h of [
        'authorization',
        'content-type',
        'mcp-protocol-version',
        'mcp-session-id',
        'mcp-method',
      ])
        expect(allowed).toContain(h);
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('exposes the MCP response headers to an allowed origin', async () => {
    const res = await fetch(`${withCors.base}/mcp`, { method: 'POST', headers: { origin: ALLOWED } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const exposed = res.headers.get('access-control-expose-headers')?.toLowerCase() ?? '';
    for (const h of ['mcp-session-id', 'mcp-protocol-version', 'www-authenticate'])
      expect(exposed).toContain(h);
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('refuses the preflight of an origin not on the list, without Access-Control headers', async () => {
    const res = await preflight(`${withCors.base}/mcp`, 'https://evil.example.test');
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(await res.json()).toEqual({
      error: {
        code: 'origin_not_allowed',
        message: expect.stringContaining('origin https://evil.example.test may not call this server'),
      },
    });
  });

  it('refuses every preflight when no origin is configured (the default)', async () => {
    const res = await preflight(`${without.base}/mcp`, ALLOWED);
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses an MCP request whose Origin is not allowed (403), as the MCP transport requires', async () => {
    const res = await fetch(`${without.base}/mcp`, { method: 'POST', headers: { origin: ALLOWED } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('Invalid Origin');
  });
});

describe('errors of the HTTP surface', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  const reported: Error[] = [];
  beforeAll(async () => {
    s = await serve({
      mcp: async () => {
        throw new Error('handler broke');
      },
      onerror: (e) => reported.push(e),
    });
  });
  afterAll(() => closeServer(s.server));

  it('answers an unknown path with 404 in the documented shape', async () => {
    const res = await fetch(`${s.base}/nope?x=1`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /nope' } });
  });

  it('answers a failure of ours with 500 in the documented shape and reports it', async () => {
    const res = await fetch(`${s.base}/mcp`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(reported.map((e) => e.message)).toEqual(['handler broke']);
  });
});

describe('listen', () => {
  it('turns a port in use into a user error that says to set PORT', async () => {
    const taken = http.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      const err = await listen(http.createServer(), port, '127.0.0.1').catch((e: unknown) => e);
      expect(isUserError(err)).toBe(true);
      expect((err as Error).message).toBe(
        `port ${port} is in use (127.0.0.1:${port}): stop the process holding it, or set PORT to a free port (PORT=0 picks one)`,
      );
    } finally {
      taken.close();
    }
  });

  it('turns a HOST that is not an address of this machine into a user error naming HOST', async () => {
    const err = await listen(http.createServer(), 0, '192.0.2.1').catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/^HOST=192\.0\.2\.1 is not an address of this machine/);
  });
});

describe('log level of what the MCP endpoint reports', () => {
  let upstream: FakeUpstream;
  let pack: RunningServer;
  const logged: string[] = [];
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    pack = await startPackServer({
      packs: [widgetsPack(upstream.url)],
      environment: 'dev',
      secrets: () => 's',
      port: 0,
      onerror: serverErrorLogger((m) => logged.push(m)),
    });
  });
  afterAll(async () => {
    await pack.close();
    await upstream.close();
  });

  it('logs client mistakes (4xx) at warn, never at error', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(pack.url, { method: 'POST', headers, body });
    const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const statuses = [
      (await post({ ...json, 'content-type': 'text/plain' }, '{}')).status,
      (await post(json, '{"x":1}')).status,
      (await post(json, '[]')).status,
      (await post({ 'content-type': 'application/json' }, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'))
        .status,
      (
        await post(
          { ...json, 'mcp-protocol-version': '1999-01-01' },
          '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}',
        )
      ).status,
    ];
    expect(statuses.every((s) => s >= 400 && s < 500)).toBe(true);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.filter((m) => !m.startsWith('warn: '))).toEqual([]);
  });
});

describe('loopback guards (DNS rebinding, foreign pages)', () => {
  let guarded: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    guarded = await serve({
      localhostGuards: true,
      cors: corsPolicy([`${ALLOWED}/`]),
      fallback: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"admin":true}');
      },
    });
  });
  afterAll(() => closeServer(guarded.server));

  /** A request with the Host and Origin headers given (fetch may not set Host). */
  const send = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(path, guarded.base);
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });

  it('refuses a foreign Host on every path, the admin API and the console as well as /mcp', async () => {
    for (const path of ['/mcp', '/v1/tools/widgets.get_widget/call', '/v1/changes', '/console/']) {
      const res = await send(path, { host: `evil.example:${new URL(guarded.base).port}` });
      expect(res.status, path).toBe(403);
      expect(res.body, path).not.toContain('admin');
    }
  });

  it("refuses another site's page on the admin API, and lets the console's own origin and allowed origins in", async () => {
    const port = new URL(guarded.base).port;
    const foreign = await send('/v1/changes', { host: `127.0.0.1:${port}`, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ error: { code: 'origin_not_allowed' } });
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, ALLOWED]) {
      const res = await send('/v1/changes', { host: `127.0.0.1:${port}`, origin });
      expect(res.status, origin).toBe(200);
    }
    expect((await send('/v1/changes', { host: `localhost:${port}` })).status).toBe(200);
  });
});
