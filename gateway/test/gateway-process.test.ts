/**
 * The gateway role as the container runs it: `main.ts` in its own process, configured only by environment
 * variables (bundle file, JWKS over HTTP, Postgres), serving agents, and stopping cleanly on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { testIssuer } from './helpers/jwt.ts';
import { type JwtGatewayParts, startJwtGatewayParts } from './helpers/jwt-gateway-parts.ts';
import { connectClient, textOf } from './helpers/mcp-client.ts';
import { createScratchDatabase } from './helpers/scratch-database.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let parts: JwtGatewayParts;
let child: ChildProcess;
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let dir: string;
let url: string;
let issuer: Awaited<ReturnType<typeof testIssuer>>;
let stderr = '';

beforeAll(async () => {
  parts = await startJwtGatewayParts();
  ({ issuer } = parts);
  const { bundle } = parts;
  // As buildBundle writes a zone's gateway.cors.allowedOrigins.
  bundle.cors = { allowedOrigins: ['https://console.example.test'] };
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
    child.once('close', (code) => reject(new Error(`gateway exited with ${code}: ${stderr}`)));
  });
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await scratch?.drop();
  await parts?.close();
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
    // The zone's CORS origins (from the bundle) are answered before authentication; others are refused.
    const preflight = (origin: string) =>
      fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const allowed = await preflight('https://console.example.test');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.test');
    expect((await preflight('https://elsewhere.example.test')).status).toBe(403);
    const exit = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
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

/** Runs main.ts to its exit with only `env` (and PATH); its exit code and stderr. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gateway/src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'], ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, stderr: err })));
}

/** A user error: exit 1, and the last line is one `error: …` line, with no stack and no "internal error". */
function expectUserError(run: { code: number | null; stderr: string }, message: RegExp) {
  expect(run.stderr).not.toContain('internal error');
  expect(run.stderr).not.toMatch(/^\s+at /m);
  const last = run.stderr.trimEnd().split('\n').at(-1) ?? '';
  expect(last.replace(/^\S+ /, '')).toMatch(message);
  expect(run.code).toBe(1);
}

describe('start-up mistakes of the operator are user errors (exit 1, one line, what to do)', () => {
  const gatewayEnv = () => ({ RAKU_ROLE: 'gateway', RAKU_BUNDLE: path.join(dir, 'bundle.json') });

  it('a port in use names PORT', async () => {
    const taken = http.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      const run = await runToExit({ ...gatewayEnv(), DATABASE_URL: scratch.url, PORT: String(port) });
      expectUserError(run, new RegExp(`^error: port ${port} is in use .*set PORT to a free port`));
    } finally {
      taken.close();
    }
  }, 60_000);

  it('a Postgres that does not answer names DATABASE_URL', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const run = await runToExit({
      ...gatewayEnv(),
      DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/raku`,
      PORT: '0',
    });
    expectUserError(
      run,
      new RegExp(
        `^error: cannot connect to Postgres \\(postgres://postgres@127\\.0\\.0\\.1:${port}/raku\\): nothing accepts connections at 127\\.0\\.0\\.1:${port}: start Postgres there`,
      ),
    );
    expect(run.stderr).not.toContain('hunter2');
  }, 60_000);

  it('a database that does not exist says how to create it', async () => {
    const missing = scratch.url.replace(/\/[^/]+$/, '/raku_no_such_database');
    const run = await runToExit({ ...gatewayEnv(), DATABASE_URL: missing, PORT: '0' });
    expectUserError(
      run,
      /^error: cannot connect to Postgres .*database "raku_no_such_database" does not exist .*createdb raku_no_such_database/,
    );
  }, 60_000);

  it('a DATABASE_URL that is not a Postgres URL is refused before anything starts', async () => {
    const run = await runToExit({ ...gatewayEnv(), DATABASE_URL: 'mysql://db/raku', PORT: '0' });
    expectUserError(run, /^error: DATABASE_URL is not a Postgres URL/);
  }, 60_000);

  it('an embedded-database folder open to other users and holding other files is refused', async () => {
    const shared = path.join(dir, 'shared');
    mkdirSync(shared, { recursive: true });
    writeFileSync(path.join(shared, 'notes.txt'), 'x');
    chmodSync(shared, 0o755);
    const run = await runToExit({ ...gatewayEnv(), RAKU_DATA_DIR: shared, PORT: '0' });
    expectUserError(run, /^error: the embedded database folder .* is open to other users \(mode 755\)/);
  }, 60_000);

  it('RAKU_AUTH=none on a listener that is not loopback is refused', async () => {
    const run = await runToExit({
      RAKU_ROLE: 'local',
      RAKU_AUTH: 'none',
      HOST: '0.0.0.0',
      RAKU_DATA_DIR: 'memory://',
      PORT: '0',
    });
    expectUserError(run, /^error: RAKU_AUTH=none .* needs a loopback listener: HOST is 0\.0\.0\.0/);
  }, 60_000);

  it('an entry of RAKU_CORS_ORIGINS that is not an origin is refused', async () => {
    const run = await runToExit({ ...gatewayEnv(), RAKU_CORS_ORIGINS: 'https://ok.example, *', PORT: '0' });
    expectUserError(run, /^error: RAKU_CORS_ORIGINS: "\*" is not an origin/);
  }, 60_000);
});
