/**
 * The HTTP front of both roles, on bare node:http so the /mcp hot path pays for no framework: /mcp, the
 * probes, /metrics and well-known documents are matched here; anything else goes to the optional
 * `fallback` (the Express admin API in the gateway role) or gets 404.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localhostHostValidation, localhostOriginValidation } from '@modelcontextprotocol/node';
import type { Registry } from 'prom-client';

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
  metrics: Registry;
  /** Extra GET documents by exact path ('/.well-known/oauth-protected-resource'). */
  documents?: Record<string, () => unknown>;
  /** Everything else (admin API). */
  fallback?: RequestHandler;
  /**
   * Apply the SDK's Host and Origin guards (DNS-rebinding protection). On by default when bound to a loopback
   * address; in a cluster the Host is the Service name, so the guards are off there.
   */
  localhostGuards?: boolean;
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

export function createHttpServer(options: HttpServerOptions): http.Server {
  const validateHost = localhostHostValidation();
  const validateOrigin = localhostOriginValidation();
  const fail = (res: ServerResponse, err: unknown) => {
    options.onerror?.(err instanceof Error ? err : new Error(String(err)));
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    else res.destroy();
  };
  return http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/mcp') {
      if (options.localhostGuards && (!validateHost(req, res) || !validateOrigin(req, res))) return;
      Promise.resolve(options.mcp(req, res)).catch((err: unknown) => fail(res, err));
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
          options.metrics
            .metrics()
            .then((text) => {
              res.writeHead(200, { 'content-type': options.metrics.contentType });
              res.end(text);
            })
            .catch((err: unknown) => fail(res, err));
          return;
      }
      const doc = options.documents?.[path];
      if (doc) {
        sendJson(res, 200, doc());
        return;
      }
    }
    if (options.fallback) {
      Promise.resolve(options.fallback(req, res)).catch((err: unknown) => fail(res, err));
      return;
    }
    sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
  });
}

/** Listens and resolves with the bound address (port 0 picks a free port). */
export async function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
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
