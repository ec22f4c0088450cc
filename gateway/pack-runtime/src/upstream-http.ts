/**
 * Sends one upstream request with the pack's limits: only the pack's own origins, the SSRF lookup guard,
 * an overall timeout, a response size cap, and redirects followed only within the same origin.
 *
 * Given the OpenTelemetry span of the call (`limits.parent`: the pack server's request span, when the process
 * traces), each exchange gets a CLIENT span under it, named by the HTTP conventions (`GET`,
 * `http.request.method`, `server.address`, `http.response.status_code`; no path or query, which may hold
 * argument values), and sends its `traceparent` (and `tracestate`) to the upstream API.
 */
import http from 'node:http';
import https from 'node:https';
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { UpstreamRequest } from './build-request.ts';
import { depthMessage, jsonBounds, tooDeep } from './json-bounds.ts';
import { checkLiteralHost, guardedLookup, SsrfBlockedError } from './ssrf-guard.ts';

export interface UpstreamLimits {
  /** Origins ('https://api.github.com') the request and any redirect may go to. */
  allowedOrigins: ReadonlySet<string>;
  /** Allow private, loopback and link-local addresses (only when the zone allows private networks). */
  allowPrivateNetworks: boolean;
  /** Overall budget for the exchange, headers and body included. */
  timeoutMs: number;
  /** The response body is refused past this many bytes. */
  maxResponseBytes: number;
  /** Redirects followed within the same origin; any other redirect fails the call. Default 3. */
  maxRedirects?: number;
  signal?: AbortSignal;
  /** The call's span: each exchange is traced under it (see above). Undefined: not traced, nothing sent. */
  parent?: Span;
}

export interface UpstreamResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered (after same-origin redirects). */
  url: URL;
}

/**
 * An answer handed over at its headers (openUpstream): the body arrives on `stream` as the upstream sends it,
 * each chunk counted against the size cap, and errors with an UpstreamError past the cap, the timeout or a
 * cancellation.
 */
export interface StreamedUpstreamResponse extends Omit<UpstreamResponse, 'body'> {
  stream: ReadableStream<Uint8Array>;
}

export type UpstreamFailure = 'blocked' | 'timeout' | 'too_large' | 'redirect' | 'network' | 'aborted';

/** Why an upstream exchange failed before producing a response; `kind` drives status and retries. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly kind: UpstreamFailure,
    message: string,
  ) {
    super(message);
  }
}

// Keep-alive agents, one pair per guard setting: the lookup guard runs on every new connection.
const agents = new Map<string, http.Agent>();
function agentFor(protocol: string, allowPrivate: boolean): http.Agent {
  const key = `${protocol}${allowPrivate}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: 256, lookup: guardedLookup(allowPrivate) };
    agent = protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}

export function sendUpstream(request: UpstreamRequest, limits: UpstreamLimits): Promise<UpstreamResponse> {
  return follow(request, limits, false) as Promise<UpstreamResponse>;
}

/**
 * sendUpstream for an answer read as it arrives (an A2A event stream): resolves at the final answer's headers
 * (redirects followed as by sendUpstream). The size cap counts every chunk of the stream, the timeout and the
 * signal keep running until it ends, and the exchange's span ends at the headers.
 */
export function openUpstream(
  request: UpstreamRequest,
  limits: UpstreamLimits,
): Promise<StreamedUpstreamResponse> {
  return follow(request, limits, true) as Promise<StreamedUpstreamResponse>;
}

type AnyResponse = UpstreamResponse | StreamedUpstreamResponse;

async function follow(
  request: UpstreamRequest,
  limits: UpstreamLimits,
  streamed: boolean,
): Promise<AnyResponse> {
  const maxRedirects = limits.maxRedirects ?? 3;
  let current = request;
  for (let hop = 0; ; hop++) {
    const response = await exchange(current, limits, streamed);
    const location = response.headers.location;
    if (response.status < 300 || response.status > 399 || location === undefined) return response;
    const next = new URL(location, current.url);
    if (next.origin !== current.url.origin || !limits.allowedOrigins.has(next.origin)) {
      throw new UpstreamError(
        'redirect',
        `upstream redirected to ${next.origin}, which is not this pack's upstream; redirects to other hosts are not followed`,
      );
    }
    if (hop >= maxRedirects) throw new UpstreamError('redirect', `more than ${maxRedirects} redirects`);
    // 303 (and 301/302 after a POST, as browsers do) turn into GET without a body.
    const toGet =
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && current.method === 'POST');
    current = toGet
      ? { method: 'GET', url: next, headers: withoutBodyHeaders(current.headers) }
      : { ...current, url: next };
  }
}

function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  const { 'content-type': _ct, 'content-length': _cl, ...rest } = headers;
  return rest;
}

/** The instrumentation scope of the upstream spans. */
const TRACER_NAME = '@raku/pack-runtime';

function exchange(request: UpstreamRequest, limits: UpstreamLimits, streamed: boolean): Promise<AnyResponse> {
  // Not traced (tracing off, or a call outside any request): the plain exchange, nothing allocated.
  if (!limits.parent) return send(request, limits, undefined, streamed);
  const { url } = request;
  const span = trace.getTracer(TRACER_NAME).startSpan(
    request.method.toUpperCase(),
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': request.method.toUpperCase(),
        'server.address': url.hostname,
        'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
        'url.scheme': url.protocol.slice(0, -1),
      },
    },
    trace.setSpan(ROOT_CONTEXT, limits.parent),
  );
  return send(request, limits, traceHeaders(span), streamed).then(
    (response) => {
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 400) endFailed(span, String(response.status));
      else span.end();
      return response;
    },
    (err: unknown) => {
      endFailed(span, err instanceof UpstreamError ? err.kind : '_OTHER');
      throw err;
    },
  );
}

/** W3C trace context of `span` (https://www.w3.org/TR/trace-context/#traceparent-header). */
function traceHeaders(span: Span): Record<string, string> {
  const { traceId, spanId, traceFlags, traceState } = span.spanContext();
  const headers: Record<string, string> = {
    traceparent: `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`,
  };
  const state = traceState?.serialize();
  if (state) headers['tracestate'] = state;
  return headers;
}

function endFailed(span: Span, errorType: string): void {
  span.setAttribute('error.type', errorType);
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

function send(
  request: UpstreamRequest,
  limits: UpstreamLimits,
  traceHeaders: Record<string, string> | undefined,
  streamed: boolean,
): Promise<AnyResponse> {
  const { url } = request;
  if (!limits.allowedOrigins.has(url.origin)) {
    return Promise.reject(new UpstreamError('blocked', `${url.origin} is not an upstream of this pack`));
  }
  try {
    checkLiteralHost(url.hostname, limits.allowPrivateNetworks);
  } catch (err) {
    return Promise.reject(new UpstreamError('blocked', (err as Error).message));
  }
  if (limits.signal?.aborted) return Promise.reject(new UpstreamError('aborted', 'the call was cancelled'));
  return new Promise((resolve, reject) => {
    let settled = false;
    // Once a streamed answer is handed over, a failure errors its stream instead of the promise.
    let failStream: ((err: UpstreamError) => void) | undefined;
    const done = () => {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: UpstreamError) => {
      if (settled) {
        const onStream = failStream;
        failStream = undefined;
        done();
        req.destroy();
        onStream?.(err);
        return;
      }
      settled = true;
      done();
      req.destroy();
      reject(err);
    };
    const mod = url.protocol === 'https:' ? https : http;
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    const headers = traceHeaders ? { ...request.headers, ...traceHeaders } : { ...request.headers };
    if (body) headers['content-length'] = String(body.length);
    const req = mod.request(url, {
      method: request.method,
      headers,
      agent: agentFor(url.protocol, limits.allowPrivateNetworks),
    });
    const timer = setTimeout(
      () => fail(new UpstreamError('timeout', `upstream did not answer within ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
    const onAbort = () => fail(new UpstreamError('aborted', 'the call was cancelled'));
    limits.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => {
      if (err instanceof SsrfBlockedError) fail(new UpstreamError('blocked', err.message));
      else fail(new UpstreamError('network', `upstream ${url.origin} unreachable: ${err.message}`));
    });
    req.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > limits.maxResponseBytes) {
        res.destroy();
        fail(tooLarge(limits.maxResponseBytes));
        return;
      }
      const head = {
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers: res.headers,
        url,
      };
      let size = 0;
      const counted = (chunk: Buffer): boolean => {
        size += chunk.length;
        if (size <= limits.maxResponseBytes) return true;
        res.destroy();
        fail(tooLarge(limits.maxResponseBytes));
        return false;
      };
      res.on('error', (err) =>
        fail(new UpstreamError('network', `upstream response failed: ${err.message}`)),
      );
      const redirect = head.status >= 300 && head.status < 400 && res.headers.location !== undefined;
      if (streamed && !redirect) {
        settled = true;
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            failStream = (err) => controller.error(err);
            res.on('data', (chunk: Buffer) => {
              if (counted(chunk)) controller.enqueue(new Uint8Array(chunk));
            });
            res.on('end', () => {
              if (!failStream) return;
              failStream = undefined;
              done();
              controller.close();
            });
          },
          cancel() {
            failStream = undefined;
            done();
            req.destroy();
          },
        });
        resolve({ ...head, stream });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        if (counted(chunk)) chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        done();
        resolve({ ...head, body: Buffer.concat(chunks) });
      });
    });
    req.end(body);
  });
}

function tooLarge(max: number): UpstreamError {
  return new UpstreamError('too_large', `upstream response is larger than the ${max}-byte limit`);
}

export type ParsedBody =
  | { ok: true; value: unknown }
  | { ok: false; reason: 'depth' | 'syntax'; message: string };

/**
 * An upstream JSON body, parsed only when it nests within the process's JSON bounds (./json-bounds.ts):
 * a deeper one is refused unparsed (its parse alone can take seconds, and code downstream recurses), with a
 * message naming the limit. `syntax` when the body is not JSON.
 */
export function parseUpstreamJson(body: Buffer, what = 'the upstream response'): ParsedBody {
  const depth = tooDeep(body);
  if (depth !== undefined) {
    return { ok: false, reason: 'depth', message: depthMessage(what, depth, jsonBounds().maxDepth) };
  }
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (err) {
    return { ok: false, reason: 'syntax', message: `${what} is not JSON: ${(err as Error).message}` };
  }
}
