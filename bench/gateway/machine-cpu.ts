/**
 * Where the machine's CPU goes per answered call, traces written against traces dropped: the whole machine
 * (/proc/stat), this process (gateway, pack side and load generator threads), and every Postgres process
 * (backends, WAL writer, checkpointer, autovacuum), beside a bare node:http proxy and the pack server direct,
 * interleaved rounds, 16 clients. The gateway benches charge only the gateway's thread; this says what the
 * gateway and its traces cost the two cores in all, which is what gateway/direct throughput is made of.
 *
 *   node --import tsx bench/gateway/machine-cpu.ts          # ROUNDS=5 by default
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { createDatabase } from '../../gateway/src/db/database.ts';
import { createTraceSink } from '../../gateway/src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../../gateway/src/traces/trace-writer.ts';
import type { TraceSink } from '../../gateway/src/traces/types.ts';
import { createScratchDatabase } from '../../gateway/test/helpers/scratch-database.ts';
import * as H from './harness.ts';

const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const TICK_MS = 10;

/** Busy time of the whole machine in ms (all but idle and iowait), from /proc/stat. */
function machineMs(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) * TICK_MS;
}
/** CPU ms (user + system) of one process, or 0 when it is gone. */
function processMs(pid: string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return 0;
  }
}
/** CPU ms per thread id of this process (all are named "node": V8's GC helpers, libuv's pool, the workers). */
function threadsMs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(tid, (Number(f[11]) + Number(f[12])) * TICK_MS);
  }
  return out;
}
/** CPU ms per Postgres process kind (the part of its title after "postgres: "). */
function postgresMs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    if (!cmd.startsWith('postgres')) continue;
    const kind = /^postgres: (?:\d+\/main: )?(.*)$/.exec(cmd)?.[1] ?? 'postmaster';
    const name = /127\.0\.0\.1|\[local\]/.test(kind) ? 'backend' : kind.replace(/ .*$/, '');
    out.set(name, (out.get(name) ?? 0) + processMs(pid));
  }
  return out;
}

const packSide = await H.startServerThread('pack-side-worker.ts');
const scratch = await createScratchDatabase();
const db = await createDatabase({ url: scratch.url });
await db.migrate();
const on = createTraceSink({ writer: createPrismaTraceWriter(db) });
const off = H.discardTraces();
const direct = { url: packSide.url, close: async () => {} };
const proxy = await H.startBareProxy(packSide.url);
const gateways: [string, { url: string; close(): Promise<void> }, TraceSink][] = [
  ['traces on', await H.startBenchGateway(packSide.url, on), on],
  ['traces off', await H.startBenchGateway(packSide.url, off), off],
  ['bare proxy', proxy, H.discardTraces()],
  ['direct', direct, H.discardTraces()],
];
type Row = Record<string, number>;
const runs = new Map<string, Row[]>();
const loads = [os.loadavg()[0]!];
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, gateway, traces] of round % 2 ? [...gateways].reverse() : gateways) {
    await traces.flush();
    const m0 = machineMs();
    const self0 = processMs(String(process.pid));
    const pg0 = postgresMs();
    const t0 = threadsMs();
    const m = await H.loadWithCpu(
      {
        url: gateway.url,
        headers: gateway === direct || gateway === proxy ? H.MCP_HEADERS : H.GATEWAY_HEADERS,
        body: H.CALL,
        expect: H.EXPECT,
        concurrency: 16,
        durationMs: 3000,
        warmupMs: 0,
      },
      packSide.tid,
    );
    await traces.flush();
    const per = (ms: number) => (ms * 1000) / m.answered;
    const row: Row = {
      rps: m.rps,
      machine: per(machineMs() - m0),
      'this process': per(processMs(String(process.pid)) - self0),
      'gateway (or proxy)': m.mainCpuUs,
      'pack side': m.otherCpuUs,
    };
    // Threads alive before and after: the gateway's, the pack side's and the helpers (GC, libuv); the load
    // generator's thread has exited by now, and what it spent is the rest of the process's time.
    let helpers = 0;
    let live = 0;
    for (const [tid, ms] of threadsMs()) {
      const d = ms - (t0.get(tid) ?? ms);
      live += d;
      if (tid !== String(process.pid) && Number(tid) !== packSide.tid) helpers += d;
    }
    row['helper threads'] = per(helpers);
    row['load generator'] = row['this process']! - per(live);
    let postgres = 0;
    for (const [kind, ms] of postgresMs()) {
      const d = per(ms - (pg0.get(kind) ?? 0));
      postgres += d;
      if (d > 0.5 || kind === 'backend') row[`pg ${kind}`] = d;
    }
    // The kernel's loopback work that no process is charged for (softirq), and anything else running.
    row['rest of machine'] = row['machine']! - row['this process']! - postgres;
    runs.set(name, [...(runs.get(name) ?? []), row]);
  }
  loads.push(os.loadavg()[0]!);
}
console.log(
  `median of ${ROUNDS} interleaved rounds, 16 clients, µs per answered call; load ${loads.map((l) => l.toFixed(2)).join(', ')}`,
);
const keys = [...new Set([...runs.values()].flat().flatMap((r) => Object.keys(r)))];
console.log(`${''.padEnd(16)}${gateways.map(([n]) => n.padStart(12)).join('')}`);
for (const key of keys) {
  const cells = gateways.map(([n]) => H.median((runs.get(n) ?? []).map((r) => r[key] ?? 0)));
  console.log(`${key.padEnd(16)}${cells.map((c) => c.toFixed(0).padStart(12)).join('')}`);
}
for (const [, gateway, traces] of gateways) {
  await gateway.close();
  await traces.close();
}
await db.close();
await scratch.drop();
await packSide.close();
process.exit(0);
