/**
 * OpenTelemetry's cost on the gateway: MCP tools/call (2026-07-28) through the gateway with tracing off and on,
 * in one run, interleaved rounds, medians kept. On: the default sampler (parentbased_always_on, so every call
 * of an agent that sends no trace context is sampled: the most spans), OTLP/HTTP protobuf to a receiver in
 * its own thread, batch export. Each call then makes two spans in the gateway (its SERVER span and the hop's
 * CLIENT span) and sends its traceparent to the pack server, whose thread does not trace (its cost is its
 * own process's). Traces go to a discarding sink, so the trace writer's share does not blur the difference.
 * Reported: p50 at 1 client (and what the gateway adds over calling the pack server directly), throughput
 * at 16 clients, CPU per call of the gateway's thread, and the span counts (exported, dropped).
 * Also the gateway with a 10 % ratio sampler (parentbased_traceidratio 0.1), for comparison.
 * Aim (issue 16): throughput with tracing on >= 0.9x off.
 */
import os from 'node:os';
import { telemetryOptionsFrom } from '../gateway/src/telemetry/otel-env.ts';
import { startTracing, type Tracing } from '../gateway/src/telemetry/tracing.ts';
import type { CannedAnswer } from './gateway/canned-pack-worker.ts';
import {
  CALL,
  discardTraces,
  EXPECT,
  GATEWAY_HEADERS,
  loadWithCpu,
  MCP_HEADERS,
  type Measured,
  median,
  startBenchGateway,
  startServerThread,
} from './gateway/harness.ts';

const ROUNDS = Math.max(1, Number(process.env['RAKU_BENCH_ROUNDS'] ?? 3) || 3);
const DURATION_MS = 3000;
const WARMUP_MS = 1000;

type Mode = 'direct' | 'off' | 'on' | 'ratio';

export default async function bench(): Promise<void> {
  const packSide = await startServerThread('pack-side-worker.ts');
  // The OTLP receiver: every export answered 200 with an empty ExportTraceServiceResponse, nothing kept.
  const empty: CannedAnswer = { contentType: 'application/x-protobuf', body: '' };
  const sink = await startServerThread('canned-pack-worker.ts', empty);
  const gateway = await startBenchGateway(packSide.url, discardTraces());
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: new URL(sink.url).origin, OTEL_SERVICE_NAME: 'raku-bench' };
  const options = {
    on: telemetryOptionsFrom(env, { serviceName: 'raku-gateway' }),
    ratio: telemetryOptionsFrom(
      { ...env, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
      { serviceName: 'raku-gateway' },
    ),
  };
  const runs: Record<Mode, { latency: Measured[]; throughput: Measured[] }> = {
    direct: { latency: [], throughput: [] },
    off: { latency: [], throughput: [] },
    on: { latency: [], throughput: [] },
    ratio: { latency: [], throughput: [] },
  };
  let tracing: Tracing | undefined;
  const totals = { exported: 0, dropped: 0, failed: 0 };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['direct', 'off', 'on', 'ratio'] as const) {
        if (mode === 'on' || mode === 'ratio') tracing = startTracing(options[mode]);
        const job = {
          url: mode === 'direct' ? packSide.url : gateway.url,
          headers: mode === 'direct' ? MCP_HEADERS : GATEWAY_HEADERS,
          body: CALL,
          expect: EXPECT,
          durationMs: DURATION_MS,
          warmupMs: WARMUP_MS,
        };
        runs[mode].latency.push(await loadWithCpu({ ...job, concurrency: 1 }, null));
        runs[mode].throughput.push(await loadWithCpu({ ...job, concurrency: 16 }, null));
        if (tracing) {
          await tracing.forceFlush();
          const stats = tracing.stats();
          totals.exported += stats.exported;
          totals.dropped += stats.dropped;
          totals.failed += stats.failed;
          await tracing.shutdown();
          tracing = undefined;
        }
      }
    }
  } finally {
    await tracing?.shutdown();
    await gateway.close();
    await packSide.close();
    await sink.close();
  }
  const mid = (mode: Mode, kind: 'latency' | 'throughput', field: keyof Measured) =>
    median(runs[mode][kind].map((m) => m[field] as number));
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )} on ${os.cpus().length} cores; ${ROUNDS} interleaved rounds of ${DURATION_MS / 1000} s per run, medians`,
  );
  console.log('scenario                 p50@1 ms  added p50 ms  p99@1 ms  req/s@16  gateway CPU µs/call');
  for (const mode of ['direct', 'off', 'on', 'ratio'] as const) {
    const p50 = mid(mode, 'latency', 'p50');
    const added = mode === 'direct' ? '' : (p50 - mid('direct', 'latency', 'p50')).toFixed(3);
    const label = {
      direct: 'pack server directly',
      off: 'gateway, tracing off',
      on: 'gateway, tracing on',
      ratio: 'gateway, 10% sampled',
    }[mode];
    console.log(
      `${label.padEnd(24)} ${p50.toFixed(3).padStart(8)}  ${added.padStart(12)}  ${mid(mode, 'latency', 'p99').toFixed(3).padStart(8)}  ${mid(mode, 'throughput', 'rps').toFixed(0).padStart(8)}  ${mode === 'direct' ? '' : mid(mode, 'throughput', 'mainCpuUs').toFixed(0).padStart(19)}`,
    );
  }
  const ratio = mid('on', 'throughput', 'rps') / mid('off', 'throughput', 'rps');
  const sampled = mid('ratio', 'throughput', 'rps') / mid('off', 'throughput', 'rps');
  console.log(
    `tracing on/off throughput ${ratio.toFixed(3)} (aim >= 0.9): ${ratio >= 0.9 ? 'met' : 'NOT met'}; 10% sampled/off ${sampled.toFixed(3)}; spans exported ${totals.exported}, dropped ${totals.dropped}, failed ${totals.failed}`,
  );
}
