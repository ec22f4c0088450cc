/**
 * Serves an SDK `McpHttpHandler` (the web-standard `fetch` face of `createMcpHandler`) on a Node request,
 * in place of the SDK's `toNodeHandler`. Same answers, less work per request on the hot path:
 *
 * - `toNodeHandler` turns the Node body into a `Request` body stream, which `createMcpHandler` then clones
 *   (a stream tee) and reads back through a `TextDecoder` to classify the request. Here the body is read once
 *   into a Buffer and parsed once; the SDK receives it as `parsedBody` (its documented escape hatch for a body
 *   already parsed) with a body-less `Request` that carries only the headers and the abort signal. A body that
 *   is empty or not JSON goes to the SDK as text, unparsed, so the SDK still produces its own error answers.
 * - A JSON answer is written in one piece with a Content-Length instead of being pumped chunk by chunk through
 *   an async iterator; server-sent-event answers are still streamed, honouring backpressure.
 *
 * It is also where JSON enters the MCP endpoint, so it bounds it (@raku/pack-runtime json-bounds): a body nested deeper than
 * the limit is refused before it is parsed (a tools/call is reported to `onRefusedCall`, so it is still traced),
 * and a JSON-RPC batch is refused (both revisions served allow one message per POST).
 *
 * Measured with `npm run bench gateway` (tools/call through the gateway): see docs/gateway.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuthInfo,
  DEFAULT_MAX_REQUEST_BODY_SIZE,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import { depthMessage, jsonBounds, pruneDeepText, textDepth } from '@raku/pack-runtime';
import {
  EVENT_STREAM_HEADERS,
  eventStreamBody,
  type HotCall,
  type HotPath,
  SSE_KEEP_ALIVE,
  SSE_KEEP_ALIVE_MS,
} from './hot-path.ts';

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** A tools/call refused before it ran because its body nests too deep (see `onRefusedCall`). */
export interface RefusedCall {
  /** `params.name` of the request. */
  tool: string;
  reason: 'depth';
  /** The error the caller was given. */
  message: string;
  /** Size of the request body. */
  bytes: number;
}

export interface NodeHandlerOptions {
  /** Largest POST body read, in bytes; a larger one is answered 413. Default: the SDK's (4 MiB). */
  maxRequestBodyBytes?: number;
  /** Told about failures that turned into a 500 answer. */
  onerror?: (error: Error) => void;
  /**
   * Consulted for every POST with a JSON body before the SDK: a promise of the JSON answer (HTTP 200) for a
   * request it takes, `undefined` to let the SDK answer (./hot-path.ts).
   */
  hotPath?: HotPath;
  /** Deepest nesting of a request body; deeper ones are refused unparsed. Default: the process's bound (128). */
  maxDepth?: number;
  /** Told about each tools/call refused for its nesting, so the call is traced although it never ran. */
  onRefusedCall?: (call: RefusedCall, authInfo: AuthInfo) => void;
  /**
   * How often a hot-path event stream (2025-11-25) whose call is still running gets a keep-alive comment, as
   * the SDK's transport does. Default SSE_KEEP_ALIVE_MS; give the SDK handler the same.
   */
  keepAliveMs?: number;
}

export type NodeMcpHandler = (req: IncomingMessage, res: ServerResponse, authInfo: AuthInfo) => Promise<void>;

type Body = { ok: true; bytes: Buffer } | { ok: false };

/** Reads the whole body up to `max` bytes; `ok: false` as soon as it is (or is declared) larger. */
function readBody(req: IncomingMessage, max: number): Promise<Body> {
  if (Number(req.headers['content-length']) > max) return Promise.resolve({ ok: false });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.off('end', onEnd);
        resolve({ ok: false });
      } else chunks.push(chunk);
    };
    const onEnd = () =>
      resolve({ ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

/** How much more of a refused body is read (and dropped) so its answer reaches the client, and for how long. */
const LINGER_BYTES = 16 * 1024 * 1024;
const LINGER_MS = 5_000;

/**
 * Answers 413 to a body over the limit and closes the connection, but only once the client has stopped
 * sending (or LINGER_BYTES more bytes or LINGER_MS have passed): closing a socket with unread data resets it, and the
 * reset can destroy the answer before the client reads it, so a client would see a dropped connection
 * instead of the reason (the lingering close of HTTP servers).
 */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse, max: number): void {
  const text = JSON.stringify({
    jsonrpc: '2.0',
    error: { code: -32000, message: `Payload Too Large: Request body must not exceed ${max} bytes` },
    id: null,
  });
  res.writeHead(413, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    // The rest of the body is not kept: the connection cannot be reused.
    connection: 'close',
  });
  res.write(text);
  let dropped = 0;
  const done = () => {
    clearTimeout(timer);
    req.off('data', onData);
    if (!res.writableEnded) res.end();
  };
  const onData = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) {
      done();
      req.destroy();
    }
  };
  const timer = setTimeout(() => {
    done();
    req.destroy();
  }, LINGER_MS);
  timer.unref();
  req.on('data', onData);
  req.once('end', done);
  req.once('close', done);
  req.resume();
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

function jsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  extra = {},
  id: string | number | null = null,
) {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...extra,
  });
  res.end(text);
}

const BATCH_REFUSED =
  'Bad Request: JSON-RPC batches are not supported by this endpoint; send one message per POST (MCP 2025-11-25 and 2026-07-28)';

/**
 * Answers a body nested deeper than `maxDepth` without parsing the deep part: a JSON-RPC request gets an
 * invalid-params error with its id (HTTP 200, as the SDK answers a request it takes), anything else HTTP 400.
 */
function refuseDeep(
  bytes: Buffer,
  maxDepth: number,
  res: ServerResponse,
  authInfo: AuthInfo,
  options: NodeHandlerOptions,
): void {
  const pruned = pruneDeepText(bytes, maxDepth);
  let envelope: unknown;
  try {
    envelope = JSON.parse(pruned.text);
  } catch {
    jsonRpcError(res, 400, -32700, 'Parse error: Invalid JSON');
    return;
  }
  const message = depthMessage('the request', pruned.depth, maxDepth);
  if (Array.isArray(envelope)) {
    jsonRpcError(res, 400, -32600, BATCH_REFUSED);
    return;
  }
  const request = (envelope ?? {}) as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  const id = request.id;
  if (
    request.jsonrpc !== '2.0' ||
    typeof request.method !== 'string' ||
    !(typeof id === 'string' || Number.isSafeInteger(id))
  ) {
    jsonRpcError(res, 400, -32600, `Invalid Request: ${message}`);
    return;
  }
  const name = (request.params as { name?: unknown } | null | undefined)?.name;
  if (request.method === 'tools/call' && typeof name === 'string' && options.onRefusedCall) {
    try {
      options.onRefusedCall({ tool: name, reason: 'depth', message, bytes: bytes.length }, authInfo);
    } catch (err) {
      options.onerror?.(err instanceof Error ? err : new Error(String(err)));
    }
  }
  jsonRpcError(res, 200, -32602, `Invalid params: ${message}`, {}, id as string | number);
}

export function toLeanNodeHandler(handler: McpHttpHandler, options: NodeHandlerOptions = {}): NodeMcpHandler {
  const max = options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_SIZE;
  return async (req, res, authInfo) => {
    let finished = false;
    const abort = new AbortController();
    // A client that goes away cancels the call (the SDK aborts the handler's signal with the request's).
    res.on('close', () => {
      if (!finished) abort.abort();
    });
    const method = (req.method ?? 'GET').toUpperCase();
    let body: string | undefined;
    let parsedBody: unknown;
    if (method === 'POST') {
      let read: Body;
      try {
        read = await readBody(req, max);
      } catch (err) {
        finished = true;
        // The client broke off mid-body: nobody is left to answer, and it is not a fault of ours.
        if (req.destroyed || res.destroyed || (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
          res.destroy();
          return;
        }
        options.onerror?.(err instanceof Error ? err : new Error(String(err)));
        jsonRpcError(res, 500, -32603, 'Internal server error');
        return;
      }
      if (!read.ok) {
        finished = true;
        refuseTooLarge(req, res, max);
        return;
      }
      // Read per request, so the entry point's setting applies to handlers made before it.
      const maxDepth = options.maxDepth ?? jsonBounds().maxDepth;
      // Counting brackets costs about a third of the parse; a body this short cannot nest past the limit.
      if (read.bytes.length > maxDepth && textDepth(read.bytes, maxDepth) > maxDepth) {
        finished = true;
        refuseDeep(read.bytes, maxDepth, res, authInfo, options);
        return;
      }
      const text = read.bytes.toString('utf8');
      try {
        parsedBody = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: the SDK reads the text itself and answers with its parse error.
        body = text;
      }
      if (Array.isArray(parsedBody)) {
        finished = true;
        jsonRpcError(res, 400, -32600, BATCH_REFUSED);
        return;
      }
    } else req.resume();
    const hot =
      parsedBody === undefined
        ? undefined
        : options.hotPath?.(req.headers, parsedBody, abort.signal, authInfo);
    if (hot !== undefined) {
      await answerHot(hot, res, options);
      finished = true;
      return;
    }
    let response: Response;
    try {
      // Path and query only: an absolute-form request target ('POST http://elsewhere/mcp') names no other host.
      const target = new URL(req.url ?? '/', 'http://localhost');
      const request = new Request(
        `http://${req.headers.host ?? 'localhost'}${target.pathname}${target.search}`,
        {
          method,
          headers: headersOf(req),
          signal: abort.signal,
          ...(body !== undefined ? { body } : {}),
        },
      );
      response = await handler.fetch(request, {
        authInfo,
        ...(parsedBody !== undefined ? { parsedBody } : {}),
      });
    } catch (err) {
      options.onerror?.(err instanceof Error ? err : new Error(String(err)));
      finished = true;
      jsonRpcError(res, 500, -32603, 'Internal server error');
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of response.headers) headers[name] = value;
    if (response.body === null) {
      finished = true;
      res.writeHead(response.status, headers);
      res.end();
      return;
    }
    if (!(headers['content-type'] ?? '').includes('text/event-stream')) {
      const bytes = Buffer.from(await response.arrayBuffer());
      headers['content-length'] = String(bytes.length);
      finished = true;
      res.writeHead(response.status, headers);
      res.end(bytes);
      return;
    }
    res.writeHead(response.status, headers);
    await pipeEventStream(response.body, res, abort.signal);
    finished = true;
    res.end();
  };
}

/**
 * Writes a hot-path answer. A 2025-11-25 answer is the one event the SDK's transport would stream; when the
 * call is done within the keep-alive interval (nearly always) it goes out in one write with its length
 * rather than chunked. A call still running then gets the stream opened and a keep-alive comment per
 * interval, as the SDK's transport writes them, so proxies do not cut a long call (an approval wait) off.
 */
async function answerHot(hot: HotCall, res: ServerResponse, options: NodeHandlerOptions): Promise<void> {
  let streaming = false;
  const interval = options.keepAliveMs ?? SSE_KEEP_ALIVE_MS;
  const timer =
    hot.eventStream && Number.isFinite(interval) && interval >= 1
      ? setInterval(() => {
          if (!streaming) {
            streaming = true;
            res.writeHead(200, EVENT_STREAM_HEADERS);
          }
          res.write(SSE_KEEP_ALIVE);
        }, interval)
      : undefined;
  timer?.unref();
  let json: string;
  try {
    json = await hot.json;
  } catch (err) {
    clearInterval(timer);
    options.onerror?.(err instanceof Error ? err : new Error(String(err)));
    if (streaming) res.end();
    else jsonRpcError(res, 500, -32603, 'Internal server error');
    return;
  }
  clearInterval(timer);
  const text = hot.eventStream ? eventStreamBody(json) : json;
  if (!streaming) {
    res.writeHead(200, {
      ...(hot.eventStream ? EVENT_STREAM_HEADERS : JSON_HEADERS),
      'content-length': String(Buffer.byteLength(text)),
    });
  }
  res.end(text);
}

/** Streams server-sent events, waiting for 'drain' when the socket is full, until done or the client leaves. */
async function pipeEventStream(
  body: ReadableStream<Uint8Array>,
  res: ServerResponse,
  closed: AbortSignal,
): Promise<void> {
  const gone = new Promise<void>((resolve) =>
    closed.addEventListener('abort', () => resolve(), { once: true }),
  );
  try {
    for await (const chunk of body) {
      if (closed.aborted) break;
      if (!res.write(chunk)) await Promise.race([new Promise((r) => res.once('drain', r)), gone]);
    }
  } catch {
    // The stream failed or was cancelled: end the answer with what was sent.
  }
}
