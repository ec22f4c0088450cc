/**
 * Gateway overhead: MCP tools/call through the gateway (auth, policy, routing, tracing to Postgres) vs straight
 * to the pack server vs a bare node:http JSON echo, in one run, for both protocol revisions agents speak:
 * 2026-07-28 (per-request envelope, JSON answer) and 2025-11-25 (after initialize: no envelope, answered as
 * one server-sent event). The pack server and its fake upstream run in one worker thread, the load generator
 * in another, the gateway (or echo) on the main thread. The gateway's hop to its pack server is 2026-07-28 in
 * both cases; the revision is what the agent speaks.
 * Aims (issue 15), as ratios within this run: added p50 at 1 client <= 1.2x what a bare node:http proxy adds,
 * gateway/direct throughput >= 0.6, 2025-11-25 throughput >= 0.8x 2026-07-28 through the gateway.
 * References in the same run: a bare node:http proxy in front of the same pack server (what any hop through a
 * Node process costs here: the floor under the gateway's added latency), the gateway with traces dropped (the
 * trace writer's share), and the gateway with its MCP hot path off (every request through the SDK).
 * Besides latency and throughput, each scenario reports the CPU time per answered call of the main thread (the
 * echo, proxy or gateway, with its trace writer) and of the pack-side thread: on a shared machine latency
 * mostly measures the wait for a core, CPU per call does not (Linux only; '-' elsewhere).
 */
import http from 'node:http';
import os from 'node:os';
import { createDatabase, type Database } from '../gateway/src/db/database.ts';
import { createTraceSink } from '../gateway/src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../gateway/src/traces/trace-writer.ts';
import { createScratchDatabase } from '../gateway/test/helpers/scratch-database.ts';
import {
  CALL,
  discardTraces,
  EXPECT,
  GATEWAY_HEADERS,
  LEGACY_CALL,
  LEGACY_GATEWAY_HEADERS,
  LEGACY_MCP_HEADERS,
  type Listening,
  listenOnLoopback,
  loadWithCpu,
  MCP_HEADERS,
  type Measured,
  median as mid,
  startBareProxy,
  startBenchGateway,
  startServerThread,
} from './gateway/harness.ts';

function startEcho(): Promise<Listening> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  return listenOnLoopback(server, '/echo');
}

/** Traces go to the real Postgres when it is up (a scratch database), else to an in-memory PGlite. */
async function traceDatabase(): Promise<{ db: Database; label: string; drop(): Promise<void> }> {
  try {
    const scratch = await createScratchDatabase();
    const db = await createDatabase({ url: scratch.url });
    await db.migrate();
    return { db, label: 'Postgres 127.0.0.1:5432', drop: scratch.drop };
  } catch {
    const db = await createDatabase({ dataDir: 'memory://' });
    await db.migrate();
    return { db, label: 'PGlite (in memory)', drop: async () => {} };
  }
}

/** Interleaved rounds, medians kept; more (RAKU_BENCH_ROUNDS=5) steady the ratios on a busy machine. */
const ROUNDS = Math.max(1, Number(process.env['RAKU_BENCH_ROUNDS'] ?? 3) || 3);
/** Closed-loop clients of the two throughput runs. */
const CLIENTS = [16, 64] as const;

interface Scenario {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  expect: string;
}

interface Row {
  name: string;
  latency: Measured;
  throughput: Measured[];
}

function medianOf(runs: Measured[]): Measured {
  return {
    requests: runs.reduce((n, r) => n + r.requests, 0),
    answered: runs.reduce((n, r) => n + r.answered, 0),
    errors: 0,
    firstError: null,
    rps: mid(runs.map((r) => r.rps)),
    p50: mid(runs.map((r) => r.p50)),
    p99: mid(runs.map((r) => r.p99)),
    mainCpuUs: mid(runs.map((r) => r.mainCpuUs)),
    otherCpuUs: mid(runs.map((r) => r.otherCpuUs)),
  };
}

/** Per figure, the median over the rounds. */
function medianRow(name: string, runs: Row[]): Row {
  return {
    name,
    latency: medianOf(runs.map((r) => r.latency)),
    throughput: CLIENTS.map((_, i) => medianOf(runs.map((r) => r.throughput[i]!))),
  };
}

async function measure(sc: Scenario, packTid: number | null): Promise<Row> {
  const base = { url: sc.url, headers: sc.headers, body: sc.body, expect: sc.expect, warmupMs: 300 };
  const latency = await loadWithCpu({ ...base, concurrency: 1, durationMs: 1200 }, packTid);
  const throughput: Measured[] = [];
  for (const concurrency of CLIENTS) {
    throughput.push(await loadWithCpu({ ...base, concurrency, durationMs: 1500 }, packTid));
  }
  return { name: sc.name, latency, throughput };
}

const MiB = 1024 * 1024;

export default async function gatewayBench(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const packSide = await startServerThread('pack-side-worker.ts');
  const echo = await startEcho();
  const traceDb = await traceDatabase();
  const traces = createTraceSink({ writer: createPrismaTraceWriter(traceDb.db) });
  const gateway = await startBenchGateway(packSide.url, traces);
  // The same gateway with traces dropped on the floor: separates the gateway's own cost from the trace writer's.
  const untraced = await startBenchGateway(packSide.url, discardTraces());
  // The gateway without its MCP hot path: every request through the SDK (traces written too).
  const sdkPath = await startBenchGateway(packSide.url, traces, { mcpHotPath: false });
  const proxy = await startBareProxy(packSide.url);
  const rssStarted = process.memoryUsage().rss;
  try {
    const revisions = [
      { tag: '2026', call: CALL, mcp: MCP_HEADERS, gw: GATEWAY_HEADERS },
      { tag: '2025', call: LEGACY_CALL, mcp: LEGACY_MCP_HEADERS, gw: LEGACY_GATEWAY_HEADERS },
    ];
    const scenarios: Scenario[] = [
      {
        name: 'bare node:http echo',
        url: echo.url,
        headers: { 'content-type': 'application/json' },
        body: CALL,
        expect: 'tools/call',
      },
    ];
    for (const r of revisions) {
      const of = (name: string, url: string, headers: Record<string, string>): Scenario => ({
        name: `${r.tag} ${name}`,
        url,
        headers,
        body: r.call,
        expect: EXPECT,
      });
      scenarios.push(
        of('pack server direct', packSide.url, r.mcp),
        of('bare node:http proxy', proxy.url, r.mcp),
        of('through the gateway', gateway.url, r.gw),
        of('gateway, traces off', untraced.url, r.gw),
        of('gateway, SDK path', sdkPath.url, r.gw),
      );
    }
    // The machine is shared and its load drifts: scenarios are interleaved over rounds and the median kept,
    // every other round in reverse order so a load that climbs through a round weighs on no revision more.
    const runs = new Map<string, Row[]>();
    const loads: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      loads.push(os.loadavg()[0]!);
      for (const sc of round % 2 === 0 ? scenarios : [...scenarios].reverse()) {
        const row = await measure(sc, packSide.tid);
        runs.set(sc.name, [...(runs.get(sc.name) ?? []), row]);
      }
    }
    loads.push(os.loadavg()[0]!);
    const rows = new Map(scenarios.map((sc) => [sc.name, medianRow(sc.name, runs.get(sc.name) ?? [])]));
    const rssAfter = process.memoryUsage().rss;
    await traces.flush();
    const written = await traceDb.db.prisma.trace.count();
    const fmt = (n: number, d = 2, w = 7) => (Number.isNaN(n) ? '-' : n.toFixed(d)).padStart(w);
    const us = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(0)).padStart(5);
    console.log(
      `tools/call widgets.get_widget, median of ${ROUNDS} interleaved rounds; load average (1 min) at each round ${loads.map((l) => l.toFixed(2)).join(', ')} on ${os.cpus().length} cores; traces to ${traceDb.label} (${written} written, ${traces.stats().dropped} dropped)`,
    );
    console.log(
      `${'scenario'.padEnd(30)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} |${CLIENTS.map((c) => `${`req/s@${c}`.padStart(9)} ${'p50 ms'.padStart(7)}`).join(' |')} | CPU µs/call main/pack @1 ${CLIENTS.map((c) => `@${c}`).join(' ')}`,
    );
    for (const r of rows.values()) {
      console.log(
        `${r.name.padEnd(30)} ${fmt(r.latency.p50)} ${fmt(r.latency.p99)} |${r.throughput.map((t) => `${fmt(t.rps, 0, 9)} ${fmt(t.p50)}`).join(' |')} | ${[r.latency, ...r.throughput].map((m) => `${us(m.mainCpuUs)}/${us(m.otherCpuUs).trim()}`).join(' ')}`,
      );
    }
    const verdict = (ok: boolean) => (ok ? 'meets' : 'misses');
    const get = (name: string) => rows.get(name) as Row;
    const rps = (name: string, i: number) => get(name).throughput[i]!.rps;
    for (const r of revisions) {
      const direct = get(`${r.tag} pack server direct`);
      const via = get(`${r.tag} through the gateway`);
      const bare = get(`${r.tag} bare node:http proxy`);
      const untracedRow = get(`${r.tag} gateway, traces off`);
      const sdk = get(`${r.tag} gateway, SDK path`);
      const added = via.latency.p50 - direct.latency.p50;
      const bareAdded = bare.latency.p50 - direct.latency.p50;
      const revision = r.tag === '2026' ? '2026-07-28' : '2025-11-25';
      console.log(
        `${revision}: added p50 (1 client) gateway ${added.toFixed(2)} ms, bare proxy ${bareAdded.toFixed(2)} ms: ${(added / bareAdded).toFixed(2)}x (aim <= 1.2x, ${verdict(added <= 1.2 * bareAdded)}); without traces ${(untracedRow.latency.p50 - direct.latency.p50).toFixed(2)} ms; through the SDK ${(sdk.latency.p50 - direct.latency.p50).toFixed(2)} ms`,
      );
      CLIENTS.forEach((c, i) => {
        const ratio = via.throughput[i]!.rps / direct.throughput[i]!.rps;
        console.log(
          `${revision}: throughput gateway/direct at ${c} clients ${ratio.toFixed(2)} (aim >= 0.6, ${verdict(ratio >= 0.6)}); traces off ${(untracedRow.throughput[i]!.rps / direct.throughput[i]!.rps).toFixed(2)}; bare proxy ${(bare.throughput[i]!.rps / direct.throughput[i]!.rps).toFixed(2)}; SDK path ${(sdk.throughput[i]!.rps / direct.throughput[i]!.rps).toFixed(2)}; gateway CPU ${via.throughput[i]!.mainCpuUs.toFixed(0)} µs/call (${untracedRow.throughput[i]!.mainCpuUs.toFixed(0)} without traces, ${sdk.throughput[i]!.mainCpuUs.toFixed(0)} through the SDK), pack side ${direct.throughput[i]!.otherCpuUs.toFixed(0)}`,
        );
      });
    }
    CLIENTS.forEach((c, i) => {
      const gw = rps('2025 through the gateway', i) / rps('2026 through the gateway', i);
      const dir = rps('2025 pack server direct', i) / rps('2026 pack server direct', i);
      // CPU per call does not count the wait for a core: the steadier comparison on a shared machine.
      const cpu = (name: string) => get(name).throughput[i]!.mainCpuUs;
      const gwCpu = cpu('2025 through the gateway') / cpu('2026 through the gateway');
      console.log(
        `2025-11-25 / 2026-07-28 throughput at ${c} clients: through the gateway ${gw.toFixed(2)} (aim >= 0.8, ${verdict(gw >= 0.8)}); pack server direct ${dir.toFixed(2)}; gateway CPU per call ${gwCpu.toFixed(2)}`,
      );
    });
    console.log(
      `bench process RSS: ${(rssBefore / MiB).toFixed(0)} MiB before, ${(rssStarted / MiB).toFixed(0)} MiB with the servers up, ${(rssAfter / MiB).toFixed(0)} MiB after the load (gateways, echo and proxy share this process)`,
    );
  } finally {
    await gateway.close();
    await untraced.close();
    await sdkPath.close();
    await proxy.close();
    await traces.close();
    await traceDb.db.close();
    await traceDb.drop();
    await echo.close();
    await packSide.close();
  }
}
