/**
 * The HTTP front of both roles, on bare node:http so the /mcp hot path pays for no framework: CORS
 * preflights (answered before anything else, authentication included), /mcp, the probes, /metrics and
 * well-known documents are matched here; anything else goes to the optional `fallback` (the Express admin
 * API in the gateway role) or gets 404. Every error this layer writes outside /mcp has the documented shape
 * `{ "error": { "code", "message" } }` (/mcp answers JSON-RPC errors, as the MCP transport specifies).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localhostHostValidation } from '@modelcontextprotocol/node';
import { localhostAllowedOrigins, validateOriginHeader } from '@modelcontextprotocol/server';
import { UserError } from '@raku/config';
import { type CorsPolicy, isPreflight, preflightHeaders, setCorsHeaders } from './cors.ts';
import { fallbackRoute, observeHttp } from './http-metrics.ts';
import type { RuntimeMetrics } from './metrics.ts';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Readiness {
  ready: boolean;
  /** Why not ready, or what is ready; shown in the /readyz body. */
  detail: Record<string, unknown>;
}

export interface HttpServerOptions {
  /** Serves POST/GET/DELETE /mcp (authentication included, in the gateway role). */
  mcp: RequestHandler;
  readiness: () => Readiness | Promise<Readiness>;
  /** Served on /metrics; every request is counted in its HTTP metrics. */
  metrics: Pick<RuntimeMetrics, 'registry' | 'httpRequests' | 'httpDuration'>;
  /** Extra GET documents by exact path ('/.well-known/oauth-protected-resource'), built per request. */
  documents?: Record<string, (req: IncomingMessage) => unknown>;
  /** Everything else (admin API). */
  fallback?: RequestHandler;
  /**
   * Apply the SDK's Host and Origin guards (DNS-rebinding protection). On by default when bound to a loopback
   * address; in a cluster the Host is the Service name, so the guards are off there.
   */
  localhostGuards?: boolean;
  /**
   * Origins browsers may call from (CORS). Default none: preflights are refused with 403, and /mcp refuses
   * a request whose Origin is neither allowed here nor (with the localhost guards) a localhost origin, as
   * the MCP transport requires.
   */
  cors?: CorsPolicy;
  /** Told about failures that became a 500 answer (client mistakes are not reported here). */
  onerror?: (error: Error) => void;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** The documented error body of the HTTP surface: `{ "error": { "code", "message" } }`. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) {
  sendJson(res, status, { error: { code, message } }, headers);
}

function sendJsonRpcError(res: ServerResponse, status: number, message: string) {
  sendJson(res, status, { jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

export function createHttpServer(options: HttpServerOptions): http.Server {
  const validateHost = localhostHostValidation();
  const localOrigins = localhostAllowedOrigins();
  const cors = options.cors;
  const fail = (res: ServerResponse, err: unknown) => {
    options.onerror?.(err instanceof Error ? err : new Error(String(err)));
    if (!res.headersSent) sendError(res, 500, 'internal', 'internal error');
    else res.destroy();
  };
  /**
   * May a browser page of this origin call this server? On /mcp (the MCP transport: a present, invalid Origin
   * gets 403) always checked; on other paths when bound to loopback.
   */
  const mcpOriginAllowed = (origin: string) =>
    cors?.allows(origin) === true ||
    (options.localhostGuards === true && validateOriginHeader(origin, localOrigins).ok);
  const registry = options.metrics.registry;
  const ownPaths = new Set([
    '/mcp',
    '/healthz',
    '/readyz',
    '/metrics',
    ...Object.keys(options.documents ?? {}),
  ]);
  return http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    observeHttp(options.metrics, req, res, ownPaths.has(path) ? () => path : fallbackRoute);
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const allowed = cors?.allows(origin) === true;
      if (isPreflight(req)) {
        req.resume();
        if (allowed) {
          res.writeHead(204, preflightHeaders(origin));
          res.end();
        } else {
          sendError(
            res,
            403,
            'origin_not_allowed',
            `origin ${origin} may not call this server (allowed origins: gateway.cors.allowedOrigins of the zone, or RAKU_CORS_ORIGINS)`,
          );
        }
        return;
      }
      if (allowed) setCorsHeaders(res, origin);
    }
    // Bound to loopback, every path is guarded, not only /mcp: the admin API and the console act for the local
    // developer (with RAKU_AUTH=none, for anyone who reaches them), so a page a DNS-rebinding attack points at
    // 127.0.0.1 (a foreign Host) or any other site's page (a foreign Origin) gets nothing.
    if (options.localhostGuards && !validateHost(req, res)) return;
    if (path === '/mcp') {
      if (origin !== undefined && !mcpOriginAllowed(origin)) {
        req.resume();
        sendJsonRpcError(res, 403, `Invalid Origin: ${origin} is not an allowed origin`);
        return;
      }
      Promise.resolve(options.mcp(req, res)).catch((err: unknown) => fail(res, err));
      return;
    }
    if (origin !== undefined && options.localhostGuards && !mcpOriginAllowed(origin)) {
      req.resume();
      sendError(res, 403, 'origin_not_allowed', `origin ${origin} may not call this server`);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      switch (path) {
        case '/healthz':
          sendJson(res, 200, { status: 'ok' });
          return;
        case '/readyz':
          Promise.resolve(options.readiness())
            .then((r) =>
              sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r.detail }),
            )
            .catch((err: unknown) => fail(res, err));
          return;
        case '/metrics':
          registry
            .metrics()
            .then((text) => {
              res.writeHead(200, { 'content-type': registry.contentType });
              res.end(text);
            })
            .catch((err: unknown) => fail(res, err));
          return;
      }
      const doc = options.documents?.[path];
      if (doc) {
        sendJson(res, 200, doc(req));
        return;
      }
    }
    if (options.fallback) {
      Promise.resolve(options.fallback(req, res)).catch((err: unknown) => fail(res, err));
      return;
    }
    req.resume();
    sendError(res, 404, 'not_found', `no route for ${req.method} ${path}`);
  });
}

/**
 * Listens and resolves with the bound address (port 0 picks a free port). A failure the operator's
 * environment causes (the port is taken, needs privileges, HOST is not an address here) is a UserError that
 * says which variable to change; anything else is rethrown as it is.
 */
export async function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(err, port, host) ?? err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** The UserError for a listen failure caused by the environment, or undefined for anything else. */
export function listenError(err: NodeJS.ErrnoException, port: number, host: string): UserError | undefined {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new UserError(
        `port ${port} is in use (${where}): stop the process holding it, or set PORT to a free port (PORT=0 picks one)`,
        { cause: err },
      );
    case 'EACCES':
    case 'EPERM':
      return new UserError(
        `no permission to listen on ${where}${port < 1024 ? ' (ports below 1024 need privileges)' : ''}: set PORT to a port above 1023`,
        { cause: err },
      );
    case 'EADDRNOTAVAIL':
      return new UserError(
        `HOST=${host} is not an address of this machine: set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all)`,
        { cause: err },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new UserError(`HOST=${host} does not resolve: set HOST to an address of this machine`, {
        cause: err,
      });
    default:
      return undefined;
  }
}

/** Stops accepting, lets in-flight requests finish, then drops idle keep-alive sockets. */
export async function closeServer(server: http.Server, graceMs = 5000): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), graceMs).unref();
  });
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}
