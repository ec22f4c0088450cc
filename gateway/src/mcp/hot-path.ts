/**
 * The two requests agents send on every turn, `tools/call` and `tools/list` of protocol revision 2026-07-28,
 * answered straight from the endpoint's handlers instead of through the SDK's per-request machinery (a
 * `Server`, a transport, several zod passes over the message, web `Request`/`Response` objects and streams:
 * about six bare HTTP echoes of CPU per request on our machines, see docs/gateway.md).
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
  /** Answers tools/list; throws `ProtocolError` for a bad request (an invalid cursor). */
  listTools(params: Params, authInfo: AuthInfo): Promise<Record<string, unknown>>;
  /** Answers tools/call; throws `ProtocolError` for a bad request (an unknown tool). */
  callTool(params: Params, authInfo: AuthInfo, signal: AbortSignal): Promise<Record<string, unknown>>;
}

/**
 * Serves a POST whose body is already parsed: a promise of the JSON answer (always HTTP 200: errors of a
 * taken request are JSON-RPC errors in the body, as the SDK answers them), or `undefined` when the SDK must
 * answer the request instead.
 */
export type HotPath = (
  headers: IncomingHttpHeaders,
  body: unknown,
  signal: AbortSignal,
  authInfo: AuthInfo,
) => Promise<string> | undefined;

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

/** Refuses a tools/call result the SDK would refuse to send, with the SDK's error. */
function checkCallResult(result: Record<string, unknown>): void {
  const checked = callToolResult.validate(result);
  if (checked instanceof Promise) throw new Error('the CallToolResult schema validates asynchronously');
  if (checked.issues) {
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `Invalid tools/call result: ${JSON.stringify(checked.issues, null, 2)}`,
    );
  }
}

/** A JSON-RPC error answer for what a handler threw, coded as the SDK codes it. */
function errorAnswer(id: JsonRpcId, err: unknown): string {
  const error = (err ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  const thrown = Number.isSafeInteger(error.code) ? (error.code as number) : ProtocolErrorCode.InternalError;
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    error: {
      // 2026-07-28 folds the old resource-not-found code into invalid params.
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

/** Whether the hot path answers this request: the SDK would hand it to a handler as it is (see the module comment). */
export function isHotRequest(
  headers: IncomingHttpHeaders,
  body: unknown,
): body is { id: JsonRpcId; method: 'tools/call' | 'tools/list'; params: Params } {
  if (!isPlainObject(body) || !isJsonContentType(header(headers, 'content-type'))) return false;
  const method = body['method'];
  const params = body['params'];
  if ((method !== 'tools/call' && method !== 'tools/list') || !isPlainObject(params)) return false;
  const meta = params['_meta'];
  const mcpNameHeader = header(headers, 'mcp-name');
  if (
    !isPlainRequest(body) ||
    !isPlainObject(meta) ||
    meta[PROTOCOL_VERSION_META_KEY] !== REVISION ||
    // The SDK requires both headers on a modern request, agreeing with the body; it answers otherwise itself.
    header(headers, 'mcp-protocol-version') !== REVISION ||
    header(headers, 'mcp-method') !== method ||
    !plainMetaKeys(meta)
  ) {
    return false;
  }
  if (method === 'tools/list') {
    if (
      !onlyKeys(params, LIST_PARAMS) ||
      (params['cursor'] !== undefined && typeof params['cursor'] !== 'string')
    ) {
      return false;
    }
  } else {
    const name = params['name'];
    const args = params['arguments'];
    if (
      !onlyKeys(params, CALL_PARAMS) ||
      typeof name !== 'string' ||
      (args !== undefined && !isPlainObject(args)) ||
      // Mcp-Name mirrors params.name; an encoded or differing one is the SDK's to decode or refuse.
      mcpNameHeader !== name ||
      name.startsWith(BASE64_SENTINEL)
    ) {
      return false;
    }
  }
  return modernRequest(meta, {
    httpMethod: 'POST',
    protocolVersionHeader: REVISION,
    mcpMethodHeader: method,
    ...(mcpNameHeader !== undefined ? { mcpNameHeader } : {}),
    body,
  });
}

export function createHotPath(handlers: HotHandlers): HotPath {
  const serve = async (
    id: JsonRpcId,
    method: 'tools/call' | 'tools/list',
    params: Params,
    signal: AbortSignal,
    authInfo: AuthInfo,
  ): Promise<string> => {
    let result: Record<string, unknown>;
    try {
      if (method === 'tools/call') {
        result = await handlers.callTool(params, authInfo, signal);
        checkCallResult(result);
      } else result = await handlers.listTools(params, authInfo);
    } catch (err) {
      return errorAnswer(id, err);
    }
    return JSON.stringify({ result: encodeResult(method, result, handlers.serverInfo), jsonrpc: '2.0', id });
  };
  return (headers, body, signal, authInfo) => {
    if (!isHotRequest(headers, body)) return undefined;
    return serve(body.id, body.method, body.params, signal, authInfo);
  };
}
