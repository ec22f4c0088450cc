/**
 * Prometheus metrics of one process (both roles). A registry per process object rather than the global one,
 * so several servers in one test process do not collide.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { registerProcessFaults } from './process-guard.ts';

/**
 * Who answered a tool call: the exposed tool, the gateway's zone, the tool's pack and the pack version that
 * served it. An empty string where unknown (a pack server has no zone; a call denied before routing has no
 * version; a third-party tool has no pack).
 */
export interface CallLabels {
  tool: string;
  zone: string;
  pack: string;
  pack_version: string;
}

type CallLabel = keyof CallLabels;

export interface RuntimeMetrics {
  registry: Registry;
  /** Tool calls by exposed tool, outcome status, zone, pack and pack version. */
  calls: Counter<CallLabel | 'status'>;
  /** Wall time of a tool call, arrival to answer. */
  latency: Histogram<CallLabel>;
  /** Policy decisions by outcome and deciding rule. */
  decisions: Counter<'decision' | 'rule'>;
  /** Circuit breaker state per target: 0 closed, 1 half-open, 2 open. */
  breaker: Gauge<'target'>;
  /** Third-party tools hidden because their live definition differs from the reviewed hash. */
  poisoned: Gauge<'remote'>;
  /** Tool calls per tenant (counted only when the bundle defines tenants). */
  tenantCalls: Counter<'tenant'>;
  /** Tool calls refused by a tenant quota, by tenant and quota ('callsPerMinute', …). */
  tenantQuotaExceeded: Counter<'tenant' | 'quota'>;
  /** HTTP requests answered, by method, route template (never a raw path) and status code. */
  httpRequests: Counter<'method' | 'route' | 'status'>;
  /** HTTP request duration, arrival to the last byte written, by method and route template. */
  httpDuration: Histogram<'method' | 'route'>;
}

/** Latency buckets (seconds) of the tool call and HTTP histograms: 0.5 ms (a cached answer) to 30 s. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Counts one finished tool call and its duration. */
export function recordCall(
  metrics: RuntimeMetrics,
  labels: CallLabels,
  status: string,
  seconds: number,
): void {
  // Built field by field, not spread: a spread copy cost prom-client twice the time per call (bench metrics).
  const { tool, zone, pack, pack_version } = labels;
  metrics.calls.inc({ tool, status, zone, pack, pack_version });
  metrics.latency.observe({ tool, zone, pack, pack_version }, seconds);
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): RuntimeMetrics {
  const registry = new Registry();
  // Event-loop delay sampled every 100 ms rather than prom-client's 10 ms: the 10 ms timer alone cost an idle
  // gateway or pack server about 12 ms of CPU per second (docs/gateway.md); the lag figures stay meaningful.
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  registerProcessFaults(registry);
  return {
    registry,
    calls: new Counter({
      name: 'raku_tool_calls_total',
      help: 'Tool calls by exposed tool name, status, zone, pack and the pack version that served them.',
      labelNames: ['tool', 'status', 'zone', 'pack', 'pack_version'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'raku_tool_call_duration_seconds',
      help: 'Tool call latency, from arrival to answer.',
      labelNames: ['tool', 'zone', 'pack', 'pack_version'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'raku_policy_decisions_total',
      help: 'Policy decisions by outcome and the rule that decided.',
      labelNames: ['decision', 'rule'],
      registers: [registry],
    }),
    breaker: new Gauge({
      name: 'raku_breaker_state',
      help: 'Circuit breaker state per route target: 0 closed, 1 half-open, 2 open.',
      labelNames: ['target'],
      registers: [registry],
    }),
    poisoned: new Gauge({
      name: 'raku_remote_tools_hidden',
      help: 'Third-party tools hidden because their live definition hash differs from the reviewed one.',
      labelNames: ['remote'],
      registers: [registry],
    }),
    tenantCalls: new Counter({
      name: 'raku_tenant_calls_total',
      help: 'Tool calls by the tenant they were made in (only when the bundle defines tenants).',
      labelNames: ['tenant'],
      registers: [registry],
    }),
    tenantQuotaExceeded: new Counter({
      name: 'raku_tenant_quota_exceeded_total',
      help: 'Tool calls refused by a tenant quota, by tenant and quota (callsPerMinute, callsPerDay, concurrentCalls).',
      labelNames: ['tenant', 'quota'],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'raku_http_requests_total',
      help: 'HTTP requests by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'raku_http_request_duration_seconds',
      help: 'HTTP request duration, from arrival to the last byte of the answer, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
  };
}

/** A maker of gauges that read one figure of `stats()` at every scrape. */
function scrapedGauge<S>(
  metrics: RuntimeMetrics,
  stats: () => S,
): (name: string, help: string, pick: (s: S) => number) => void {
  return (name, help, pick) => {
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      collect() {
        this.set(pick(stats()));
      },
    });
  };
}

/** Exports a trace sink's counters (queue depth, drops, writes, failures) on every scrape. */
export function registerTraceStats(
  metrics: RuntimeMetrics,
  stats: () => { queued: number; queuedBytes: number; dropped: number; written: number; failures: number },
): void {
  const gauge = scrapedGauge(metrics, stats);
  gauge('raku_trace_queue_depth', 'Traces waiting in memory to be written.', (s) => s.queued);
  gauge(
    'raku_trace_queue_bytes',
    'Bytes the traces waiting in memory hold, as the trace buffer counts them against its byte bound.',
    (s) => s.queuedBytes,
  );
  gauge(
    'raku_trace_dropped_total',
    'Traces dropped: the buffer was full, or the database refused the row even with its payloads marked.',
    (s) => s.dropped,
  );
  gauge('raku_trace_written_total', 'Traces written to the database.', (s) => s.written);
  gauge('raku_trace_write_failures_total', 'Failed trace batch writes.', (s) => s.failures);
}

/**
 * Exports the trace retention sweep of this process on every scrape. Only the replica that swept moves the
 * last-run figures: take the max across replicas for the zone's last sweep.
 */
export function registerRetentionStats(
  metrics: RuntimeMetrics,
  stats: () => {
    days: number;
    deleted: number;
    lastRunAt: Date | null;
    lastDeleted: number;
    failures: number;
  },
): void {
  const gauge = scrapedGauge(metrics, stats);
  gauge('raku_trace_retention_days', 'Days traces are kept (0: forever, no sweep).', (s) => s.days);
  gauge(
    'raku_trace_retention_deleted_total',
    'Traces deleted by the retention sweeps of this process.',
    (s) => s.deleted,
  );
  gauge(
    'raku_trace_retention_last_run_timestamp_seconds',
    'End of the last retention sweep this process ran, in Unix seconds (0: none yet).',
    (s) => (s.lastRunAt ? s.lastRunAt.getTime() / 1000 : 0),
  );
  gauge(
    'raku_trace_retention_last_run_deleted',
    'Traces the last retention sweep of this process deleted.',
    (s) => s.lastDeleted,
  );
  gauge(
    'raku_trace_retention_failures_total',
    'Retention sweeps of this process that failed (database errors).',
    (s) => s.failures,
  );
}

/** Exports the live event hub's figures (GET /v1/events) on every scrape. */
export function registerEventStats(
  metrics: RuntimeMetrics,
  stats: () => { connections: number; sent: Record<string, number>; dropped: Record<string, number> },
): void {
  scrapedGauge(metrics, stats)(
    'raku_event_streams_open',
    'Live event streams (GET /v1/events) open.',
    (s) => s.connections,
  );
  const byType = (
    name: string,
    help: string,
    pick: (s: ReturnType<typeof stats>) => Record<string, number>,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['type'],
      registers: [metrics.registry],
      collect() {
        for (const [type, count] of Object.entries(pick(stats()))) this.set({ type }, count);
      },
    });
  byType('raku_events_sent_total', 'Live events written to streams, by event type.', (s) => s.sent);
  byType(
    'raku_events_dropped_total',
    'Live events a stream lost because its client read too slowly (or the hub was overrun), by event type.',
    (s) => s.dropped,
  );
}

/**
 * Exports the approval backlog (requests pending and not yet expired) on every scrape, by zone. The count is
 * the zone's (its database), so every replica reports the same figure: take the max across replicas. A failed
 * count keeps the last figure: a database hiccup must not fail the whole scrape.
 */
export function registerApprovalBacklog(
  metrics: RuntimeMetrics,
  zone: () => string,
  countPending: () => Promise<number>,
  onError: (error: Error) => void = () => {},
): void {
  let last = new Map<string, number>();
  new Gauge({
    name: 'raku_approvals_pending',
    help: 'Approval requests waiting for a decision (pending, not expired), by zone.',
    labelNames: ['zone'],
    registers: [metrics.registry],
    async collect() {
      try {
        last = new Map([[zone(), await countPending()]]);
      } catch (err) {
        onError(err instanceof Error ? err : new Error(String(err)));
      }
      this.reset();
      for (const [z, count] of last) this.set({ zone: z }, count);
    },
  });
}

/** Exports the OpenTelemetry span processor's drop count (spans lost because its queue was full). */
export function registerSpanDrops(metrics: RuntimeMetrics, dropped: () => number): void {
  scrapedGauge(metrics, () => dropped())(
    'raku_otel_spans_dropped_total',
    'Spans the OpenTelemetry batch processor dropped because its queue was full.',
    (n) => n,
  );
}
