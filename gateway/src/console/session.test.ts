import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../auth/caller.ts';
import { randomSealKey } from './sealed-cookie.ts';
import { ConsoleSessions, MAX_COOKIE_BYTES, SESSION_COOKIE, SessionTooLargeError } from './session.ts';

const caller: Caller = { subject: 'user:ann', kind: 'user', groups: [], claims: { sub: 'ann' } };

function fakeExchange(cookie = ''): { req: IncomingMessage; res: ServerResponse; setCookies: string[] } {
  const setCookies: string[] = [];
  const req = {
    headers: { cookie, host: '127.0.0.1:1' },
    method: 'GET',
    socket: {},
  } as unknown as IncomingMessage;
  const res = {
    headersSent: false,
    appendHeader: (_name: string, value: string) => setCookies.push(value),
  } as unknown as ServerResponse;
  return { req, res, setCookies };
}

describe('console sessions (OIDC mode)', () => {
  it('gives the console the tracing backend link (RAKU_TRACING_URL) when one is configured, else none', async () => {
    const options = {
      mode: 'oidc' as const,
      key: randomSealKey(),
      authenticator: { authenticate: async () => ({ ok: true as const, caller }) },
      isAdmin: () => false,
      secure: () => false,
    };
    const { req, res } = fakeExchange();
    const linked = new ConsoleSessions({ ...options, tracingUrl: 'https://jaeger.example/trace/{traceId}' });
    expect((await linked.start(req, res, caller, { accessToken: 'a' })).tracingUrl).toBe(
      'https://jaeger.example/trace/{traceId}',
    );
    expect(
      await new ConsoleSessions(options).start(req, res, caller, { accessToken: 'a' }),
    ).not.toHaveProperty('tracingUrl');
  });

  it('refuses tokens too large for a cookie a browser keeps, saying why, instead of a cookie it drops', async () => {
    const sessions = new ConsoleSessions({
      mode: 'oidc',
      key: randomSealKey(),
      authenticator: { authenticate: async () => ({ ok: true, caller }) },
      isAdmin: () => false,
      secure: () => false,
    });
    const { req, res, setCookies } = fakeExchange();
    await expect(
      sessions.start(req, res, caller, { accessToken: 'a'.repeat(2500), refreshToken: 'r'.repeat(1500) }),
    ).rejects.toThrow(SessionTooLargeError);
    expect(setCookies).toEqual([]);
    await sessions.start(req, res, caller, { accessToken: 'a'.repeat(1500), refreshToken: 'r'.repeat(500) });
    expect(setCookies).toHaveLength(1);
    expect(setCookies[0]?.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    expect(setCookies[0]?.length).toBeLessThanOrEqual(MAX_COOKIE_BYTES);
  });

  it('refreshes an expired access token once for the requests that arrive with it together', async () => {
    let refreshes = 0;
    const sessions = new ConsoleSessions({
      mode: 'oidc',
      key: randomSealKey(),
      authenticator: {
        authenticate: async (header) =>
          header === 'Bearer new'
            ? { ok: true, caller }
            : { ok: false, code: 'invalid_token', message: 'expired' },
      },
      isAdmin: () => false,
      secure: () => false,
      refresh: async () => {
        refreshes++;
        await new Promise((resolve) => setImmediate(resolve));
        return { accessToken: 'new', refreshToken: 'rotated' };
      },
    });
    const first = fakeExchange();
    await sessions.start(first.req, first.res, caller, { accessToken: 'old', refreshToken: 'r1' });
    const cookie = first.setCookies[0]?.split(';')[0] ?? '';
    const requests = [fakeExchange(cookie), fakeExchange(cookie), fakeExchange(cookie)];
    const answers = await Promise.all(requests.map(({ req, res }) => sessions.authenticate(req, res)));
    expect(answers.map((a) => a?.ok)).toEqual([true, true, true]);
    expect(refreshes).toBe(1);
  });

  it('shows the session in the tenant the request names in X-Raku-Tenant, and no tenancy without tenants', async () => {
    const asked: (string | undefined)[] = [];
    const options = {
      mode: 'oidc' as const,
      key: randomSealKey(),
      authenticator: { authenticate: async () => ({ ok: true as const, caller }) },
      isAdmin: () => false,
      secure: () => false,
    };
    const sessions = new ConsoleSessions({
      ...options,
      tenancy: (_who, requested) => {
        asked.push(requested);
        return {
          ...(requested ? { tenant: requested } : {}),
          memberOf: ['payments', 'support'],
          allTenants: false,
          reads: ['payments', 'support'],
          administers: [],
        };
      },
    });
    const first = fakeExchange();
    expect(
      (await sessions.start(first.req, first.res, caller, { accessToken: 'a' })).tenancy,
    ).not.toHaveProperty('tenant');
    const cookie = first.setCookies[0]?.split(';')[0] ?? '';
    const named = fakeExchange(cookie);
    named.req.headers['x-raku-tenant'] = 'support';
    const auth = await sessions.authenticate(named.req, named.res);
    expect(auth?.ok && auth.view.tenancy?.tenant).toBe('support');
    expect(asked).toEqual([undefined, 'support']);
    expect(
      await new ConsoleSessions(options).start(first.req, first.res, caller, { accessToken: 'a' }),
    ).not.toHaveProperty('tenancy');
  });
});
