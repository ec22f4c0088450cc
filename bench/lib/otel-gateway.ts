/**
 * The rig of the OpenTelemetry benches (otel.bench.ts, otel-batch.bench.ts): the pack server in a worker
 * thread, the OTLP receiver in its own process and the bench gateway (traces to a discarding sink), with
 * tracing started for one run at a time and its span counts summed over the runs.
 */
import os from 'node:os';
import type { TelemetryOptions } from '../../gateway/src/telemetry/otel-env.ts';
import { startTracing, type Tracing } from '../../gateway/src/telemetry/tracing.ts';
import { discardTraces, startBenchGateway, startServerThread } from '../gateway/harness.ts';
import { startOtlpReceiver } from './otlp-receiver.ts';

export async function startOtelGateway() {
  const packSide = await startServerThread('pack-side-worker.ts');
  // Every export answered 200 with an empty ExportTraceServiceResponse, nothing kept.
  const receiver = await startOtlpReceiver();
  const gateway = await startBenchGateway(packSide.url, discardTraces());
  let tracing: Tracing | undefined;
  const spans = { exported: 0, dropped: 0, failed: 0 };
  return {
    packSide,
    receiver,
    gateway,
    /** Tracing on with these options until `untrace`. */
    trace(options: TelemetryOptions): void {
      tracing = startTracing(options);
    },
    /** Exports what the last run left in the queue (nothing when tracing is off). */
    flush: async (): Promise<void> => {
      await tracing?.forceFlush();
    },
    /** Adds the run's span counts to the totals and turns tracing off. */
    async untrace(): Promise<void> {
      if (!tracing) return;
      const stats = tracing.stats();
      spans.exported += stats.exported;
      spans.dropped += stats.dropped;
      spans.failed += stats.failed;
      await tracing.shutdown();
      tracing = undefined;
    },
    /** Spans exported, dropped and failed over every traced run, as one phrase. */
    spans: () => `spans exported ${spans.exported}, dropped ${spans.dropped}, failed ${spans.failed}`,
    async close(): Promise<void> {
      await tracing?.shutdown();
      await gateway.close();
      await packSide.close();
      receiver.stop();
    },
  };
}

/** "load average 1.20 1.10 1.00 on 2 cores; " followed by what the run was. */
export function loadLine(what: string): string {
  const loads = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `load average ${loads} on ${os.cpus().length} cores; ${what}`;
}
