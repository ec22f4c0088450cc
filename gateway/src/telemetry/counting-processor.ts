/**
 * The span pipeline's bound and its counts. Spans go to the SDK's BatchSpanProcessor (export in batches on a
 * timer, never on the request path); this wrapper holds the bound itself so what it drops is known: a span
 * is pending from its end until its batch is exported or failed, and a span that ends while `maxQueueSize`
 * are pending is dropped and counted. The SDK's own queue has the same size and holds fewer, so it never
 * drops silently. The counts are what the metrics export (`raku_otel_spans_*`, see tracing.ts stats()).
 */
import type { Context } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Spans by fate since the start, and how many are waiting for export now. */
export interface SpanCounts {
  /** Sampled spans that ended. */
  ended: number;
  /** Accepted by the receiver. */
  exported: number;
  /** In a batch the receiver refused or never answered (the batch is not retried). */
  failed: number;
  /** Dropped because `maxQueueSize` spans were already waiting. */
  dropped: number;
  /** Waiting for export, or in an export under way. */
  pending: number;
}

export class CountingSpanProcessor implements SpanProcessor {
  readonly counts: SpanCounts = { ended: 0, exported: 0, failed: 0, dropped: 0, pending: 0 };
  private readonly inner: SpanProcessor;

  /** `makeInner` receives the exporter to batch into: a wrapper of `exporter` that counts outcomes. */
  constructor(
    exporter: SpanExporter,
    private readonly maxQueueSize: number,
    makeInner: (exporter: SpanExporter) => SpanProcessor,
  ) {
    const counts = this.counts;
    this.inner = makeInner({
      export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
        exporter.export(spans, (result) => {
          counts.pending -= spans.length;
          if (result.code === ExportResultCode.SUCCESS) counts.exported += spans.length;
          else counts.failed += spans.length;
          done(result);
        });
      },
      shutdown: () => exporter.shutdown(),
      ...(exporter.forceFlush ? { forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve() } : {}),
    });
  }

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.counts.ended++;
    if (this.counts.pending >= this.maxQueueSize) {
      this.counts.dropped++;
      return;
    }
    this.counts.pending++;
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
