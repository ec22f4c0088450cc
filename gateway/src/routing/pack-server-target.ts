/**
 * The gateway's hop to its own pack servers, kept lean because it is on every call's path: protocol
 * revision 2026-07-28 is stateless, so a tools/call is one POST carrying the per-request `_meta` envelope and
 * the mirrored Mcp-Method / Mcp-Name headers, over a keep-alive connection. Third-party servers, whose
 * revision and quirks we do not control, go through the official client instead (McpTarget).
 */
import { StringDecoder } from 'node:string_decoder';
import {
  A2A_META,
  type A2aProgressListener,
  type CallToolResult,
  depthMessage,
  jsonBounds,
  STATUS_META,
  tooDeep,
} from '@raku/pack-runtime';
import { Pool } from 'undici';
import { A2A_TASK_META } from '../mcp/tool-endpoint.ts';
import { endMcpSpan, startMcpClientSpan } from '../telemetry/mcp-spans.ts';
import { activeTracer } from '../telemetry/tracing.ts';
import {
  answeredError,
  refusesRequest,
  type Target,
  type TargetCallOptions,
  TargetError,
  UnsendableCallError,
} from './targets.ts';

const PROTOCOL = '2026-07-28';
/** The per-request envelope, encoded once: every call carries the same one. */
const ENVELOPE_JSON = JSON.stringify({
  'io.modelcontextprotocol/protocolVersion': PROTOCOL,
  'io.modelcontextprotocol/clientInfo': { name: 'raku-gateway', version: '0.1.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
});
/** JSON-RPC invalid params: the pack server answered that the call itself is wrong. */
const INVALID_PARAMS = -32602;
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Answers larger than this are refused (the pack server caps upstream bodies well below it). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

interface JsonRpcAnswer {
  id?: unknown;
  result?: CallToolResult;
  error?: { code: number; message: string };
}

export class PackServerTarget implements Target {
  /**
   * Keep-alive connections to the pack server: undici's Pool spends less than half the CPU per call of an
   * http.Agent at the same concurrency (bench/gateway/hop-clients.ts, docs/gateway.md). Up to 256 calls in
   * flight, as the Agent allowed, and no pipelining (each call waits for no other).
   */
  private readonly pool: Pool;
  private readonly path: string;
  /** Credentials in the URL, sent as Basic authorization as http.request would. */
  private readonly authHeader: Record<string, string> = {};
  private readonly url: URL;
  private nextId = 1;

  constructor(readonly id: string) {
    const url = new URL(id);
    this.url = url;
    this.path = `${url.pathname}${url.search}`;
    if (url.username || url.password) {
      const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      this.authHeader = { authorization: `Basic ${Buffer.from(auth).toString('base64')}` };
    }
    this.pool = new Pool(url.origin, { connections: 256, pipelining: 1 });
  }

  call(tool: string, args: Record<string, unknown>, options: TargetCallOptions): Promise<CallToolResult> {
    const id = this.nextId++;
    const tracer = activeTracer();
    if (!tracer || !options.parent) return this.send(id, tool, args, options, undefined);
    // A CLIENT span for the hop; its context goes in the HTTP headers and in _meta, where the pack server's
    // SERVER span takes its parent from (the MCP conventions).
    const { span, headers } = startMcpClientSpan(tracer, {
      tool,
      requestId: id,
      url: this.url,
      parent: options.parent,
    });
    return this.send(id, tool, args, options, headers).then(
      (result) => {
        endMcpSpan(span, { result });
        return result;
      },
      (err: unknown) => {
        endMcpSpan(span, {
          errorType: err instanceof TargetError ? err.kind : err instanceof Error ? err.name : '_OTHER',
        });
        throw err;
      },
    );
  }

  private send(
    id: number,
    tool: string,
    args: Record<string, unknown>,
    options: TargetCallOptions,
    trace: Record<string, string> | undefined,
  ): Promise<CallToolResult> {
    let body: Buffer;
    try {
      // Only the name and arguments change from call to call; the rest is written as JSON.stringify would.
      const encodedArgs = JSON.stringify(args) as string | undefined;
      // Arguments whose toJSON answers undefined are left out, as JSON.stringify leaves out such a key.
      const argsPart = encodedArgs === undefined ? '' : `,"arguments":${encodedArgs}`;
      // The trace context joins the envelope as unprefixed _meta keys (SEP-414); so do a progress token (the
      // request id: the agent asked for progress) and the A2A task a job follows.
      const extra: Record<string, unknown> = { ...trace };
      if (options.onProgress) extra['progressToken'] = id;
      if (options.a2aTask) extra[A2A_TASK_META] = options.a2aTask;
      const extraKeys = JSON.stringify(extra).slice(1, -1);
      const meta = extraKeys ? `${ENVELOPE_JSON.slice(0, -1)},${extraKeys}}` : ENVELOPE_JSON;
      body = Buffer.from(
        `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":${JSON.stringify(tool)}${argsPart},"_meta":${meta}}}`,
      );
    } catch (err) {
      // Arguments that do not serialise never left: the caller's, not the pack server's.
      return Promise.reject(
        new UnsendableCallError(
          `the arguments cannot be sent to ${this.id}: ${(err as Error)?.message ?? err}`,
        ),
      );
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': PROTOCOL,
      'mcp-method': 'tools/call',
      'mcp-name': tool,
      ...this.authHeader,
      ...trace,
    };
    // The call's own timeout and cancellation end the request through one signal.
    const abort = new AbortController();
    let failure: TargetError | undefined;
    const stop = (error: TargetError) => {
      failure ??= error;
      abort.abort(error);
    };
    const timer = setTimeout(
      () => stop(new TargetError('timeout', `${this.id} did not answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onAbort = () => stop(new TargetError('failed', 'the call was cancelled'));
    options.signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
    };
    return this.exchange(id, body, headers, abort.signal, options).then(
      (result) => {
        done();
        return result;
      },
      (err: unknown) => {
        done();
        throw failure ?? this.hopError(err);
      },
    );
  }

  /** One POST on the pool and its answer read whole (an event stream's progress passed on as it arrives). */
  private async exchange(
    id: number,
    body: Buffer,
    headers: Record<string, string>,
    signal: AbortSignal,
    options: TargetCallOptions,
  ): Promise<CallToolResult> {
    const res = await this.pool.request({ path: this.path, method: 'POST', headers, body, signal });
    const type = String(res.headers['content-type'] ?? '');
    // An event stream is read as it arrives when the call wants progress: each notification is passed on.
    const progress =
      options.onProgress && type.includes('text/event-stream')
        ? progressReader(id, options.onProgress)
        : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        res.body.destroy();
        throw new TargetError('failed', `${this.id} answered more than ${MAX_ANSWER_BYTES} bytes`);
      }
      chunks.push(chunk);
      progress?.(chunk);
    }
    return this.answer(res.statusCode, type, Buffer.concat(chunks), id);
  }

  /** A failure of the hop itself: unreachable when no connection could be made, else failed. */
  private hopError(err: unknown): unknown {
    if (err instanceof TargetError) return err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined && UNREACHABLE.has(code)) {
      return new TargetError('unreachable', `${this.id} is unreachable (${code})`);
    }
    return new TargetError('failed', `${this.id} failed: ${(err as Error | undefined)?.message ?? err}`);
  }

  private answer(status: number, type: string, body: Buffer, id: number): CallToolResult {
    // Nested past the JSON bounds: not parsed, answered as the call's error (@raku/pack-runtime json-bounds).
    const depth = tooDeep(body);
    if (depth !== undefined) {
      return answeredError(depthMessage(`${this.id}'s answer`, depth, jsonBounds().maxDepth), false);
    }
    const text = body.toString('utf8');
    let message: JsonRpcAnswer | undefined;
    try {
      message = type.includes('text/event-stream')
        ? fromEventStream(text, id)
        : (JSON.parse(text) as JsonRpcAnswer);
    } catch {
      message = undefined;
    }
    // A JSON-RPC error or a 4xx is the pack server's answer about this call (its arguments, its tool name):
    // the call's outcome. Only a 5xx (408, 429) or something that is no answer is the pack server failing.
    if (message?.error) {
      const { code, message: reason } = message.error;
      return code === INVALID_PARAMS
        ? answeredError(reason, true)
        : answeredError(`${this.id} answered error ${code}: ${reason}`, false);
    }
    if (refusesRequest(status)) {
      return answeredError(
        `${this.id} refused the call with HTTP ${status}: ${text.slice(0, 200)}`,
        status === 413,
      );
    }
    if (status !== 200 || !message?.result) {
      throw new TargetError('failed', `${this.id} answered HTTP ${status}: ${text.slice(0, 200)}`);
    }
    const {
      resultType: _r,
      _meta: meta,
      ...result
    } = message.result as CallToolResult & { resultType?: unknown; _meta?: Record<string, unknown> };
    // Keep only the pack server's notes (status, A2A task); the protocol's own _meta (server info) is for this hop.
    const kept = Object.fromEntries(
      [STATUS_META, A2A_META].filter((k) => meta?.[k] !== undefined).map((k) => [k, meta?.[k]]),
    );
    if (Object.keys(kept).length > 0) (result as CallToolResult)._meta = kept;
    return result as CallToolResult;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** The JSON-RPC response for `id` in a server-sent-event stream (the answer follows any notifications). */
function fromEventStream(text: string, id: number): JsonRpcAnswer | undefined {
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trimStart())
      .join('\n');
    if (!data) continue;
    const message = JSON.parse(data) as JsonRpcAnswer;
    if (message.id === id) return message;
  }
  return undefined;
}

/**
 * Reads the chunks of an event stream as they arrive and calls `listener` with each
 * `notifications/progress` for this call's token (`id`, see send). The answer itself is still read whole.
 */
function progressReader(id: number, listener: A2aProgressListener): (chunk: Buffer) => void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  return (chunk) => {
    pending += decoder.write(chunk);
    const events = pending.split(/\r?\n\r?\n/);
    pending = events.pop() ?? '';
    for (const event of events) {
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (!data.includes('notifications/progress')) continue;
      let note: {
        method?: unknown;
        params?: { progressToken?: unknown; progress?: unknown; message?: unknown };
      };
      try {
        note = JSON.parse(data);
      } catch {
        continue;
      }
      const params = note.params;
      if (note.method !== 'notifications/progress' || params?.progressToken !== id) continue;
      if (typeof params.progress !== 'number') continue;
      listener(
        typeof params.message === 'string'
          ? { progress: params.progress, message: params.message }
          : { progress: params.progress },
      );
    }
  };
}
