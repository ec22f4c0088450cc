/**
 * The OTLP half of "one definition, two exports": an OpenTelemetry MetricProducer that reads the process's
 * prom-client registry (the single definition, also served on /metrics) and hands its figures to the SDK's
 * periodic reader as OTLP metric data. Counters become cumulative monotonic sums, gauges gauges, histograms
 * explicit-bucket histograms (Prometheus' cumulative `le` buckets turned into per-bucket counts). Names and
 * label values are exactly those of /metrics, so a backend that ingests OTLP into Prometheus (which keeps a
 * name that already ends in `_total` or in its unit) shows the same series a scrape does.
 *
 * Why not the other way round (the OTel SDK as the definition, /metrics rendered from it): recording a call in
 * prom-client costs about half of what the SDK's instruments cost (docs/observability.md, "Metrics"), and
 * this conversion runs once per export interval, off the request path.
 */
import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { MetricObjectWithValues, MetricValue, MetricValueWithName, Registry } from 'prom-client';

/** The instrumentation scope the figures are reported under. */
export const METRICS_SCOPE = { name: 'raku' };

/** OTLP units for the Prometheus base-unit suffixes Raku's names use (UCUM, as OTLP expects). */
function unitOf(name: string): string {
  if (name.endsWith('_seconds')) return 's';
  if (name.endsWith('_bytes')) return 'By';
  return '';
}

function attributesOf(labels: Partial<Record<string, string | number>>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(labels)) if (value !== undefined) out[key] = String(value);
  return out;
}

/** The labels of a histogram series without `le`, as a stable key. */
function seriesKey(labels: Partial<Record<string, string | number>>): string {
  return JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== 'le')
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

interface HistogramSeries {
  labels: Partial<Record<string, string | number>>;
  /** Finite upper bounds with their cumulative counts. */
  buckets: [number, number][];
  sum: number;
  count: number;
}

function histogramPoints(
  values: MetricValueWithName<string>[],
  start: HrTime,
  end: HrTime,
): DataPoint<Histogram>[] {
  const series = new Map<string, HistogramSeries>();
  for (const v of values) {
    const key = seriesKey(v.labels);
    let s = series.get(key);
    if (!s) {
      const { le: _le, ...labels } = v.labels;
      s = { labels, buckets: [], sum: 0, count: 0 };
      series.set(key, s);
    }
    if (v.metricName?.endsWith('_bucket')) {
      const le = Number(v.labels['le']);
      if (Number.isFinite(le)) s.buckets.push([le, v.value]);
    } else if (v.metricName?.endsWith('_sum')) s.sum = v.value;
    else if (v.metricName?.endsWith('_count')) s.count = v.value;
  }
  return [...series.values()].map((s) => {
    s.buckets.sort((a, b) => a[0] - b[0]);
    const counts: number[] = [];
    let below = 0;
    for (const [, cumulative] of s.buckets) {
      counts.push(cumulative - below);
      below = cumulative;
    }
    counts.push(s.count - below); // the +Inf bucket
    return {
      startTime: start,
      endTime: end,
      attributes: attributesOf(s.labels),
      value: { buckets: { boundaries: s.buckets.map(([le]) => le), counts }, sum: s.sum, count: s.count },
    };
  });
}

/** One prom-client metric as OTLP metric data; undefined for a type Raku does not register (summary). */
export function toMetricData(
  metric: MetricObjectWithValues<MetricValue<string>>,
  start: HrTime,
  end: HrTime,
): MetricData | undefined {
  const descriptor = {
    name: metric.name,
    description: metric.help,
    unit: unitOf(metric.name),
    valueType: ValueType.DOUBLE,
  };
  const points = () =>
    metric.values.map((v) => ({
      startTime: start,
      endTime: end,
      attributes: attributesOf(v.labels),
      value: v.value,
    }));
  // prom-client declares `type` as a numeric enum, but its metrics carry the exposition-format strings.
  switch (String(metric.type)) {
    case 'counter':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: points(),
      };
    case 'gauge':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: points(),
      };
    case 'histogram':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: histogramPoints(metric.values as MetricValueWithName<string>[], start, end),
      };
    default:
      return undefined;
  }
}

/**
 * A MetricProducer over `registry`. Every cumulative series starts at `startTime` (default: when this
 * process started, as prom-client counts from then).
 */
export function registryProducer(
  registry: Registry,
  startTime = millisToHrTime(performance.timeOrigin),
): MetricProducer {
  return {
    async collect(): Promise<CollectionResult> {
      const metrics = await registry.getMetricsAsJSON();
      const now = millisToHrTime(Date.now());
      const data = metrics.flatMap((m) => toMetricData(m, startTime, now) ?? []);
      return {
        // The reader keeps its MeterProvider's resource and takes only the scope metrics from here.
        resourceMetrics: {
          resource: emptyResource(),
          scopeMetrics: [{ scope: METRICS_SCOPE, metrics: data }],
        },
        errors: [],
      };
    },
  };
}
