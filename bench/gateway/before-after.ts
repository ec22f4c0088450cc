import os from 'node:os';
import { createDatabase } from '../../gateway/src/db/database.ts';
import { createTraceSink } from '../../gateway/src/traces/trace-sink.ts';
import { createPrismaTraceWriter, type TraceWriter } from '../../gateway/src/traces/trace-writer.ts';
import type { TraceSink } from '../../gateway/src/traces/types.ts';
import { createScratchDatabase } from '../../gateway/test/helpers/scratch-database.ts';
import * as H from './harness.ts';

const baseDir = process.env['RAKU_BASE'];
if (!baseDir)
  throw new Error('set RAKU_BASE to the folder an earlier commit was extracted to (see this file)');
const legacy = process.env['REV'] === '2025';
const ROUNDS = Number(process.env['ROUNDS'] ?? 5);

interface BaseModules {
  createDatabase: typeof createDatabase;
  createTraceSink: typeof createTraceSink;
  createPrismaTraceWriter: (db: unknown) => unknown;
  startBenchGateway: (url: string, traces: unknown) => Promise<{ url: string; close(): Promise<void> }>;
  discardTraces: () => unknown;
}
const from = (path: string) => import(`${baseDir}/${path}`);
const base: BaseModules = {
  ...(await from('gateway/src/db/database.ts')),
  ...(await from('gateway/src/traces/trace-sink.ts')),
  ...(await from('gateway/src/traces/trace-writer.ts')),
  ...(await from('bench/gateway/harness.ts')),
};

const packSide = await H.startServerThread('pack-side-worker.ts');
const scratchNow = await createScratchDatabase();
const scratchBase = await createScratchDatabase();
const dbNow = await createDatabase({ url: scratchNow.url });
await dbNow.migrate();
const dbBase = await base.createDatabase({ url: scratchBase.url });
await dbBase.migrate();
/** Rows and batches each gateway's writer wrote. */
const written = { now: { rows: 0, batches: 0 }, before: { rows: 0, batches: 0 } };
const gateways = {
  now: await H.startBenchGateway(
    packSide.url,
    createTraceSink({ writer: H.countingWriter(createPrismaTraceWriter(dbNow), written.now) }),
  ),
  before: await base.startBenchGateway(
    packSide.url,
    base.createTraceSink({
      writer: H.countingWriter(base.createPrismaTraceWriter(dbBase) as TraceWriter, written.before) as never,
    }),
  ),
  nowOff: await H.startBenchGateway(packSide.url, H.discardTraces()),
  beforeOff: await base.startBenchGateway(packSide.url, base.discardTraces() as TraceSink),
};
const proxy = await H.startBareProxy(packSide.url);
const gw = legacy ? H.LEGACY_GATEWAY_HEADERS : H.GATEWAY_HEADERS;
const mcp = legacy ? H.LEGACY_MCP_HEADERS : H.MCP_HEADERS;
const scenarios: [string, string, Record<string, string>][] = [
  ['pack server direct', packSide.url, mcp],
  ['bare node:http proxy', proxy.url, mcp],
  ['gateway before', gateways.before.url, gw],
  ['gateway now', gateways.now.url, gw],
  ['before, traces off', gateways.beforeOff.url, gw],
  ['now, traces off', gateways.nowOff.url, gw],
];
const runs = new Map<string, { one: H.Measured; many: H.Measured }[]>();
const loads = [os.loadavg()[0]!];
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, url, headers] of round % 2 ? [...scenarios].reverse() : scenarios) {
    const job = { url, headers, body: legacy ? H.LEGACY_CALL : H.CALL, expect: H.EXPECT, warmupMs: 300 };
    const one = await H.loadWithCpu({ ...job, concurrency: 1, durationMs: 1200 }, packSide.tid);
    const many = await H.loadWithCpu({ ...job, concurrency: 16, durationMs: 1500 }, packSide.tid);
    runs.set(name, [...(runs.get(name) ?? []), { one, many }]);
  }
  loads.push(os.loadavg()[0]!);
}
const med = (name: string, f: (r: { one: H.Measured; many: H.Measured }) => number) =>
  H.median((runs.get(name) ?? []).map(f));
console.log(
  `${legacy ? '2025-11-25' : '2026-07-28'}, before = ${baseDir}, median of ${ROUNDS} interleaved rounds, load average ${loads.map((l) => l.toFixed(2)).join(', ')}`,
);
console.log(`${'scenario'.padEnd(24)} p50 ms @1 | req/s @16  CPU µs/call main/pack @16`);
for (const [name] of scenarios) {
  console.log(
    `${name.padEnd(24)} ${med(name, (r) => r.one.p50)
      .toFixed(2)
      .padStart(9)} | ${med(name, (r) => r.many.rps)
      .toFixed(0)
      .padStart(
        9,
      )}  ${med(name, (r) => r.many.mainCpuUs).toFixed(0)}/${med(name, (r) => r.many.otherCpuUs).toFixed(0)}`,
  );
}
console.log('CPU µs/call of the main thread @16, round by round:');
for (const [name] of scenarios) {
  console.log(
    `${name.padEnd(24)} ${(runs.get(name) ?? []).map((r) => r.many.mainCpuUs.toFixed(0)).join(' ')}`,
  );
}
const direct = med('pack server direct', (r) => r.one.p50);
const bare = med('bare node:http proxy', (r) => r.one.p50) - direct;
for (const name of ['gateway before', 'gateway now']) {
  const added = med(name, (r) => r.one.p50) - direct;
  const ratio = med(name, (r) => r.many.rps) / med('pack server direct', (r) => r.many.rps);
  console.log(
    `${name}: added p50 ${added.toFixed(2)} ms = ${(added / bare).toFixed(2)}x the bare proxy's ${bare.toFixed(2)} ms; gateway/direct at 16 clients ${ratio.toFixed(2)}`,
  );
}
for (const [name, { rows, batches }] of Object.entries(written)) {
  console.log(`gateway ${name}: ${rows} rows in ${batches} batches (${(rows / batches).toFixed(0)} a batch)`);
}
for (const g of Object.values(gateways)) await g.close();
await proxy.close();
await dbNow.close();
await dbBase.close();
await scratchNow.drop();
await scratchBase.drop();
await packSide.close();
process.exit(0);
