import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, startLocal } from '../src/server/local-mode.ts';
import { parseRuntimeOptions } from '../src/server/options.ts';
import { connectClient, textOf } from './helpers/mcp-client.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let local: LocalGateway;
let client: Client;
let tokenRoot: string;

beforeAll(async () => {
  // The repository's own packs, zones and policies; traces in an in-memory PGlite.
  tokenRoot = mkdtempSync(path.join(tmpdir(), 'raku-local-'));
  const options = parseRuntimeOptions(
    { RAKU_ROOT: ROOT, RAKU_DATA_DIR: 'memory://', PORT: '0' },
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
    };
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
    expect(metrics).toContain('raku_trace_dropped_total 0');
    expect(metrics).toMatch(/^raku_trace_written_total [1-9]\d*$/m);
  });

  it('refuses a request without the token', async () => {
    await expect(connectClient(local.url, 'legacy', 'wrong-token')).rejects.toThrow();
    const ready = await fetch(local.url.replace(/\/mcp$/, '/readyz'));
    expect(await ready.json()).toMatchObject({ status: 'ready', zone: 'dev', database: 'pglite reachable' });
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
});
