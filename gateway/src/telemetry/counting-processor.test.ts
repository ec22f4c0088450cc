import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { CountingSpanProcessor } from './counting-processor.ts';

/** An exporter that holds each batch until the test answers it. */
function heldExporter() {
  const batches: { spans: ReadableSpan[]; done: (result: ExportResult) => void }[] = [];
  const exporter: SpanExporter = {
    export: (spans, done) => batches.push({ spans, done }),
    shutdown: async () => {},
  };
  return { exporter, batches };
}

function tracerWith(processor: CountingSpanProcessor) {
  return new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('test');
}

describe('CountingSpanProcessor', () => {
  it('drops and counts the spans that end while the bound is pending, and frees room as batches are answered', () => {
    const { exporter, batches } = heldExporter();
    // SimpleSpanProcessor exports each span at once: what is pending is exactly what was not answered yet.
    const processor = new CountingSpanProcessor(exporter, 2, (counted) => new SimpleSpanProcessor(counted));
    const tracer = tracerWith(processor);
    for (let i = 0; i < 5; i++) tracer.startSpan(`s${i}`).end();
    expect(processor.counts).toEqual({ ended: 5, exported: 0, failed: 0, dropped: 3, pending: 2 });
    batches[0]!.done({ code: ExportResultCode.SUCCESS });
    batches[1]!.done({ code: ExportResultCode.FAILED, error: new Error('receiver down') });
    expect(processor.counts).toEqual({ ended: 5, exported: 1, failed: 1, dropped: 3, pending: 0 });
    tracer.startSpan('after').end();
    expect(processor.counts).toMatchObject({ ended: 6, dropped: 3, pending: 1 });
    expect(batches.map((b) => b.spans.map((s) => s.name))).toEqual([['s0'], ['s1'], ['after']]);
  });

  it('counts only sampled spans', () => {
    const { exporter } = heldExporter();
    const processor = new CountingSpanProcessor(exporter, 10, (counted) => new SimpleSpanProcessor(counted));
    const provider = new BasicTracerProvider({
      spanProcessors: [processor],
      sampler: { shouldSample: () => ({ decision: 0 }), toString: () => 'never' },
    });
    provider.getTracer('test').startSpan('unsampled').end();
    expect(processor.counts.ended).toBe(0);
  });
});
