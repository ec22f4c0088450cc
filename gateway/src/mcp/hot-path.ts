/**
 * The two requests agents send on every turn, `tools/call` and `tools/list`, of protocol revision 2026-07-28
 * and of 2025-11-25 (after initialize), answered straight from the endpoint's handlers instead of through the
 * SDK's per-request machinery (a `Server`, a transport, several zod passes over the message, web
 * `Request`/`Response` objects and streams: about six bare HTTP echoes of CPU per request on our machines;
 * for 2025-11-25 also a server-sent-event stream per answer; see docs/gateway.md).
 *
 * The hot path only takes a request it can answer exactly as the SDK would, and hands everything else to the
 * SDK untouched, before anything has run: the SDK stays the one place that speaks the rest of the protocol
 * and produces every answer of its validation ladder. It takes a single JSON-RPC request for one of the two
 * methods whose headers agree with its body (`MCP-Protocol-Version`, `Mcp-Method`, a plain `Mcp-Name`),
 * whose params hold nothing but what the method defines, and whose `_meta` envelope the SDK's own exported
 * classifier (`classifyInboundRequest`) accepts; that verdict is remembered per envelope (see
 * `modernRequest`). Results get the SDK's 2026-07-28 encoding (`resultType`, cache fields of a list, the
 * server's identity in `_meta`) and a `tools/call` result is checked against the SDK's own `CallToolResult`
 * schema.
 *
 * A 2025-11-25 request is one the SDK's stateless legacy serving would answer (createMcpHandler's default
 * fallback: a fresh `Server` and transport per POST, no session): no envelope claim, an
 * `MCP-Protocol-Version` header that is absent or 2025-11-25, an `Accept` naming both JSON and event streams
 * (else the SDK answers 406), params holding only what the method defines. Its answer is what that transport
 * sends: one `message` event on a `text/event-stream` answer with the handler's result as it is (no
 * 2026-07-28 encoding), errors with the codes the SDK gives them in that era.
 *
 * gateway/test/mcp-hot-path.test.ts sends a corpus of good and bad requests to an endpoint with and without
 * it and requires the same answers. RAKU_MCP_HOT_PATH=false turns it off (docs/gateway.md).
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  type AuthInfo,
  BAGGAGE_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  classifyInboundRequest,
  isJsonContentType,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  SERVER_INFO_META_KEY,
  specTypeSchemas,
  TRACEPARENT_META_KEY,
  TRACESTATE_META_KEY,
} from '@modelcontextprotocol/server';

/** Revisions the hot path answers; a newer one the SDK may learn goes to the SDK until it is added here. */
const REVISION = '2026-07-28';
/** The 2025 revision served (statelessly, by the SDK's legacy fallback); older ones go to the SDK. */
const LEGACY_REVISION = '2025-11-25';
/** An `Mcp-Name` carrying this prefix is Base64-encoded (SEP-2243); the SDK decodes it. */
const BASE64_SENTINEL = '=?base64?';
const CALL_PARAMS = new Set(['name', 'arguments', '_meta']);
const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const PROTOCOL_PREFIX = 'io.modelcontextprotocol/';
const ENVELOPE_KEYS = new Set([
  PROTOCOL_VERSION_META_KEY,
  CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
]);
const TRACE_KEYS = new Set([TRACEPARENT_META_KEY, TRACESTATE_META_KEY, BAGGAGE_META_KEY]);
const LIST_PARAMS = new Set(['cursor', '_meta']);
const callToolResult = specTypeSchemas.CallToolResult['~standard'];

type JsonRpcId = string | number;
type Params = Record<string, unknown>;

export interface HotHandlers {
  /** The server's identity, stamped into every result's `_meta` as the SDK does. */
  serverInfo: { name: string; version: string };
  /** Answers tools/list (`id`: the JSON-RPC id); throws `ProtocolError` for a bad request (an invalid cursor). */
  listTools(params: Params, authInfo: AuthInfo, id: JsonRpcId): Promise<Record<string, unknown>>;
  /** Answers tools/call (`id`: the JSON-RPC id); throws `ProtocolError` for a bad request (an unknown tool). */
  callTool(
    params: Params,
    authInfo: AuthInfo,
    signal: AbortSignal,
    id: JsonRpcId,
  ): Promise<Record<string, unknown>>;
}

/**
 * A taken request, answered with HTTP 200 (errors of a taken request are JSON-RPC errors in the body, as the
 * SDK answers them): JSON for 2026-07-28, one server-sent event for 2025-11-25.
 */
export interface HotCall {
  /** Send the answer as one `message` event of a `text/event-stream` answer (2025-11-25), not as JSON. */
  eventStream: boolean;
  /** The JSON-RPC response, encoded, once the handler is done. */
  json: Promise<string>;
}

/**
 * Serves a POST whose body is already parsed: the call under way, or `undefined` when the SDK must answer
 * the request instead.
 */
export type HotPath = (
  headers: IncomingHttpHeaders,
  body: unknown,
  signal: AbortSignal,
  authInfo: AuthInfo,
) => HotCall | undefined;

/**
 * How often the SDK's transport writes a keep-alive comment on an event stream while a call runs (its
 * DEFAULT_SSE_KEEP_ALIVE_MS, which it does not export); the endpoint passes the same value to both.
 */
export const SSE_KEEP_ALIVE_MS = 15_000;
/** The comment the transport writes to keep an idle event stream open through proxies. */
export const SSE_KEEP_ALIVE = ': keepalive\n\n';

/** The headers the SDK's streamable HTTP transport puts on an event-stream answer (a 2025-11-25 POST). */
export const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** One answer as the transport frames it: a `message` event without an id (no event store). */
export function eventStreamBody(json: string): string {
  return `event: message\ndata: ${json}\n\n`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

function onlyKeys(params: Params, allowed: ReadonlySet<string>): boolean {
  for (const key in params) if (!allowed.has(key)) return false;
  return true;
}

/**
 * The SDK's encode contract for a 2026-07-28 result, for what our handlers return (no `resultType`, no cache
 * hints): `resultType: "complete"`, a list's default cache fields, and the server's identity added to `_meta`
 * unless the handler put one there.
 */
function encodeResult(
  method: string,
  result: Record<string, unknown>,
  serverInfo: HotHandlers['serverInfo'],
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...result, resultType: 'complete' };
  if (method === 'tools/list') {
    out['ttlMs'] = 0;
    out['cacheScope'] = 'private';
  }
  const meta = out['_meta'];
  if (meta === undefined) out['_meta'] = { [SERVER_INFO_META_KEY]: serverInfo };
  else if (isPlainObject(meta) && meta[SERVER_INFO_META_KEY] === undefined) {
    out['_meta'] = { ...meta, [SERVER_INFO_META_KEY]: serverInfo };
  }
  return out;
}

const RESULT_KEYS = new Set(['content', 'structuredContent', 'isError', '_meta']);

/**
 * Whether a tools/call result has the shape every pack tool returns (text blocks, structured content, an
 * error flag, vendor `_meta` keys), which the SDK's `CallToolResult` schema accepts whatever the values:
 * checked by hand for a few microseconds instead of a zod pass of tens; anything else still goes through the
 * schema. The property test in gateway/test/mcp-hot-path.test.ts holds it to the schema.
 */
export function plainCallResult(result: Record<string, unknown>): boolean {
  for (const key in result) if (!RESULT_KEYS.has(key)) return false;
  const { content, structuredContent, isError, _meta: meta } = result;
  if (!Array.isArray(content)) return false;
  for (const block of content) {
    if (!isPlainObject(block) || block['type'] !== 'text' || typeof block['text'] !== 'string') return false;
    for (const key in block) if (key !== 'type' && key !== 'text') return false;
  }
  if (isError !== undefined && typeof isError !== 'boolean') return false;
  if (structuredContent !== undefined && !isPlainObject(structuredContent)) return false;
  if (meta !== undefined) {
    if (!isPlainObject(meta)) return false;
    // Keys the protocol types (a progress token, its own prefix) are the schema's to judge.
    for (const key in meta) if (key === 'progressToken' || key.startsWith(PROTOCOL_PREFIX)) return false;
  }
  return true;
}

/** Refuses a tools/call result the SDK would refuse to send, with the SDK's error. */
function checkCallResult(result: Record<string, unknown>): void {
  if (plainCallResult(result)) return;
  const checked = callToolResult.validate(result);
  if (checked instanceof Promise) throw new Error('the CallToolResult schema validates asynchronously');
  if (checked.issues) {
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `Invalid tools/call result: ${JSON.stringify(checked.issues, null, 2)}`,
    );
  }
}

/** A JSON-RPC error answer for what a handler threw, coded as the SDK codes it (in both eras). */
function errorAnswer(id: JsonRpcId, err: unknown): string {
  const error = (err ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  const thrown = Number.isSafeInteger(error.code) ? (error.code as number) : ProtocolErrorCode.InternalError;
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    error: {
      // The SDK folds the old resource-not-found code into invalid params, for 2025-11-25 answers too.
      code: thrown === ProtocolErrorCode.ResourceNotFound ? ProtocolErrorCode.InvalidParams : thrown,
      message: typeof error.message === 'string' ? error.message : 'Internal error',
      ...(error.data !== undefined ? { data: error.data } : {}),
    },
  });
}

/** The JSON-RPC shape the SDK's classifier accepts, checked as strictly (ids: strings or safe integers). */
function isPlainRequest(body: Record<string, unknown>): boolean {
  for (const key in body) if (!REQUEST_KEYS.has(key)) return false;
  const id = body['id'];
  return body['jsonrpc'] === '2.0' && (typeof id === 'string' || Number.isSafeInteger(id));
}

/**
 * `_meta` keys other than the envelope's: the progress token and W3C trace context with the types the SDK
 * gives them, and vendor keys (`dev.raku/…`), which the SDK passes through. Any other key of the protocol's
 * own prefix is the SDK's to judge.
 */
function plainMetaKeys(meta: Record<string, unknown>): boolean {
  for (const key in meta) {
    const value = meta[key];
    if (ENVELOPE_KEYS.has(key)) continue;
    if (key === 'progressToken') {
      if (typeof value !== 'string' && !Number.isSafeInteger(value)) return false;
    } else if (TRACE_KEYS.has(key)) {
      if (typeof value !== 'string') return false;
    } else if (key.startsWith(PROTOCOL_PREFIX)) return false;
  }
  return true;
}

/**
 * Whether the SDK's classifier takes this request as a 2026-07-28 request, remembered per envelope: once
 * the JSON-RPC shape, the method, the revision and the headers are checked by hand (above), its answer
 * depends only on the envelope's client info, capabilities and log level, which an agent repeats on every
 * call. The classifier parses with zod and costs tens of microseconds a call; a lookup costs one small
 * JSON.stringify. Bounded: cleared when full.
 */
const classified = new Map<string, boolean>();
const MAX_CLASSIFIED = 512;
function modernRequest(
  meta: Record<string, unknown>,
  request: Parameters<typeof classifyInboundRequest>[0],
): boolean {
  const key = JSON.stringify({
    info: meta[CLIENT_INFO_META_KEY],
    capabilities: meta[CLIENT_CAPABILITIES_META_KEY],
    logLevel: meta[LOG_LEVEL_META_KEY],
  });
  const known = classified.get(key);
  if (known !== undefined) return known;
  const route = classifyInboundRequest(request);
  const modern =
    route.kind === 'modern' && route.messageKind === 'request' && route.classification.revision === REVISION;
  if (classified.size >= MAX_CLASSIFIED) classified.clear();
  classified.set(key, modern);
  return modern;
}

/** The era of a request the hot path answers; `undefined` for one the SDK must answer. */
export type HotEra = 'modern' | 'legacy';
type HotRequest = { id: JsonRpcId; method: 'tools/call' | 'tools/list'; params?: Params };

/** Params holding only what the method defines, of the types the SDK hands a handler as they are. */
function plainParams(method: 'tools/call' | 'tools/list', params: Params, mcpNameHeader?: string): boolean {
  if (method === 'tools/list') {
    return (
      onlyKeys(params, LIST_PARAMS) &&
      (params['cursor'] === undefined || typeof params['cursor'] === 'string')
    );
  }
  const name = params['name'];
  const args = params['arguments'];
  return (
    onlyKeys(params, CALL_PARAMS) &&
    typeof name === 'string' &&
    (args === undefined || isPlainObject(args)) &&
    (mcpNameHeader === undefined || mcpNameHeader === name)
  );
}

/**
 * Whether this is a 2025-11-25 request the SDK's stateless legacy serving would hand to a handler as it is:
 * the classifier routes a request without an envelope claim and without a modern header to that era, and its
 * transport refuses (406, 400) what is checked here by hand. `Mcp-Method`, `Mcp-Name` and `Mcp-Session-Id`
 * mean nothing to stateless legacy serving, so they are not looked at.
 */
function legacyRequest(headers: IncomingHttpHeaders, body: HotRequest, params: unknown): boolean {
  const version = headers['mcp-protocol-version'];
  const accept = header(headers, 'accept');
  if (
    (version !== undefined && version !== LEGACY_REVISION) ||
    accept === undefined ||
    !accept.includes('application/json') ||
    !accept.includes('text/event-stream')
  ) {
    return false;
  }
  if (params === undefined) return body.method === 'tools/list';
  if (!isPlainObject(params) || !plainParams(body.method, params)) return false;
  const meta = params['_meta'];
  if (meta === undefined) return true;
  if (!isPlainObject(meta) || !plainMetaKeys(meta)) return false;
  // An envelope key makes it the modern era's (or the ladder's) request; plainMetaKeys lets those through.
  for (const key of ENVELOPE_KEYS) if (key in meta) return false;
  return true;
}

/** Which era of the hot path answers this request, if any: the SDK would hand it to a handler as it is. */
export function hotRequestEra(headers: IncomingHttpHeaders, body: unknown): HotEra | undefined {
  if (!isPlainObject(body) || !isJsonContentType(header(headers, 'content-type'))) return undefined;
  const method = body['method'];
  if ((method !== 'tools/call' && method !== 'tools/list') || !isPlainRequest(body)) return undefined;
  const params = body['params'];
  const meta = isPlainObject(params) ? params['_meta'] : undefined;
  if (!isPlainObject(meta) || !(PROTOCOL_VERSION_META_KEY in meta)) {
    return legacyRequest(headers, body as HotRequest, params) ? 'legacy' : undefined;
  }
  const mcpNameHeader = header(headers, 'mcp-name');
  if (
    !isPlainObject(params) ||
    meta[PROTOCOL_VERSION_META_KEY] !== REVISION ||
    // The SDK requires both headers on a modern request, agreeing with the body; it answers otherwise itself.
    header(headers, 'mcp-protocol-version') !== REVISION ||
    header(headers, 'mcp-method') !== method ||
    !plainMetaKeys(meta) ||
    // Mcp-Name mirrors params.name; an encoded or differing one is the SDK's to decode or refuse.
    (method === 'tools/call' && (mcpNameHeader === undefined || mcpNameHeader.startsWith(BASE64_SENTINEL))) ||
    !plainParams(method, params, method === 'tools/call' ? mcpNameHeader : undefined)
  ) {
    return undefined;
  }
  return modernRequest(meta, {
    httpMethod: 'POST',
    protocolVersionHeader: REVISION,
    mcpMethodHeader: method,
    ...(mcpNameHeader !== undefined ? { mcpNameHeader } : {}),
    body,
  })
    ? 'modern'
    : undefined;
}

/** Whether the hot path answers this request (in either era). */
export function isHotRequest(headers: IncomingHttpHeaders, body: unknown): body is HotRequest {
  return hotRequestEra(headers, body) !== undefined;
}

export function createHotPath(handlers: HotHandlers): HotPath {
  const serve = async (
    request: HotRequest,
    legacy: boolean,
    signal: AbortSignal,
    authInfo: AuthInfo,
  ): Promise<string> => {
    const { id, method } = request;
    const params = request.params ?? {};
    let result: Record<string, unknown>;
    try {
      if (method === 'tools/call') {
        result = await handlers.callTool(params, authInfo, signal, id);
        checkCallResult(result);
      } else result = await handlers.listTools(params, authInfo, id);
    } catch (err) {
      return errorAnswer(id, err);
    }
    // 2025-11-25 results go out as the handler made them; 2026-07-28 adds its encoding.
    const encoded = legacy ? result : encodeResult(method, result, handlers.serverInfo);
    return JSON.stringify({ result: encoded, jsonrpc: '2.0', id });
  };
  return (headers, body, signal, authInfo) => {
    const era = hotRequestEra(headers, body);
    if (era === undefined) return undefined;
    const legacy = era === 'legacy';
    return { eventStream: legacy, json: serve(body as HotRequest, legacy, signal, authInfo) };
  };
}
