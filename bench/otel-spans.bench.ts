/**
 * OpenTelemetry's CPU per call in isolation (issue 16's tracing cost, steady on a busy machine): the span work
 * of one gateway tools/call, as the gateway does it (the request's SERVER span through traceMcpRequest,
 * Raku's call attributes, the hop's CLIENT span and its traceparent, both ended), repeated N times, then the
 * batches flushed to an OTLP/HTTP receiver in a child process (so its CPU is not counted). CPU is this
 * process's (process.cpuUsage: all its threads, GC included) per call, the same loop with tracing off
 * subtracted; rounds interleaved, medians. Modes: protobuf and JSON export at the default settings, and
 * protobuf in batches of 2048 (queue 8192) instead of 512.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { annotateCallSpan } from '../gateway/src/telemetry/call-attributes.ts';
import { endMcpSpan, startMcpClientSpan } from '../gateway/src/telemetry/mcp-spans.ts';
import { telemetryOptionsFrom } from '../gateway/src/telemetry/otel-env.ts';
import { traceMcpRequest } from '../gateway/src/telemetry/request-span.ts';
import { activeTracer, startTracing, tracingStats } from '../gateway/src/telemetry/tracing.ts';
import { median } from './gateway/harness.ts';

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

async function startReceiver(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(200,{'content-type':q.headers['content-type']});s.end(q.headers['content-type']==='application/json'?'{}':'')})}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
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
  const receiver = await startReceiver();
  const modes = {
    off: undefined,
    protobuf: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    json: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    batch2048: { OTEL_BSP_MAX_QUEUE_SIZE: '8192', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048' },
  } as const;
  const cpu: Record<keyof typeof modes, number[]> = { off: [], protobuf: [], json: [], batch2048: [] };
  let exported = 0;
  let dropped = 0;
  try {
    await cpuOf(5000); // warm the JIT on the plain path
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of Object.keys(modes) as (keyof typeof modes)[]) {
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
        await cpuOf(CALLS);
        await tracing?.forceFlush();
        const used = process.cpuUsage(start);
        cpu[mode].push((used.user + used.system) / CALLS);
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
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${ROUNDS} interleaved rounds of ${CALLS} calls, medians`,
  );
  console.log(`tracing off: ${off.toFixed(2)} µs CPU per call (the loop itself)`);
  for (const mode of ['protobuf', 'json', 'batch2048'] as const) {
    const on = median(cpu[mode]);
    console.log(
      `${mode.padEnd(9)}: ${on.toFixed(2)} µs per call, +${(on - off).toFixed(2)} µs for tracing (rounds ${cpu[mode].map((c) => (c - off).toFixed(1)).join(', ')})`,
    );
  }
  console.log(`spans exported ${exported}, dropped ${dropped}`);
}
