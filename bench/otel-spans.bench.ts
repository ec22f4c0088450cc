/**
 * OpenTelemetry's CPU per call in isolation (issue 16's tracing cost, steady on a busy machine): the span work
 * of one gateway tools/call, as the gateway does it (the request's SERVER span through traceMcpRequest,
 * Raku's call attributes, the hop's CLIENT span and its traceparent, both ended), repeated N times, then the
 * batches flushed to an OTLP/HTTP receiver in a child process (so its CPU is not counted). CPU per call, the
 * same loop with tracing off subtracted, of the main thread (the gateway's request thread, from /proc) and of
 * the whole process (process.cpuUsage: all its threads, GC included); rounds interleaved, medians. Modes:
 * protobuf and JSON export at the default settings, protobuf in batches of 2048 (queue 8192), not 512, and
 * protobuf with a 10 % ratio sampler (parentbased_traceidratio 0.1).
 */
import os from 'node:os';
import { annotateCallSpan } from '../gateway/src/telemetry/call-attributes.ts';
import { endMcpSpan, startMcpClientSpan } from '../gateway/src/telemetry/mcp-spans.ts';
import { telemetryOptionsFrom } from '../gateway/src/telemetry/otel-env.ts';
import { traceMcpRequest } from '../gateway/src/telemetry/request-span.ts';
import { activeTracer, startTracing, tracingStats } from '../gateway/src/telemetry/tracing.ts';
import { median } from './gateway/harness.ts';
import { startOtlpReceiver } from './lib/otlp-receiver.ts';
import { currentThreadId, threadCpuMs } from './lib/thread-cpu.ts';

const CALLS = Math.max(1000, Number(process.env['RAKU_BENCH_CALLS'] ?? 50_000) || 50_000);
const ROUNDS = Math.max(1, Number(process.env['RAKU_BENCH_ROUNDS'] ?? 3) || 3);
const URL_HOP = new URL('http://127.0.0.1:7411/mcp');
const HEADERS = {
  'mcp-session-id': 'a4f1c2d3-0000-4000-8000-000000000001',
  'mcp-protocol-version': '2025-06-18',
};
/** Calls wait while this many spans are pending, so none is dropped (the default queue holds 2048). */
let PACE = 1024;
const RESULT: { content: { type: string; text: string }[]; isError?: boolean } = {
  content: [{ type: 'text', text: 'ok' }],
};

/** One call's span work, as the gateway does it; the hop's answer is immediate. */
async function call(id: number): Promise<void> {
  await traceMcpRequest('tools/call', 'echo', undefined, { id, headers: HEADERS }, async (_traceId, span) => {
    const tracer = activeTracer();
    if (tracer && span) {
      const hop = startMcpClientSpan(tracer, { tool: 'echo', requestId: id, url: URL_HOP, parent: span });
      if (!hop.headers['traceparent']) throw new Error('no traceparent');
      endMcpSpan(hop.span, { result: RESULT });
    }
    // as the catalog does once the call is answered
    annotateCallSpan(span, {
      zone: 'public',
      revision: 'abc123',
      decision: 'allow',
      rule: 'allow-all',
      status: 'ok',
      route: 'echo/v1',
      target: null,
      pack: 'echo',
      packVersion: '1.0.0',
    });
    return RESULT;
  });
}

async function cpuOf(calls: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    await call(i);
    // the event loop turns as it does between requests, so the batch processor's exports run
    // (and while a full batch waits, as a gateway's load would be spread in time: nothing is dropped)
    if (i % 64 === 63) await new Promise<void>((resolve) => setImmediate(resolve));
    while (tracingStats().pending >= PACE) await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

export default async function bench(): Promise<void> {
  const receiver = await startOtlpReceiver();
  const modes = {
    off: undefined,
    protobuf: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    json: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    'batch 2048': { OTEL_BSP_MAX_QUEUE_SIZE: '8192', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048' },
    '10 % sampled': { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  } as const;
  type Mode = keyof typeof modes;
  const cpu = Object.fromEntries(Object.keys(modes).map((m) => [m, [] as number[]])) as Record<
    Mode,
    number[]
  >;
  const mainCpu = Object.fromEntries(Object.keys(modes).map((m) => [m, [] as number[]])) as Record<
    Mode,
    number[]
  >;
  const tid = currentThreadId();
  let exported = 0;
  let dropped = 0;
  try {
    await cpuOf(5000); // warm the JIT on the plain path
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of Object.keys(modes) as Mode[]) {
        const env = modes[mode];
        const tracing = env
          ? startTracing(
              telemetryOptionsFrom(
                { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...env },
                { serviceName: 'raku-bench' },
              ),
            )
          : undefined;
        PACE = Number((env as Record<string, string> | undefined)?.['OTEL_BSP_MAX_QUEUE_SIZE'] ?? 2048) / 2;
        const start = process.cpuUsage();
        const mainStart = threadCpuMs(tid);
        await cpuOf(CALLS);
        await tracing?.forceFlush();
        const mainEnd = threadCpuMs(tid);
        const used = process.cpuUsage(start);
        cpu[mode].push((used.user + used.system) / CALLS);
        mainCpu[mode].push(
          mainStart === null || mainEnd === null ? Number.NaN : ((mainEnd - mainStart) * 1000) / CALLS,
        );
        if (tracing) {
          exported += tracing.stats().exported;
          dropped += tracing.stats().dropped;
          await tracing.shutdown();
        }
      }
    }
  } finally {
    receiver.stop();
  }
  const off = median(cpu.off);
  const mainOff = median(mainCpu.off);
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${ROUNDS} interleaved rounds of ${CALLS} calls, medians`,
  );
  console.log(
    `tracing off: ${mainOff.toFixed(2)} µs main thread, ${off.toFixed(2)} µs process CPU per call (the loop itself)`,
  );
  console.log('added by tracing, µs CPU per call  main thread  process  (process, each round)');
  for (const mode of Object.keys(modes).slice(1) as Mode[]) {
    const on = median(cpu[mode]);
    console.log(
      `${mode.padEnd(32)}  ${(median(mainCpu[mode]) - mainOff).toFixed(2).padStart(17)}  ${(on - off).toFixed(2).padStart(7)}  (${cpu[mode].map((c) => (c - off).toFixed(1)).join(', ')})`,
    );
  }
  console.log(`spans exported ${exported}, dropped ${dropped}`);
}
