/**
 * Console sessions: the sealed `raku_session` cookie (HttpOnly, SameSite=Strict, Path=/, Secure over https)
 * and what it stands for. In local mode a session is the local caller; in the gateway role it holds the
 * OIDC access token (and refresh token), which is checked by the gateway's own authenticator on every request,
 * exactly as a bearer token, so the console has the rights the admin API gives that subject; an expired access
 * token is renewed with the refresh token when there is one (the renewed cookie is written on that response).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Caller } from '../auth/caller.ts';
import { TENANT_HEADER } from '../tenancy/membership.ts';
import { checkCsrf } from './csrf.ts';
import { cookieHeader, readCookie, type SealKey, seal, unseal } from './sealed-cookie.ts';
import type { SessionTenancy } from './session-tenancy.ts';

export const SESSION_COOKIE = 'raku_session';
const PURPOSE = 'raku-console-session';
/** How long a session lasts (the OIDC access token inside may expire sooner and be refreshed). */
export const SESSION_TTL_SECONDS = 8 * 3600;
/** How long a refresh's answer is shared with requests that carried the same refresh token. */
const REFRESH_SHARED_MS = 10_000;
/** The largest Set-Cookie value browsers keep (RFC 6265 §6.1's minimum, what they implement). */
export const MAX_COOKIE_BYTES = 4096;

/** The tokens do not fit in a cookie a browser would keep. */
export class SessionTooLargeError extends Error {}

export type ConsoleMode = 'local' | 'oidc';

/** GET /v1/session's body (also POST's). */
export interface SessionView {
  subject: string;
  admin: boolean;
  csrfToken: string;
  mode: ConsoleMode;
  expiresAt: string;
  /** RAKU_TRACING_URL: a trace's link in the tracing backend, `{traceId}` standing for its W3C trace id. */
  tracingUrl?: string;
  /** The caller's tenants and scopes (./session-tenancy.ts); absent when the gateway has no tenants. */
  tenancy?: SessionTenancy;
}

/** What a session holds, sealed in the cookie. */
interface SessionState {
  mode: ConsoleMode;
  csrf: string;
  /** Unix seconds. */
  exp: number;
  accessToken?: string;
  refreshToken?: string;
}

/** The tokens an OIDC login or refresh yields. */
export interface OidcTokens {
  accessToken: string;
  refreshToken?: string;
}

export type CookieAuth =
  | { ok: true; caller: Caller; view: SessionView }
  | { ok: false; status: 401 | 403; code: string; message: string };

export interface ConsoleSessionsOptions {
  mode: ConsoleMode;
  key: SealKey;
  /** Local mode: who every session is. */
  localCaller?: Caller;
  /** Checks an access token as a bearer token (the gateway's authenticator). */
  authenticator: Authenticator;
  isAdmin: (caller: Caller) => boolean;
  /**
   * The caller's tenancy for the session's view, given the X-Raku-Tenant header of the request (the console
   * sends its chosen tenant on every call); undefined when the gateway has no tenants. Absent: no tenancy.
   */
  tenancy?: (caller: Caller, requested: string | undefined) => SessionTenancy | undefined;
  /** OIDC: new tokens for a refresh token, or undefined when the issuer refuses. */
  refresh?: (refreshToken: string) => Promise<OidcTokens | undefined>;
  /** Whether cookies get `Secure` (the console is reached over https). */
  secure: (req: IncomingMessage) => boolean;
  /** RAKU_CONSOLE_URL, the console's public URL, for the origin check (else the request's Host). */
  publicUrl?: string;
  /** RAKU_TRACING_URL, shown to the console in the session (SessionView.tracingUrl). */
  tracingUrl?: string;
  /** Told about refresh failures (an issuer that is down looks like an expired session otherwise). */
  log?: (message: string) => void;
}

export class ConsoleSessions {
  private readonly resolved = new WeakMap<IncomingMessage, Promise<CookieAuth | undefined>>();
  /**
   * Sessions signed out through this process, by their CSRF token's digest, until they would have expired: a
   * copy of the cookie kept elsewhere stops working here at once (other replicas accept it until it expires).
   */
  private readonly revoked = new Map<string, number>();
  private readonly refreshing = new Map<string, Promise<OidcTokens | undefined>>();

  constructor(private readonly options: ConsoleSessionsOptions) {}

  /** Starts a session: sets the cookie on `res` and returns its view. */
  async start(
    req: IncomingMessage,
    res: ServerResponse,
    caller: Caller,
    tokens?: OidcTokens,
  ): Promise<SessionView> {
    const state: SessionState = {
      mode: this.options.mode,
      csrf: randomBytes(32).toString('base64url'),
      exp: Math.floor(Date.now() / 1000) + SESSION_TTL_SECONDS,
      ...(tokens ? { accessToken: tokens.accessToken } : {}),
      ...(tokens?.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
    };
    await this.write(req, res, state);
    return this.view(req, caller, state);
  }

  /** Deletes the cookie and, given the session it held, refuses that session from now on. */
  end(req: IncomingMessage, res: ServerResponse, session?: SessionView): void {
    if (session) {
      const now = Date.now();
      for (const [id, until] of this.revoked) if (until <= now) this.revoked.delete(id);
      this.revoked.set(sessionId(session.csrfToken), Date.parse(session.expiresAt));
    }
    res.appendHeader('set-cookie', this.cookie(req, '', 0));
  }

  /**
   * The request's session: undefined when it sends no session cookie; else the caller, or why not (401 for a
   * session that is invalid or over, 403 `csrf` for a state-changing request without the CSRF header or from
   * another origin). Resolved once per request; pass `res` so a refreshed token is written back.
   */
  authenticate(req: IncomingMessage, res?: ServerResponse): Promise<CookieAuth | undefined> {
    let result = this.resolved.get(req);
    if (!result) {
      result = this.resolve(req, res);
      this.resolved.set(req, result);
    }
    return result;
  }

  private async resolve(req: IncomingMessage, res?: ServerResponse): Promise<CookieAuth | undefined> {
    const sealed = readCookie(req, SESSION_COOKIE);
    if (!sealed) return undefined;
    const state = await this.read(sealed);
    if (!state) return expired('the console session is invalid or over: sign in again');
    if (this.revoked.has(sessionId(state.csrf)))
      return expired('this console session was signed out: sign in again');
    // CSRF and origin first: a request refused anyway must not make the gateway refresh tokens at the issuer.
    const csrf = checkCsrf(req, state.csrf, this.options.publicUrl);
    if (!csrf.ok) return csrf;
    const caller = await this.callerOf(req, res, state);
    if (!caller.ok) return caller;
    return { ok: true, caller: caller.caller, view: this.view(req, caller.caller, state) };
  }

  private async callerOf(
    req: IncomingMessage,
    res: ServerResponse | undefined,
    state: SessionState,
  ): Promise<{ ok: true; caller: Caller } | Extract<CookieAuth, { ok: false }>> {
    if (state.mode === 'local') {
      const caller = this.options.localCaller;
      return caller ? { ok: true, caller } : expired('this gateway has no local sessions: sign in again');
    }
    if (!state.accessToken) return expired('the console session holds no access token: sign in again');
    const auth = await this.options.authenticator.authenticate(`Bearer ${state.accessToken}`);
    if (auth.ok) return auth;
    if (!state.refreshToken || !this.options.refresh) {
      return expired(`the console session's access token is not accepted (${auth.message}): sign in again`);
    }
    const renewed = await this.refreshOnce(state.refreshToken);
    if (!renewed) return expired('the console session has expired and could not be renewed: sign in again');
    const again = await this.options.authenticator.authenticate(`Bearer ${renewed.accessToken}`);
    if (!again.ok) {
      return expired(`the renewed access token is not accepted (${again.message}): sign in again`);
    }
    state.accessToken = renewed.accessToken;
    if (renewed.refreshToken) state.refreshToken = renewed.refreshToken;
    if (res && !res.headersSent) await this.write(req, res, state);
    return again;
  }

  /**
   * One refresh per refresh token at a time: the console's first view sends several requests at once with the
   * same expired session, and issuers that rotate refresh tokens refuse (or revoke the grant on) a second use.
   * The answer is shared by the requests in flight and for a few seconds after.
   */
  private refreshOnce(refreshToken: string): Promise<OidcTokens | undefined> {
    const refresh = this.options.refresh;
    if (!refresh) return Promise.resolve(undefined);
    const key = createHash('sha256').update(refreshToken).digest('base64url');
    let pending = this.refreshing.get(key);
    if (!pending) {
      pending = refresh(refreshToken).catch((err: unknown) => {
        this.options.log?.(`console: refreshing an access token failed: ${(err as Error).message}`);
        return undefined;
      });
      this.refreshing.set(key, pending);
      void pending.finally(() => setTimeout(() => this.refreshing.delete(key), REFRESH_SHARED_MS).unref());
    }
    return pending;
  }

  private view(req: IncomingMessage, caller: Caller, state: SessionState): SessionView {
    const header = req.headers[TENANT_HEADER];
    const tenancy = this.options.tenancy?.(caller, typeof header === 'string' ? header : undefined);
    return {
      subject: caller.subject,
      admin: this.options.isAdmin(caller),
      csrfToken: state.csrf,
      mode: state.mode,
      expiresAt: new Date(state.exp * 1000).toISOString(),
      ...(this.options.tracingUrl ? { tracingUrl: this.options.tracingUrl } : {}),
      ...(tenancy ? { tenancy } : {}),
    };
  }

  private async read(sealed: string): Promise<SessionState | undefined> {
    const payload = await unseal(sealed, this.options.key, PURPOSE);
    const s = payload?.['s'] as Partial<SessionState> | undefined;
    if (!payload?.exp || !s || s.mode !== this.options.mode || typeof s.csrf !== 'string') return undefined;
    return { ...(s as SessionState), exp: payload.exp };
  }

  private async write(req: IncomingMessage, res: ServerResponse, state: SessionState): Promise<void> {
    const seconds = state.exp - Math.floor(Date.now() / 1000);
    const { exp: _exp, ...rest } = state;
    const value = await seal({ s: rest }, this.options.key, PURPOSE, seconds);
    const header = this.cookie(req, value, seconds);
    // Browsers drop a cookie over 4096 bytes without a word, and the sign-in would loop back to itself.
    if (header.length > MAX_COOKIE_BYTES) {
      throw new SessionTooLargeError(
        `the session cookie would be ${header.length} bytes, over the ${MAX_COOKIE_BYTES} browsers keep: the issuer's tokens are too large (ask for fewer claims or scopes, e.g. no group list in the access token)`,
      );
    }
    res.appendHeader('set-cookie', header);
  }

  private cookie(req: IncomingMessage, value: string, maxAge: number): string {
    return cookieHeader(SESSION_COOKIE, value, {
      maxAge,
      secure: this.options.secure(req),
      sameSite: 'Strict',
      path: '/',
    });
  }
}

const sessionId = (csrf: string) => createHash('sha256').update(csrf).digest('base64url');

function expired(message: string): Extract<CookieAuth, { ok: false }> {
  return { ok: false, status: 401, code: 'unauthorized', message };
}
