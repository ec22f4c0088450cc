/**
 * Profiles the gateway's thread under load, for one protocol revision: run it under `node --cpu-prof`
 * (see docs/performance.md) and summarise the .cpuprofile with bench/gateway/summarise-profile.ts.
 *
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/gateway/profile-gateway.ts 2025 [traces|none]
 *
 * The pack server runs in a worker thread, the load generator in another (their samples are in their own
 * profiles); the gateway is on the main thread, so the main thread's profile is the gateway's.
 */
import { createDatabase } from '../../gateway/src/db/database.ts';
import { createTraceSink } from '../../gateway/src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../../gateway/src/traces/trace-writer.ts';
import { createScratchDatabase } from '../../gateway/test/helpers/scratch-database.ts';
import {
  CALL,
  discardTraces,
  EXPECT,
  GATEWAY_HEADERS,
  LEGACY_CALL,
  LEGACY_GATEWAY_HEADERS,
  load,
  startBenchGateway,
  startServerThread,
} from './harness.ts';

const legacy = process.argv[2] === '2025';
const withTraces = process.argv[3] !== 'none';
const packSide = await startServerThread('pack-side-worker.ts');
const scratch = withTraces ? await createScratchDatabase() : undefined;
const db = scratch ? await createDatabase({ url: scratch.url }) : undefined;
await db?.migrate();
const traces = db ? createTraceSink({ writer: createPrismaTraceWriter(db) }) : discardTraces();
const gateway = await startBenchGateway(packSide.url, traces);
const result = await load({
  url: gateway.url,
  headers: legacy ? LEGACY_GATEWAY_HEADERS : GATEWAY_HEADERS,
  body: legacy ? LEGACY_CALL : CALL,
  expect: EXPECT,
  concurrency: 32,
  durationMs: 8000,
  warmupMs: 1000,
});
console.log(
  `${legacy ? '2025-11-25' : '2026-07-28'}: ${result.rps.toFixed(0)} req/s, ${result.errors} errors`,
);
await gateway.close();
await traces.close();
await db?.close();
await scratch?.drop();
await packSide.close();
