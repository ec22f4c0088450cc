import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, localBanner, startLocal } from '../src/server/local-mode.ts';
import { parseRuntimeOptions } from '../src/server/options.ts';
import { connectClient, textOf } from './helpers/mcp-client.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** A browser client's origin (an MCP Inspector), allowed by RAKU_CORS_ORIGINS in the main instance. */
const BROWSER = 'http://localhost:6274';
let local: LocalGateway;
let client: Client;
let tokenRoot: string;

beforeAll(async () => {
  // The repository's own packs, zones and policies; traces in an in-memory PGlite.
  tokenRoot = mkdtempSync(path.join(tmpdir(), 'raku-local-'));
  const options = parseRuntimeOptions(
    { RAKU_ROOT: ROOT, RAKU_DATA_DIR: 'memory://', PORT: '0', RAKU_CORS_ORIGINS: BROWSER },
    ['local'],
    tokenRoot,
  );
  local = await startLocal(options, { log: () => {}, revision: 'test' });
  client = await connectClient(local.url, 'modern', local.token);
});

afterAll(async () => {
  await client?.close();
  await local?.close();
  rmSync(tokenRoot, { recursive: true, force: true });
});

describe('local mode', () => {
  it('serves every tool of the dev zone to the local token, sorted', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'github.add_comment',
      'github.close_issue',
      'github.create_issue',
      'github.get_issue',
      'github.list_issues',
      'petstore.add_pet',
      'petstore.delete_pet',
      'petstore.find_pets_by_status',
      'petstore.get_pet',
      'weather.get_forecast',
    ]);
  });

  it('runs packs in-process and writes one trace per call to the embedded database', async () => {
    const result = await client.callTool({ name: 'petstore.get_pet', arguments: { petId: 'seven' } });
    expect(result.isError).toBe(true);
    expect(result._meta?.['dev.raku/status']).toBeUndefined();
    expect(textOf(result)).toBe('invalid arguments for petstore.get_pet: /petId must be integer');
    await local.persistence.traces.flush();
    const rows = await local.persistence.db.prisma.trace.findMany({ where: { tool: 'petstore.get_pet' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      subject: 'user:local-dev',
      route: 'pack:petstore@1.0.0',
      target: 'in-process:petstore',
      decision: 'allow',
      rule: 'local-dev/bindings[0]',
      revision: 'test',
      zone: 'dev',
      status: 'invalid',
    });
  });

  it('serves the admin API to the local token: traces, routes, OpenAPI document', async () => {
    const base = local.url.replace(/\/mcp$/, '');
    const auth = { authorization: `Bearer ${local.token}` };
    const traces = (await (
      await fetch(`${base}/v1/traces?tool=petstore.get_pet`, { headers: auth })
    ).json()) as {
      items: unknown[];
    };
    expect(traces.items[0]).toMatchObject({ tool: 'petstore.get_pet', subject: 'user:local-dev' });
    const routes = (await (await fetch(`${base}/v1/routes`, { headers: auth })).json()) as {
      routes: { tool: string; targets: { route: string }[] }[];
      traces: { queued: number; dropped: number; written: number; failures: number };
    };
    // The trace queue beside the routes (the console's health view): the trace listed above was written.
    expect(routes.traces).toMatchObject({ dropped: 0, failures: 0 });
    expect(routes.traces.written).toBeGreaterThan(0);
    const githubRoute = routes.routes.find((r) => r.tool === 'github.list_issues');
    expect(githubRoute?.targets.map((t) => t.route)).toEqual([
      'pack:github-issues@1.2.0',
      'remote:github-mcp',
    ]);
    expect((await fetch(`${base}/openapi.json`)).status).toBe(200);
    const anonymous = await fetch(`${base}/v1/traces`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('resource_metadata=');
  });

  it('sweeps traces past the retention (default 30 days) and exports the sweep on /metrics', async () => {
    const prisma = local.persistence.db.prisma;
    const old = { time: new Date(Date.now() - 31 * 86_400_000), id: crypto.randomUUID() };
    await prisma.trace.create({
      data: {
        ...old,
        subject: 'user:local-dev',
        subjectKind: 'user',
        tool: 'petstore.get_pet',
        decision: 'allow',
        revision: 'old',
        latencyMs: 1,
        status: 'ok',
        argsBytes: 0,
        resultBytes: 0,
      },
    });
    expect(await local.persistence.retention.runOnce()).toMatchObject({ outcome: 'swept', deleted: 1 });
    expect(await prisma.trace.findUnique({ where: { id: old.id } })).toBeNull();
    expect(await prisma.trace.count({ where: { tool: 'petstore.get_pet' } })).toBe(1);
    const metrics = await (await fetch(local.url.replace(/\/mcp$/, '/metrics'))).text();
    expect(metrics).toContain('raku_trace_retention_days 30');
    expect(metrics).toContain('raku_trace_retention_deleted_total 1');
    // The trace sink's figures are on the same page: the call above was written, nothing dropped.
    expect(metrics).toMatch(/^raku_trace_queue_depth \d+$/m);
    expect(metrics).toMatch(/^raku_trace_queue_bytes \d+$/m);
    expect(metrics).toContain('raku_trace_dropped_total 0');
    expect(metrics).toMatch(/^raku_trace_written_total [1-9]\d*$/m);
  });

  it('publishes protected-resource metadata for its own URL, naming no authorization server', async () => {
    const anonymous = await fetch(local.url, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    const challenge = anonymous.headers.get('www-authenticate') ?? '';
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).toBe(local.url.replace(/\/mcp$/, '/.well-known/oauth-protected-resource/mcp'));
    const metadata = await (await fetch(metadataUrl!)).json();
    // RFC 9728 §3.3: the resource must be the URL the client used; local mode mints no JWTs.
    expect(metadata).toEqual({
      resource: local.url,
      bearer_methods_supported: ['header'],
      resource_name: 'Raku MCP gateway',
    });
    const viaLocalhost = local.url.replace('127.0.0.1', 'localhost');
    const byName = (await (
      await fetch(viaLocalhost.replace(/\/mcp$/, '/.well-known/oauth-protected-resource/mcp'))
    ).json()) as { resource: string };
    expect(byName.resource).toBe(viaLocalhost);
    expect(JSON.stringify([metadata, byName, challenge])).not.toContain('acme.example');
  });

  it('answers a browser client of an allowed origin: preflight before auth, then the call', async () => {
    const preflight = await fetch(local.url, {
      method: 'OPTIONS',
      headers: {
        origin: BROWSER,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, mcp-protocol-version',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(BROWSER);
    const call = await fetch(local.url, {
      method: 'POST',
      headers: {
        origin: BROWSER,
        authorization: `Bearer ${local.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBe(BROWSER);
    expect(call.headers.get('access-control-expose-headers')).toContain('Mcp-Session-Id');
    const refused = await fetch(local.url, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:9999', 'access-control-request-method': 'POST' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves an index of the admin API at /v1/, and answers unknown paths in the documented shape', async () => {
    const base = local.url.replace(/\/mcp$/, '');
    const index = await fetch(`${base}/v1/`);
    expect(index.status).toBe(200);
    const body = (await index.json()) as { openapi: string; resources: { path: string }[] };
    expect(body.openapi).toBe('/openapi.json');
    expect(body.resources.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/v1/traces', '/v1/approvals', '/v1/jobs', '/v1/routes', '/v1/deployments']),
    );
    for (const p of ['/v1/nope', '/nope']) {
      const res = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${local.token}` } });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: `no route for GET ${p}` } });
    }
  });

  it('refuses a request without the token', async () => {
    await expect(connectClient(local.url, 'legacy', 'wrong-token')).rejects.toThrow();
    const ready = await fetch(local.url.replace(/\/mcp$/, '/readyz'));
    expect(await ready.json()).toMatchObject({ status: 'ready', zone: 'dev', database: 'pglite reachable' });
  });
});

describe('local mode with RAKU_AUTH=none', () => {
  let open: LocalGateway;
  let openRoot: string;
  beforeAll(async () => {
    openRoot = mkdtempSync(path.join(tmpdir(), 'raku-open-'));
    const options = parseRuntimeOptions(
      { RAKU_ROOT: ROOT, RAKU_DATA_DIR: 'memory://', PORT: '0', RAKU_AUTH: 'none' },
      ['local'],
      openRoot,
    );
    open = await startLocal(options, { log: () => {}, revision: 'test' });
  });
  afterAll(async () => {
    await open?.close();
    rmSync(openRoot, { recursive: true, force: true });
  });

  it.each(['modern', 'legacy'] as const)(
    'serves the official %s client without a token, as user:local-dev',
    async (era) => {
      const anonymous = await connectClient(open.url, era);
      try {
        expect((await anonymous.listTools()).tools.map((t) => t.name)).toContain('petstore.get_pet');
        const result = await anonymous.callTool({ name: 'petstore.get_pet', arguments: { petId: 'x' } });
        expect(textOf(result)).toBe('invalid arguments for petstore.get_pet: /petId must be integer');
      } finally {
        await anonymous.close();
      }
      await open.persistence.traces.flush();
      const rows = await open.persistence.db.prisma.trace.findMany({ where: { tool: 'petstore.get_pet' } });
      expect(rows.at(-1)).toMatchObject({ subject: 'user:local-dev', decision: 'allow' });
    },
  );

  it('has no token, publishes no auth metadata, and says so loudly in the banner', async () => {
    expect(open.token).toBeUndefined();
    const base = open.url.replace(/\/mcp$/, '');
    expect((await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).status).toBe(404);
    expect((await fetch(`${base}/v1/routes`)).status).toBe(200);
    const banner = localBanner(open, parseRuntimeOptions({ RAKU_AUTH: 'none' }, ['local'], openRoot));
    expect(banner).toContain('!!! AUTHENTICATION IS OFF (RAKU_AUTH=none) !!!');
    expect(banner).toContain('Token          none: authentication is off');
    expect(banner).not.toContain('Bearer');
  });
});

describe('local mode on a broken repository', () => {
  it('reports every validation problem and refuses to start', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'raku-broken-'));
    try {
      mkdirSync(path.join(root, 'packs', 'bad'), { recursive: true });
      writeFileSync(path.join(root, 'packs', 'bad', 'pack.yaml'), 'name: bad\nversion: one\n');
      const logged: string[] = [];
      const options = parseRuntimeOptions(
        { RAKU_ROOT: root, RAKU_DATA_DIR: 'memory://', PORT: '0' },
        ['local'],
        root,
      );
      await expect(startLocal(options, { log: (m) => logged.push(m) })).rejects.toThrow(
        /configuration has \d+ errors?/,
      );
      expect(logged.join('\n')).toMatch(/packs\/bad\/pack.yaml:\d+:\d+: error/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('parseRuntimeOptions', () => {
  it('reads the role from argv or RAKU_ROLE and rejects bad values with the variable name', () => {
    expect(parseRuntimeOptions({ RAKU_ROLE: 'gateway' }, [], '/x')).toMatchObject({
      role: 'gateway',
      port: 8080,
      host: '127.0.0.1',
      bundlePath: '/etc/raku/bundle/bundle.json',
      packsDir: '/app/packs',
      adminSubjects: ['group:raku-admins'],
      mcpHotPath: true,
    });
    expect(parseRuntimeOptions({ RAKU_MCP_HOT_PATH: 'false' }, ['gateway'], '/x').mcpHotPath).toBe(false);
    expect(() => parseRuntimeOptions({ RAKU_MCP_HOT_PATH: 'off' }, ['gateway'], '/x')).toThrow(
      'RAKU_MCP_HOT_PATH must be "true" or "false", not "off"',
    );
    expect(() => parseRuntimeOptions({}, [], '/x')).toThrow('no role given: set RAKU_ROLE');
    expect(() => parseRuntimeOptions({ PORT: 'http' }, ['local'], '/x')).toThrow('PORT must be an integer');
    expect(() => parseRuntimeOptions({ RAKU_ALLOW_PRIVATE_NETWORKS: 'yes' }, ['local'], '/x')).toThrow(
      'RAKU_ALLOW_PRIVATE_NETWORKS must be "true" or "false"',
    );
    expect(() => parseRuntimeOptions({ RAKU_ENVIRONMENT: 'qa' }, ['pack-server'], '/x')).toThrow(
      'RAKU_ENVIRONMENT must be one of dev, staging, prod',
    );
  });

  it('takes RAKU_AUTH=none only for local mode on a loopback listener', () => {
    expect(parseRuntimeOptions({}, ['local'], '/x').auth).toBe('token');
    for (const HOST of ['127.0.0.1', '::1', 'localhost']) {
      expect(parseRuntimeOptions({ RAKU_AUTH: 'none', HOST }, ['local'], '/x').auth).toBe('none');
    }
    for (const HOST of ['0.0.0.0', '::', '192.168.1.10']) {
      expect(() => parseRuntimeOptions({ RAKU_AUTH: 'none', HOST }, ['local'], '/x')).toThrow(
        `RAKU_AUTH=none serves every tool without a token, so it needs a loopback listener: HOST is ${HOST}`,
      );
    }
    expect(() => parseRuntimeOptions({ RAKU_AUTH: 'none' }, ['gateway'], '/x')).toThrow(
      'RAKU_AUTH=none is only for local mode',
    );
    expect(() => parseRuntimeOptions({ RAKU_AUTH: 'off' }, ['local'], '/x')).toThrow(
      'RAKU_AUTH must be one of token, none, not "off"',
    );
  });

  it('reads RAKU_CORS_ORIGINS as origins serialised the way browsers send them', () => {
    expect(parseRuntimeOptions({}, ['local'], '/x').corsOrigins).toBeUndefined();
    expect(
      parseRuntimeOptions({ RAKU_CORS_ORIGINS: 'https://A.example/, http://localhost:6274' }, ['local'], '/x')
        .corsOrigins,
    ).toEqual(['https://a.example', 'http://localhost:6274']);
    expect(parseRuntimeOptions({ RAKU_CORS_ORIGINS: '' }, ['gateway'], '/x').corsOrigins).toEqual([]);
    for (const bad of ['*', 'https://a.example/path', 'null', 'ftp://a.example']) {
      expect(() => parseRuntimeOptions({ RAKU_CORS_ORIGINS: bad }, ['gateway'], '/x')).toThrow(
        `RAKU_CORS_ORIGINS: "${bad}" is not an origin`,
      );
    }
  });
});
