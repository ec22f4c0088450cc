/**
 * Route targets: where a tool call can be sent. A pack server or a third-party server over MCP (the official
 * client, one connection per target, reused), or a pack executed in-process (local mode). The agent's token
 * never reaches a target: MCP targets carry only the headers configured for them (remote auth from secrets).
 */
import {
  Client,
  ProtocolError,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import type { Span } from '@opentelemetry/api';
import {
  type A2aProgressListener,
  type CallToolResult,
  errorResult,
  jsonBounds,
  type McpToolDefinition,
  measureJson,
  type PackExecutor,
  STATUS_META,
  violationMessage,
} from '@raku/pack-runtime';
import { endMcpSpan, startMcpClientSpan } from '../telemetry/mcp-spans.ts';
import { TRACEPARENT, TRACESTATE } from '../telemetry/trace-context.ts';
import { activeTracer } from '../telemetry/tracing.ts';

/**
 * Why a target failed. `unreachable`: the call never reached it (safe to try the next candidate even for
 * non-idempotent tools). `timeout` and `failed`: the call may have run.
 */
export type TargetFailure = 'unreachable' | 'timeout' | 'failed';

/**
 * A failure of the target itself: it could not be reached, did not answer in time, answered 5xx (or 408,
 * 429), or answered something that is no MCP answer. The only outcome that counts against the target's
 * breaker and may be retried or sent to a fallback. Anything the target answered about the call (a tool
 * error, a JSON-RPC error, another 4xx) is the call's outcome instead: see answeredError.
 */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  constructor(
    readonly kind: TargetFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The call cannot be sent as it stands (its arguments cannot be encoded for the hop): the caller's mistake,
 * answered as an `invalid` tool error. Nothing was sent, so it says nothing about the target.
 */
export class UnsendableCallError extends Error {
  override readonly name = 'UnsendableCallError';
}

/**
 * Where a call can go. `call` resolves with the target's answer, a tool error included; it rejects with a
 * TargetError only when the target failed. Any other rejection is a fault of this one call (the router
 * answers it as a tool error and leaves the breaker alone): nothing a caller sends may pass for a failing
 * target, or one caller could shut a target off for everyone.
 */
export interface Target {
  /** Unique key (breaker, metrics, traces): the MCP URL, or 'in-process:<pack>'. */
  readonly id: string;
  call(tool: string, args: Record<string, unknown>, options: TargetCallOptions): Promise<CallToolResult>;
  /** Live tool definitions (third-party servers: for the reviewed-hash check). */
  listTools?(): Promise<McpToolDefinition[]>;
  close?(): Promise<void>;
}

/** How a target is called: the budget, the cancellation, and the span of the request (tracing on). */
export interface TargetCallOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** The span of the request being served: the call's CLIENT span (or its upstream spans) go under it. */
  parent?: Span;
  /** Told about the call's progress (the agent asked for it): an A2A task's status updates, a server's progress. */
  onProgress?: A2aProgressListener;
  /** Follow this A2A task to its end instead of sending a message (a job taking over a long task). */
  a2aTask?: { taskId: string };
}

export interface McpTargetOptions {
  url: string;
  /** Headers sent on every request (remote auth). Never the caller's token. */
  headers?: Record<string, string>;
  /**
   * 'modern' pins 2026-07-28 (our own pack servers); 'auto' probes and falls back to 2025-11-25
   * (third-party servers).
   */
  era: 'modern' | 'auto';
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether an HTTP status is the target refusing this request as sent (4xx), rather than failing (5xx) or
 * asking to be left alone for a while (408 Request Timeout, 429 Too Many Requests).
 */
export function refusesRequest(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * The call's outcome when a target answered it with an error, as the tool error the agent gets: `invalid`
 * (STATUS_META) when the target says the arguments are wrong (JSON-RPC invalid params, HTTP 413), else a
 * plain tool error. Not a target failure: the target is up and answered.
 */
export function answeredError(message: string, invalid: boolean): CallToolResult {
  const result = errorResult(message);
  if (invalid) result._meta = { [STATUS_META]: 'invalid' };
  return result;
}

/**
 * A target's result, or the call's error when it nests or weighs past the JSON bounds
 * (@raku/pack-runtime json-bounds): such a result goes no further than here (not to the agent, not to the trace).
 */
function boundedResult(id: string, result: CallToolResult): CallToolResult {
  const bounds = jsonBounds();
  const measured = measureJson(result, bounds);
  return measured.ok
    ? result
    : answeredError(violationMessage(`${id}'s result`, measured.reason, bounds), false);
}

function classify(err: unknown, url: string): TargetError {
  if (err instanceof TargetError) return err;
  if (err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout) {
    return new TargetError('timeout', `${url} did not answer in time`);
  }
  let cause: unknown = err;
  for (let i = 0; i < 5 && cause; i++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) {
      return new TargetError('unreachable', `${url} is unreachable (${code})`);
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return new TargetError('failed', `${url} failed: ${(err as Error)?.message ?? String(err)}`);
}

/**
 * fetch that repeats a call's trace context, which travels in its `params._meta`, in the HTTP headers too: the
 * transport is shared by concurrent calls and takes no per-request headers. Other requests go as they are.
 */
const tracedFetch = (url: string | URL, init?: RequestInit): Promise<Response> => {
  const body = init?.body;
  if (typeof body !== 'string' || !body.includes(`"${TRACEPARENT}"`)) return fetch(url, init);
  let meta: Record<string, unknown> | undefined;
  try {
    meta = (JSON.parse(body) as { params?: { _meta?: Record<string, unknown> } }).params?._meta;
  } catch {
    meta = undefined;
  }
  const headers = new Headers(init?.headers);
  for (const key of [TRACEPARENT, TRACESTATE]) {
    const value = meta?.[key];
    if (typeof value === 'string') headers.set(key, value);
  }
  return fetch(url, { ...init, headers });
};

/** An MCP server reached over Streamable HTTP with the official client. */
export class McpTarget implements Target {
  readonly id: string;
  private client: Promise<Client> | undefined;

  constructor(private readonly options: McpTargetOptions) {
    this.id = options.url;
  }

  private connect(timeoutMs: number): Promise<Client> {
    if (!this.client) {
      const pending = (async () => {
        const client = new Client(
          { name: 'raku-gateway', version: '0.1.0' },
          { versionNegotiation: { mode: this.options.era === 'modern' ? { pin: '2026-07-28' } : 'auto' } },
        );
        const transport = new StreamableHTTPClientTransport(new URL(this.options.url), {
          requestInit: { headers: { ...(this.options.headers ?? {}) } },
          fetch: tracedFetch,
        });
        await client.connect(transport, { timeout: timeoutMs });
        return client;
      })();
      this.client = pending;
      // A failed connect is not cached: the next call tries again.
      pending.catch(() => {
        if (this.client === pending) this.client = undefined;
      });
    }
    return this.client;
  }

  async call(
    tool: string,
    args: Record<string, unknown>,
    options: TargetCallOptions,
  ): Promise<CallToolResult> {
    const tracer = activeTracer();
    if (!tracer || !options.parent) return this.send(tool, args, options, undefined);
    // A CLIENT span per call; its context goes in params._meta and, by tracedFetch, in the HTTP headers.
    const { span, headers } = startMcpClientSpan(tracer, {
      tool,
      url: new URL(this.id),
      parent: options.parent,
    });
    try {
      const result = await this.send(tool, args, options, headers);
      endMcpSpan(span, { result });
      return result;
    } catch (err) {
      endMcpSpan(span, {
        errorType: err instanceof TargetError ? err.kind : err instanceof Error ? err.name : '_OTHER',
      });
      throw err;
    }
  }

  private async send(
    tool: string,
    args: Record<string, unknown>,
    options: TargetCallOptions,
    trace: Record<string, string> | undefined,
  ): Promise<CallToolResult> {
    let client: Client;
    try {
      client = await this.connect(options.timeoutMs);
    } catch (err) {
      const failure = classify(err, this.id);
      // Nothing was called if the connection could not be set up.
      throw failure.kind === 'failed' ? new TargetError('unreachable', failure.message) : failure;
    }
    try {
      return boundedResult(
        this.id,
        (await client.callTool(
          { name: tool, arguments: args, ...(trace ? { _meta: trace } : {}) },
          {
            signal: options.signal,
            timeout: options.timeoutMs,
            ...(options.onProgress ? { onprogress: progressTo(options.onProgress) } : {}),
          },
        )) as CallToolResult,
      );
    } catch (err) {
      // The target answered this call with an error (JSON-RPC error, or refused the request as sent): the
      // call's outcome, not a target failure.
      if (err instanceof ProtocolError) {
        return answeredError(err.message, err.code === ProtocolErrorCode.InvalidParams);
      }
      if (err instanceof SdkHttpError && refusesRequest(err.status)) {
        return answeredError(`${this.id} refused the call: ${err.message}`, err.status === 413);
      }
      const failure = classify(err, this.id);
      if (failure.kind !== 'timeout') void this.reset();
      throw failure;
    }
  }

  async listTools(): Promise<McpToolDefinition[]> {
    try {
      const client = await this.connect(10_000);
      const { tools } = await client.listTools(undefined, { cacheMode: 'bypass' });
      return tools as McpToolDefinition[];
    } catch (err) {
      void this.reset();
      throw classify(err, this.id);
    }
  }

  private async reset(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    await old?.then((c) => c.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.reset();
  }
}

/** A pack executed in this process (local mode): no network hop between gateway and pack. */
export class InProcessTarget implements Target {
  constructor(
    readonly id: string,
    private readonly executor: PackExecutor,
    /** The pack the target runs: in local mode two tenants' packs may expose one name. */
    private readonly pack?: string,
  ) {}

  async call(
    tool: string,
    args: Record<string, unknown>,
    options: TargetCallOptions,
  ): Promise<CallToolResult> {
    // In-process: the pack's upstream requests are traced under the gateway's request span.
    const extras = {
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.a2aTask ? { a2aTask: options.a2aTask } : {}),
      ...(this.pack !== undefined ? { pack: this.pack } : {}),
    };
    return (await this.executor.execute(tool, args, options.signal, options.parent, extras)).result;
  }
}

/** The SDK client's progress callback, forwarding a server's progress (its `message` when it has one). */
function progressTo(listener: A2aProgressListener) {
  return ({ progress, message }: { progress: number; message?: string }) =>
    listener(message !== undefined ? { progress, message } : { progress });
}
