import { describe, expect, it } from 'vitest';
import { telemetryOptionsFrom } from './otel-env.ts';

const defaults = { serviceName: 'raku-gateway' };

describe('telemetryOptionsFrom', () => {
  it('is off when no OTLP endpoint is set, whatever else is', () => {
    const options = telemetryOptionsFrom(
      { OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' },
      defaults,
    );
    expect(options.enabled).toBe(false);
    expect(options.traces).toBeUndefined();
    expect(options.metrics).toBeUndefined();
    expect(options.serviceName).toBe('x');
  });

  it('derives /v1/traces and /v1/metrics from the general endpoint, with the documented defaults', () => {
    const options = telemetryOptionsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, defaults);
    expect(options).toEqual({
      enabled: true,
      serviceName: 'raku-gateway',
      resourceAttributes: {},
      traces: {
        url: 'http://collector:4318/v1/traces',
        protocol: 'http/protobuf',
        headers: {},
        timeoutMillis: 10_000,
        maxQueueSize: 2048,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 5000,
      },
      metrics: {
        url: 'http://collector:4318/v1/metrics',
        protocol: 'http/protobuf',
        headers: {},
        timeoutMillis: 10_000,
        exportIntervalMillis: 60_000,
      },
      sampler: { name: 'parentbased_always_on', ratio: 1 },
    });
  });

  it('uses a signal endpoint as given, and the signal protocol, headers and timeout over the general ones', () => {
    const options = telemetryOptionsFrom(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo.example/otlp/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20a,x-org=1',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-org=2',
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
        OTEL_METRICS_EXPORTER: 'none',
      },
      defaults,
    );
    expect(options.traces).toMatchObject({
      url: 'https://tempo.example/otlp/traces',
      protocol: 'http/json',
      headers: { authorization: 'Bearer a', 'x-org': '2' },
      timeoutMillis: 2500,
    });
    expect(options.metrics).toBeUndefined();
  });

  it('takes the service name from OTEL_SERVICE_NAME over service.name in the resource attributes', () => {
    const env = { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment.name=prod%2Deu' };
    expect(telemetryOptionsFrom(env, defaults)).toMatchObject({
      serviceName: 'from-attrs',
      resourceAttributes: { 'deployment.environment.name': 'prod-eu' },
    });
    expect(telemetryOptionsFrom({ ...env, OTEL_SERVICE_NAME: 'svc' }, defaults).serviceName).toBe('svc');
  });

  it('turns everything off with OTEL_SDK_DISABLED=true', () => {
    const options = telemetryOptionsFrom(
      { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
      defaults,
    );
    expect(options).toMatchObject({ enabled: false, traces: undefined, metrics: undefined });
  });

  it('reads the ratio samplers and their argument', () => {
    expect(
      telemetryOptionsFrom(
        { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' },
        defaults,
      ).sampler,
    ).toEqual({ name: 'parentbased_traceidratio', ratio: 0.25 });
  });

  it.each([
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
      /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/,
    ],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://x' }, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://u:secret@c:4318' }, /without credentials/],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      /gRPC is not supported/,
    ],
    [{ OTEL_TRACES_SAMPLER: 'jaeger_remote' }, /OTEL_TRACES_SAMPLER must be one of/],
    [
      { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' },
      /OTEL_TRACES_SAMPLER_ARG must be/,
    ],
    [{ OTEL_SDK_DISABLED: 'yes' }, /OTEL_SDK_DISABLED must be "true" or "false"/],
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, /OTEL_TRACES_EXPORTER must be "otlp" or "none"/],
    [{ OTEL_RESOURCE_ATTRIBUTES: 'team' }, /OTEL_RESOURCE_ATTRIBUTES: entry 1 \("team"\) is not key=value/],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_BSP_MAX_QUEUE_SIZE: '10' },
      /OTEL_BSP_MAX_EXPORT_BATCH_SIZE \(512\) must not exceed OTEL_BSP_MAX_QUEUE_SIZE \(10\)/,
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TIMEOUT: '-1' },
      /OTEL_EXPORTER_OTLP_TIMEOUT/,
    ],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => telemetryOptionsFrom(env, defaults)).toThrow(message);
  });

  it('never echoes a header value in its error', () => {
    expect(() =>
      telemetryOptionsFrom(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
          OTEL_EXPORTER_OTLP_HEADERS: 'authorization=%E0%A4%A',
        },
        defaults,
      ),
    ).toThrow(/^OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not key=value/);
  });
});
