/**
 * The runtime options of tracing: OTEL_* through parseRuntimeOptions (the service named by role unless
 * OTEL_SERVICE_NAME says otherwise) and RAKU_TRACING_URL, the console's link template.
 */
import { describe, expect, it } from 'vitest';
import { parseRuntimeOptions } from '../../src/server/options.ts';

const parse = (env: Record<string, string>, role = 'gateway') => parseRuntimeOptions(env, [role], '/tmp');

describe('tracing options', () => {
  it.each([
    ['gateway', 'raku-gateway'],
    ['pack-server', 'raku-pack-server'],
    ['local', 'raku-local'],
  ])('names the %s role %s unless OTEL_SERVICE_NAME does', (role, name) => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(parse(env, role).telemetry).toMatchObject({ enabled: true, serviceName: name });
    expect(parse({ ...env, OTEL_SERVICE_NAME: 'edge' }, role).telemetry.serviceName).toBe('edge');
  });

  it('leaves tracing off and the console without a link when nothing is set', () => {
    const options = parse({});
    expect(options.telemetry.enabled).toBe(false);
    expect(options.tracingUrl).toBeUndefined();
  });

  it('takes a RAKU_TRACING_URL template holding {traceId}', () => {
    expect(parse({ RAKU_TRACING_URL: 'https://grafana.example/explore?trace={traceId}' }).tracingUrl).toBe(
      'https://grafana.example/explore?trace={traceId}',
    );
  });

  it.each(['https://jaeger.example/trace/', 'javascript:alert({traceId})', 'jaeger/{traceId}'])(
    'refuses RAKU_TRACING_URL=%s, saying what it must be',
    (raw) => {
      expect(() => parse({ RAKU_TRACING_URL: raw })).toThrow(
        /RAKU_TRACING_URL must be an http\(s\) URL with \{traceId\}/,
      );
    },
  );

  it('refuses a bad OTEL_* value at start, naming the variable', () => {
    expect(() => parse({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER must be one of/);
  });
});
