/**
 * The gateway role as the container runs it: `main.ts` in its own process, configured only by environment
 * variables (bundle file, JWKS over HTTP, Postgres), serving agents, and stopping cleanly on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startPackServer } from '../src/server/pack-server.ts';
import { type FakeUpstream, json, startFakeUpstream } from './helpers/fake-upstream.ts';
import { AUDIENCE, ISSUER, testIssuer } from './helpers/jwt.ts';
import { connectClient, textOf } from './helpers/mcp-client.ts';
import { createScratchDatabase } from './helpers/scratch-database.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from './helpers/test-pack.ts';
import { testBundle, testModel } from './helpers/test-zone.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let upstream: FakeUpstream;
let packServer: RunningServer;
let jwksServer: http.Server;
let child: ChildProcess;
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let dir: string;
let url: string;
let issuer: Awaited<ReturnType<typeof testIssuer>>;
let stderr = '';

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
  packServer = await startPackServer({
    packs: [widgetsPack(upstream.url)],
    environment: 'dev',
    secrets: (n) => (n === WIDGETS_SECRET_ENV ? 's' : undefined),
    allowPrivateNetworks: true,
    port: 0,
  });
  issuer = await testIssuer();
  jwksServer = http.createServer((_req, res) => json(res, 200, { keys: [issuer.jwk] }));
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  const { bundle } = testBundle(
    testModel(widgetsPack(upstream.url), 'http://127.0.0.1:9/mcp'),
    packServer.url,
  );
  bundle.auth = { ...bundle.auth, issuer: ISSUER, audience: AUDIENCE, jwksUrl };
  dir = mkdtempSync(path.join(tmpdir(), 'raku-gw-'));
  writeFileSync(path.join(dir, 'bundle.json'), JSON.stringify(bundle));
  scratch = await createScratchDatabase();
  child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gateway/src/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'],
      RAKU_ROLE: 'gateway',
      RAKU_BUNDLE: path.join(dir, 'bundle.json'),
      DATABASE_URL: scratch.url,
      PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /listening on (http:\/\/\S+\/mcp)/.exec(stderr);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${stderr}`)));
  });
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await scratch?.drop();
  await packServer?.close();
  await upstream?.close();
  jwksServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway process (RAKU_ROLE=gateway)', () => {
  it('verifies tokens against the JWKS URL, serves calls, writes traces, and stops on SIGTERM', async () => {
    const token = await issuer.sign({ sub: 'bot', agent: true });
    const bot = await connectClient(url, 'modern', token);
    const result = await bot.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    expect(textOf(result)).toBe('{"id":"w1"}');
    await bot.close();
    const wrong = await issuer.sign({ sub: 'bot', agent: true }, { audience: 'https://elsewhere.test' });
    expect((await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${wrong}` } })).status).toBe(
      401,
    );
    const ready = await (await fetch(url.replace(/\/mcp$/, '/readyz'))).json();
    expect(ready).toMatchObject({
      status: 'ready',
      zone: 'dev',
      revision: 'test-rev',
      database: 'postgres reachable',
    });
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr).toContain('SIGTERM: shutting down');
    // The trace of the call was flushed on the way out.
    const db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT subject, tool, status FROM traces');
      expect(rows).toEqual([{ subject: 'agent:bot', tool: 'widgets.get_widget', status: 'ok' }]);
    } finally {
      await db.end();
    }
  }, 60_000);
});
