/**
 * What traces cost the gateway's thread, split into garbage collection and the rest: the gateway with traces
 * written to a scratch Postgres database and with traces dropped (and, with RAKU_BASE set as for
 * before-after.ts, an earlier commit's trace sink and writer in the same gateway), interleaved rounds, 16
 * clients; and the sink building and batching rows for a writer that does nothing. Per answered call: CPU of the main thread, and the GC pause time V8 reports on it (perf_hooks 'gc'
 * entries), minor (scavenge) and major (mark-compact) apart.
 *
 *   node --import tsx bench/gateway/trace-gc.ts            # ROUNDS=5 by default
 *   RAKU_BASE=/tmp/base node --import tsx bench/gateway/trace-gc.ts
 */
import os from 'node:os';
import { createDatabase } from '../../gateway/src/db/database.ts';
import { createTraceSink } from '../../gateway/src/traces/trace-sink.ts';
import { createPrismaTraceWriter, type TraceWriter } from '../../gateway/src/traces/trace-writer.ts';
import type { TraceSink } from '../../gateway/src/traces/types.ts';
import { createScratchDatabase } from '../../gateway/test/helpers/scratch-database.ts';
import * as H from './harness.ts';

const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const baseDir = process.env['RAKU_BASE'];

const packSide = await H.startServerThread('pack-side-worker.ts');
const scratch = await createScratchDatabase();
const db = await createDatabase({ url: scratch.url });
await db.migrate();
/** Rows and batches written per gateway. */
const written = new Map<string, H.WriteCount>();
function counted(name: string, writer: TraceWriter): TraceWriter {
  const count = { rows: 0, batches: 0 };
  written.set(name, count);
  return H.countingWriter(writer, count);
}
const gateways: [string, Awaited<ReturnType<typeof H.startBenchGateway>>, TraceSink][] = [];
const sink = createTraceSink({ writer: counted('traces now', createPrismaTraceWriter(db)) });
gateways.push(['traces now', await H.startBenchGateway(packSide.url, sink), sink]);
let closeBase = async () => {};
if (baseDir) {
  const sinkModule = await import(`${baseDir}/gateway/src/traces/trace-sink.ts`);
  const writerModule = await import(`${baseDir}/gateway/src/traces/trace-writer.ts`);
  const baseScratch = await createScratchDatabase();
  const baseDb = await createDatabase({ url: baseScratch.url });
  await baseDb.migrate();
  const baseSink = sinkModule.createTraceSink({
    writer: counted('traces before', writerModule.createPrismaTraceWriter(baseDb)),
  }) as TraceSink;
  gateways.push(['traces before', await H.startBenchGateway(packSide.url, baseSink), baseSink]);
  closeBase = async () => {
    await baseDb.close();
    await baseScratch.drop();
  };
}
// Rows built and batched as with the database, but a write that does nothing: the sink's own cost.
const built = createTraceSink({ writer: H.WRITE_NOTHING });
gateways.push(['rows, no write', await H.startBenchGateway(packSide.url, built), built]);
const off = H.discardTraces();
gateways.push(['traces off', await H.startBenchGateway(packSide.url, off), off]);

interface Row {
  cpu: number;
  minor: number;
  major: number;
  gcs: number;
  rps: number;
  rowsPerBatch: number;
}
const runs = new Map<string, Row[]>();
const loads = [os.loadavg()[0]!];
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, gateway, traces] of round % 2 ? [...gateways].reverse() : gateways) {
    await traces.flush();
    const count = written.get(name);
    const before = { ...(count ?? { rows: 0, batches: 0 }) };
    const { result: m, ...gc } = await H.gcPauses(async () => {
      const measured = await H.loadWithCpu(
        {
          url: gateway.url,
          headers: H.GATEWAY_HEADERS,
          body: H.CALL,
          expect: H.EXPECT,
          concurrency: 16,
          durationMs: 2000,
          warmupMs: 300,
        },
        packSide.tid,
      );
      await traces.flush();
      return measured;
    });
    runs.set(name, [
      ...(runs.get(name) ?? []),
      {
        cpu: m.mainCpuUs,
        minor: gc.scavengeUs / m.answered,
        major: gc.markUs / m.answered,
        gcs: (gc.count * 1000) / m.answered,
        rps: m.rps,
        rowsPerBatch: count ? (count.rows - before.rows) / (count.batches - before.batches) : Number.NaN,
      },
    ]);
  }
  loads.push(os.loadavg()[0]!);
}
console.log(
  `median of ${ROUNDS} interleaved rounds, 16 clients, load average ${loads.map((l) => l.toFixed(2)).join(', ')}`,
);
console.log(
  `${'gateway'.padEnd(14)} CPU µs/call  GC minor µs/call  GC major µs/call  GCs per 1000 calls  req/s  rows/batch`,
);
for (const [name] of gateways) {
  const rows = runs.get(name) ?? [];
  const med = (f: (r: Row) => number) => H.median(rows.map(f));
  console.log(
    `${name.padEnd(14)} ${med((r) => r.cpu)
      .toFixed(0)
      .padStart(11)}  ${med((r) => r.minor)
      .toFixed(1)
      .padStart(16)}  ${med((r) => r.major)
      .toFixed(1)
      .padStart(16)}  ${med((r) => r.gcs)
      .toFixed(1)
      .padStart(18)}  ${med((r) => r.rps)
      .toFixed(0)
      .padStart(5)}  ${(written.has(name) ? med((r) => r.rowsPerBatch).toFixed(0) : '–').padStart(10)}`,
  );
}
for (const [, gateway, traces] of gateways) {
  await gateway.close();
  await traces.close();
}
await db.close();
await scratch.drop();
await closeBase();
await packSide.close();
process.exit(0);
