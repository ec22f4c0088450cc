/**
 * The two requests agents send on every turn, `tools/call` and `tools/list` of protocol revision 2026-07-28,
 * answered straight from the endpoint's handlers instead of through the SDK's per-request machinery (a
 * `Server`, a transport, several zod passes over the message, web `Request`/`Response` objects and streams:
 * about six bare HTTP echoes of CPU per request on our machines, see docs/gateway.md).
 *
 * The hot path only takes a request it can answer exactly as the SDK would, and hands everything else to the
 * SDK untouched, before anything has run: the SDK stays the one place that speaks the rest of the protocol
 * and produces every answer of its validation ladder. What it takes is decided with the SDK's own exported
 * classifier (`classifyInboundRequest`: era, JSON-RPC shape, the `_meta` envelope, header/body agreement),
 * plus the header presence rules the SDK applies next, and a params shape it accepts as it is. Results get
 * the SDK's 2026-07-28 encoding (`resultType`, cache fields of a list, the server's identity in `_meta`) and
 * a `tools/call` result is checked against the SDK's own `CallToolResult` schema.
 *
 * `hot-path.test.ts` sends a corpus of good and bad requests to an endpoint with and without it and requires
 * the same answers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  classifyInboundRequest,
  isJsonContentType,
  ProtocolError,
  specTypeSchemas,
} from '@modelcontextprotocol/server';

/** Revisions the hot path answers; a newer one the SDK may learn goes to the SDK until it is added here. */
const REVISION = '2026-07-28';
const SERVER_INFO_META = 'io.modelcontextprotocol/serverInfo';
/** An `Mcp-Name` carrying this prefix is Base64-encoded (SEP-2243); the SDK decodes it. */
const BASE64_SENTINEL = '=?base64?';
const INTERNAL_ERROR = -32603;
const INVALID_PARAMS = -32602;
/** Pre-2026 resource-not-found; the 2026-07-28 codec sends it as invalid params. */
const RESOURCE_NOT_FOUND = -32002;
const CALL_PARAMS = new Set(['name', 'arguments', '_meta']);
const LIST_PARAMS = new Set(['cursor', '_meta']);
const callToolResult = specTypeSchemas.CallToolResult['~standard'];

type JsonRpcId = string | number;
type Params = Record<string, unknown>;

export interface HotHandlers<C> {
  /** The server's identity, stamped into every result's `_meta` as the SDK does. */
  serverInfo: { name: string; version: string };
  /** Answers tools/list; throws `ProtocolError` for a bad request (an invalid cursor). */
  listTools(params: Params, caller: C): Promise<Record<string, unknown>>;
  /** Answers tools/call; throws `ProtocolError` for a bad request (an unknown tool). */
  callTool(params: Params, caller: C, signal: AbortSignal): Promise<Record<string, unknown>>;
  /** Told about results that could not be encoded (answered as an internal error). */
  onerror?: (error: Error) => void;
}

/**
 * Serves a POST whose body is already parsed: a promise of the JSON answer (always HTTP 200: errors of a
 * taken request are JSON-RPC errors in the body, as the SDK answers them), or `undefined` when the SDK must
 * answer the request instead.
 */
export type HotPath<C = unknown> = (
  headers: IncomingHttpHeaders,
  body: unknown,
  signal: AbortSignal,
  caller: C,
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
 * The SDK's encode contract for a 2026-07-28 result: `resultType` stamped `complete` when the handler set
 * none (only tools/call may set another), a list's cache fields filled, the server's identity added to
 * `_meta` unless the handler put one there.
 */
function encodeResult(
  method: string,
  result: Record<string, unknown>,
  serverInfo: { name: string; version: string },
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...result };
  if (out['resultType'] === undefined) out['resultType'] = 'complete';
  else if (out['resultType'] !== 'complete' && method !== 'tools/call') {
    throw new Error(`${method} handler returned resultType ${String(out['resultType'])}`);
  }
  if (method === 'tools/list' && out['resultType'] === 'complete') {
    const ttl = out['ttlMs'];
    if (!(typeof ttl === 'number' && Number.isInteger(ttl) && ttl >= 0)) out['ttlMs'] = 0;
    if (out['cacheScope'] !== 'public' && out['cacheScope'] !== 'private') out['cacheScope'] = 'private';
  }
  const meta = out['_meta'];
  if (meta === undefined) out['_meta'] = { [SERVER_INFO_META]: serverInfo };
  else if (isPlainObject(meta) && meta[SERVER_INFO_META] === undefined) {
    out['_meta'] = { ...meta, [SERVER_INFO_META]: serverInfo };
  }
  return out;
}

/** Refuses a tools/call result the SDK would refuse to send, with the SDK's error. */
function checkCallResult(result: Record<string, unknown>): void {
  if (result['resultType'] === 'input_required') return;
  const checked = callToolResult.validate(result);
  if (checked instanceof Promise) throw new Error('the CallToolResult schema validates asynchronously');
  if (checked.issues) {
    throw new ProtocolError(
      INVALID_PARAMS,
      `Invalid tools/call result: ${JSON.stringify(checked.issues, null, 2)}`,
    );
  }
}

/** A JSON-RPC error answer for what a handler threw, coded as the SDK codes it. */
function errorAnswer(id: JsonRpcId, err: unknown): string {
  const error = (err ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  const thrown = Number.isSafeInteger(error.code) ? (error.code as number) : INTERNAL_ERROR;
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    error: {
      // 2026-07-28 folds the old resource-not-found code into invalid params.
      code: thrown === RESOURCE_NOT_FOUND ? INVALID_PARAMS : thrown,
      message: typeof error.message === 'string' ? error.message : 'Internal error',
      ...(error.data !== undefined ? { data: error.data } : {}),
    },
  });
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
  const protocolVersionHeader = header(headers, 'mcp-protocol-version');
  const mcpMethodHeader = header(headers, 'mcp-method');
  const mcpNameHeader = header(headers, 'mcp-name');
  // The SDK requires both on a modern request; it answers their absence itself.
  if (protocolVersionHeader === undefined || mcpMethodHeader === undefined) return false;
  const route = classifyInboundRequest({
    httpMethod: 'POST',
    protocolVersionHeader,
    mcpMethodHeader,
    ...(mcpNameHeader !== undefined ? { mcpNameHeader } : {}),
    body,
  });
  if (
    route.kind !== 'modern' ||
    route.messageKind !== 'request' ||
    route.classification.revision !== REVISION
  ) {
    return false;
  }
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
    // Mcp-Name mirrors params.name; an encoded or differing one is the SDK's to decode or refuse.
    mcpNameHeader === name &&
    !name.startsWith(BASE64_SENTINEL)
  );
}

export function createHotPath<C>(handlers: HotHandlers<C>): HotPath<C> {
  const serve = async (
    id: JsonRpcId,
    method: 'tools/call' | 'tools/list',
    params: Params,
    signal: AbortSignal,
    caller: C,
  ): Promise<string> => {
    let result: Record<string, unknown>;
    try {
      if (method === 'tools/call') {
        result = await handlers.callTool(params, caller, signal);
        checkCallResult(result);
      } else result = await handlers.listTools(params, caller);
    } catch (err) {
      return errorAnswer(id, err);
    }
    try {
      return JSON.stringify({
        result: encodeResult(method, result, handlers.serverInfo),
        jsonrpc: '2.0',
        id,
      });
    } catch (err) {
      handlers.onerror?.(new Error(`Failed to encode result for ${method}: ${String(err)}`));
      return errorAnswer(id, { code: INTERNAL_ERROR, message: 'Internal error' });
    }
  };
  return (headers, body, signal, caller) => {
    if (!isHotRequest(headers, body)) return undefined;
    return serve(body.id, body.method, body.params, signal, caller);
  };
}
