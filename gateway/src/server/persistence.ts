/**
 * Wires the persistence layer into the gateway: the database (Postgres from DATABASE_URL, else embedded
 * PGlite), migrations applied at start, the buffered trace sink writing to the trace stores (Postgres,
 * ClickHouse or both: RAKU_TRACE_STORE), the trace retention sweeps, the approval store,
 * the job service, and the live event hub those stores publish to (GET /v1/events).
 * The pieces come from ../db, ../traces, ../approvals and ../jobs; this file only assembles them.
 *
 * Jobs run tool calls through the gateway's own pipeline, which exists only once the gateway is built, so the
 * job service gets a runner that forwards to whatever `attachRunner` supplied.
 */
import type { IncomingMessage } from 'node:http';
import type { BundleTenant, GatewayBundle } from '@raku/render';
import type express from 'express';
import { createAdminRouter } from '../admin/admin-router.ts';
import { createDeploymentStore } from '../admin/deployment-store.ts';
import type { AuthorizeResult } from '../admin/types.ts';
import { createApprovalStore } from '../approvals/approval-store.ts';
import type { ApprovalStore } from '../approvals/types.ts';
import type { ImportSettings } from '../builder/types.ts';
import type { CatalogRuntime } from '../catalog/types.ts';
import type { ConfigRepository, PullRequestOpener } from '../config-repo/types.ts';
import { createDatabase, type Database } from '../db/database.ts';
import { EventHub, type EventHubOptions } from '../events/event-hub.ts';
import { storedTraceOfRow } from '../events/trace-event.ts';
import { createJobService, type JobServiceWithApprovals } from '../jobs/job-service.ts';
import type { JobRunner } from '../jobs/types.ts';
import { type ClickHouseStore, openClickHouseStore } from '../traces/clickhouse-store.ts';
import { compileRedaction } from '../traces/redaction.ts';
import { createTraceReader } from '../traces/trace-reader.ts';
import {
  createTraceRetention,
  DEFAULT_RETENTION_DAYS,
  type TraceRetention,
} from '../traces/trace-retention.ts';
import { createTraceSink } from '../traces/trace-sink.ts';
import { combineTraceStores, type TraceStore } from '../traces/trace-stores.ts';
import { createPrismaTraceWriter } from '../traces/trace-writer.ts';
import type { TraceReader, TraceSink } from '../traces/types.ts';
import { openClusterLogs } from '../zones/cluster-access.ts';
import type { ClusterAccess } from '../zones/cluster-types.ts';
import type { Readiness } from './http-server.ts';
import type { ClickHouseSettings } from './trace-store-options.ts';

export interface Persistence {
  db: Database;
  traces: TraceSink;
  /** What the admin API reads traces from (by the trace store: Postgres, ClickHouse, or both). */
  traceReader: TraceReader;
  /** Deletes traces past the retention; started with the persistence, stopped by close(). */
  retention: TraceRetention;
  approvals: ApprovalStore;
  jobs: JobServiceWithApprovals;
  /** Live events of these stores (traces, approvals, jobs, deployments); the gateway adds route changes. */
  events: EventHub;
  /** The admin API (/v1/*, /openapi.json) over these stores, behind the gateway's authentication. */
  adminRouter(deps: {
    authorize: (req: IncomingMessage) => Promise<AuthorizeResult>;
    routes: () => unknown;
    /** The bundle in use: GET /v1/zones shows its pipeline. */
    bundle?: () => GatewayBundle;
    configRepository?: ConfigRepository;
    pullRequests?: PullRequestOpener;
    /** The running gateway's tools: GET /v1/catalog and try-it. */
    catalog?: CatalogRuntime;
    imports?: ImportSettings;
  }): express.Router;
  /** Gives the job service the pipeline that runs calls, and starts it. */
  attachRunner(runner: () => JobRunner): Promise<void>;
  /** Postgres (or PGlite) answers; the detail also says whether ClickHouse does (not a readiness condition). */
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

export interface PersistenceOptions {
  databaseUrl: string | undefined;
  /**
   * The tables' owner (RAKU_DATABASE_OWNER_URL), used only to migrate; then `databaseUrl` should be a login
   * that owns nothing and lacks BYPASSRLS (docs/tenancy.md, "Database isolation"). Default: databaseUrl.
   */
  databaseOwnerUrl?: string;
  /**
   * The bundle's tenants, read at each retention sweep: a tenant's quotas.traceRetentionDays replaces
   * `traceRetentionDays` for its traces. Default none.
   */
  tenants?: () => readonly BundleTenant[];
  dataDir: string;
  log: (message: string) => void;
  /** Job poll interval in seconds (tests go faster). Default pg-boss's 0.5 s as set by the job service. */
  jobPollingIntervalSeconds?: number;
  /** Days traces are kept (RAKU_TRACE_RETENTION_DAYS); 0 keeps them forever. Default 30. */
  traceRetentionDays?: number;
  /** Names whose values traces mask wherever they appear (the bundle's `secretNames`). Default none. */
  secretNames?: string[];
  /** Where traces are written and read (RAKU_TRACE_STORE). Default 'postgres'. */
  traceStore?: TraceStore;
  /** The ClickHouse server, required when traceStore is 'clickhouse' or 'both'. */
  clickhouse?: ClickHouseSettings;
  /** Replay ring, stream bounds and heartbeat of GET /v1/events. Defaults: see EventHubOptions. */
  events?: EventHubOptions;
  /** How the deployment-logs stream reaches the Kubernetes API (RAKU_KUBE_ACCESS). Default: it does not. */
  clusterAccess?: ClusterAccess;
}

export async function openPersistence(options: PersistenceOptions): Promise<Persistence> {
  const db = await createDatabase({
    ...(options.databaseUrl ? { url: options.databaseUrl } : {}),
    ...(options.databaseUrl && options.databaseOwnerUrl ? { ownerUrl: options.databaseOwnerUrl } : {}),
    dataDir: options.dataDir,
    onWarning: (message) => options.log(`warning: ${message}`),
  });
  try {
    const migrated = await db.migrate();
    if (migrated.applied.length > 0) options.log(`applied migrations: ${migrated.applied.join(', ')}`);
  } catch (err) {
    await db.close();
    throw err;
  }
  let clickhouse: ClickHouseStore | undefined;
  if (options.traceStore && options.traceStore !== 'postgres') {
    try {
      if (!options.clickhouse)
        throw new Error(`RAKU_TRACE_STORE=${options.traceStore} needs RAKU_CLICKHOUSE_URL`);
      clickhouse = await openClickHouseStore({
        ...options.clickhouse,
        retentionDays: options.traceRetentionDays ?? DEFAULT_RETENTION_DAYS,
        log: options.log,
      });
    } catch (err) {
      await db.close();
      throw err;
    }
    clickhouse.retention.start();
  }
  const stores = combineTraceStores(
    options.traceStore ?? 'postgres',
    { writer: createPrismaTraceWriter(db), reader: createTraceReader(db) },
    clickhouse,
  );
  const events = new EventHub({
    onError: (err) => options.log(`live events: ${(err as Error)?.message ?? err}`),
    ...options.events,
  });
  const traces = createTraceSink({
    writer: stores.writer,
    onRecorded: (row) =>
      events.publish({ type: 'trace', tenant: () => row().tenant, data: () => storedTraceOfRow(row()) }),
    ...(options.secretNames?.length && { redaction: compileRedaction({ secretNames: options.secretNames }) }),
    onError: (err) => options.log(`trace write failed: ${(err as Error)?.message ?? err}`),
  });
  const retention = createTraceRetention(db, {
    days: options.traceRetentionDays ?? DEFAULT_RETENTION_DAYS,
    ...(options.tenants ? { tenantDays: tenantRetentionDays(options.tenants) } : {}),
    log: options.log,
  });
  retention.start();
  const approvals = createApprovalStore(db, {
    onChange: (request) =>
      events.publish({
        type: 'approval',
        subject: request.subject,
        approvers: request.approvers,
        tenant: request.tenant,
        data: request,
      }),
  });
  let runner: (() => JobRunner) | undefined;
  const jobs = createJobService({
    db,
    approvals,
    runner: {
      run(call, context) {
        if (!runner) return Promise.reject(new Error('the gateway is not started yet'));
        return runner().run(call, context);
      },
    },
    ...(options.jobPollingIntervalSeconds
      ? { pollingIntervalSeconds: options.jobPollingIntervalSeconds }
      : {}),
    onError: (err) => options.log(`job service: ${(err as Error)?.message ?? err}`),
    onChange: (job) => events.publish({ type: 'job', subject: job.subject, tenant: job.tenant, data: job }),
  });
  const deployments = createDeploymentStore(db.prisma, (record) =>
    events.publish({ type: 'deployment', data: record }),
  );
  const cluster = await openClusterLogs(options.clusterAccess);
  if (options.clusterAccess && !cluster.logs) options.log(`warning: ${cluster.reason}`);
  let jobsStarted = false;
  return {
    db,
    traces,
    traceReader: stores.reader,
    retention,
    approvals,
    jobs,
    events,
    adminRouter: ({ authorize, routes, bundle, configRepository, pullRequests, catalog, imports }) =>
      createAdminRouter({
        traces: stores.reader,
        approvals,
        jobs,
        deployments,
        events,
        routes,
        authorize,
        ...(bundle ? { bundle } : {}),
        ...(configRepository ? { configRepository } : {}),
        ...(pullRequests ? { pullRequests } : {}),
        ...(catalog ? { catalog } : {}),
        ...(imports ? { imports } : {}),
        cluster,
      }),
    async attachRunner(get) {
      runner = get;
      await jobs.start();
      jobsStarted = true;
    },
    async readiness() {
      const [ok, traceStore] = await Promise.all([db.ping(), clickhouse?.ping()]);
      const detail: Record<string, string> = { database: `${db.kind} ${ok ? 'reachable' : 'unreachable'}` };
      // Traces wait in the sink's buffer while ClickHouse is down: calls go on, so it does not gate readiness.
      if (traceStore !== undefined) detail['clickhouse'] = traceStore ? 'reachable' : 'unreachable';
      return { ready: ok, detail };
    },
    async close() {
      events.close();
      await retention.stop();
      if (jobsStarted) await jobs.stop();
      await traces.close();
      await clickhouse?.close();
      await db.close();
    },
  };
}

/** Tenant name → its own trace retention in days, for the tenants whose quotas set one. */
function tenantRetentionDays(tenants: () => readonly BundleTenant[]): () => ReadonlyMap<string, number> {
  return () =>
    new Map(
      tenants().flatMap((t) => {
        const days = t.quotas?.traceRetentionDays;
        return days === undefined ? [] : [[t.name, days] as const];
      }),
    );
}
