/**
 * The OTLP export of the process's metrics, when OTEL_* configures one (./otel-env.ts): a periodic reader
 * (every OTEL_METRIC_EXPORT_INTERVAL, default 60 s, on a timer, never on the request path) that collects the
 * prom-client registry through ./metrics-producer.ts and pushes it over OTLP/HTTP, protobuf or JSON. The
 * /metrics scrape stays as it is: the same registry, read by either side.
 */

import { ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import type { Registry } from 'prom-client';
import { registryProducer } from './metrics-producer.ts';
import type { MetricsExport, TelemetryOptions } from './otel-env.ts';

export interface MetricsExporting {
  /** Exports the figures now (tests; shutdown does it too). */
  forceFlush(): Promise<void>;
  /** Exports once more and stops the timer. */
  shutdown(): Promise<void>;
}

/**
 * Wraps `exporter` to report a failing export once, when exports start failing, and once again when they
 * recover: a receiver that is down must not write a line per interval, nor go unnoticed.
 */
function reportingFailures(
  exporter: PushMetricExporter,
  url: string,
  log: (message: string) => void,
): PushMetricExporter {
  let failing = false;
  return {
    export(metrics, done) {
      exporter.export(metrics, (result) => {
        const failed = result.code !== ExportResultCode.SUCCESS;
        if (failed !== failing) {
          log(
            failed
              ? `metrics export to ${url} failing: ${result.error?.message ?? 'no reason given'} (retried every interval; /metrics still serves them)`
              : `metrics export to ${url} recovered`,
          );
          failing = failed;
        }
        done(result);
      });
    },
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    ...(exporter.selectAggregationTemporality
      ? { selectAggregationTemporality: exporter.selectAggregationTemporality.bind(exporter) }
      : {}),
  };
}

function exporterFor(options: MetricsExport): PushMetricExporter {
  const config = { url: options.url, headers: options.headers, timeoutMillis: options.timeoutMillis };
  return options.protocol === 'http/json' ? new JsonExporter(config) : new ProtobufExporter(config);
}

/**
 * Starts exporting `registry` over OTLP when `telemetry` exports metrics; undefined otherwise (OTLP off).
 * The resource is the spans' (tracing.ts): service.name and OTEL_RESOURCE_ATTRIBUTES (service.version there).
 */
export function startMetricsExport(
  registry: Registry,
  telemetry: TelemetryOptions,
  log: (message: string) => void,
): MetricsExporting | undefined {
  const metrics = telemetry.metrics;
  if (!telemetry.enabled || !metrics) return undefined;
  const reader = new PeriodicExportingMetricReader({
    exporter: reportingFailures(exporterFor(metrics), metrics.url, log),
    exportIntervalMillis: metrics.exportIntervalMillis,
    // The SDK's rule: the timeout must not exceed the interval.
    exportTimeoutMillis: Math.min(metrics.timeoutMillis, metrics.exportIntervalMillis),
    metricProducers: [registryProducer(registry)],
  });
  // The provider has no instruments of its own: it lends the reader its resource and collection cycle.
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      ...telemetry.resourceAttributes,
      'service.name': telemetry.serviceName,
    }),
    readers: [reader],
  });
  return {
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
