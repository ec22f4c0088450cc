/**
 * The admin and operations API (Express 5): /v1/traces, /v1/approvals, /v1/routes, /v1/jobs, /v1/deployments
 * and /openapi.json. Authentication is the runtime's (`deps.authorize`); this router enforces who may do what:
 * admin for traces, routes and deployments; approvers (per rule) for decisions; a job's own caller or an admin
 * for jobs. Errors are JSON `{ error: { code, message } }`.
 */
import type { DeploymentRecordInput } from '@raku/config';
import type { GatewayBundle } from '@raku/render';
import express, { type NextFunction, type Request, type Response } from 'express';
import { APPROVAL_STATUSES } from '../approvals/types.ts';
import { GitHubCallError } from '../config-repo/github-error.ts';
import { InvalidCursorError } from '../db/cursor.ts';
import { A2A_TASK_ARG, JobSubmissionError, type JobView } from '../jobs/types.ts';
import { STATS_MAX_BUCKET_SECONDS } from '../traces/trace-reader.ts';
import { TRACE_DECISIONS, TRACE_STATUSES, type TraceFilter } from '../traces/types.ts';
import { findWorkload, streamWorkloadLogs } from '../zones/workload-logs.ts';
import { readZonesReport } from '../zones/zone-report.ts';
import { mountAgentRoutes } from './agent-routes.ts';
import { ApiError, value } from './api-error.ts';
import { mountCatalogRoutes } from './catalog-routes.ts';
import { mountChangeRoutes } from './change-routes.ts';
import { checkEventRequest, serveEventStream } from './event-stream.ts';
import { mountImportRoutes } from './import-routes.ts';
import { OPENAPI_DOCUMENT } from './openapi.ts';
import { mountPolicyRoutes } from './policy-routes.ts';
import {
  checkBody,
  pathUuid,
  queryDate,
  queryEnum,
  queryInteger,
  queryLimit,
  queryString,
  verifyJsonBody,
} from './request-validation.ts';
import type { AdminDeps, ApiCaller, RouteContext } from './types.ts';
import { administersAny, adminScope, canSeeApproval, ownsJob, readScope } from './visibility.ts';

const JOB_STATUSES = ['queued', 'waiting_approval', 'running', 'succeeded', 'failed', 'cancelled'] as const;
const ACTIVE_JOB_STATUSES: readonly string[] = ['queued', 'waiting_approval', 'running'];

function principalsOf(caller: ApiCaller) {
  return { subject: caller.subject, principal: caller.principal, principals: caller.principals };
}

/** GET /v1/: where the document is, and each resource with its methods and summaries (no token needed). */
const API_INDEX = {
  name: OPENAPI_DOCUMENT.info.title,
  openapi: '/openapi.json',
  resources: Object.entries(OPENAPI_DOCUMENT.paths as Record<string, Record<string, { summary?: string }>>)
    .filter(([path]) => path.startsWith('/v1/') && path !== '/v1/')
    .map(([path, operations]) => ({
      path,
      operations: Object.entries(operations).map(([method, op]) => ({
        method: method.toUpperCase(),
        summary: op.summary ?? '',
      })),
    })),
};

/** Builds the router; mount it at the root of the gateway's Express app. */
export function createAdminRouter(deps: AdminDeps): express.Router {
  const router = express.Router();
  // Depth and storable strings are checked on the raw body, before it is parsed (request-validation.ts).
  const body = express.json({ limit: '1mb', verify: verifyJsonBody });

  /**
   * A caller who administers a tenant (traces are theirs to read, under `adminScope`); the admin role
   * administers every tenant it reads.
   */
  const tenantAdmin = async (req: Request): Promise<ApiCaller> => {
    const who = await caller(req, false);
    if (!administersAny(who)) {
      throw new ApiError(403, 'forbidden', `${who.subject} does not hold the admin role`);
    }
    return who;
  };

  const caller = async (req: Request, admin: boolean): Promise<ApiCaller> => {
    const result = await deps.authorize(req);
    if (!result.ok)
      throw new ApiError(
        result.status,
        result.status === 401 ? 'unauthorized' : 'forbidden',
        result.message,
        result.headers,
      );
    if (admin && !result.caller.admin) {
      throw new ApiError(403, 'forbidden', `${result.caller.subject} does not hold the admin role`);
    }
    return result.caller;
  };
  // The console's builder views (console part 2) each mount their routes here: see RouteContext.
  const context: RouteContext = { deps, caller, body };
  mountCatalogRoutes(router, context);
  mountAgentRoutes(router, context);
  mountChangeRoutes(router, context);
  mountImportRoutes(router, context);
  mountPolicyRoutes(router, context);

  router.get('/openapi.json', (_req, res) => {
    res.json(OPENAPI_DOCUMENT);
  });

  // The banner's "Admin API …/v1/": an index of the API, from the OpenAPI document (so it cannot drift).
  router.get('/v1/', (_req, res) => {
    res.json(API_INDEX);
  });

  router.get('/v1/traces', async (req, res) => {
    const who = await tenantAdmin(req);
    const q = req.query as Record<string, unknown>;
    res.json(
      await deps.traces.list(adminScope(who), {
        tenant: value(queryString(q, 'tenant')),
        from: value(queryDate(q, 'from')),
        to: value(queryDate(q, 'to')),
        subject: value(queryString(q, 'subject')),
        tool: value(queryString(q, 'tool')),
        status: value(queryEnum(q, 'status', TRACE_STATUSES)),
        decision: value(queryEnum(q, 'decision', TRACE_DECISIONS)),
        rule: value(queryString(q, 'rule')),
        zone: value(queryString(q, 'zone')),
        cursor: value(queryString(q, 'cursor', 500)),
        limit: value(queryLimit(q)),
      }),
    );
  });

  // Before /v1/traces/:id, which would take 'stats' for an id.
  router.get('/v1/traces/stats', async (req, res) => {
    const who = await tenantAdmin(req);
    const q = req.query as Record<string, unknown>;
    const from = value(queryDate(q, 'from'));
    const to = value(queryDate(q, 'to'));
    if (from && to && from >= to)
      throw new ApiError(400, 'bad_request', 'query parameter from: not before to');
    if (from && !to && from >= new Date()) {
      throw new ApiError(400, 'bad_request', 'query parameter from: in the future (give to as well)');
    }
    res.json(
      await deps.traces.stats(adminScope(who), {
        tenant: value(queryString(q, 'tenant')),
        from,
        to,
        tool: value(queryString(q, 'tool')),
        zone: value(queryString(q, 'zone')),
        bucketSeconds: value(queryInteger(q, 'bucket', STATS_MAX_BUCKET_SECONDS)),
      }),
    );
  });

  router.get('/v1/traces/:id', async (req, res) => {
    const who = await tenantAdmin(req);
    const id = value(pathUuid(req.params['id'], 'id'));
    const trace = await deps.traces.get(adminScope(who), id);
    if (!trace) throw new ApiError(404, 'not_found', `trace ${id} does not exist`);
    res.json(trace);
  });

  router.get('/v1/approvals', async (req, res) => {
    const who = await caller(req, false);
    const q = req.query as Record<string, unknown>;
    const adminOf = adminScope(who);
    res.json(
      await deps.approvals.list(readScope(who), {
        status: value(queryEnum(q, 'status', APPROVAL_STATUSES)),
        tenant: value(queryString(q, 'tenant')),
        cursor: value(queryString(q, 'cursor', 500)),
        limit: value(queryLimit(q)),
        // One's own requests (mine=true), else everything of the tenants one administers, and elsewhere what
        // the caller may decide.
        ...(value(queryEnum(q, 'mine', ['true', 'false'] as const)) === 'true'
          ? { requester: who.subject }
          : adminOf.all
            ? {}
            : { approver: principalsOf(who), allOf: adminOf.tenants }),
      }),
    );
  });

  router.get('/v1/approvals/:id', async (req, res) => {
    const who = await caller(req, false);
    const request = await deps.approvals.get(readScope(who), String(req.params['id']));
    if (!request || !canSeeApproval(who, request)) {
      throw new ApiError(404, 'not_found', `approval ${req.params['id']} does not exist`);
    }
    res.json(request);
  });

  router.post('/v1/approvals/:id/decision', body, async (req, res) => {
    const who = await caller(req, false);
    const decision = value(
      checkBody<{ approve: boolean; reason?: string; argsHash?: string }>('ApprovalDecision', req.body),
    );
    const result = await deps.approvals.decide(readScope(who), String(req.params['id']), {
      approve: decision.approve,
      approver: principalsOf(who),
      ...(decision.reason === undefined ? {} : { reason: decision.reason }),
      ...(decision.argsHash === undefined ? {} : { argsHash: decision.argsHash }),
    });
    if (!result.ok) {
      const status = { not_found: 404, forbidden: 403, not_pending: 409, expired: 409, args_mismatch: 409 }[
        result.code
      ];
      throw new ApiError(status, result.code, result.message);
    }
    if (result.request.jobId && deps.jobs.settleApprovals) await deps.jobs.settleApprovals();
    res.json(result.request);
  });

  router.get('/v1/routes', async (req, res) => {
    await caller(req, true);
    res.json(deps.routes());
  });

  // Live events (server-sent events), filtered by the caller's rights as the lists above are.
  router.get('/v1/events', async (req, res) => {
    const who = await caller(req, false);
    if (!deps.events) throw new ApiError(404, 'not_found', 'this gateway serves no live events');
    const checked = checkEventRequest(
      req.query as Record<string, unknown>,
      req.headers['last-event-id'],
      who,
    );
    if (!checked.ok) throw new ApiError(checked.status, checked.code, checked.message);
    const hub = deps.events;
    if (!hub.admitStream(who.subject)) {
      throw new ApiError(
        429,
        'too_many_streams',
        `${who.subject} already holds ${hub.maxStreamsPerSubject} open event streams: close one (a browser tab) first`,
      );
    }
    const connection = serveEventStream(req, res, hub, who, checked.value);
    if (connection) res.on('close', () => hub.releaseStream(who.subject));
    else hub.releaseStream(who.subject);
  });

  router.get('/v1/jobs', async (req, res) => {
    const who = await caller(req, false);
    const q = req.query as Record<string, unknown>;
    const subject = value(queryString(q, 'subject'));
    const admin = administersAny(who);
    res.json(
      // Admins see the jobs of the tenants they administer; everyone else only their own, whatever they ask.
      await deps.jobs.list(admin ? adminScope(who) : readScope(who), {
        status: value(queryEnum(q, 'status', JOB_STATUSES)),
        tenant: value(queryString(q, 'tenant')),
        cursor: value(queryString(q, 'cursor', 500)),
        limit: value(queryLimit(q)),
        ...(admin ? (subject ? { subject } : {}) : { subject: who.subject }),
      }),
    );
  });

  router.post('/v1/jobs', body, async (req, res) => {
    const who = await caller(req, false);
    const submission = value(
      checkBody<{ tool: string; arguments?: Record<string, unknown>; packVersion?: string }>(
        'JobSubmission',
        req.body,
      ),
    );
    if (submission.arguments && A2A_TASK_ARG in submission.arguments) {
      throw new ApiError(
        400,
        'bad_request',
        `arguments["${A2A_TASK_ARG}"] is reserved: only the gateway makes a job that follows an A2A task`,
      );
    }
    if (who.tenantProblem !== undefined) throw new ApiError(403, 'forbidden', who.tenantProblem);
    let job: JobView;
    try {
      job = await deps.jobs.submit({
        tool: submission.tool,
        arguments: submission.arguments ?? {},
        ...(submission.packVersion !== undefined ? { packVersion: submission.packVersion } : {}),
        caller: {
          subject: who.subject,
          subjectKind: who.subjectKind,
          groups: who.groups,
          claims: who.claims,
          ...(who.tenant !== undefined ? { tenant: who.tenant } : {}),
        },
      });
    } catch (error) {
      if (error instanceof JobSubmissionError) throw new ApiError(400, error.code, error.message);
      throw error;
    }
    res.status(202).location(`/v1/jobs/${job.id}`).json(job);
  });

  router.get('/v1/jobs/:id', async (req, res) => {
    const who = await caller(req, false);
    const job = await deps.jobs.get(readScope(who), String(req.params['id']));
    if (!job || !ownsJob(who, job))
      throw new ApiError(404, 'not_found', `job ${req.params['id']} does not exist`);
    res.json(job);
  });

  router.put('/v1/jobs/:id', body, async (req, res) => {
    const who = await caller(req, false);
    const id = String(req.params['id']);
    const existing = await deps.jobs.get(readScope(who), id);
    if (!existing || !ownsJob(who, existing))
      throw new ApiError(404, 'not_found', `job ${id} does not exist`);
    value(checkBody('JobUpdate', req.body));
    const notCancellable = (status: string) =>
      new ApiError(
        409,
        'not_cancellable',
        `job ${id} already ${status}; only queued, waiting or running jobs can be cancelled`,
      );
    if (!ACTIVE_JOB_STATUSES.includes(existing.status)) throw notCancellable(existing.status);
    const job = await deps.jobs.cancel(readScope(who), id, who.subject);
    if (!job) throw new ApiError(404, 'not_found', `job ${id} does not exist`);
    // It may have finished between the read and the cancel.
    if (job.status !== 'cancelled') throw notCancellable(job.status);
    res.json(job);
  });

  router.get('/v1/deployments', async (req, res) => {
    await caller(req, true);
    const q = req.query as Record<string, unknown>;
    res.json(
      await deps.deployments.list({
        zone: value(queryString(q, 'zone')),
        workload: value(queryString(q, 'workload')),
        pack: value(queryString(q, 'pack')),
        cursor: value(queryString(q, 'cursor', 500)),
        limit: value(queryLimit(q)),
      }),
    );
  });

  // Zones and deployment logs (../zones): the pipeline against the deployment records, and a workload's
  // rollout timeline with its pod events and logs.
  const bundleOf = (): GatewayBundle => {
    const bundle = deps.bundle?.();
    if (!bundle) throw new ApiError(404, 'not_found', 'this gateway serves no zone pipeline');
    return bundle;
  };
  router.get('/v1/zones', async (req, res) => {
    const who = await caller(req, true);
    // The zone's error rate counts the traces the caller may read (every tenant's, for the admin role).
    const traces = { list: (filter: TraceFilter) => deps.traces.list(adminScope(who), filter) };
    res.json(await readZonesReport(bundleOf(), { deployments: deps.deployments, traces }));
  });
  router.get('/v1/zones/:zone/workloads/:workload/logs', async (req, res) => {
    await caller(req, true);
    const bundle = bundleOf();
    const found = findWorkload(bundle, String(req.params['zone']), String(req.params['workload']));
    if (!found.ok) throw new ApiError(404, 'not_found', found.message);
    await streamWorkloadLogs(req, res, found.zone, String(req.params['workload']), {
      bundle,
      deployments: deps.deployments,
      ...(deps.cluster?.logs
        ? { cluster: deps.cluster.logs }
        : deps.cluster
          ? { unavailableReason: deps.cluster.reason }
          : {}),
    });
  });

  router.post('/v1/deployments', body, async (req, res) => {
    await caller(req, true);
    const input = value(checkBody<DeploymentRecordInput>('DeploymentInput', req.body));
    res.status(201).json(
      await deps.deployments.record({
        ...input,
        imageDigest: input.imageDigest ?? null,
        revision: input.revision ?? null,
      }),
    );
  });

  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error instanceof ApiError) {
      res
        .status(error.status)
        .set(error.headers)
        .json({ error: { code: error.code, message: error.message, ...error.detail } });
      return;
    }
    if (error instanceof InvalidCursorError) {
      res.status(400).json({ error: { code: 'bad_request', message: error.message } });
      return;
    }
    // Whichever route read the config repository on GitHub (policies, imports, changes): GitHub failed, not us.
    if (error instanceof GitHubCallError) {
      res.status(502).json({ error: { code: 'github_error', message: error.message } });
      return;
    }
    // express.json() errors: malformed JSON (400) or a body over the limit (413).
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res
        .status(status)
        .json({ error: { code: 'bad_request', message: `request body: ${(error as Error).message}` } });
      return;
    }
    next(error);
  });

  return router;
}
