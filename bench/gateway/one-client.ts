/**
 * The added latency at 1 client, split by what the gateway does with traces: the pack server direct, a bare
 * node:http proxy, and the gateway with traces written to a scratch Postgres database, with rows built for a
 * writer that does nothing, and with traces dropped; interleaved rounds (every other one reversed), p50 of
 * each run, medians over the rounds, and CPU of the gateway's (or proxy's) thread per call.
 *
 *   node --import tsx bench/gateway/one-client.ts        # ROUNDS=7 by default
 */
import os from 'node:os';
import { createDatabase } from '../../gateway/src/db/database.ts';
import { createTraceSink } from '../../gateway/src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../../gateway/src/traces/trace-writer.ts';
import type { TraceSink } from '../../gateway/src/traces/types.ts';
import { createScratchDatabase } from '../../gateway/test/helpers/scratch-database.ts';
import * as H from './harness.ts';

const ROUNDS = Number(process.env['ROUNDS'] ?? 7);
const packSide = await H.startServerThread('pack-side-worker.ts');
const scratch = await createScratchDatabase();
const db = await createDatabase({ url: scratch.url });
await db.migrate();
const written = createTraceSink({ writer: createPrismaTraceWriter(db) });
const built = createTraceSink({ writer: H.WRITE_NOTHING });
const dropped = H.discardTraces();
const none = H.discardTraces();
const proxy = await H.startBareProxy(packSide.url);
const direct = { url: packSide.url, close: async () => {} };
const subjects: [string, { url: string; close(): Promise<void> }, TraceSink, boolean][] = [
  ['pack server direct', direct, none, false],
  ['bare proxy', proxy, none, false],
  ['gateway, traces written', await H.startBenchGateway(packSide.url, written), written, true],
  ['gateway, rows built', await H.startBenchGateway(packSide.url, built), built, true],
  ['gateway, traces dropped', await H.startBenchGateway(packSide.url, dropped), dropped, true],
];
const runs = new Map<string, { p50: number; cpu: number }[]>();
const loads = [os.loadavg()[0]!];
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, target, traces, gateway] of round % 2 ? [...subjects].reverse() : subjects) {
    await traces.flush();
    const m = await H.loadWithCpu(
      {
        url: target.url,
        headers: gateway ? H.GATEWAY_HEADERS : H.MCP_HEADERS,
        body: H.CALL,
        expect: H.EXPECT,
        concurrency: 1,
        durationMs: 1500,
        warmupMs: 200,
      },
      packSide.tid,
    );
    runs.set(name, [...(runs.get(name) ?? []), { p50: m.p50, cpu: m.mainCpuUs }]);
  }
  loads.push(os.loadavg()[0]!);
}
const p50 = (name: string) => H.median((runs.get(name) ?? []).map((r) => r.p50));
console.log(
  `1 client, medians of ${ROUNDS} interleaved rounds; load ${loads.map((l) => l.toFixed(2)).join(', ')}`,
);
console.log(`${'subject'.padEnd(26)}  p50 ms  added ms  x proxy's  CPU µs/call`);
const base = p50('pack server direct');
const bare = p50('bare proxy') - base;
for (const [name] of subjects) {
  const added = p50(name) - base;
  const cpu = H.median((runs.get(name) ?? []).map((r) => r.cpu));
  console.log(
    `${name.padEnd(26)} ${p50(name).toFixed(3).padStart(7)} ${added.toFixed(3).padStart(9)} ${(added / bare).toFixed(2).padStart(10)} ${cpu.toFixed(0).padStart(12)}`,
  );
}
for (const [, target, traces] of subjects) {
  await target.close();
  await traces.close();
}
await db.close();
await scratch.drop();
await packSide.close();
process.exit(0);
