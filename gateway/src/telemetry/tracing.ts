/**
 * Starts OpenTelemetry tracing for the process from TelemetryOptions (./otel-env.ts): an OTLP/HTTP exporter
 * (protobuf or JSON), the sampler, batch export through a bounded queue (./counting-processor.ts). The tracer
 * provider is registered globally, as the SDK does, so the pack runtime's upstream client (which imports only
 * `@opentelemetry/api`) starts its spans with it.
 *
 * The span of a request is handed down explicitly (CallRequest.span, the router's and the targets' `parent`,
 * the pack executor's), not through an async context manager: on Node 20 AsyncLocalStorage hooks every
 * promise of the process, a cost paid on every call whether it is traced or not.
 *
 * Off (no endpoint, OTEL_SDK_DISABLED): nothing is registered; `activeTracer()` is undefined and every
 * instrumented site takes its plain path, without a span object.
 */
import { type Tracer, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { CountingSpanProcessor, type SpanCounts } from './counting-processor.ts';
import type { SamplerOptions, TelemetryOptions } from './otel-env.ts';

/** The instrumentation scope of Raku's spans. */
export const TRACER_NAME = '@raku/gateway';

export interface Tracing {
  tracer: Tracer;
  /** Span counts since start: ended, exported, failed, dropped (queue full), pending. */
  stats(): SpanCounts;
  /** Exports what is queued now. */
  forceFlush(): Promise<void>;
  /** Exports what is queued and unregisters everything (the process can start tracing again). */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** The running tracer, or undefined when tracing is off: instrumented sites check this first. */
export function activeTracer(): Tracer | undefined {
  return active?.tracer;
}

/** Span counts of the running tracing (all zero when off), for the metrics (trace export health). */
export function tracingStats(): SpanCounts {
  return active ? active.stats() : { ended: 0, exported: 0, failed: 0, dropped: 0, pending: 0 };
}

export function samplerFor(options: SamplerOptions): Sampler {
  switch (options.name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(options.ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.ratio) });
  }
}

/**
 * Starts tracing when the options export traces; undefined otherwise. Throws if tracing is already running
 * in this process. The resource is service.name and OTEL_RESOURCE_ATTRIBUTES (service.version etc. there).
 */
export function startTracing(options: TelemetryOptions): Tracing | undefined {
  const traces = options.traces;
  if (!options.enabled || !traces) return undefined;
  if (active) throw new Error('OpenTelemetry tracing is already running in this process');
  const exporterConfig = { url: traces.url, headers: traces.headers, timeoutMillis: traces.timeoutMillis };
  const exporter =
    traces.protocol === 'http/json' ? new JsonExporter(exporterConfig) : new ProtobufExporter(exporterConfig);
  const processor = new CountingSpanProcessor(
    exporter,
    traces.maxQueueSize,
    (counted) =>
      new BatchSpanProcessor(counted, {
        maxQueueSize: traces.maxQueueSize,
        maxExportBatchSize: traces.maxExportBatchSize,
        scheduledDelayMillis: traces.scheduledDelayMillis,
        exportTimeoutMillis: traces.timeoutMillis,
      }),
  );
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...options.resourceAttributes,
      'service.name': options.serviceName,
    }),
    sampler: samplerFor(options.sampler),
    spanProcessors: [processor],
  });
  trace.setGlobalTracerProvider(provider);
  const running: Tracing = {
    tracer: provider.getTracer(TRACER_NAME),
    stats: () => ({ ...processor.counts }),
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      if (active === running) active = undefined;
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
      }
    },
  };
  active = running;
  return running;
}
