/**
 * CORS for browser MCP clients (and browser tools on the admin API). Off by default: no origin is allowed
 * until the zone lists it (`gateway.cors.allowedOrigins`) or `RAKU_CORS_ORIGINS` does. Preflights are answered
 * here, before authentication, because a browser never sends credentials on a preflight: answering them with
 * 401 (as the gateway did) makes every browser client fail before its first request.
 *
 * No `Access-Control-Allow-Credentials`: callers authenticate with a bearer token in `Authorization`, which a
 * page sends only on purpose, never cookies the browser attaches on its own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UserError } from '@raku/config';

/** Request headers an MCP client sends (both protocol revisions) plus what the admin API reads. */
export const CORS_ALLOW_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'MCP-Protocol-Version',
  'Mcp-Session-Id',
  'Mcp-Method',
  'Mcp-Name',
  'Last-Event-ID',
].join(', ');

/**
 * Response headers a browser client must be able to read: the session id and protocol version of the
 * 2025-11-25 transport, the OAuth challenge of a 401 (RFC 9728 discovery starts from it), a job's Location.
 */
export const CORS_EXPOSE_HEADERS = [
  'Mcp-Session-Id',
  'MCP-Protocol-Version',
  'WWW-Authenticate',
  'Location',
].join(', ');

export const CORS_ALLOW_METHODS = 'GET, POST, PUT, DELETE, OPTIONS';

/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * The serialised origin (`scheme://host[:port]`, as browsers send it in `Origin`) of a configured entry, or
 * undefined when the entry is not an http(s) origin (a path, a query, a wildcard, `null`, credentials).
 */
export function normaliseOrigin(entry: string): string | undefined {
  let url: URL;
  try {
    url = new URL(entry.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== ''))
    return undefined;
  return url.origin;
}

export interface CorsPolicy {
  /** Whether a request's `Origin` is on the allow-list. */
  allows(origin: string): boolean;
  /** The allow-list, serialised (for logs and the banner). */
  readonly origins: readonly string[];
}

/**
 * A policy over configured origins, each serialised as browsers send it (`https://A.example/` allows
 * `https://a.example`). Throws a UserError naming `source` for an entry that is not an http(s) origin.
 */
export function corsPolicy(entries: readonly string[], source = 'gateway.cors.allowedOrigins'): CorsPolicy {
  const set = new Set<string>();
  for (const entry of entries) {
    const origin = normaliseOrigin(entry);
    if (!origin) {
      throw new UserError(
        `${source}: "${entry}" is not an origin; give scheme://host[:port] (e.g. https://inspector.example.com)`,
      );
    }
    set.add(origin);
  }
  return {
    origins: [...set],
    allows: (origin) => set.has(origin) || set.has(normaliseOrigin(origin) ?? ''),
  };
}

/** A CORS preflight: OPTIONS with an Origin and the method the browser wants to send. */
export function isPreflight(req: IncomingMessage): boolean {
  return (
    req.method === 'OPTIONS' &&
    req.headers.origin !== undefined &&
    req.headers['access-control-request-method'] !== undefined
  );
}

/** Headers of the answer to an allowed preflight. */
export function preflightHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': CORS_ALLOW_METHODS,
    'access-control-allow-headers': CORS_ALLOW_HEADERS,
    'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  };
}

/** Sets the headers of an allowed cross-origin request; whatever writes the answer later keeps them. */
export function setCorsHeaders(res: ServerResponse, origin: string): void {
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-expose-headers', CORS_EXPOSE_HEADERS);
  res.setHeader('vary', 'Origin');
}
