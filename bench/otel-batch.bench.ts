/**
 * The batch span processor's export batch size against tracing's cost in the gateway (issue 16). Hypothesis:
 * ended spans wait in the queue until a batch is full (512 spans by default, about 256 calls), survive
 * several scavenges and are promoted to the old generation, where mark-compact pays for them; smaller
 * batches would let them die young, at the price of more export requests.
 *
 * The gateway of bench/otel.bench.ts (MCP tools/call, the default sampler so every call is sampled, OTLP/HTTP
 * protobuf to the receiver process, traces to a discarding sink) at 16 clients, tracing off and on with
 * OTEL_BSP_MAX_EXPORT_BATCH_SIZE at each size in BATCHES (RAKU_BENCH_BATCHES; queue 2048, the default, or four
 * batches above 512), interleaved rounds whose
 * order rotates, a warm-up round not counted, medians. Per call: the gateway thread's CPU (from /proc), the
 * whole process's CPU (process.cpuUsage: the load generator and the pack server too, which are the same in
 * every mode, and V8's helper threads, where concurrent marking and parallel scavenges run), the garbage
 * collector's pauses on the gateway's thread (perf_hooks 'gc' entries, wall time) split into scavenges and
 * mark-compact (incremental marking steps and weak callbacks included: harness.ts gcPauses), and export requests received.
 */
import { telemetryOptionsFrom } from '../gateway/src/telemetry/otel-env.ts';
import { CALL, EXPECT, GATEWAY_HEADERS, gcPauses, loadWithCpu, median } from './gateway/harness.ts';
import { loadLine, startOtelGateway } from './lib/otel-gateway.ts';

const ROUNDS = Math.max(1, Number(process.env['RAKU_BENCH_ROUNDS'] ?? 3) || 3);
/** RAKU_BENCH_SECONDS per run (3 by default): longer runs let promoted spans reach a mark-compact. */
const DURATION_MS = Math.max(1, Number(process.env['RAKU_BENCH_SECONDS'] ?? 3) || 3) * 1000;
const WARMUP_MS = 1000;
const BATCHES = (process.env['RAKU_BENCH_BATCHES'] ?? '32,64,128,256,512').split(',').map(Number);

interface Run {
  rps: number;
  mainCpuUs: number;
  processCpuUs: number;
  scavengeUs: number;
  markCompactUs: number;
  majors: number;
  exportsPerKcall: number;
  receiverCpuUs: number;
}

export default async function bench(): Promise<void> {
  const rig = await startOtelGateway();
  const { receiver, gateway } = rig;
  const modes = ['off', ...BATCHES.map((b) => `batch ${b}`)];
  const runs = new Map<string, Run[]>(modes.map((m) => [m, []]));
  try {
    for (let round = -1; round < ROUNDS; round++) {
      const shift = Math.max(round, 0) % modes.length;
      for (const mode of [...modes.slice(shift), ...modes.slice(0, shift)]) {
        if (mode !== 'off') {
          const batch = Number(mode.slice('batch '.length));
          // above 512 the queue holds four batches, so spans ending while one is exported are not dropped
          const env = {
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
            OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(batch),
            OTEL_BSP_MAX_QUEUE_SIZE: String(Math.max(2048, 4 * batch)),
          };
          rig.trace(telemetryOptionsFrom(env, { serviceName: 'raku-gateway' }));
        }
        const job = {
          url: gateway.url,
          headers: GATEWAY_HEADERS,
          body: CALL,
          expect: EXPECT,
          durationMs: round < 0 ? WARMUP_MS : DURATION_MS,
          warmupMs: WARMUP_MS,
          concurrency: 16,
        };
        const exports0 = await receiver.exports();
        const receiver0 = receiver.cpuMs();
        const cpu0 = process.cpuUsage();
        const { result, scavengeUs, markUs, majors } = await gcPauses(() => loadWithCpu(job, null));
        const cpu = process.cpuUsage(cpu0);
        await rig.flush();
        const receiver1 = receiver.cpuMs();
        const exports1 = await receiver.exports();
        if (round >= 0) {
          const n = result.answered;
          runs.get(mode)?.push({
            rps: result.rps,
            mainCpuUs: result.mainCpuUs,
            processCpuUs: (cpu.user + cpu.system) / n,
            scavengeUs: scavengeUs / n,
            markCompactUs: markUs / n,
            majors,
            exportsPerKcall: ((exports1 - exports0) * 1000) / n,
            receiverCpuUs:
              receiver0 === null || receiver1 === null ? Number.NaN : ((receiver1 - receiver0) * 1000) / n,
          });
        }
        await rig.untrace();
      }
    }
  } finally {
    await rig.close();
  }
  console.log(loadLine(`${ROUNDS} interleaved rounds of ${DURATION_MS / 1000} s at 16 clients, medians`));
  console.log(
    'mode         req/s@16  gateway CPU µs/call  process CPU µs/call  scavenge µs/call  mark-compact µs/call  majors/run  exports/1000 calls  receiver CPU µs/call',
  );
  const off = runs.get('off') ?? [];
  const mid = (mode: string, field: keyof Run) => median((runs.get(mode) ?? []).map((r) => r[field]));
  for (const mode of modes) {
    console.log(
      `${mode.padEnd(11)} ${mid(mode, 'rps').toFixed(0).padStart(9)}  ${mid(mode, 'mainCpuUs').toFixed(0).padStart(19)}  ${mid(mode, 'processCpuUs').toFixed(0).padStart(19)}  ${mid(mode, 'scavengeUs').toFixed(1).padStart(16)}  ${mid(mode, 'markCompactUs').toFixed(1).padStart(20)}  ${mid(mode, 'majors').toFixed(0).padStart(10)}  ${mid(mode, 'exportsPerKcall').toFixed(1).padStart(18)}  ${mode === 'off' ? '' : mid(mode, 'receiverCpuUs').toFixed(1).padStart(20)}`,
    );
  }
  for (const mode of modes.slice(1)) {
    console.log(
      `${mode}: on/off req/s ${(mid(mode, 'rps') / mid('off', 'rps')).toFixed(3)}, off/on gateway CPU ${(mid('off', 'mainCpuUs') / mid(mode, 'mainCpuUs')).toFixed(3)}; gateway CPU each round ${(runs.get(mode) ?? []).map((r) => r.mainCpuUs.toFixed(0)).join(', ')}, req/s ${(runs.get(mode) ?? []).map((r) => r.rps.toFixed(0)).join(', ')}`,
    );
  }
  console.log(
    `off: gateway CPU each round ${off.map((r) => r.mainCpuUs.toFixed(0)).join(', ')}, req/s ${off.map((r) => r.rps.toFixed(0)).join(', ')}; ${rig.spans()}`,
  );
}
