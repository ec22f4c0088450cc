/**
 * The gateway's hop to its own pack servers, kept lean because it is on every call's path: protocol
 * revision 2026-07-28 is stateless, so a tools/call is one POST carrying the per-request `_meta` envelope and
 * the mirrored Mcp-Method / Mcp-Name headers, over a keep-alive connection. Third-party servers, whose
 * revision and quirks we do not control, go through the official client instead (McpTarget).
 */
import http from 'node:http';
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
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Answers larger than this are refused (the pack server caps upstream bodies well below it). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

interface JsonRpcAnswer {
  id?: unknown;
  result?: CallToolResult;
  error?: { code: number; message: string };
}

export class PackServerTarget implements Target {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  /** Where each call goes, worked out once from the URL instead of by http.request on every call. */
  private readonly target: http.RequestOptions;
  /**
   * The Host (and Authorization, for credentials in the URL) headers http.request would add, worked out once:
   * the headers go to it as a list, which it writes as they are instead of setting and checking each one.
   */
  private readonly hostHeaders: readonly string[];
  private readonly url: URL;
  private nextId = 1;

  constructor(readonly id: string) {
    const url = new URL(id);
    this.url = url;
    this.target = {
      protocol: url.protocol,
      // An IPv6 literal is bracketed in a URL, not in a host name.
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: `${url.pathname}${url.search}`,
    };
    // As http.request writes them: the URL's host (an IPv6 literal bracketed) and its port unless the default.
    this.hostHeaders = ['Host', url.host];
    if (url.username || url.password) {
      const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      this.hostHeaders = [
        ...this.hostHeaders,
        'Authorization',
        `Basic ${Buffer.from(auth).toString('base64')}`,
      ];
    }
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
    return new Promise((resolve, reject) => {
      let settled = false;
      let sent = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        fn();
      };
      const headers = [
        'content-type',
        'application/json',
        'accept',
        'application/json, text/event-stream',
        'content-length',
        String(body.length),
        'mcp-protocol-version',
        PROTOCOL,
        'mcp-method',
        'tools/call',
        'mcp-name',
        tool,
      ];
      if (trace) for (const name of Object.keys(trace)) headers.push(name, trace[name]!);
      headers.push(...this.hostHeaders);
      const req = http.request({ ...this.target, method: 'POST', agent: this.agent, headers });
      const timer = setTimeout(() => {
        settle(() =>
          reject(new TargetError('timeout', `${this.id} did not answer within ${options.timeoutMs} ms`)),
        );
        req.destroy();
      }, options.timeoutMs);
      const onAbort = () => {
        settle(() => reject(new TargetError('failed', 'the call was cancelled')));
        req.destroy();
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      // No setNoDelay per call: the agent's sockets are made with noDelay (http.Agent's default since Node 18).
      req.on('socket', (socket) => {
        if (!socket.connecting) sent = true;
        else socket.once('connect', () => (sent = true));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const unreachable = !sent || (err.code !== undefined && UNREACHABLE.has(err.code));
        settle(() =>
          reject(
            new TargetError(
              unreachable ? 'unreachable' : 'failed',
              unreachable
                ? `${this.id} is unreachable (${err.code ?? err.message})`
                : `${this.id} failed: ${err.message}`,
            ),
          ),
        );
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        // An event stream is read as it arrives when the call wants progress: each notification is passed on.
        const progress =
          options.onProgress && String(res.headers['content-type'] ?? '').includes('text/event-stream')
            ? progressReader(id, options.onProgress)
            : undefined;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            settle(() =>
              reject(new TargetError('failed', `${this.id} answered more than ${MAX_ANSWER_BYTES} bytes`)),
            );
            req.destroy();
          } else {
            chunks.push(chunk);
            progress?.(chunk);
          }
        });
        res.on('error', (err) =>
          settle(() => reject(new TargetError('failed', `${this.id} failed: ${err.message}`))),
        );
        res.on('end', () =>
          settle(() => {
            try {
              resolve(
                this.answer(
                  res.statusCode ?? 0,
                  String(res.headers['content-type'] ?? ''),
                  Buffer.concat(chunks),
                  id,
                ),
              );
            } catch (err) {
              reject(err);
            }
          }),
        );
      });
      req.end(body);
    });
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
    this.agent.destroy();
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
