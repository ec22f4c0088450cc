import { ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { remoteSpanContext, spanTraceHeaders, traceIdOf } from './trace-context.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('W3C trace context', () => {
  it('reads the trace id of a valid traceparent, of version 00 and of a later version with more fields', () => {
    expect(traceIdOf(`00-${TRACE}-${SPAN}-01`)).toBe(TRACE);
    expect(traceIdOf(` 00-${TRACE}-${SPAN}-00 `)).toBe(TRACE);
    expect(traceIdOf(`01-${TRACE}-${SPAN}-01-future`)).toBe(TRACE);
  });

  it.each([
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['version 00 with more fields', `00-${TRACE}-${SPAN}-01-x`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['an all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['a short trace id', `00-${TRACE.slice(2)}-${SPAN}-01`],
    ['a repeated header', [`00-${TRACE}-${SPAN}-01`]],
    ['nothing', undefined],
  ])('ignores %s', (_what, value) => {
    expect(traceIdOf(value)).toBeUndefined();
  });

  it('takes the remote parent from headers or _meta, with its sampled flag and tracestate', () => {
    const parent = remoteSpanContext({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'vendor=1' });
    expect(parent).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(parent?.traceState?.get('vendor')).toBe('1');
    expect(remoteSpanContext({ traceparent: 'garbage' })).toBeUndefined();
    expect(remoteSpanContext({ traceparent: 7 })).toBeUndefined();
    expect(remoteSpanContext(undefined)).toBeUndefined();
  });

  it('writes the traceparent and tracestate of a span context for the next hop, nothing without one', () => {
    const parent = remoteSpanContext({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'vendor=1' })!;
    expect(spanTraceHeaders(parent)).toEqual({
      traceparent: `00-${TRACE}-${SPAN}-01`,
      tracestate: 'vendor=1',
    });
    expect(spanTraceHeaders({ ...parent, spanId: '0'.repeat(16) })).toEqual({});
  });

  it.each([
    ['sampled, with tracestate', `00-${TRACE}-${SPAN}-01`, 'vendor=1,other=x'],
    ['not sampled', `00-${TRACE}-${SPAN}-00`, undefined],
  ])('writes what the W3C propagator writes (%s)', (_what, traceparent, tracestate) => {
    const context: SpanContext = remoteSpanContext({ traceparent, ...(tracestate ? { tracestate } : {}) })!;
    const injected: Record<string, string> = {};
    new W3CTraceContextPropagator().inject(trace.setSpanContext(ROOT_CONTEXT, context), injected, {
      set: (carrier, key, value) => {
        carrier[key] = value;
      },
    });
    expect(spanTraceHeaders(context)).toEqual(injected);
    expect(injected['traceparent']).toBe(traceparent);
  });
});
