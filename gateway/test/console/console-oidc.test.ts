/**
 * The console's OIDC sign-in in the gateway role against a real oidc-provider on 127.0.0.1, over real HTTP:
 * /console/login (PKCE S256, state, nonce, resource) → the provider's login form → /console/callback → the
 * session cookie, whose access token the gateway's JWT authenticator checks on every request (so a subject
 * has exactly the admin API's rights), renewed with the refresh token when it expires.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtAuthenticator } from '../../src/auth/authenticator.ts';
import { consoleDist } from '../../src/console/console-dist.ts';
import { LOGIN_COOKIE } from '../../src/console/oidc-login.ts';
import { SESSION_COOKIE } from '../../src/console/session.ts';
import { startGatewayRole } from '../../src/server/gateway-roles.ts';
import { type RunningGateway, startGateway } from '../../src/server/gateway-server.ts';
import { parseRuntimeOptions } from '../../src/server/options.ts';
import { openPersistence, type Persistence } from '../../src/server/persistence.ts';
import { ensureConsoleBuilt } from '../helpers/browser.ts';
import { AUDIENCE } from '../helpers/jwt.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { widgetsPack } from '../helpers/test-pack.ts';
import { testBundle, testModel } from '../helpers/test-zone.ts';
import { oidcConsoleOptions } from './browser-oidc-gateway.ts';

/** Access tokens live 2 s here, so the refresh test needs to wait only that long. */
const ACCESS_TOKEN_TTL = 2;
let idp: TestOidcProvider;
let persistence: Persistence;
let gateway: RunningGateway;
let base: string;
/** The base URL of the gateway role a test starts, once it listens. */
let roleBase: string | undefined;
let dist: string;

beforeAll(async () => {
  // Built now, so it stays built: the gateway role's test expects the line its start logged from whether the
  // console is built, and a browser test file building it meanwhile (a fresh checkout) could land in between.
  await ensureConsoleBuilt();
  // Both gateways (this one, and the gateway role started by a test) listen on port 0: their callbacks are
  // known once they listen.
  idp = await startOidcProvider({
    audience: AUDIENCE,
    redirectUris: () => [base, roleBase].filter((b) => b !== undefined).map((b) => `${b}/console/callback`),
    accessTokenTtlSeconds: ACCESS_TOKEN_TTL,
  });
  persistence = await openPersistence({ databaseUrl: undefined, dataDir: 'memory://', log: () => {} });
  const nowhere = 'http://127.0.0.1:9';
  const { bundle, policy } = testBundle(testModel(widgetsPack(nowhere), nowhere), nowhere);
  dist = mkdtempSync(path.join(tmpdir(), 'raku-console-oidc-'));
  gateway = await startGateway({
    bundle,
    policy,
    authenticator: jwtAuthenticator({
      issuer: idp.issuer,
      audience: AUDIENCE,
      jwks: idp.jwksUrl,
      clockToleranceSeconds: 0,
    }),
    traces: persistence.traces,
    approvals: persistence.approvals,
    jobs: persistence.jobs,
    adminRouter: (deps) => persistence.adminRouter(deps),
    adminSubjects: ['group:raku-admins'],
    secrets: () => undefined,
    port: 0,
    routeOptions: { healthIntervalMs: 0, remoteCheckIntervalMs: 0 },
    console: oidcConsoleOptions(idp, dist),
  });
  base = gateway.url.replace(/\/mcp$/, '');
}, 180_000);

afterAll(async () => {
  await gateway?.close();
  await persistence?.close();
  await idp?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

/** `name=value` of cookie `name` in the answer, with its attributes. */
function setCookie(res: Response, name: string): { pair: string; attributes: string } | undefined {
  const header = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!header) return undefined;
  const semi = header.indexOf(';');
  return { pair: header.slice(0, semi), attributes: header.slice(semi) };
}

/** The whole sign-in as a browser does it; returns the session cookie. */
async function signIn(user: string): Promise<string> {
  const start = await fetch(`${base}/console/login`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const login = setCookie(start, LOGIN_COOKIE);
  const back = await idp.signIn(String(start.headers.get('location')), user);
  const done = await fetch(back, { redirect: 'manual', headers: { cookie: login?.pair ?? '' } });
  expect(done.status, await done.clone().text()).toBe(302);
  const session = setCookie(done, SESSION_COOKIE);
  if (!session) throw new Error('no session cookie after the callback');
  return session.pair;
}

describe('console sign-in with OIDC', () => {
  it('sends the browser to the issuer with PKCE S256, state, nonce and the gateway as resource', async () => {
    const res = await fetch(`${base}/console/login`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(String(res.headers.get('location')));
    expect(to.origin).toBe(idp.issuer);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: idp.clientId,
      response_type: 'code',
      redirect_uri: `${base}/console/callback`,
      code_challenge_method: 'S256',
      resource: AUDIENCE,
      scope: 'openid',
    });
    for (const name of ['code_challenge', 'state', 'nonce']) {
      expect(to.searchParams.get(name)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    const login = setCookie(res, LOGIN_COOKIE);
    expect(login?.attributes).toBe('; Path=/console/; Max-Age=600; HttpOnly; SameSite=Lax');
    // Sealed: neither the verifier's challenge input nor the state can be read from it.
    expect(login?.pair).not.toContain(String(to.searchParams.get('state')));
  });

  it('signs an admin in: the callback sets the session cookie and returns to /console/', async () => {
    const start = await fetch(`${base}/console/login`, { redirect: 'manual' });
    const login = setCookie(start, LOGIN_COOKIE);
    const back = await idp.signIn(String(start.headers.get('location')), 'alice');
    expect(back.startsWith(`${base}/console/callback?code=`)).toBe(true);
    const done = await fetch(back, { redirect: 'manual', headers: { cookie: login?.pair ?? '' } });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/console/');
    expect(setCookie(done, SESSION_COOKIE)?.attributes).toBe(
      '; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict',
    );
    expect(setCookie(done, LOGIN_COOKIE)?.pair).toBe(`${LOGIN_COOKIE}=`);
    const cookie = String(setCookie(done, SESSION_COOKIE)?.pair);

    const session = await fetch(`${base}/v1/session`, { headers: { cookie } });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ subject: 'user:alice', admin: true, mode: 'oidc' });
    expect((await fetch(`${base}/v1/traces`, { headers: { cookie } })).status).toBe(200);
  });

  it('gives a subject without the admin role exactly what the admin API gives it', async () => {
    const cookie = await signIn('bob');
    const session = await fetch(`${base}/v1/session`, { headers: { cookie } });
    expect(await session.json()).toMatchObject({ subject: 'user:bob', admin: false });
    const traces = await fetch(`${base}/v1/traces`, { headers: { cookie } });
    expect(traces.status).toBe(403);
    expect(((await traces.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await fetch(`${base}/v1/jobs`, { headers: { cookie } })).status).toBe(200);
  });

  it('refuses a callback without the login cookie, with a changed state, or reused', async () => {
    const start = await fetch(`${base}/console/login`, { redirect: 'manual' });
    const login = String(setCookie(start, LOGIN_COOKIE)?.pair);
    const back = new URL(await idp.signIn(String(start.headers.get('location')), 'alice'));

    const noCookie = await fetch(back, { redirect: 'manual' });
    expect(noCookie.status).toBe(401);
    expect(await noCookie.text()).toMatch(
      /^Sign-in failed: the sign-in took too long or was started in another browser/,
    );

    const forged = new URL(back);
    forged.searchParams.set('state', 'forged-state');
    const wrongState = await fetch(forged, { redirect: 'manual', headers: { cookie: login } });
    expect(wrongState.status).toBe(401);
    expect(setCookie(wrongState, SESSION_COOKIE)).toBeUndefined();

    // The code was not spent by the refused attempts; it works once.
    const ok = await fetch(back, { redirect: 'manual', headers: { cookie: login } });
    expect(ok.status).toBe(302);
    const again = await fetch(back, { redirect: 'manual', headers: { cookie: login } });
    expect(again.status).toBe(401);
  });

  it('passes on the issuer refusing the sign-in', async () => {
    const res = await fetch(`${base}/console/callback?error=access_denied&error_description=nope`);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('The issuer refused the sign-in: access_denied (nope)\n');
  });

  it('does not take local login tokens in the gateway role', async () => {
    const res = await fetch(`${base}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginToken: 'x' }),
    });
    expect(res.status).toBe(400);
  });

  it('never accepts the session cookie on /mcp', async () => {
    const cookie = await signIn('alice');
    const res = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(401);
  });

  it('renews an expired access token with the refresh token and writes the renewed cookie', async () => {
    const cookie = await signIn('alice');
    // Past the access token's lifetime (the gateway allows no clock skew here).
    await new Promise((resolve) => setTimeout(resolve, (ACCESS_TOKEN_TTL + 1.2) * 1000));
    const res = await fetch(`${base}/v1/traces`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const renewed = setCookie(res, SESSION_COOKIE);
    expect(renewed?.pair).toMatch(new RegExp(`^${SESSION_COOKIE}=.+`));
    expect(renewed?.pair).not.toBe(cookie);
    const session = await fetch(`${base}/v1/session`, { headers: { cookie: String(renewed?.pair) } });
    expect(await session.json()).toMatchObject({ subject: 'user:alice', admin: true });
  });

  it("is configured from RAKU_CONSOLE_OIDC_* and the bundle's auth in the gateway role", async () => {
    const nowhere = 'http://127.0.0.1:9';
    const { bundle } = testBundle(testModel(widgetsPack(nowhere), nowhere), nowhere);
    bundle.auth = { ...bundle.auth, issuer: idp.issuer, audience: AUDIENCE, jwksUrl: idp.jwksUrl };
    const file = path.join(dist, 'bundle.json');
    writeFileSync(file, JSON.stringify(bundle));
    const options = parseRuntimeOptions(
      {
        RAKU_BUNDLE: file,
        RAKU_DATA_DIR: 'memory://',
        PORT: '0',
        RAKU_CONSOLE_OIDC_CLIENT_ID: idp.clientId,
        RAKU_CONSOLE_OIDC_CLIENT_SECRET: idp.clientSecret,
      },
      ['gateway'],
      dist,
    );
    const logs: string[] = [];
    const role = await startGatewayRole(options, (m) => logs.push(m));
    try {
      roleBase = role.url.replace(/\/mcp$/, '');
      // Whether gateway/console/dist is built in this checkout decides which line is logged.
      expect(logs).toContain(
        existsSync(path.join(consoleDist(), 'index.html'))
          ? `console at ${roleBase}/console/ (sign-in: OIDC client ${idp.clientId} at ${idp.issuer})`
          : 'console not built: run `npm run build:console` (the image build does it); /console/ answers 503',
      );
      const start = await fetch(`${roleBase}/console/login`, { redirect: 'manual' });
      expect(start.status).toBe(302);
      const back = await idp.signIn(String(start.headers.get('location')), 'alice');
      const done = await fetch(back, {
        redirect: 'manual',
        headers: { cookie: String(setCookie(start, LOGIN_COOKIE)?.pair) },
      });
      expect(done.status).toBe(302);
      const cookie = String(setCookie(done, SESSION_COOKIE)?.pair);
      const session = await fetch(`${roleBase}/v1/session`, { headers: { cookie } });
      expect(await session.json()).toMatchObject({ subject: 'user:alice', admin: true, mode: 'oidc' });
      // Another gateway's key: its session is not one here.
      expect((await fetch(`${base}/v1/session`, { headers: { cookie } })).status).toBe(401);
    } finally {
      await role.close();
    }
  });
});
