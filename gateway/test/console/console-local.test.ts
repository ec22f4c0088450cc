/**
 * The console's sessions in local mode, over real HTTP against `startLocal` (the repository's own zone,
 * PGlite in memory): the one-time login token becomes a sealed HttpOnly SameSite=Strict cookie, the cookie
 * authenticates the admin API, state-changing cookie requests need the CSRF header and the own origin, bearer
 * requests need neither, and /mcp never accepts the cookie.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/console/session.ts';
import { type LocalGateway, localBanner, startLocal } from '../../src/server/local-mode.ts';
import { parseRuntimeOptions } from '../../src/server/options.ts';
import { ensureConsoleBuilt } from '../helpers/browser.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let local: LocalGateway;
let base: string;
let tokenRoot: string;

beforeAll(async () => {
  // Built before the gateway starts, so it stays built: its banner's link says whether it was built at start,
  // and a browser test file building it meanwhile (a fresh checkout) made the banner test expect the other.
  await ensureConsoleBuilt();
  tokenRoot = mkdtempSync(path.join(tmpdir(), 'raku-console-'));
  const options = parseRuntimeOptions(
    { RAKU_ROOT: ROOT, RAKU_DATA_DIR: 'memory://', PORT: '0' },
    ['local'],
    tokenRoot,
  );
  local = await startLocal(options, { log: () => {}, revision: 'test' });
  base = local.url.replace(/\/mcp$/, '');
}, 180_000);

afterAll(async () => {
  await local?.close();
  rmSync(tokenRoot, { recursive: true, force: true });
});

/** The `name=value` part of a Set-Cookie header, and its attributes. */
function sessionCookie(res: Response): { pair: string; attributes: string } {
  const header = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!header) throw new Error(`no ${SESSION_COOKIE} cookie in ${res.status} answer`);
  const semi = header.indexOf(';');
  return { pair: header.slice(0, semi), attributes: header.slice(semi) };
}

async function login(): Promise<{ cookie: string; csrf: string; body: Record<string, unknown> }> {
  const token = local.console?.issueLoginToken();
  const res = await fetch(`${base}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ loginToken: token }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, unknown>;
  return { cookie: sessionCookie(res).pair, csrf: String(body['csrfToken']), body };
}

describe('console sessions in local mode', () => {
  it('answers GET /v1/session without a cookie with 401 and where to sign in', async () => {
    const res = await fetch(`${base}/v1/session`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 'unauthorized', message: 'no console session: sign in' },
      login: '/console/login',
      mode: 'local',
    });
  });

  it('exchanges a login token once for a sealed HttpOnly SameSite=Strict session cookie', async () => {
    const token = local.console?.issueLoginToken() ?? '';
    const res = await fetch(`${base}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginToken: token }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ subject: 'user:local-dev', admin: true, mode: 'local' });
    expect(String(body['csrfToken'])).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(String(body['expiresAt']))).toBeGreaterThan(Date.now());
    const cookie = sessionCookie(res);
    expect(cookie.attributes).toBe('; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict');
    // Sealed: the cookie's value shows neither the subject nor the CSRF token.
    expect(cookie.pair).not.toContain('local-dev');
    expect(cookie.pair).not.toContain(String(body['csrfToken']));

    const again = await fetch(`${base}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginToken: token }),
    });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('invalid_login_token');

    const session = await fetch(`${base}/v1/session`, { headers: { cookie: cookie.pair } });
    expect(session.status).toBe(200);
    expect(await session.json()).toEqual(body);
  });

  it('signs in with a new link in a browser that still holds a session cookie (sent without its CSRF header)', async () => {
    const old = await login();
    const res = await fetch(`${base}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: old.cookie },
      body: JSON.stringify({ loginToken: local.console?.issueLoginToken() }),
    });
    expect(res.status).toBe(200);
    expect(sessionCookie(res).pair).not.toBe(old.cookie);
  });

  it('refuses a made-up login token and a body without one', async () => {
    const wrong = await fetch(`${base}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginToken: 'x'.repeat(43) }),
    });
    expect(wrong.status).toBe(401);
    const empty = await fetch(`${base}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(empty.status).toBe(400);
  });

  it('authenticates the admin API with the cookie; reads need no CSRF header', async () => {
    const { cookie } = await login();
    const traces = await fetch(`${base}/v1/traces`, { headers: { cookie } });
    expect(traces.status).toBe(200);
    expect(await traces.json()).toHaveProperty('items');
  });

  it('refuses a state-changing cookie request without the CSRF header, or with a wrong one, with 403 csrf', async () => {
    const { cookie, csrf } = await login();
    const attempts: Record<string, string>[] = [{ cookie }, { cookie, 'x-raku-csrf': `${csrf}x` }];
    for (const headers of attempts) {
      const res = await fetch(`${base}/v1/deployments`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('csrf');
    }
    // With the header, the request reaches the API (which then judges the body).
    const ok = await fetch(`${base}/v1/deployments`, {
      method: 'POST',
      headers: { cookie, 'x-raku-csrf': csrf, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ok.status).toBe(400);
  });

  it('refuses a cookie request from another origin, even with the CSRF header', async () => {
    const { cookie, csrf } = await login();
    const res = await fetch(`${base}/v1/traces`, {
      headers: { cookie, 'x-raku-csrf': csrf, origin: 'http://evil.example' },
    });
    expect(res.status).toBe(403);
    // Bound to loopback, the HTTP front refuses a foreign page before the session's CSRF check (which the
    // gateway role, behind a public address, relies on: console-public-url.test.ts).
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed');
    const own = await fetch(`${base}/v1/traces`, { headers: { cookie, origin: base } });
    expect(own.status).toBe(200);
  });

  it('needs no CSRF header for a bearer request', async () => {
    const res = await fetch(`${base}/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${local.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
  });

  it('never accepts the cookie on /mcp: agents use bearer tokens', async () => {
    const { cookie, csrf } = await login();
    const res = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        cookie,
        'x-raku-csrf': csrf,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(401);
  });

  it('refuses a tampered or foreign session cookie with 401', async () => {
    const { cookie } = await login();
    const value = cookie.slice(SESSION_COOKIE.length + 1);
    const tampered = `${SESSION_COOKIE}=${value.slice(0, -4)}${value.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    for (const bad of [tampered, `${SESSION_COOKIE}=not-a-session`]) {
      const res = await fetch(`${base}/v1/traces`, { headers: { cookie: bad } });
      expect(res.status).toBe(401);
      const session = await fetch(`${base}/v1/session`, { headers: { cookie: bad } });
      expect(session.status).toBe(401);
    }
  });

  it('logs out with DELETE /v1/session (CSRF header required), clearing the cookie and refusing the session', async () => {
    const { cookie, csrf } = await login();
    const refused = await fetch(`${base}/v1/session`, { method: 'DELETE', headers: { cookie } });
    expect(refused.status).toBe(403);
    const res = await fetch(`${base}/v1/session`, {
      method: 'DELETE',
      headers: { cookie, 'x-raku-csrf': csrf },
    });
    expect(res.status).toBe(204);
    expect(sessionCookie(res)).toEqual({
      pair: `${SESSION_COOKIE}=`,
      attributes: '; Path=/; Max-Age=0; HttpOnly; SameSite=Strict',
    });
    // A copy of the cookie kept elsewhere no longer works either.
    const after = await fetch(`${base}/v1/traces`, { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { message: string } }).error.message).toBe(
      'this console session was signed out: sign in again',
    );
    expect((await fetch(`${base}/v1/session`, { headers: { cookie } })).status).toBe(401);
  });

  it('redirects / to /console/ and puts the console link in the banner', async () => {
    const res = await fetch(`${base}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/console/');
    const banner = localBanner(local, parseRuntimeOptions({}, ['local'], tokenRoot));
    expect(banner).toContain(`  Console        ${local.consoleLink}\n`);
    expect(local.consoleLink).toMatch(
      local.console?.built()
        ? new RegExp(`^${base}/console/#login=[A-Za-z0-9_-]{43}$`)
        : /^not built: run `npm run build:console`/,
    );
  });
});

describe('console sessions with RAKU_AUTH=none', () => {
  it('still needs the login link: no cookie, no session', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'raku-console-open-'));
    const open = await startLocal(
      parseRuntimeOptions(
        { RAKU_ROOT: ROOT, RAKU_DATA_DIR: 'memory://', PORT: '0', RAKU_AUTH: 'none' },
        ['local'],
        root,
      ),
      { log: () => {}, revision: 'test' },
    );
    try {
      const url = open.url.replace(/\/mcp$/, '');
      expect((await fetch(`${url}/v1/session`)).status).toBe(401);
      const res = await fetch(`${url}/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ loginToken: open.console?.issueLoginToken() }),
      });
      expect(res.status).toBe(200);
      const cookie = sessionCookie(res).pair;
      expect((await fetch(`${url}/v1/session`, { headers: { cookie } })).status).toBe(200);
      // A session of another process (another key) is not one here.
      expect((await fetch(`${base}/v1/session`, { headers: { cookie } })).status).toBe(401);
    } finally {
      await open.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
