/**
 * W3C trace context (https://www.w3.org/TR/trace-context/) read from what an agent sends and written into
 * what Raku sends: HTTP headers, and the MCP `params._meta` keys `traceparent`/`tracestate` (SEP-414, which
 * the OpenTelemetry MCP conventions follow). Parsing is done by the SDK's W3C propagator; `traceIdOf` is the
 * allocation-free check used when tracing is off, so a trace row still names the agent's trace.
 */
import {
  isSpanContextValid,
  ROOT_CONTEXT,
  type SpanContext,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** The carrier keys, in HTTP headers (lower-case) and in `_meta` alike. */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

const propagator = new W3CTraceContextPropagator();
// version 00: exactly four fields; a later version may append fields (the spec's forward compatibility).
const TRACEPARENT_FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';

/** A string-valued view of a header or `_meta` record (arrays and non-strings are not trace context). */
const getter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/** The trace id of a valid `traceparent` value, else undefined (malformed, version ff, all-zero ids). */
export function traceIdOf(traceparent: unknown): string | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT_FORMAT.exec(traceparent.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return traceId;
}

/** The remote span context a carrier (headers or `_meta`) names, or undefined when it names none validly. */
export function remoteSpanContext(
  carrier: Readonly<Record<string, unknown>> | undefined,
): SpanContext | undefined {
  if (!carrier || typeof carrier[TRACEPARENT] !== 'string') return undefined;
  const extracted = propagator.extract(ROOT_CONTEXT, carrier, getter);
  return trace.getSpanContext(extracted);
}

/**
 * `traceparent` (and `tracestate` when there is one) of a span's context, to send to the next hop: what the
 * W3C propagator's inject writes (the test compares them), without the Context object inject reads the span
 * from. A context that is not valid gives none.
 */
export function spanTraceHeaders(span: SpanContext): Record<string, string> {
  if (!isSpanContextValid(span)) return {};
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  const headers: Record<string, string> = { [TRACEPARENT]: `00-${span.traceId}-${span.spanId}-${flags}` };
  const state = span.traceState?.serialize();
  if (state) headers[TRACESTATE] = state;
  return headers;
}
