/**
 * RAKU_CONSOLE_URL: with an https public URL the session cookie is Secure, and the origin check accepts that
 * URL's origin only (not the Host the request happened to reach). createConsole on a bare Express app over real
 * HTTP, local mode.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noAuthenticator } from '../../src/auth/authenticator.ts';
import { type ConsoleServer, createConsole } from '../../src/console/console-server.ts';
import { randomSealKey } from '../../src/console/sealed-cookie.ts';
import { LOCAL_CALLER } from '../../src/server/local-mode.ts';

const PUBLIC = 'https://raku.example.com';
let server: http.Server;
let consoleServer: ConsoleServer;
let base: string;

beforeAll(async () => {
  consoleServer = createConsole(
    {
      dist: '/nonexistent',
      key: randomSealKey(),
      mode: 'local',
      localCaller: LOCAL_CALLER,
      publicUrl: PUBLIC,
    },
    { authenticator: noAuthenticator(LOCAL_CALLER), isAdmin: () => true },
  );
  const app = express();
  app.use(consoleServer.router);
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const login = (origin?: string) =>
  fetch(`${base}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ loginToken: consoleServer.issueLoginToken() }),
  });

describe('console behind a public https URL', () => {
  it('sets a Secure session cookie', async () => {
    const res = await login(PUBLIC);
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie()[0] ?? '';
    expect(cookie).toMatch(/^raku_session=[^;]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict; Secure$/);
  });

  it("accepts only the public URL's origin", async () => {
    expect((await login(base)).status).toBe(403);
    expect((await login('https://raku.example.com:8443')).status).toBe(403);
    const res = await login(PUBLIC);
    const cookie = (res.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    expect((await fetch(`${base}/v1/session`, { headers: { cookie, origin: PUBLIC } })).status).toBe(200);
    const foreign = await fetch(`${base}/v1/session`, { headers: { cookie, origin: base } });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('csrf');
  });
});
