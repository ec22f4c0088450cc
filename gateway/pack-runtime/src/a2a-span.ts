/**
 * The OpenTelemetry CLIENT span of one A2A call (tracing on: the call has a parent span). It covers the whole
 * exchange with the agent — the send, the event stream, any polling — and the HTTP requests the SDK makes go
 * under it (upstream-http.ts gives each its own CLIENT span, whose `traceparent` the agent receives). Named
 * `<A2A method> <skill>` as the MCP conventions name a call `<method> <tool>`; the task and context ids the
 * agent answered with are its `raku.a2a.task_id` and `raku.a2a.context_id`.
 */
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/** The instrumentation scope (the same as the upstream HTTP spans'). */
const TRACER_NAME = '@raku/pack-runtime';

export interface A2aSpanStart {
  parent: Span;
  /** 'SendMessage', 'SendStreamingMessage' or 'GetTask' (a job following a task). */
  method: string;
  skill: string;
  url: URL;
  protocolVersion: string;
}

/** Starts the CLIENT span of an A2A call under the call's span (the caller ends it with endA2aSpan). */
export function startA2aSpan(start: A2aSpanStart): Span {
  const { url } = start;
  return trace.getTracer(TRACER_NAME).startSpan(
    `${start.method} ${start.skill}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'rpc.system': 'a2a',
        'rpc.method': start.method,
        'raku.a2a.skill': start.skill,
        'raku.a2a.protocol_version': start.protocolVersion,
        'server.address': url.hostname,
        'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      },
    },
    trace.setSpan(ROOT_CONTEXT, start.parent),
  );
}

export interface A2aSpanEnd {
  taskId?: string | undefined;
  contextId?: string | undefined;
  /** The task's state when the call ended ('completed', 'working', …; 'message' for a plain reply). */
  state?: string | undefined;
  /** Set when the call failed: 'timeout' or 'error'. */
  errorType?: string | undefined;
}

/** Ends an A2A call's span with what the agent answered, marked as an error when the call failed. */
export function endA2aSpan(span: Span, end: A2aSpanEnd): void {
  if (end.taskId) span.setAttribute('raku.a2a.task_id', end.taskId);
  if (end.contextId) span.setAttribute('raku.a2a.context_id', end.contextId);
  if (end.state) span.setAttribute('raku.a2a.state', end.state);
  if (end.errorType) {
    span.setAttribute('error.type', end.errorType);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
