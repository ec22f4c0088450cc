/**
 * HTTP server metrics of both roles: raku_http_requests_total{method,route,status} and
 * raku_http_request_duration_seconds{method,route}, counted when the response closes. The route label is a
 * template, never the raw path (a path carries ids and whatever a scanner sends: unbounded series): the
 * paths the HTTP front matches itself, else the Express route that answered (`/v1/traces/:id`), else the
 * router mount that did (`/console/*`), else `(unmatched)`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RuntimeMetrics } from './metrics.ts';

/** Methods counted under their own name; anything else is `OTHER` (the method is client input too). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** What Express leaves on the request it routed (duck-typed: the HTTP front does not import Express). */
interface Routed {
  baseUrl?: unknown;
  route?: { path?: unknown };
}

/** The route template of a request the front did not match itself. */
export function fallbackRoute(req: IncomingMessage): string {
  const { baseUrl, route } = req as IncomingMessage & Routed;
  const base = typeof baseUrl === 'string' ? baseUrl : '';
  if (typeof route?.path === 'string') return `${base}${route.path}`;
  return base ? `${base}/*` : '(unmatched)';
}

/**
 * Counts `req` once its response closes. `route(req)` names the template then (Express has routed it by
 * that time). A response closed before its head was written (the client went away) counts as status 499.
 */
export function observeHttp(
  metrics: Pick<RuntimeMetrics, 'httpRequests' | 'httpDuration'>,
  req: IncomingMessage,
  res: ServerResponse,
  route: (req: IncomingMessage) => string,
): void {
  const started = performance.now();
  res.once('close', () => {
    const method = METHODS.has(req.method ?? '') ? (req.method as string) : 'OTHER';
    const template = route(req);
    metrics.httpRequests.inc({ method, route: template, status: res.headersSent ? res.statusCode : 499 });
    metrics.httpDuration.observe({ method, route: template }, (performance.now() - started) / 1000);
  });
}
