/**
 * Spans of MCP requests, named and attributed by the OpenTelemetry semantic conventions for MCP
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/): a SERVER span per request served (gateway and
 * pack server), a CLIENT span per call sent to a pack server or a third-party server, named
 * `{mcp.method.name} {gen_ai.tool.name}`. The parent of a server span is the trace context in the request's
 * `params._meta`, else the HTTP `traceparent`; when both are there and differ, the HTTP one is linked.
 * Argument values and results are never recorded.
 */
import {
  type Attributes,
  type Context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { remoteSpanContext, spanTraceHeaders } from './trace-context.ts';

/** Attribute keys (the MCP and GenAI ones are still "development" in the conventions, so copied here). */
export const ATTR = {
  mcpMethod: 'mcp.method.name',
  mcpSession: 'mcp.session.id',
  mcpProtocolVersion: 'mcp.protocol.version',
  jsonRpcRequestId: 'jsonrpc.request.id',
  rpcStatusCode: 'rpc.response.status_code',
  toolName: 'gen_ai.tool.name',
  operationName: 'gen_ai.operation.name',
  errorType: 'error.type',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  networkTransport: 'network.transport',
  networkProtocol: 'network.protocol.name',
  zone: 'raku.zone',
  pack: 'raku.pack',
  packVersion: 'raku.pack.version',
  policyRule: 'raku.policy.rule',
  decision: 'raku.decision',
  revision: 'raku.config.revision',
  callStatus: 'raku.call.status',
  route: 'raku.route',
  target: 'raku.target',
} as const;

/** `error.type` of a tools/call answered with `isError: true` (the conventions' value). */
export const TOOL_ERROR = 'tool_error';

export interface McpServerRequest {
  method: string;
  tool?: string | undefined;
  /** The JSON-RPC id. */
  requestId?: string | number | undefined;
  /** `params._meta` of the request. */
  meta?: Readonly<Record<string, unknown>> | undefined;
  /** The HTTP request's `traceparent`/`tracestate` headers. */
  headers?: Readonly<Record<string, unknown>> | undefined;
  sessionId?: string | undefined;
  protocolVersion?: string | undefined;
}

function spanName(method: string, tool: string | undefined): string {
  return tool === undefined ? method : `${method} ${tool}`;
}

function requestAttributes(method: string, tool: string | undefined, requestId: unknown): Attributes {
  const attributes: Attributes = {
    [ATTR.mcpMethod]: method,
    [ATTR.networkTransport]: 'tcp',
    [ATTR.networkProtocol]: 'http',
  };
  if (tool !== undefined) {
    attributes[ATTR.toolName] = tool;
    attributes[ATTR.operationName] = 'execute_tool';
  }
  if (requestId !== undefined && requestId !== null) attributes[ATTR.jsonRpcRequestId] = String(requestId);
  return attributes;
}

/** Starts the SERVER span of a request; the request's work hands it on as the parent of its spans. */
export function startMcpServerSpan(tracer: Tracer, request: McpServerRequest): Span {
  const attributes = requestAttributes(request.method, request.tool, request.requestId);
  if (request.sessionId) attributes[ATTR.mcpSession] = request.sessionId;
  if (request.protocolVersion) attributes[ATTR.mcpProtocolVersion] = request.protocolVersion;
  const fromMeta = remoteSpanContext(request.meta);
  const fromHttp = remoteSpanContext(request.headers);
  const parent = fromMeta ?? fromHttp;
  const links: Link[] | undefined =
    fromMeta && fromHttp && fromHttp.spanId !== fromMeta.spanId ? [{ context: fromHttp }] : undefined;
  const parentContext: Context = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
  return tracer.startSpan(
    spanName(request.method, request.tool),
    links ? { kind: SpanKind.SERVER, attributes, links } : { kind: SpanKind.SERVER, attributes },
    parentContext,
  );
}

/**
 * Starts the CLIENT span of a call to an MCP server, child of `parent` (the span of the request being
 * served); `headers` is its trace context to send with the call (HTTP headers and `params._meta` alike),
 * written from the new span's context directly (no Context object made for it).
 */
export function startMcpClientSpan(
  tracer: Tracer,
  call: { tool: string; requestId?: string | number; url: URL; parent: Span },
): { span: Span; headers: Record<string, string> } {
  const attributes = requestAttributes('tools/call', call.tool, call.requestId);
  attributes[ATTR.serverAddress] = call.url.hostname;
  attributes[ATTR.serverPort] = Number(call.url.port) || (call.url.protocol === 'https:' ? 443 : 80);
  const span = tracer.startSpan(
    spanName('tools/call', call.tool),
    { kind: SpanKind.CLIENT, attributes },
    trace.setSpan(ROOT_CONTEXT, call.parent),
  );
  return { span, headers: spanTraceHeaders(span.spanContext()) };
}

/**
 * Ends an MCP span with the outcome: a result (`isError` → error.type tool_error), a JSON-RPC error (its
 * code as error.type and rpc.response.status_code, its message as the status), or a failure (`errorType`).
 */
export function endMcpSpan(
  span: Span,
  outcome:
    | { result: { isError?: boolean | undefined } }
    | { rpcError: { code: number; message: string } }
    | { errorType: string; message?: string },
): void {
  if ('result' in outcome) {
    if (outcome.result.isError === true) {
      span.setAttribute(ATTR.errorType, TOOL_ERROR);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  } else if ('rpcError' in outcome) {
    const code = String(outcome.rpcError.code);
    span.setAttributes({ [ATTR.errorType]: code, [ATTR.rpcStatusCode]: code });
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.rpcError.message });
  } else {
    span.setAttribute(ATTR.errorType, outcome.errorType);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      ...(outcome.message !== undefined ? { message: outcome.message } : {}),
    });
  }
  span.end();
}
