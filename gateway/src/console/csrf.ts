/**
 * CSRF and origin checks for requests authenticated by the console's session cookie (bearer requests need
 * neither: a browser never attaches a bearer token by itself). A state-changing request (anything but GET,
 * HEAD, OPTIONS) must carry `X-Raku-CSRF` equal to the session's token, and any request that names an Origin
 * must come from the gateway's own origin. Pure: returns `{ ok }` or the 403 to answer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CSRF_HEADER = 'x-raku-csrf';

export type CsrfCheck = { ok: true } | { ok: false; status: 403; code: 'csrf'; message: string };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const sameSecret = (a: string, b: string) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * Is `origin` this gateway's? With a configured public URL (RAKU_CONSOLE_URL) it must be that URL's origin;
 * otherwise its host must be the Host the request was sent to (behind a TLS-terminating proxy the scheme the
 * browser used is not visible here, the host is).
 */
export function isOwnOrigin(origin: string, req: IncomingMessage, publicUrl: string | undefined): boolean {
  if (publicUrl) return origin === new URL(publicUrl).origin;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function checkCsrf(req: IncomingMessage, csrfToken: string, publicUrl?: string): CsrfCheck {
  const from = req.headers.origin;
  if (from !== undefined && !isOwnOrigin(from, req, publicUrl)) {
    return {
      ok: false,
      status: 403,
      code: 'csrf',
      message: `origin ${from} is not this gateway's: the console's session cookie is only accepted from the console itself`,
    };
  }
  if (SAFE_METHODS.has(req.method ?? 'GET')) return { ok: true };
  const given = req.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !sameSecret(given, csrfToken)) {
    return {
      ok: false,
      status: 403,
      code: 'csrf',
      message: `${req.method} with the console's session cookie needs the header X-Raku-CSRF set to the csrfToken of GET /v1/session`,
    };
  }
  return { ok: true };
}
