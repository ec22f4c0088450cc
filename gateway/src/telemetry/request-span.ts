/**
 * One MCP request served under its OpenTelemetry SERVER span (./mcp-spans.ts), for the endpoint both roles
 * share (../mcp/tool-endpoint.ts), whichever path answers it (the hot path or the SDK). With tracing off the
 * request runs as it is; only the agent's trace id is read, so its trace row can name the agent's trace.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ProtocolError } from '@modelcontextprotocol/server';
import type { Span } from '@opentelemetry/api';
import { endMcpSpan, startMcpServerSpan } from './mcp-spans.ts';
import { TRACEPARENT, traceIdOf } from './trace-context.ts';
import { activeTracer } from './tracing.ts';

const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';

/** What a request carries beyond its params that its span and trace row need: the JSON-RPC id, the headers. */
export interface RequestInfo {
  id: string | number | undefined;
  headers: IncomingHttpHeaders | undefined;
}

/** The error.type/status of a request that threw: a JSON-RPC error (its code), else the fault's class. */
function failedOutcome(err: unknown): Parameters<typeof endMcpSpan>[1] {
  if (err instanceof ProtocolError) return { rpcError: { code: err.code, message: err.message } };
  return { errorType: err instanceof Error ? err.name : '_OTHER' };
}

/**
 * Runs `run` under the request's SERVER span when tracing is on, as it is otherwise. `run` gets the W3C trace
 * id the request belongs to, if any (the agent's, from `_meta` or the HTTP `traceparent`, else the span's when
 * it is sampled), and the span, to hand down as the parent of the call's spans. A `ProtocolError` it throws is
 * recorded as that JSON-RPC error; a result with `isError: true` as a tool error.
 */
export async function traceMcpRequest<T extends object>(
  method: 'tools/call' | 'tools/list',
  tool: string | undefined,
  meta: Record<string, unknown> | undefined,
  info: RequestInfo,
  run: (w3cTraceId: string | undefined, span?: Span) => Promise<T>,
): Promise<T> {
  const agentTraceId = traceIdOf(meta?.[TRACEPARENT]) ?? traceIdOf(info.headers?.[TRACEPARENT]);
  const tracer = activeTracer();
  if (!tracer) return run(agentTraceId);
  const sessionId = info.headers?.['mcp-session-id'];
  const version = meta?.[PROTOCOL_VERSION_META] ?? info.headers?.['mcp-protocol-version'];
  const span = startMcpServerSpan(tracer, {
    method,
    tool,
    requestId: info.id,
    meta,
    headers: info.headers,
    sessionId: typeof sessionId === 'string' ? sessionId : undefined,
    protocolVersion: typeof version === 'string' ? version : undefined,
  });
  const w3cTraceId = agentTraceId ?? (span.isRecording() ? span.spanContext().traceId : undefined);
  try {
    const result = await run(w3cTraceId, span);
    endMcpSpan(span, { result: { isError: 'isError' in result && result.isError === true } });
    return result;
  } catch (err) {
    endMcpSpan(span, failedOutcome(err));
    throw err;
  }
}
