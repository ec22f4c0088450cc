/**
 * The gateway role: one MCP endpoint for agents (authenticated, policy applied, routed with fallback,
 * traced), the probes, /metrics, the protected-resource metadata of the MCP authorization spec, and the
 * admin API (an Express router from ../admin, mounted behind the same authentication).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { GatewayBundle } from '../../../generator/src/bundle/types.ts';
import type { CompiledPolicy } from '../../../generator/src/policy/types.ts';
import type { ApiCaller, AuthorizeResult } from '../admin/types.ts';
import type { ApprovalStore } from '../approvals/types.ts';
import { type Authenticator, protectedResourceMetadata, wwwAuthenticate } from '../auth/authenticator.ts';
import { principalsOf } from '../auth/caller.ts';
import type { JobService } from '../jobs/types.ts';
import { createMcpEndpoint } from '../mcp/tool-endpoint.ts';
import type { PackExecutor } from '../pack/pack-executor.ts';
import type { SecretSource } from '../pack/upstream-auth.ts';
import { RouteTable, type RouteTableOptions } from '../routing/route-table.ts';
import type { TraceRetention } from '../traces/trace-retention.ts';
import type { TraceSink } from '../traces/types.ts';
import { GatewayCatalog, isAdmin } from './gateway-catalog.ts';
import {
  closeServer,
  createHttpServer,
  isLoopback,
  listen,
  type Readiness,
  sendJson,
} from './http-server.ts';
import { createMetrics, type RuntimeMetrics, registerRetentionStats, registerTraceStats } from './metrics.ts';
import type { RunningServer } from './pack-server.ts';
import { MemoryRateLimiter, type RateLimiter } from './rate-limiter.ts';

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

export interface GatewayServerOptions {
  bundle: GatewayBundle;
  /** Compiled policy of the bundle's environment; null denies every call. */
  policy: CompiledPolicy | null;
  authenticator: Authenticator;
  /** Issuer named in the protected-resource metadata. */
  issuer?: string;
  /**
   * This gateway's resource identifier (the JWT audience), as agents reach it. Default: the audience of the
   * bundle's auth config, else the local URL.
   */
  resource?: string;
  traces: TraceSink;
  /** The trace retention sweep, exported on /metrics. */
  retention?: Pick<TraceRetention, 'stats'>;
  approvals?: ApprovalStore;
  jobs?: JobService;
  /** Builds the admin router from the runtime's pieces; mounted for every path /mcp and the probes do not take. */
  adminRouter?: (deps: {
    authorize: (req: IncomingMessage) => Promise<AuthorizeResult>;
    routes: () => unknown;
  }) => express.Router;
  /** Principals holding the admin role ('group:raku-admins', 'user:local-dev'). */
  adminSubjects: readonly string[];
  /** Local mode: pack tools run in-process. */
  inProcess?: PackExecutor;
  secrets: SecretSource;
  rateLimiter?: RateLimiter;
  approvalWaitMs?: number;
  /** Tools per tools/list page. Default 100. */
  pageSize?: number;
  /** See McpEndpointOptions.hotPath. Default true. */
  mcpHotPath?: boolean;
  routeOptions?: Pick<RouteTableOptions, 'healthIntervalMs' | 'remoteCheckIntervalMs' | 'breaker'>;
  /** Extra readiness (Postgres reachable). */
  readiness?: () => Promise<Readiness>;
  port: number;
  host?: string;
  metrics?: RuntimeMetrics;
  log?: (message: string) => void;
  onerror?: (error: Error) => void;
}

export interface RunningGateway extends RunningServer {
  catalog: GatewayCatalog;
  routes: RouteTable;
  /** URL of the protected-resource metadata. */
  metadataUrl: string;
  /** Swaps in a new bundle and policy without dropping requests (in-flight calls finish on the old one). */
  reload(bundle: GatewayBundle, policy: CompiledPolicy | null): void;
}

export async function startGateway(options: GatewayServerOptions): Promise<RunningGateway> {
  const host = options.host ?? '127.0.0.1';
  const metrics = options.metrics ?? createMetrics();
  registerTraceStats(metrics, () => options.traces.stats());
  const retention = options.retention;
  if (retention) registerRetentionStats(metrics, () => retention.stats());
  const rateLimiter = options.rateLimiter ?? new MemoryRateLimiter();

  // Everything built from the bundle, swapped as one on reload; in-flight calls finish on the old state.
  const build = (bundle: GatewayBundle, policy: CompiledPolicy | null) => {
    const routes = new RouteTable({
      bundle,
      secrets: options.secrets,
      metrics,
      ...(options.inProcess ? { inProcess: options.inProcess } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...options.routeOptions,
    });
    const catalog = new GatewayCatalog({
      bundle,
      policy,
      routes,
      traces: options.traces,
      metrics,
      rateLimiter,
      ...(options.approvals ? { approvals: options.approvals } : {}),
      ...(options.jobs ? { jobs: options.jobs } : {}),
      ...(options.approvalWaitMs !== undefined ? { approvalWaitMs: options.approvalWaitMs } : {}),
    });
    const endpoint = createMcpEndpoint(catalog, {
      name: `raku-gateway:${bundle.zone}`,
      version: bundle.revision,
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      ...(options.mcpHotPath === false ? { hotPath: false } : {}),
      ...(options.onerror ? { onerror: options.onerror } : {}),
    });
    return { bundle, policy, routes, catalog, endpoint };
  };
  let state = build(options.bundle, options.policy);

  // The resource URL is known once the port is bound; the handlers read it through this holder.
  const where = { metadataUrl: '', resource: options.resource ?? options.bundle.auth.audience ?? '' };

  const challenge = (res: ServerResponse, failure: { code: string; message: string }) =>
    sendJson(
      res,
      401,
      { error: failure.code, error_description: failure.message },
      { 'www-authenticate': wwwAuthenticate(where.metadataUrl, failure) },
    );

  const authorize = async (req: IncomingMessage): Promise<AuthorizeResult> => {
    const auth = await options.authenticator.authenticate(req.headers.authorization);
    if (!auth.ok) {
      return {
        ok: false,
        status: 401,
        message: auth.message,
        headers: { 'www-authenticate': wwwAuthenticate(where.metadataUrl, auth) },
      };
    }
    const caller: ApiCaller = {
      subject: auth.caller.subject,
      subjectKind: auth.caller.kind,
      groups: auth.caller.groups,
      claims: state.catalog.jobCaller(auth.caller).claims,
      principals: principalsOf(auth.caller),
      admin: isAdmin(auth.caller, options.adminSubjects),
    };
    return { ok: true, caller };
  };

  let fallback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  if (options.adminRouter) {
    const app = express();
    app.disable('x-powered-by');
    app.use(options.adminRouter({ authorize, routes: () => state.routes.report() }));
    app.use((req, res) => {
      res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
    });
    fallback = app;
  }

  const server = createHttpServer({
    async mcp(req, res) {
      const auth = await options.authenticator.authenticate(req.headers.authorization);
      if (!auth.ok) {
        req.resume();
        challenge(res, auth);
        return;
      }
      await state.endpoint(req, res, auth.caller);
    },
    async readiness() {
      const extra = options.readiness ? await options.readiness() : { ready: true, detail: {} };
      return {
        ready: extra.ready,
        detail: {
          zone: state.bundle.zone,
          revision: state.bundle.revision,
          policy: state.policy ? 'loaded' : 'missing (every call is denied)',
          ...extra.detail,
        },
      };
    },
    metrics: metrics.registry,
    documents: {
      [METADATA_PATH]: () =>
        protectedResourceMetadata(where.resource, options.issuer ?? options.bundle.auth.issuer),
      [`${METADATA_PATH}/mcp`]: () =>
        protectedResourceMetadata(where.resource, options.issuer ?? options.bundle.auth.issuer),
    },
    ...(fallback ? { fallback } : {}),
    localhostGuards: isLoopback(host),
    ...(options.onerror ? { onerror: options.onerror } : {}),
  });
  const address = await listen(server, options.port, host);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const base = `http://${shownHost}:${address.port}`;
  where.metadataUrl = `${base}${METADATA_PATH}/mcp`;
  where.resource ||= `${base}/mcp`;
  state.routes.start();
  return {
    url: `${base}/mcp`,
    server,
    metrics,
    get catalog() {
      return state.catalog;
    },
    get routes() {
      return state.routes;
    },
    metadataUrl: where.metadataUrl,
    reload(bundle, policy) {
      const next = build(bundle, policy);
      const old = state;
      state = next;
      next.routes.start();
      options.log?.(`loaded bundle revision ${bundle.revision} (was ${old.bundle.revision})`);
      // Calls already routed keep their targets; close the old connections once they are done.
      setTimeout(() => void old.routes.close(), 60_000).unref();
    },
    async close() {
      await closeServer(server);
      await state.routes.close();
      await options.rateLimiter?.close?.();
    },
  };
}
