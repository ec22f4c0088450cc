/**
 * The gateway role: one MCP endpoint for agents (authenticated, policy applied, routed with fallback,
 * traced), the probes, /metrics, the protected-resource metadata of the MCP authorization spec, and the
 * admin API (an Express router from ../admin, mounted behind the same authentication).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { PackExecutor, SecretSource } from '@raku/pack-runtime';
import { type CompiledPolicy, toolsVisibleTo } from '@raku/policy';
import type { GatewayBundle } from '@raku/render';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createA2aRouter } from '../a2a/a2a-router.ts';
import type { CardContext } from '../a2a/agent-card.ts';
import { GatewayAgent } from '../a2a/gateway-agent.ts';
import type { ApiCaller, AuthorizeResult } from '../admin/types.ts';
import type { ApprovalStore } from '../approvals/types.ts';
import { type Authenticator, protectedResourceMetadata, wwwAuthenticate } from '../auth/authenticator.ts';
import { type Caller, callerKindOf, principalOf, principalsOf } from '../auth/caller.ts';
import type { ImportSettings } from '../builder/types.ts';
import type { CacheStore } from '../cache/cache-store.ts';
import { MemoryCacheStore } from '../cache/memory-cache-store.ts';
import { type CatalogCaller, type CatalogRuntime, UnknownToolError } from '../catalog/types.ts';
import type { ConfigRepository, PullRequestOpener } from '../config-repo/types.ts';
import { type ConsoleServer, type ConsoleSettings, createConsole } from '../console/console-server.ts';
import type { EventHub } from '../events/event-hub.ts';
import { createRouteEvents } from '../events/route-events.ts';
import type { JobService } from '../jobs/types.ts';
import { createMcpEndpoint, ToolNotFound } from '../mcp/tool-endpoint.ts';
import { RouteTable, type RouteTableOptions } from '../routing/route-table.ts';
import { chooseApiTenant, TENANT_HEADER } from '../tenancy/membership.ts';
import { apiScopes } from '../tenancy/scope.ts';
import type { TraceRetention } from '../traces/trace-retention.ts';
import type { TraceSink } from '../traces/types.ts';
import type { CorsPolicy } from './cors.ts';
import { GatewayCatalog, isAdmin, subjectOf } from './gateway-catalog.ts';
import {
  closeServer,
  createHttpServer,
  isLoopback,
  listen,
  type Readiness,
  sendError,
} from './http-server.ts';
import {
  createMetrics,
  type RuntimeMetrics,
  registerApprovalBacklog,
  registerEventStats,
  registerRetentionStats,
  registerTraceStats,
} from './metrics.ts';
import type { RunningServer } from './pack-server.ts';
import { MemoryRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { TenantQuotaGate } from './tenant-quota.ts';

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

/** How long a console try-it answer waits for its trace to be written (see catalogRuntime.callTool). */

/** A Host header fit to build a URL from (name or address, optional port; nothing else). */
const HOST_HEADER = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export interface GatewayServerOptions {
  bundle: GatewayBundle;
  /** Compiled policy of the bundle's environment; null denies every call. */
  policy: CompiledPolicy | null;
  authenticator: Authenticator;
  /** Issuer named in the protected-resource metadata. Default: the bundle's auth issuer. */
  issuer?: string;
  /**
   * This gateway's resource identifier (the JWT audience), as agents reach it. Default: the audience of the
   * bundle's auth config, else the URL the client used (`http://<Host>/mcp`, RFC 9728 §3.3).
   */
  resource?: string;
  /**
   * Serve the RFC 9728 protected-resource metadata and name it in 401 challenges. Default true; false when
   * nothing authenticates (local mode with RAKU_AUTH=none): there is no authorization to discover.
   */
  protectedResourceMetadata?: boolean;
  /** Origins browsers may call from; see HttpServerOptions.cors. Default none. */
  cors?: CorsPolicy;
  traces: TraceSink;
  /** The trace retention sweep, exported on /metrics. */
  retention?: Pick<TraceRetention, 'stats'>;
  approvals?: ApprovalStore;
  jobs?: JobService;
  /** The live event hub (persistence's): route table changes are published to it, its streams end on close. */
  events?: EventHub;
  /** Builds the admin router from the runtime's pieces; mounted for every path /mcp and the probes do not take. */
  adminRouter?: (deps: {
    authorize: (req: IncomingMessage) => Promise<AuthorizeResult>;
    routes: () => unknown;
    /** The bundle in use (it changes on reload). */
    bundle: () => GatewayBundle;
    configRepository?: ConfigRepository;
    pullRequests?: PullRequestOpener;
    /** The tools of the state in use, for the console's catalog and try-it. */
    catalog: CatalogRuntime;
    imports?: ImportSettings;
  }) => express.Router;
  /** The config repository the console's builder views read and open pull requests on. Default none. */
  configRepository?: ConfigRepository;
  /** Opens the builder views' pull requests (GitHub settings). Default none: the console offers patches. */
  pullRequests?: PullRequestOpener;
  /** The import builder's settings (URL fetch, AI, body limit). Default: no URL fetch, no AI, 32 MiB. */
  imports?: ImportSettings;
  /** Principals holding the admin role ('group:raku-admins', 'user:local-dev'). */
  adminSubjects: readonly string[];
  /** Serve the console under /console/ with its sessions (../console); the admin API then accepts its cookie. */
  console?: ConsoleSettings;
  /** Local mode: pack tools run in-process. */
  inProcess?: PackExecutor;
  secrets: SecretSource;
  rateLimiter?: RateLimiter;
  /**
   * Where answers of tools with `cache` are kept: Redis when REDIS_URL is set (every replica shares it).
   * Default: a MemoryCacheStore of this process (10 000 entries, 64 MiB). Closed with the gateway.
   */
  cache?: CacheStore;
  approvalWaitMs?: number;
  /**
   * How long a try-it answer (POST /v1/tools/{tool}/call) waits for its trace to be written, so the console's
   * trace link works at once. Default 5000: a slow database must not hold the answer longer.
   */
  traceFlushWaitMs?: number;
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
  /** The console, when served (local mode issues its login tokens here). */
  console?: ConsoleServer;
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
  // One quota gate for every state: calls in flight across a reload stay counted against their tenant.
  const quotas = new TenantQuotaGate(rateLimiter);
  const cache: CacheStore = options.cache ?? new MemoryCacheStore();
  const events = options.events;
  if (events) registerEventStats(metrics, () => events.stats());
  const approvals = options.approvals;
  if (approvals) {
    registerApprovalBacklog(
      metrics,
      () => state.bundle.zone,
      () => approvals.countPending(),
      (err) => options.log?.(`approval backlog not counted: ${err.message}`),
    );
  }
  // At most one `routes` event per 2 s, carrying the report of the route table in use when it is sent.
  // GET /v1/routes and the `routes` event: the route table, and the trace sink's queue and drops (the console's
  // health view shows both; /metrics exports the same numbers).
  const routesReport = () => ({ ...(state.routes.report() as object), traces: options.traces.stats() });
  const routeEvents = events ? createRouteEvents(events, routesReport) : undefined;

  // Everything built from the bundle, swapped as one on reload; in-flight calls finish on the old state.
  const build = (bundle: GatewayBundle, policy: CompiledPolicy | null) => {
    const routes = new RouteTable({
      bundle,
      secrets: options.secrets,
      metrics,
      ...(options.inProcess ? { inProcess: options.inProcess } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(routeEvents ? { onChange: () => routeEvents.changed() } : {}),
      ...options.routeOptions,
    });
    const catalog = new GatewayCatalog({
      bundle,
      policy,
      routes,
      traces: options.traces,
      metrics,
      rateLimiter,
      quotas,
      cache,
      orgAdmin: (caller) => isAdmin(caller, options.adminSubjects),
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

  // The bound URL is known once the port is bound; the handlers read it through this holder.
  const where = { base: '', metadataUrl: '' };
  const withMetadata = options.protectedResourceMetadata !== false;
  const configuredResource = options.resource ?? options.bundle.auth.audience;
  const issuer = options.issuer ?? options.bundle.auth.issuer;
  // Without a configured resource the metadata describes the URL the client used: a client must not use
  // metadata whose resource differs from it (RFC 9728 §3.3), and 'localhost' and '127.0.0.1' both reach us.
  const baseFor = (req: { headers: IncomingHttpHeaders }) => {
    const host = req.headers.host;
    return host && HOST_HEADER.test(host) ? `http://${host}` : where.base;
  };
  const resourceFor = (req: IncomingMessage) => configuredResource ?? `${baseFor(req)}/mcp`;
  const metadataUrlFor = (req: IncomingMessage) =>
    withMetadata
      ? configuredResource
        ? where.metadataUrl
        : `${baseFor(req)}${METADATA_PATH}/mcp`
      : undefined;

  const challenge = (req: IncomingMessage, res: ServerResponse, failure: { code: string; message: string }) =>
    sendError(res, 401, failure.code, failure.message, {
      'www-authenticate': wwwAuthenticate(metadataUrlFor(req), failure),
    });

  // The gateway as an A2A agent (zone gateway.a2a): its card names `<base>/a2a`, the base being the configured
  // resource's when it is this gateway's /mcp URL, else the URL the client used.
  const a2aCard = (headers: IncomingHttpHeaders = {}): CardContext => ({
    zone: state.bundle.zone,
    revision: state.bundle.revision,
    baseUrl: configuredResource?.endsWith('/mcp') ? configuredResource.slice(0, -4) : baseFor({ headers }),
  });
  const a2aRouter = createA2aRouter({
    enabled: () => state.bundle.a2a?.enabled === true,
    agent: new GatewayAgent({
      catalog: () => state.catalog,
      card: (headers) => a2aCard(headers as IncomingHttpHeaders | undefined),
    }),
    authenticator: options.authenticator,
    card: (req) => a2aCard(req.headers),
    challenge,
  });

  const consoleServer = options.console
    ? createConsole(options.console, {
        authenticator: options.authenticator,
        isAdmin: (caller) => isAdmin(caller, options.adminSubjects),
        tenants: () => state.bundle.tenants ?? [],
        ...(options.log ? { log: options.log } : {}),
      })
    : undefined;

  const authorize = async (req: IncomingMessage): Promise<AuthorizeResult> => {
    // A browser's console session, when the request brings no bearer token (never on /mcp: agents use tokens).
    const session =
      req.headers.authorization === undefined ? await consoleServer?.sessions.authenticate(req) : undefined;
    if (session && !session.ok) {
      return { ok: false, status: session.status, code: session.code, message: session.message };
    }
    const auth = session ?? (await options.authenticator.authenticate(req.headers.authorization));
    if (!auth.ok) {
      return {
        ok: false,
        status: 401,
        message: auth.message,
        headers: { 'www-authenticate': wwwAuthenticate(metadataUrlFor(req), auth) },
      };
    }
    // Which tenants' rows the request reads (row-level security) and administers, and the tenant its own
    // actions (a submitted job) act in: from the whole verified token, before its claims are cut down.
    const tenants = state.bundle.tenants ?? [];
    const admin = isAdmin(auth.caller, options.adminSubjects);
    const principals = principalsOf(auth.caller);
    const header = req.headers[TENANT_HEADER];
    const requested = typeof header === 'string' ? header : undefined;
    const choice = chooseApiTenant(auth.caller, tenants, requested, admin);
    const caller: ApiCaller = {
      subject: auth.caller.subject,
      subjectKind: auth.caller.kind,
      groups: auth.caller.groups,
      claims: state.catalog.jobCaller(auth.caller).claims,
      principals,
      principal: principalOf(auth.caller),
      admin,
      ...apiScopes({ ...auth.caller, principals }, tenants, admin),
      ...(choice.ok ? { tenant: choice.tenant } : { tenantProblem: choice.message }),
    };
    return { ok: true, caller };
  };

  // The console's catalog and try-it, on whatever state is in use when asked (a reload swaps it).
  const catalogRuntime: CatalogRuntime = {
    tenantOf: (caller, requested) => {
      // Chosen once, by authorize, from the whole token: the same tenant a job of this request acts in.
      if (caller.tenantProblem !== undefined) return { ok: false, message: caller.tenantProblem };
      if (caller.tenant !== undefined) return { ok: true, tenant: caller.tenant };
      return chooseApiTenant(callerOfApi(caller), state.bundle.tenants ?? [], requested, caller.admin);
    },
    bundleOf: (tenant) => state.catalog.bundleOf(tenant),
    visibleTools: (caller, tenant, names) =>
      state.policy ? toolsVisibleTo(state.policy, subjectOf(callerOfApi(caller)), names, tenant) : [],
    remotes: () => state.routes.remoteStatus(),
    async callTool(tool, args, caller, tenant, signal) {
      const traceId = randomUUID();
      try {
        const result = await state.catalog.callTool(tool, args, { ...callerOfApi(caller), tenant }, signal, {
          traceId,
        });
        // A person follows the answer's trace link at once: write the queued traces first (batched writes
        // otherwise wait up to the flush interval), for at most traceFlushWaitMs so a slow database cannot hold
        // the answer.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          options.traces.flush().catch(() => undefined),
          new Promise((resolve) => {
            timer = setTimeout(resolve, options.traceFlushWaitMs ?? 5_000);
          }),
        ]);
        clearTimeout(timer);
        return { result, traceId };
      } catch (error) {
        if (error instanceof ToolNotFound) throw new UnknownToolError(error.message);
        throw error;
      }
    },
  };

  // The admin API, the console and A2A share one Express app behind the bare /mcp server.
  const app = express();
  app.disable('x-powered-by');
  app.use(a2aRouter);
  if (consoleServer) app.use(consoleServer.router);
  if (options.adminRouter)
    app.use(
      options.adminRouter({
        authorize,
        routes: routesReport,
        bundle: () => state.bundle,
        ...(options.configRepository ? { configRepository: options.configRepository } : {}),
        ...(options.pullRequests ? { pullRequests: options.pullRequests } : {}),
        catalog: catalogRuntime,
        ...(options.imports ? { imports: options.imports } : {}),
      }),
    );
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } });
  });
  // Whatever the admin router passes on: the documented error shape, never Express's HTML page.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: { code: 'bad_request', message: (error as Error).message } });
      return;
    }
    options.onerror?.(error instanceof Error ? error : new Error(String(error)));
    res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
  });

  const server = createHttpServer({
    async mcp(req, res) {
      const auth = await options.authenticator.authenticate(req.headers.authorization);
      if (!auth.ok) {
        req.resume();
        challenge(req, res, auth);
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
    metrics,
    documents: withMetadata
      ? {
          [METADATA_PATH]: (req) => protectedResourceMetadata(resourceFor(req), issuer),
          [`${METADATA_PATH}/mcp`]: (req) => protectedResourceMetadata(resourceFor(req), issuer),
        }
      : {},
    fallback: app,
    localhostGuards: isLoopback(host),
    ...(options.cors ? { cors: options.cors } : {}),
    ...(options.onerror ? { onerror: options.onerror } : {}),
  });
  const address = await listen(server, options.port, host);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const base = `http://${shownHost}:${address.port}`;
  where.base = base;
  where.metadataUrl = `${base}${METADATA_PATH}/mcp`;
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
    ...(consoleServer ? { console: consoleServer } : {}),
    reload(bundle, policy) {
      const next = build(bundle, policy);
      const old = state;
      state = next;
      next.routes.start();
      routeEvents?.changed();
      options.log?.(`loaded bundle revision ${bundle.revision} (was ${old.bundle.revision})`);
      // Calls already routed keep their targets; close the old connections once they are done.
      setTimeout(() => void old.routes.close(), 60_000).unref();
    },
    async close() {
      // Event streams never end by themselves: end them first, or closing the server waits for its grace time.
      routeEvents?.close();
      events?.close();
      await closeServer(server);
      await state.routes.close();
      await options.rateLimiter?.close?.();
      await cache.close?.();
    },
  };
}

/**
 * The pipeline's caller for an admin API caller (try-it). Its claims are the ones the policy reads
 * (ApiCaller.claims); `iss` and `sub` are put back from its principal, so an approval the call asks for names
 * the same person four-eyes compares approvers with, as a call over MCP with the same token would.
 */
export function callerOfApi(caller: CatalogCaller): Caller {
  const claims = { ...caller.claims };
  if (caller.principal) {
    try {
      const [iss, sub] = JSON.parse(caller.principal) as unknown[];
      if (typeof iss === 'string' && iss !== '') claims['iss'] = iss;
      if (typeof sub === 'string') claims['sub'] = sub;
    } catch {
      // Not principalOf's JSON: keep the claims as they are.
    }
  }
  return {
    subject: caller.subject,
    kind: callerKindOf(caller.subjectKind),
    groups: caller.groups,
    claims,
  };
}
