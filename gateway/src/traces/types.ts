/**
 * The trace contract between the MCP runtime (which records one trace per tool call) and the persistence
 * layer (which redacts, batches and writes them to Postgres). Pure types: no I/O here.
 */
import type { JsonSchema } from '@raku/config';
import type { Page } from '../db/cursor.ts';
import type { TenantScope } from '../tenancy/scope.ts';

/** Who called: a person, an agent (bot), or nobody authenticated. */
export type SubjectKind = 'user' | 'agent' | 'service' | 'anonymous';

/**
 * How a call ended, from the agent's point of view. Written once here and reused by the type, the admin API's
 * `status` filter and its OpenAPI document (the database stores it as text, without a constraint;
 * test/persistence/trace-vocabulary.test.ts ties the schema, the migrations and docs/traces.md to this list).
 * `unknown_tool`: no tool of that name in the bundle, so no policy rule decided anything.
 */
export const TRACE_STATUSES = [
  'ok',
  'error',
  'denied',
  'invalid',
  'rate_limited',
  'no_route',
  'timeout',
  'pending',
  'rejected',
  'expired',
  'unknown_tool',
] as const;

export type TraceStatus = (typeof TRACE_STATUSES)[number];

/**
 * The policy decision for the call. `approval` means the call needed an approval; its outcome is in `status`
 * (`ok`/`error` after approval, `rejected`, `expired` or `pending` when the agent got a job id instead).
 * `none`: the policy was not asked (an unknown tool, or a call refused before it ran); the rule is then null.
 */
export const TRACE_DECISIONS = ['allow', 'deny', 'approval', 'none'] as const;

export type TraceDecision = (typeof TRACE_DECISIONS)[number];

/**
 * The statuses the per-tool charts count as errors: the call was let through (or never reached the policy) and
 * then failed: the tool or its route failed (`error`, `timeout`, `no_route`) or the request was broken
 * (`invalid`, `unknown_tool`). Not errors: `ok`; `pending` (no outcome yet); and the refusals that are the
 * policy or its limits working as configured (`denied`, `rejected`, `expired`, `rate_limited`).
 */
export const TRACE_ERROR_STATUSES = [
  'error',
  'timeout',
  'no_route',
  'invalid',
  'unknown_tool',
] as const satisfies readonly TraceStatus[];

/**
 * One tool call as the runtime records it. `args` and `result` are the raw values: the sink redacts them
 * off the request path before anything is stored, so the runtime must not stringify or copy them.
 */
export interface TraceRecord {
  /**
   * The trace's id when the caller must name it before it is written (the console's try-it links to it);
   * a UUID the gateway made, never one a client sent. Default: assigned by the sink.
   */
  id?: string;
  /** When the call arrived. */
  time: Date;
  /** Subject id from the token ('user:alice', 'agent:triage-bot'); 'anonymous' when unauthenticated. */
  subject: string;
  subjectKind: SubjectKind;
  /** Exposed tool name ('github.list_issues'), as the agent asked for it. */
  tool: string;
  /** Route that served the call (e.g. 'pack:github-issues@1.2.0' or 'remote:acme-docs'); null if none. */
  route: string | null;
  /** The concrete target URL/id tried last (pack server URL, remote URL, 'in-process'); null if none. */
  target: string | null;
  decision: TraceDecision;
  /** Name of the policy rule that decided (binding/deny/approval rule, or 'default-deny'); null if none. */
  rule: string | null;
  /** Config revision (bundle revision, git SHA) the gateway was running. */
  revision: string;
  /** Zone of the gateway's bundle ('dev', 'prod'); stored as null when absent. */
  zone?: string | null;
  /**
   * The tenant the call was made in (gateway/src/tenancy/membership.ts: chooseTenant); row-level security
   * keeps the row to that tenant. Absent: IMPLICIT_TENANT.
   */
  tenant?: string;
  /**
   * W3C trace id of the call (32 lowercase hex digits): the agent's, when its `traceparent` (HTTP header or MCP
   * `_meta`) named one, else the one the gateway's OpenTelemetry span started. Links the row to the tracing
   * backend. Stored as null when absent or not 32 hex digits.
   */
  traceId?: string | null;
  /** Wall time from arrival to response, in milliseconds (fractions allowed). */
  latencyMs: number;
  status: TraceStatus;
  /** Size of the arguments as received (bytes of JSON). Computed from `args` when omitted. */
  argsBytes?: number;
  /** Size of the result returned (bytes of JSON). Computed from `result` when omitted. */
  resultBytes?: number;
  /** Raw tool arguments (redacted by the sink before storage). */
  args: unknown;
  /** Raw tool result (redacted by the sink before storage); null/undefined when there is none. */
  result?: unknown;
  /** Error message shown to the agent, if any (also redacted). */
  error?: string | null;
  /**
   * The tool's input schema, used only to redact properties marked `x-sensitive: true`. Not stored.
   * Pass the schema object you already hold (no copy).
   */
  inputSchema?: JsonSchema;
}

/** Counters of a sink, exported as metrics (trace queue depth, drops, writes, failed batches). */
export interface TraceSinkStats {
  /** Traces waiting in memory to be written. */
  queued: number;
  /** What the queued traces' rows hold, in bytes as the sink counts them against its byte bound. */
  queuedBytes: number;
  /** Traces dropped because the buffer was full (Postgres down for too long). Never silently lost. */
  dropped: number;
  /** Traces written to the database. */
  written: number;
  /** Failed write attempts (each batch attempt that threw). */
  failures: number;
}

/**
 * Where traces go. `record` never blocks and never throws: it queues the trace and returns. Batches are
 * written in the background; while the database is down traces wait in a bounded buffer and are written after
 * recovery; overflow increments `dropped`.
 */
export interface TraceSink {
  record(trace: TraceRecord): void;
  /** Resolves when everything queued before the call has been written, or the write failed (see stats). */
  flush(): Promise<void>;
  /** Flushes what it can and stops the background writer. Further `record` calls count as dropped. */
  close(): Promise<void>;
  stats(): TraceSinkStats;
}

/** A stored trace, as the admin API returns it. */
export interface StoredTrace {
  id: string;
  time: string;
  subject: string;
  subjectKind: string;
  tool: string;
  route: string | null;
  target: string | null;
  decision: string;
  rule: string | null;
  revision: string;
  latencyMs: number;
  status: string;
  argsBytes: number;
  resultBytes: number;
  args: unknown;
  result: unknown;
  error: string | null;
  /** Zone of the gateway's bundle; null for traces stored before zones were recorded. */
  zone: string | null;
  /** W3C trace id (32 hex digits) linking the call to the tracing backend; null when none was known. */
  traceId: string | null;
  /** The tenant the call was made in ('default' for traces stored before tenants, and in a repository without). */
  tenant: string;
}

/** The admin API's trace listing filter. */
export interface TraceFilter {
  /** Inclusive lower bound of `time`. */
  from?: Date;
  /** Exclusive upper bound of `time`. */
  to?: Date;
  subject?: string;
  tool?: string;
  status?: TraceStatus;
  decision?: TraceDecision;
  /** Name of the deciding policy rule. */
  rule?: string;
  zone?: string;
  /** One tenant of the caller's scope (an organisation admin's `?tenant=`); a tenant outside it matches nothing. */
  tenant?: string;
  cursor?: string;
  /** 1..500, default 100. */
  limit?: number;
}

/** What the per-tool charts ask for: one tool or the busiest, one zone or all, over a time range. */
export interface TraceStatsQuery {
  tool?: string;
  zone?: string;
  /** One tenant of the caller's scope; a tenant outside it matches nothing. */
  tenant?: string;
  /** Inclusive; default `to` minus one hour. */
  from?: Date;
  /** Exclusive; default now. */
  to?: Date;
  /** Bucket width in seconds; default the range split into about 60 buckets (rounded to a round width). */
  bucketSeconds?: number;
}

/** One time bucket of one tool. Latency percentiles are null in a bucket without calls. */
export interface TraceStatsPoint {
  /** Start of the bucket (ISO 8601). */
  time: string;
  calls: number;
  /** Calls whose status is one of TRACE_ERROR_STATUSES. */
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Per tool and time bucket: calls, errors and latency percentiles (ms), computed by the database. */
export interface TraceStats {
  from: string;
  to: string;
  bucketSeconds: number;
  /** True when the bucket asked for (or the default) would have made more than `maxBuckets`: it was widened. */
  bucketWidened: boolean;
  maxBuckets: number;
  /** At most this many tools, the busiest in the range (ties by name). */
  maxTools: number;
  /** Tools with calls in the range; more than `series.length` when the cap left some out. */
  toolsTotal: number;
  /** The statuses counted in `errors`. */
  errorStatuses: string[];
  /** Busiest tool first; every series has one point per bucket from `from`'s bucket to `to`. */
  series: { tool: string; calls: number; points: TraceStatsPoint[] }[];
}

/**
 * Reads traces back, newest first, of the tenants in `scope` only (Postgres: row-level security; ClickHouse:
 * a WHERE clause). A trace of another tenant reads as absent.
 */
export interface TraceReader {
  list(scope: TenantScope, filter: TraceFilter): Promise<Page<StoredTrace>>;
  /** One trace by id, or null. `id` must be a UUID (the router checks). */
  get(scope: TenantScope, id: string): Promise<StoredTrace | null>;
  stats(scope: TenantScope, query: TraceStatsQuery): Promise<TraceStats>;
}
