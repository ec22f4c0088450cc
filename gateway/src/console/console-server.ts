/**
 * The console's side of the gateway, as one Express router mounted before the admin API: the session
 * endpoints (GET/POST/DELETE /v1/session), sign-in (local mode: one-time login tokens from the banner;
 * gateway role: OIDC at /console/login and /console/callback) and the built assets under /console/.
 * `sessions.authenticate(req)` is what the gateway's `authorize` asks when a request carries no bearer token.
 */
import type { IncomingMessage } from 'node:http';
import type { BundleTenant } from '@raku/render';
import express, { type Request, type Response } from 'express';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Caller } from '../auth/caller.ts';
import { isOwnOrigin } from './csrf.ts';
import { LoginTokens } from './login-tokens.ts';
import { LoginError, type OidcClientSettings, OidcLogin } from './oidc-login.ts';
import type { SealKey } from './sealed-cookie.ts';
import { type ConsoleMode, ConsoleSessions, SessionTooLargeError } from './session.ts';
import { sessionTenancy } from './session-tenancy.ts';
import { consoleBuilt, consoleStatic, securityHeaders } from './static.ts';

export const LOGIN_PATH = '/console/login';
export const CALLBACK_PATH = '/console/callback';

export interface ConsoleSettings {
  /** The built console (CONSOLE_DIST of @raku/console). */
  dist: string;
  /** Seals the cookies (RAKU_CONSOLE_SESSION_KEY, else random per process). */
  key: SealKey;
  mode: ConsoleMode;
  /** Local mode: who a session is. */
  localCaller?: Caller;
  /** Gateway role: the OIDC client; undefined when none is configured (sign-in then says how to set it). */
  oidc?: OidcClientSettings;
  /** RAKU_CONSOLE_URL: where browsers reach the gateway (redirect URI, Secure cookies, origin check). */
  publicUrl?: string;
  /** RAKU_TRACING_URL: the tracing backend's trace link (`{traceId}`), which trace views link to. */
  tracingUrl?: string;
}

export interface ConsoleServer {
  readonly mode: ConsoleMode;
  readonly sessions: ConsoleSessions;
  readonly router: express.Router;
  /** Local mode: a new one-time login token for the banner's link. */
  issueLoginToken(): string;
  /** True when the assets are built (else /console/ answers 503 saying how to build them). */
  built(): boolean;
}

export function createConsole(
  settings: ConsoleSettings,
  deps: {
    authenticator: Authenticator;
    isAdmin: (caller: Caller) => boolean;
    /** The tenants of the bundle in use (it may be reloaded); absent or empty: a gateway without tenants. */
    tenants?: () => readonly BundleTenant[];
    log?: (m: string) => void;
  },
): ConsoleServer {
  const publicUrl = settings.publicUrl?.replace(/\/+$/, '');
  const secure = (req: IncomingMessage) =>
    publicUrl ? publicUrl.startsWith('https:') : (req.socket as { encrypted?: boolean }).encrypted === true;
  const base = (req: IncomingMessage) =>
    publicUrl ?? `${secure(req) ? 'https' : 'http'}://${req.headers.host ?? '127.0.0.1'}`;
  const oidc = settings.oidc ? new OidcLogin(settings.oidc, settings.key) : undefined;
  const tokens = new LoginTokens();
  const sessions = new ConsoleSessions({
    mode: settings.mode,
    key: settings.key,
    ...(settings.localCaller ? { localCaller: settings.localCaller } : {}),
    authenticator: deps.authenticator,
    isAdmin: deps.isAdmin,
    tenancy: (caller, requested) =>
      sessionTenancy(caller, deps.tenants?.() ?? [], deps.isAdmin(caller), requested),
    ...(oidc ? { refresh: (token: string) => oidc.refresh(token) } : {}),
    secure,
    ...(publicUrl ? { publicUrl } : {}),
    ...(settings.tracingUrl ? { tracingUrl: settings.tracingUrl } : {}),
    ...(deps.log ? { log: deps.log } : {}),
  });

  const router = express.Router();
  // Resolve the cookie session once, with the response at hand, so a refreshed token is written back; a
  // cookie request failing the CSRF or origin check ends here, whatever route it was for.
  router.use((req, res, next) => {
    if (req.headers.authorization !== undefined) return next();
    // Signing in with a one-time link proves itself (the token) and checks its origin; an old session cookie
    // in the same browser, sent without its CSRF header, must not refuse it.
    if (req.method === 'POST' && req.path === '/v1/session') return next();
    sessions.authenticate(req, res).then((auth) => {
      if (auth && !auth.ok && auth.code === 'csrf') {
        res.status(403).json({ error: { code: auth.code, message: auth.message } });
        return;
      }
      next();
    }, next);
  });

  const unauthorized = (res: Response, status: number, code: string, message: string) =>
    res.status(status).json({ error: { code, message }, login: LOGIN_PATH, mode: settings.mode });

  router.get('/v1/session', async (req, res) => {
    const auth = await sessions.authenticate(req, res);
    if (!auth) {
      unauthorized(res, 401, 'unauthorized', 'no console session: sign in');
      return;
    }
    if (!auth.ok) {
      unauthorized(res, auth.status, auth.code, auth.message);
      return;
    }
    res.set('cache-control', 'no-store').json(auth.view);
  });

  router.post('/v1/session', express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !isOwnOrigin(origin, req, publicUrl)) {
      unauthorized(res, 403, 'csrf', `origin ${origin} is not this gateway's`);
      return;
    }
    if (settings.mode !== 'local' || !settings.localCaller) {
      res.status(400).json({
        error: { code: 'bad_request', message: `this gateway signs in with OIDC: open ${LOGIN_PATH}` },
      });
      return;
    }
    const token = (req.body as { loginToken?: unknown } | undefined)?.loginToken;
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) {
      res.status(400).json({
        error: { code: 'bad_request', message: 'body must be { "loginToken": "<token from the link>" }' },
      });
      return;
    }
    if (!tokens.redeem(token)) {
      unauthorized(
        res,
        401,
        'invalid_login_token',
        'this login link was used already or has expired (15 minutes): restart npm start for a new one',
      );
      return;
    }
    res.set('cache-control', 'no-store').json(await sessions.start(req, res, settings.localCaller));
  });

  router.delete('/v1/session', async (req, res) => {
    const auth = await sessions.authenticate(req, res);
    if (auth && !auth.ok && auth.status === 403) {
      unauthorized(res, 403, auth.code, auth.message);
      return;
    }
    sessions.end(req, res, auth?.ok ? auth.view : undefined);
    res.status(204).end();
  });

  router.get(LOGIN_PATH, securityHeaders, async (req, res) => {
    if (settings.mode === 'local') {
      res
        .type('text/plain')
        .send(
          'Local mode: open the one-time link `npm start` printed (Console  http://…/console/#login=…); restart it for a new one.\n',
        );
      return;
    }
    if (!oidc) {
      res
        .status(503)
        .type('text/plain')
        .send(
          'Console sign-in is not configured: set RAKU_CONSOLE_OIDC_CLIENT_ID (and RAKU_CONSOLE_OIDC_CLIENT_SECRET for a confidential client), see docs/gateway.md.\n',
        );
      return;
    }
    try {
      await oidc.start(res, `${base(req)}${CALLBACK_PATH}`, secure(req));
    } catch (err) {
      loginFailed(res, err);
    }
  });

  router.get(CALLBACK_PATH, securityHeaders, async (req, res) => {
    if (!oidc) {
      res.status(404).type('text/plain').send('no OIDC sign-in here\n');
      return;
    }
    const error = req.query['error'];
    if (typeof error === 'string') {
      const description = req.query['error_description'];
      res
        .status(401)
        .type('text/plain')
        .send(
          `The issuer refused the sign-in: ${error}${typeof description === 'string' ? ` (${description})` : ''}\n`,
        );
      return;
    }
    try {
      const got = await oidc.finish(req, res, new URL(`${base(req)}${req.originalUrl}`), secure(req));
      const auth = await deps.authenticator.authenticate(`Bearer ${got.accessToken}`);
      if (!auth.ok) throw new LoginError(`the gateway does not accept the access token: ${auth.message}`);
      try {
        await sessions.start(req, res, auth.caller, got);
      } catch (err) {
        if (err instanceof SessionTooLargeError) throw new LoginError(err.message);
        throw err;
      }
      res.set('cache-control', 'no-store').redirect(302, '/console/');
    } catch (err) {
      loginFailed(res, err);
    }
  });

  router.use(consoleStatic(settings.dist));

  function loginFailed(res: Response, err: unknown) {
    if (!(err instanceof LoginError)) throw err;
    res.status(401).type('text/plain').send(`Sign-in failed: ${err.message}. Start again at ${LOGIN_PATH}\n`);
  }

  return {
    mode: settings.mode,
    sessions,
    router,
    issueLoginToken: () => tokens.issue(),
    built: () => consoleBuilt(settings.dist),
  };
}
