/**
 * OpenTelemetry's standard OTEL_* variables, parsed by a pure function into typed options for traces and
 * metrics (options.ts calls it; nothing here reads process.env). Telemetry is off unless an OTLP endpoint is
 * set: the spec's default endpoint (localhost:4318) would make every gateway try to export to nothing.
 * Variables: https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/ and
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/.
 */
import { UserError } from '@raku/config';

/** OTLP over HTTP, binary protobuf (the default) or JSON. gRPC is not shipped. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];

export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';
export const SAMPLER_NAMES: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

/** Where and how one signal is exported. */
export interface OtlpExport {
  /** The full URL spans or metrics are POSTed to (…/v1/traces, …/v1/metrics when derived from the base). */
  url: string;
  protocol: OtlpProtocol;
  /** OTEL_EXPORTER_OTLP_HEADERS merged with the signal's own (which win). Secret: never logged. */
  headers: Record<string, string>;
  /** OTEL_EXPORTER_OTLP[_<SIGNAL>]_TIMEOUT, milliseconds per export. Default 10000. */
  timeoutMillis: number;
}

/** Traces: the exporter plus the batch span processor's bounds (OTEL_BSP_*), so export is off the request path. */
export interface TracesExport extends OtlpExport {
  /** OTEL_BSP_MAX_QUEUE_SIZE: spans held before new ones are dropped (and counted). Default 2048. */
  maxQueueSize: number;
  /** OTEL_BSP_MAX_EXPORT_BATCH_SIZE, default 512 (at most maxQueueSize). */
  maxExportBatchSize: number;
  /** OTEL_BSP_SCHEDULE_DELAY, milliseconds between exports. Default 5000. */
  scheduledDelayMillis: number;
}

/** Metrics: the exporter plus the periodic reader's interval. */
export interface MetricsExport extends OtlpExport {
  /** OTEL_METRIC_EXPORT_INTERVAL, milliseconds between exports. Default 60000. */
  exportIntervalMillis: number;
}

export interface SamplerOptions {
  /** OTEL_TRACES_SAMPLER. Default parentbased_always_on (the agent's sampled flag decides, else sample). */
  name: SamplerName;
  /** OTEL_TRACES_SAMPLER_ARG for the ratio samplers, 0..1. Default 1. */
  ratio: number;
}

export interface TelemetryOptions {
  /** False when OTEL_SDK_DISABLED=true or no signal has an endpoint: then no SDK is started at all. */
  enabled: boolean;
  /** OTEL_SERVICE_NAME, else service.name in OTEL_RESOURCE_ATTRIBUTES, else the role's default. */
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES (key=value, comma-separated, values percent-decoded), without service.name. */
  resourceAttributes: Record<string, string>;
  /** Undefined: no traces exported (no endpoint, or OTEL_TRACES_EXPORTER=none). */
  traces: TracesExport | undefined;
  /** Undefined: no metrics exported over OTLP (no endpoint, or OTEL_METRICS_EXPORTER=none). */
  metrics: MetricsExport | undefined;
  sampler: SamplerOptions;
}

type Env = Readonly<Record<string, string | undefined>>;
type Signal = 'traces' | 'metrics';

/**
 * Parses the OTEL_* variables. `defaults.serviceName` names the service when neither OTEL_SERVICE_NAME nor
 * OTEL_RESOURCE_ATTRIBUTES does (e.g. 'raku-gateway'). Throws a UserError naming the variable on a bad value;
 * header values are never echoed.
 */
export function telemetryOptionsFrom(env: Env, defaults: { serviceName: string }): TelemetryOptions {
  const disabled = bool(env, 'OTEL_SDK_DISABLED');
  const resource = keyValues(env, 'OTEL_RESOURCE_ATTRIBUTES', true);
  const { 'service.name': fromResource, ...resourceAttributes } = resource;
  const serviceName = value(env, 'OTEL_SERVICE_NAME') ?? fromResource ?? defaults.serviceName;
  const base = tracesOrMetrics(env, 'traces');
  const traces: TracesExport | undefined = base && {
    ...base,
    maxQueueSize: int(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1),
    maxExportBatchSize: int(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1),
    scheduledDelayMillis: int(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 0),
  };
  if (traces && traces.maxExportBatchSize > traces.maxQueueSize) {
    throw new UserError(
      `OTEL_BSP_MAX_EXPORT_BATCH_SIZE (${traces.maxExportBatchSize}) must not exceed OTEL_BSP_MAX_QUEUE_SIZE (${traces.maxQueueSize})`,
    );
  }
  const metricsBase = tracesOrMetrics(env, 'metrics');
  const metrics: MetricsExport | undefined = metricsBase && {
    ...metricsBase,
    exportIntervalMillis: int(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000, 1),
  };
  return {
    enabled: !disabled && (traces !== undefined || metrics !== undefined),
    serviceName,
    resourceAttributes,
    traces: disabled ? undefined : traces,
    metrics: disabled ? undefined : metrics,
    sampler: sampler(env),
  };
}

function tracesOrMetrics(env: Env, signal: Signal): OtlpExport | undefined {
  const upper = signal.toUpperCase();
  const exporterVar = `OTEL_${upper}_EXPORTER`;
  const exporter = value(env, exporterVar) ?? 'otlp';
  if (exporter === 'none') return undefined;
  if (exporter !== 'otlp') throw new UserError(`${exporterVar} must be "otlp" or "none", not "${exporter}"`);
  const url = endpoint(env, signal);
  if (url === undefined) return undefined;
  return {
    url,
    protocol: protocol(env, signal),
    headers: {
      ...keyValues(env, 'OTEL_EXPORTER_OTLP_HEADERS', false),
      ...keyValues(env, `OTEL_EXPORTER_OTLP_${upper}_HEADERS`, false),
    },
    timeoutMillis: int(
      env,
      `OTEL_EXPORTER_OTLP_${upper}_TIMEOUT`,
      int(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, 1),
      1,
    ),
  };
}

/** The signal's own endpoint is used as given; the general one gets /v1/<signal> appended (as the spec says). */
function endpoint(env: Env, signal: Signal): string | undefined {
  const ownVar = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`;
  const own = value(env, ownVar);
  if (own !== undefined) return httpUrl(ownVar, own);
  const general = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (general === undefined) return undefined;
  const url = httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', general);
  return `${url.replace(/\/+$/, '')}/v1/${signal}`;
}

function httpUrl(name: string, raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    throw new UserError(
      `${name} must be an http(s) URL of an OTLP receiver without credentials (e.g. http://otel-collector:4318; put tokens in OTEL_EXPORTER_OTLP_HEADERS), not "${url ? `${url.protocol}//${url.host}${url.pathname}` : raw}"`,
    );
  }
  return raw;
}

function protocol(env: Env, signal: Signal): OtlpProtocol {
  const ownVar = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`;
  const own = value(env, ownVar);
  const name = own !== undefined ? ownVar : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const raw = own ?? value(env, 'OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  if ((OTLP_PROTOCOLS as readonly string[]).includes(raw)) return raw as OtlpProtocol;
  throw new UserError(
    `${name} must be one of ${OTLP_PROTOCOLS.join(', ')}, not "${raw}"${raw === 'grpc' ? ' (gRPC is not supported; OTLP collectors accept HTTP on port 4318)' : ''}`,
  );
}

function sampler(env: Env): SamplerOptions {
  const name = value(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  if (!(SAMPLER_NAMES as readonly string[]).includes(name)) {
    throw new UserError(`OTEL_TRACES_SAMPLER must be one of ${SAMPLER_NAMES.join(', ')}, not "${name}"`);
  }
  const rawArg = value(env, 'OTEL_TRACES_SAMPLER_ARG');
  let ratio = 1;
  if (rawArg !== undefined && name.endsWith('traceidratio')) {
    ratio = Number(rawArg);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
      throw new UserError(`OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1, not "${rawArg}"`);
    }
  }
  return { name: name as SamplerName, ratio };
}

/** W3C-baggage-like `key=value,key2=value2` lists (headers, resource attributes); values percent-decoded. */
function keyValues(env: Env, name: string, echo: boolean): Record<string, string> {
  const raw = value(env, name);
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const [i, entry] of raw.split(',').entries()) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim() : '';
    let decoded: string | undefined;
    try {
      decoded = eq > 0 ? decodeURIComponent(entry.slice(eq + 1).trim()) : undefined;
    } catch {
      decoded = undefined;
    }
    if (key === '' || decoded === undefined) {
      throw new UserError(
        `${name}: entry ${i + 1}${echo ? ` ("${entry.trim()}")` : ''} is not key=value (comma-separated, values percent-encoded)`,
      );
    }
    out[key] = decoded;
  }
  return out;
}

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function bool(env: Env, name: string): boolean {
  const raw = value(env, name)?.toLowerCase();
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new UserError(`${name} must be "true" or "false", not "${raw}"`);
}

function int(env: Env, name: string, fallback: number, min: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > 2 ** 31) {
    throw new UserError(`${name} must be an integer between ${min} and ${2 ** 31}, not "${raw}"`);
  }
  return n;
}
