/**
 * What the admin and operations router needs from the rest of the gateway. The MCP runtime builds these
 * (authentication, the route table) and passes them to `createAdminRouter(deps)` in ./admin-router.ts:
 *
 *   createAdminRouter(deps: AdminDeps): express.Router
 *
 * mounted at the root of the gateway's Express app; it serves /v1/traces, /v1/approvals, /v1/routes,
 * /v1/jobs, /v1/deployments and /openapi.json.
 */
import type { DeploymentRecordInput } from '@raku/config';
import type { GatewayBundle } from '@raku/render';
import type { Request, RequestHandler } from 'express';
import type { ApprovalStore } from '../approvals/types.ts';
import type { ImportSettings } from '../builder/types.ts';
import type { CatalogRuntime } from '../catalog/types.ts';
import type { ConfigRepository, PullRequestOpener } from '../config-repo/types.ts';
import type { Page } from '../db/cursor.ts';
import type { EventHub } from '../events/event-hub.ts';
import type { JobService } from '../jobs/types.ts';
import type { TenantScope } from '../tenancy/scope.ts';
import type { TraceReader } from '../traces/types.ts';
import type { ClusterLogs } from '../zones/cluster-types.ts';

/** The authenticated caller of an admin/API request. */
export interface ApiCaller {
  subject: string;
  subjectKind: string;
  groups: string[];
  /**
   * The token claims the current policy's conditions read, kept with the jobs this caller submits so they are
   * decided as the call would be now (GatewayCatalog.jobCaller). Never the token; no other claims.
   */
  claims: Record<string, unknown>;
  /** Everything the caller is (subject, 'group:<g>'), matched against approval rules' approvers. */
  principals: string[];
  /** Issuer + sub (`principalOf`): who the caller is whatever kind; four-eyes compares it. */
  principal?: string;
  /** True when the caller holds the admin role: required for every /v1 endpoint except own jobs. */
  admin: boolean;
  /**
   * The tenants whose rows this caller's requests may read or write (../tenancy/scope.ts), passed to the
   * database's row-level security. ALL_TENANTS only for organisation admins. Absent: not yet wired (read as
   * IMPLICIT_TENANT only).
   */
  scope?: TenantScope;
  /**
   * The tenants this caller administers (sees all their traces, approvals and jobs, as an organisation admin
   * sees everything): ALL_TENANTS for organisation admins, else the tenants whose `admins` name it. Absent:
   * `scope` when `admin`, else none (./visibility.ts: adminScope).
   */
  adminOf?: TenantScope;
  /**
   * The tenant this caller's own actions act in (a job it submits): chooseTenant of its token and the
   * X-Raku-Tenant header. Absent: IMPLICIT_TENANT, unless `tenantProblem` says why none could be chosen.
   */
  tenant?: string;
  /** Why no tenant could be chosen (several, or a header naming one the caller is not in): a job is refused. */
  tenantProblem?: string;
}

export type AuthorizeResult =
  | { ok: true; caller: ApiCaller }
  | {
      ok: false;
      status: 401 | 403;
      message: string;
      headers?: Record<string, string>;
      /** The error code to answer (default 'unauthorized' for 401, 'forbidden' for 403); 'csrf' from ../console. */
      code?: string;
    };

/** A stored Deployment record: the posted record (declared in @raku/config, which `raku status` also uses). */
export interface DeploymentRecord extends DeploymentRecordInput {
  id: string;
  observedAt: Date;
}

export interface DeploymentStore {
  record(input: DeploymentRecordInput): Promise<DeploymentRecord>;
  list(filter: {
    zone?: string;
    workload?: string;
    pack?: string;
    cursor?: string;
    limit?: number;
  }): Promise<Page<DeploymentRecord>>;
}

export interface AdminDeps {
  traces: TraceReader;
  approvals: ApprovalStore;
  jobs: JobService;
  deployments: DeploymentStore;
  /** Live events for GET /v1/events; without it that endpoint answers 404. */
  events?: EventHub;
  /** The current route table (from the loaded bundle), returned as-is by GET /v1/routes. */
  routes: () => unknown;
  /** The bundle in use (its pipeline feeds GET /v1/zones); without it the zones endpoints answer 404. */
  bundle?: () => GatewayBundle;
  /** Pod events and logs for the deployment-logs stream; absent: no cluster access, `reason` says why. */
  cluster?: { logs: ClusterLogs } | { logs?: undefined; reason: string };
  /** The config repository the builder views read and propose changes to; absent: those endpoints answer 404. */
  configRepository?: ConfigRepository;
  /** Opens pull requests of config changes (GitHub settings); absent: POST /v1/changes answers 409. */
  pullRequests?: PullRequestOpener;
  /** What the import builder may do (fetch URLs, AI suggestions, body limit); absent: neither, 32 MiB. */
  imports?: ImportSettings;
  /** The running gateway's tools for GET /v1/catalog and try-it (callTool); absent: those endpoints answer 404. */
  catalog?: CatalogRuntime;
  /** Authenticates the request. The router enforces `admin` where required. */
  authorize: (req: Request) => AuthorizeResult | Promise<AuthorizeResult>;
}

/**
 * What an area's routes get from the admin router (`mount<Area>Routes(router, context)` in
 * ./<area>-routes.ts, called from createAdminRouter before its error handler): the deps, the caller check
 * (`caller(req, true)` requires the admin role) and the JSON body parser (1 MB, depth-checked).
 * Throw ApiError (./api-error.ts) for a documented error answer.
 */
export interface RouteContext {
  deps: AdminDeps;
  caller: (req: Request, admin: boolean) => Promise<ApiCaller>;
  body: RequestHandler;
}
