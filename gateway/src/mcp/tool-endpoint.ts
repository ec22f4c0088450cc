/**
 * The MCP Streamable HTTP endpoint shared by both roles: tools/list (paginated, deterministic order) and
 * tools/call over whatever catalog the role provides. Served with the SDK's `createMcpHandler`: stateless
 * 2026-07-28 requests and, through its legacy fallback, 2025-11-25 clients, from one server factory. Node
 * requests reach it through ./node-handler.ts, which hands the SDK the body already parsed.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuthInfo,
  createMcpHandler,
  ProtocolError,
  ProtocolErrorCode,
  Server,
} from '@modelcontextprotocol/server';
import type { Span } from '@opentelemetry/api';
import type { A2aProgress, CallToolResult, McpToolDefinition } from '@raku/pack-runtime';
import { ANONYMOUS, type Caller } from '../auth/caller.ts';
import { type RequestInfo, traceMcpRequest } from '../telemetry/request-span.ts';
import { type CallerChoice, TENANT_HEADER } from '../tenancy/membership.ts';
import { createHotPath, type HotPath, SSE_KEEP_ALIVE_MS } from './hot-path.ts';
import { type RefusedCall, toLeanNodeHandler } from './node-handler.ts';

/** What an endpoint serves. The list must be sorted by name (pagination relies on it). */
export interface ToolCatalog {
  listTools(caller: Caller): readonly McpToolDefinition[] | Promise<readonly McpToolDefinition[]>;
  /** Throws `ToolNotFound` for a tool the caller cannot see; returns tool errors as `isError` results. */
  callTool(
    name: string,
    args: Record<string, unknown>,
    caller: Caller,
    signal: AbortSignal,
    request?: CallRequest,
  ): Promise<CallToolResult>;
  /** Records a tools/call the endpoint refused before it ran (its body nests too deep), e.g. as a trace. */
  recordRefused?(name: string, caller: Caller, refusal: RefusedCall): void;
  /**
   * The caller with the tenant the request acts in (the gateway's tenants; `requested`: the X-Raku-Tenant
   * header), or why it may not: the request is then answered 403 before its body is read. Absent (pack
   * servers): every request acts as its caller is.
   */
  withTenant?(caller: Caller, requested: string | undefined): CallerChoice;
}

/**
 * The `_meta` key of a tools/call (and of each pack tool in tools/list) naming a pack version: in a call, a
 * semver range the agent needs ("^1.2"); in the list, the version the zone serves. Defined here, with the
 * protocol surface, so pack servers (which share this module) load nothing of the gateway's router.
 */
export const PACK_VERSION_META = 'dev.raku/pack-version';

/**
 * The `_meta` key of a tools/call from the gateway to a pack server naming an A2A task to follow to its end
 * instead of sending a message (`{ taskId }`): a Raku job taking over a task that outlived its call. Only a
 * pack server reads it; the gateway never takes it from an agent.
 */
export const A2A_TASK_META = 'dev.raku/a2a-task';

/** What a tools/call asks for beyond name and arguments, from its `_meta`. */
export interface CallRequest {
  /** `_meta["dev.raku/pack-version"]`: a semver range of the pack the agent needs. */
  packVersion?: string;
  /** The id the call's trace gets (a UUID the gateway made): the console's try-it answers with it. */
  traceId?: string;
  /**
   * The W3C trace id the call's trace row records: the agent's (its `_meta` or HTTP `traceparent`), else the
   * gateway's span's when OpenTelemetry is on and samples it.
   */
  w3cTraceId?: string;
  /** The request's OpenTelemetry SERVER span (tracing on): the parent of the call's spans, given its attributes. */
  span?: Span;
  /**
   * Set when the caller asked for progress (`_meta.progressToken`): sends it a `notifications/progress` for
   * this request. Only calls the SDK serves have one (the hot path leaves such calls to the SDK).
   */
  onProgress?: (progress: A2aProgress) => void;
  /** The A2A task to follow instead of sending a message (A2A_TASK_META; pack servers only). */
  a2aTask?: { taskId: string };
}

/** A tool that does not exist for this caller: answered as a JSON-RPC invalid-params error. */
export class ToolNotFound extends Error {
  override readonly name = 'ToolNotFound';
}

export interface McpEndpointOptions {
  name: string;
  version: string;
  /** Tools per tools/list page. Default 100. */
  pageSize?: number;
  /**
   * Answer 2026-07-28 tools/call and tools/list without the SDK's per-request machinery (./hot-path.ts).
   * Default true; false sends every request through the SDK.
   */
  hotPath?: boolean;
  /**
   * Keep-alive interval of a 2025-11-25 event stream whose call is still running, for the SDK and the hot
   * path alike. Default SSE_KEEP_ALIVE_MS (the SDK's own default).
   */
  keepAliveMs?: number;
  onerror?: (error: Error) => void;
}

export type McpNodeHandler = (req: IncomingMessage, res: ServerResponse, caller: Caller) => Promise<void>;

/** Opaque cursor: the last name of the previous page (stable when tools are added or removed between pages). */
export function encodeCursor(lastName: string): string {
  return Buffer.from(JSON.stringify({ after: lastName })).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through
  }
  throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'invalid cursor');
}

/** One page of a name-sorted list after `cursor`. */
export function pageOf<T extends { name: string }>(
  sorted: readonly T[],
  cursor: string | undefined,
  pageSize: number,
): { items: T[]; nextCursor?: string } {
  let start = 0;
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    // Binary search: the first name greater than `after`.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.name <= after) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const items = sorted.slice(start, start + pageSize);
  const last = items[items.length - 1];
  return start + pageSize < sorted.length && last
    ? { items, nextCursor: encodeCursor(last.name) }
    : { items };
}

type CallParams = { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> };

export function createMcpEndpoint(catalog: ToolCatalog, options: McpEndpointOptions): McpNodeHandler {
  const pageSize = options.pageSize ?? 100;
  const serverInfo = { name: options.name, version: options.version };
  const keepAliveMs = options.keepAliveMs ?? SSE_KEEP_ALIVE_MS;
  // One implementation of each method, served by the SDK and by the hot path alike.
  const listTools = (
    caller: Caller,
    params: { cursor?: string; _meta?: Record<string, unknown> } | undefined,
    info: RequestInfo,
  ) =>
    traceMcpRequest('tools/list', undefined, params?._meta, info, async () => {
      const page = pageOf(await catalog.listTools(caller), params?.cursor, pageSize);
      return page.nextCursor ? { tools: page.items, nextCursor: page.nextCursor } : { tools: page.items };
    });
  const callTool = async (
    caller: Caller,
    params: CallParams,
    signal: AbortSignal,
    info: RequestInfo,
    onProgress?: (progress: A2aProgress) => void,
  ): Promise<CallToolResult> => {
    const packVersion = params._meta?.[PACK_VERSION_META];
    if (packVersion !== undefined && typeof packVersion !== 'string') {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `_meta["${PACK_VERSION_META}"] must be a string (a semver range), not ${JSON.stringify(packVersion)}`,
      );
    }
    const a2aTask = a2aTaskOf(params._meta);
    return traceMcpRequest('tools/call', params.name, params._meta, info, (w3cTraceId, span) =>
      catalog
        .callTool(params.name, params.arguments ?? {}, caller, signal, {
          ...(packVersion !== undefined ? { packVersion } : {}),
          ...(w3cTraceId !== undefined ? { w3cTraceId } : {}),
          ...(span ? { span } : {}),
          ...(onProgress ? { onProgress } : {}),
          ...(a2aTask ? { a2aTask } : {}),
        })
        .catch((err: unknown) => {
          throw err instanceof ToolNotFound
            ? new ProtocolError(ProtocolErrorCode.InvalidParams, err.message)
            : err;
        }),
    );
  };
  const headersOf = (authInfo: AuthInfo | undefined) =>
    authInfo?.extra?.['headers'] as IncomingHttpHeaders | undefined;
  const callerOf = (authInfo: AuthInfo | undefined) =>
    (authInfo?.extra?.['caller'] as Caller | undefined) ?? ANONYMOUS;

  const handler = createMcpHandler(
    (ctx) => {
      const caller = callerOf(ctx.authInfo);
      const server = new Server(serverInfo, { capabilities: { tools: {} } });
      const headers = headersOf(ctx.authInfo);
      server.setRequestHandler(
        'tools/list',
        (request, listCtx) => listTools(caller, request.params, { id: listCtx.mcpReq.id, headers }) as never,
      );
      server.setRequestHandler('tools/call', (request, callCtx) => {
        const progressToken = request.params._meta?.progressToken;
        // Progress goes to this request's stream; a notification the client is gone for is of no use to anyone.
        const onProgress =
          progressToken === undefined
            ? undefined
            : ({ progress, message }: A2aProgress) =>
                void callCtx.mcpReq
                  .notify({
                    method: 'notifications/progress',
                    params: { progressToken, progress, ...(message !== undefined ? { message } : {}) },
                  })
                  .catch(() => undefined);
        return callTool(
          caller,
          request.params as CallParams,
          callCtx.mcpReq.signal,
          { id: callCtx.mcpReq.id, headers },
          onProgress,
        ) as never;
      });
      return server;
    },
    { keepAliveMs, ...(options.onerror ? { onerror: options.onerror } : {}) },
  );
  const hot =
    options.hotPath === false
      ? undefined
      : createHotPath({
          serverInfo,
          listTools: (params, authInfo, id) =>
            listTools(callerOf(authInfo), params, { id, headers: headersOf(authInfo) }),
          callTool: (params, authInfo, signal, id) =>
            callTool(callerOf(authInfo), params as CallParams, signal, { id, headers: headersOf(authInfo) }),
        });
  // A call asking for progress needs notifications before its answer; the hot path answers with one message.
  const hotPath: HotPath | undefined =
    hot &&
    ((headers, body, signal, authInfo) =>
      asksProgress(body) ? undefined : hot(headers, body, signal, authInfo));
  const node = toLeanNodeHandler(handler, {
    keepAliveMs,
    ...(options.onerror ? { onerror: options.onerror } : {}),
    ...(hotPath ? { hotPath } : {}),
    ...(catalog.recordRefused
      ? { onRefusedCall: (call, authInfo) => catalog.recordRefused?.(call.tool, callerOf(authInfo), call) }
      : {}),
  });
  const serve: McpNodeHandler = (req, res, caller) =>
    // The headers ride along for the request's trace context (traceparent), read only by `traced`.
    node(req, res, {
      token: '',
      clientId: caller.subject,
      scopes: [],
      extra: { caller, headers: req.headers },
    });
  const withTenant = catalog.withTenant?.bind(catalog);
  if (!withTenant) return serve;
  return (req, res, caller) => {
    const requested = req.headers[TENANT_HEADER];
    const chosen = withTenant(caller, typeof requested === 'string' ? requested : undefined);
    if (chosen.ok) return serve(req, res, chosen.caller);
    req.resume();
    refuseTenant(res, chosen.message);
    return Promise.resolve();
  };
}

/**
 * 403 for a request that may not act in the tenant it named (or named none while its caller belongs to
 * several), with a JSON-RPC error body as the SDK shapes its HTTP-level refusals (code -32000, id null).
 */
function refuseTenant(res: ServerResponse, reason: string): void {
  const text = JSON.stringify({
    jsonrpc: '2.0',
    error: { code: -32000, message: `Forbidden: ${reason}` },
    id: null,
  });
  res.writeHead(403, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** Whether a request body is a tools/call naming a progress token (`params._meta.progressToken`). */
function asksProgress(body: unknown): boolean {
  if (body === null || typeof body !== 'object') return false;
  const { method, params } = body as { method?: unknown; params?: { _meta?: unknown } | null };
  const meta = params?._meta;
  return (
    method === 'tools/call' &&
    meta !== null &&
    typeof meta === 'object' &&
    (meta as Record<string, unknown>)['progressToken'] !== undefined
  );
}

/** `_meta["dev.raku/a2a-task"]` when it names a task (`{ taskId: string }`), else undefined. */
function a2aTaskOf(meta: Record<string, unknown> | undefined): { taskId: string } | undefined {
  const task = meta?.[A2A_TASK_META] as { taskId?: unknown } | undefined;
  return typeof task?.taskId === 'string' && task.taskId !== '' ? { taskId: task.taskId } : undefined;
}
