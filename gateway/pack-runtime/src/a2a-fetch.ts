/**
 * The `fetch` the A2A client is given: every request it makes goes through sendUpstream with the call's
 * limits — only the pack's origins, the SSRF lookup guard, the timeout, the response size cap, same-origin
 * redirects — and gets the pack's upstream credentials (upstream.auth), exactly as an HTTP tool's request.
 * The answer is buffered (within the size cap) before the SDK reads it, except an event stream (a request
 * accepting `text/event-stream`: SendStreamingMessage, SubscribeToTask), which is handed over at its headers
 * so each event reaches the SDK when the agent sends it; its chunks count against the same cap.
 */
import type { UpstreamRequest } from './build-request.ts';
import type { UpstreamAuthenticator } from './upstream-auth.ts';
import { openUpstream, sendUpstream, type UpstreamError, type UpstreamLimits } from './upstream-http.ts';

export interface GuardedFetch {
  fetch: typeof fetch;
  /** The last UpstreamError a request met (the SDK wraps errors; the call's status is taken from this). */
  failure(): UpstreamError | undefined;
}

/** Statuses whose Response must have no body (the Fetch standard's null body statuses). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function guardedFetch(
  auth: UpstreamAuthenticator,
  limits: UpstreamLimits,
  headers: Readonly<Record<string, string>> = {},
): GuardedFetch {
  let failure: UpstreamError | undefined;
  const send = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const request: UpstreamRequest = {
      method: init?.method ?? (input instanceof Request ? input.method : 'GET'),
      url,
      headers: { ...headers },
    };
    new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).forEach((v, k) => {
      request.headers[k] = v;
    });
    const body = init?.body;
    if (typeof body === 'string') request.body = body;
    else if (body instanceof Uint8Array) request.body = Buffer.from(body);
    else if (body != null) throw new TypeError('the A2A client sent a body the pack runtime cannot forward');
    try {
      await auth.apply(request, limits);
      const streamed = /\btext\/event-stream\b/i.test(request.headers['accept'] ?? '');
      const res = streamed ? await openUpstream(request, limits) : await sendUpstream(request, limits);
      const out = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const one of v) out.append(k, one);
        else if (v !== undefined) out.set(k, v);
      }
      const answer = 'stream' in res ? tracked(res.stream, remember) : new Uint8Array(res.body);
      return new Response(NULL_BODY.has(res.status) ? null : answer, {
        status: res.status,
        statusText: res.statusText,
        headers: out,
      });
    } catch (err) {
      remember(err);
      throw err;
    }
  };
  const remember = (err: unknown) => {
    if ((err as Error)?.name === 'UpstreamError') failure = err as UpstreamError;
  };
  return { fetch: send as typeof fetch, failure: () => failure };
}

/** `stream`, telling `onError` why it failed (the SDK reports a broken stream in its own words). */
function tracked(
  stream: ReadableStream<Uint8Array>,
  onError: (err: unknown) => void,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        onError(err);
        controller.error(err);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
