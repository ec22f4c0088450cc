/**
 * The gateway of bench/soak.bench.ts, alone in its process so its RSS is its own: startGateway as
 * bench/gateway.bench.ts starts it (static token, policy, routing, traces to Postgres through the real trace
 * sink), in front of the pack server whose URL is argv[2], with the database at argv[3]. Prints one line
 * `ready <url>` when listening, then answers each line `mem` on stdin with one JSON line of
 * process.memoryUsage(), peak RSS, CPU time, V8's heap spaces, time spent in garbage collection and the trace
 * sink's stats.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import v8 from 'node:v8';
import { createDatabase } from '../../gateway/src/db/database.ts';
import { createTraceSink } from '../../gateway/src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../../gateway/src/traces/trace-writer.ts';
import { startBenchGateway } from '../gateway/harness.ts';

const [packUrl, databaseUrl] = process.argv.slice(2);
if (!packUrl || !databaseUrl) throw new Error('usage: soak-gateway.ts <pack server url> <database url>');
const db = await createDatabase({ url: databaseUrl });
await db.migrate();
// Pauses of the main thread for garbage collection, in ms: scavenges (young generation) and the rest.
const gc = { minorMs: 0, majorMs: 0, minor: 0, major: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const { kind } = (entry.toJSON() as { detail?: { kind?: number } }).detail ?? {};
    const minor = kind === constants.NODE_PERFORMANCE_GC_MINOR;
    if (minor) {
      gc.minorMs += entry.duration;
      gc.minor++;
    } else {
      gc.majorMs += entry.duration;
      gc.major++;
    }
  }
}).observe({ entryTypes: ['gc'] });
const traces = createTraceSink({ writer: createPrismaTraceWriter(db) });
const gateway = await startBenchGateway(packUrl, traces);
process.stdout.write(`ready ${gateway.url}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'mem')
    process.stdout.write(
      `${JSON.stringify({
        ...process.memoryUsage(),
        maxRss: process.resourceUsage().maxRSS * 1024,
        cpuMicros: cpuMicros(),
        spaces: heapSpaces(),
        gc,
        traces: traces.stats(),
      })}\n`,
    );
  if (line === 'close') break;
}
await gateway.close();
await traces.close();
await db.close();

/** Bytes each V8 heap space holds (new_space, old_space, code_space, large_object_space, ...). */
function heapSpaces(): Record<string, number> {
  return Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
