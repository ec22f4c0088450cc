/**
 * The console's connection to the gateway: one @raku/client instance for the page, sending the session cookie
 * (same-origin credentials) and, on every state-changing call, the session's CSRF token in `X-Raku-CSRF`.
 * A 401 from any call means the session ended: the shell shows the login view.
 *
 * Sessions (GET/POST/DELETE /v1/session) follow the console contract: `{ subject, admin, csrfToken, mode,
 * expiresAt, tenancy? }`, or 401 `{ error, login }` where `login` starts an OIDC sign-in.
 *
 * On a gateway with tenants, a caller in several acts in one at a time: every call (try-it and submitted jobs
 * included) names it in `X-Raku-Tenant`, chosen in the header's switcher and remembered in localStorage.
 */
import { createRakuClient, type RakuClient, type Schema } from '@raku/client';
import { createContext, useContext } from 'react';
import { headerTenant } from './tenancy.ts';

/** The signed-in console session, as GET /v1/session returns it. */
export type Session = Schema<'Session'>;

/** Why the console shows the login view: the gateway's message and where an OIDC sign-in starts. */
export interface SignedOut {
  message: string;
  /** The URL that starts a sign-in (GET /console/login), from the 401 body. */
  login?: string;
  /** How this gateway signs people in (from the 401 body): the login view shows only that way. */
  mode?: 'local' | 'oidc';
}

/** The sign-in fields of a 401 body (`login`, `mode`), when they are what the document says. */
function signInOf(body: unknown): Pick<SignedOut, 'login' | 'mode'> {
  const { login, mode } = (body ?? {}) as { login?: unknown; mode?: unknown };
  return {
    ...(typeof login === 'string' ? { login } : {}),
    ...(mode === 'local' || mode === 'oidc' ? { mode } : {}),
  };
}

/** An API call that failed: its HTTP status and the gateway's `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The ApiError of a failed response, from its body when it is the gateway's error shape. */
export function apiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  const message =
    typeof error?.message === 'string'
      ? error.message
      : `the gateway answered HTTP ${status} without a reason`;
  return new ApiError(status, code, message);
}

/**
 * The data of an openapi-fetch result, or throws its ApiError: `const page = unwrap(await api.GET('/v1/jobs'))`.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    throw apiError(result.response.status, result.error);
  }
  return result.data;
}

/** A readable message of anything thrown by a call (ApiError, a network failure, a bug). */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return `cannot reach the gateway (${error.message})`;
  return error instanceof Error ? error.message : String(error);
}

let csrfToken: string | null = null;
/** The tenant every call names in X-Raku-Tenant (a caller in several tenants), else null. */
let actingTenant: string | null = null;
/** Where the switcher's last choice is kept, so the console opens in it next time. */
const TENANT_KEY = 'raku.console.tenant';
let unauthorized: (signedOut: SignedOut) => void = () => {};

/**
 * The page's client of the gateway (one per page): `unwrap(await api.GET('/v1/jobs'))`. Inside a view,
 * `useApi()` returns the same client.
 */
export const api: RakuClient = createRakuClient({ credentials: 'same-origin' });

api.use({
  onRequest({ request }) {
    if (!SAFE_METHODS.has(request.method) && csrfToken) request.headers.set('x-raku-csrf', csrfToken);
    if (actingTenant) request.headers.set('x-raku-tenant', actingTenant);
    return request;
  },
  async onResponse({ response, schemaPath }) {
    // The session calls handle their own 401 (it is how "not signed in" is said); any other 401 ends the session.
    if (response.status === 401 && schemaPath !== '/v1/session') {
      const body = (await response
        .clone()
        .json()
        .catch(() => undefined)) as unknown;
      // The gateway's reason speaks of bearer tokens (it is the API's); the console's user had a session.
      unauthorized({
        message:
          'your console session has ended (expired, signed out elsewhere, or the gateway restarted): sign in again',
        ...signInOf(body),
      });
    }
    return response;
  },
});

/** The session whose CSRF token state-changing calls carry (null when signed out). Set by the shell. */
export function setApiSession(session: Session | null): void {
  csrfToken = session?.csrfToken ?? null;
  // Signed out: the next person to sign in here starts in a tenant of their own.
  if (!session) actingTenant = null;
}

/** The tenant the console's calls name in X-Raku-Tenant, or null when they name none (the gateway chooses). */
export function tenantHeader(): string | null {
  return actingTenant;
}

/** What runs on any 401 (the session expired or was revoked): the shell shows the login view. */
export function onUnauthorized(handler: (signedOut: SignedOut) => void): void {
  unauthorized = handler;
}

type SessionResult = { ok: true; session: Session } | { ok: false; signedOut: SignedOut };

function sessionResult(result: { data?: Session; error?: unknown; response: Response }): SessionResult {
  if (result.data) return { ok: true, session: result.data };
  return {
    ok: false,
    signedOut: { message: apiError(result.response.status, result.error).message, ...signInOf(result.error) },
  };
}

function storedTenant(): string | null {
  try {
    return window.localStorage.getItem(TENANT_KEY);
  } catch {
    return null;
  }
}

/**
 * The session as seen in the tenant the console acts in: a caller in several tenants gets the one chosen last
 * (or its first), named in X-Raku-Tenant from then on, and the session read again in it.
 */
async function inTenant(result: SessionResult): Promise<SessionResult> {
  if (!result.ok) return result;
  const wanted = headerTenant(result.session.tenancy, storedTenant()) ?? null;
  if (wanted === actingTenant && (wanted === null || result.session.tenancy?.tenant === wanted))
    return result;
  actingTenant = wanted;
  return sessionResult(await api.GET('/v1/session'));
}

/** GET /v1/session: the current session (in the tenant the console acts in), or why there is none. */
export async function readSession(): Promise<SessionResult> {
  return inTenant(sessionResult(await api.GET('/v1/session')));
}

/** POST /v1/session with the one-time token of the banner's link (local mode). */
export async function signInWithToken(loginToken: string): Promise<SessionResult> {
  return inTenant(sessionResult(await api.POST('/v1/session', { body: { loginToken } })));
}

/**
 * Acts in `tenant` from now on (the header's switcher): remembered for the next visit, named on every call, and
 * the session read again in it.
 */
export async function switchTenant(tenant: string): Promise<SessionResult> {
  try {
    window.localStorage.setItem(TENANT_KEY, tenant);
  } catch {
    // A browser refusing storage still switches, for this page.
  }
  actingTenant = tenant;
  return sessionResult(await api.GET('/v1/session'));
}

/** DELETE /v1/session (with the CSRF token, as every state-changing call). */
export async function signOut(): Promise<void> {
  await api.DELETE('/v1/session');
}

export const SessionContext = createContext<Session | null>(null);

/** The typed client of the page (the same as `api`): `const api = useApi(); unwrap(await api.GET('/v1/jobs'))`. */
export function useApi(): RakuClient {
  return api;
}

/** The signed-in session: subject, admin role, mode, tenancy. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession used outside the signed-in console shell (App)');
  return session;
}

/**
 * The one-time login token of a local-mode link (`/console/#login=<token>`), removed from the address bar at
 * once (history.replaceState) so it is neither kept in history nor shown nor sent in a Referer.
 */
export function takeLoginToken(): string | undefined {
  const match = /^#login=([^&]+)/.exec(window.location.hash);
  if (!match?.[1]) return undefined;
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}
