/**
 * Gateway overhead: MCP tools/call through the gateway (auth, policy, routing, tracing to Postgres) vs straight
 * to the pack server vs a bare node:http JSON echo, in one run. The pack server and its fake upstream run in
 * one worker thread, the load generator in another, the gateway (or echo) on the main thread.
 * Aim (issue 4): added latency under 1 ms at p50, and gateway throughput at least half of direct.
 * Two references in the same run: a bare node:http proxy in front of the same pack server (what any hop
 * through a Node process costs here: the floor under the gateway's added latency), and the gateway with its
 * MCP hot path off (every request through the SDK), which shows what the hot path saves.
 * Besides latency and throughput, each scenario reports the CPU time per answered call of the main thread (the
 * echo or the gateway, with its trace writer) and of the pack-side thread: on a shared machine latency mostly
 * measures the wait for a core, CPU per call does not (Linux only; '-' elsewhere).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { staticTokenAuthenticator } from '../gateway/src/auth/authenticator.ts';
import { createDatabase, type Database } from '../gateway/src/db/database.ts';
import { startGateway } from '../gateway/src/server/gateway-server.ts';
import { createTraceSink } from '../gateway/src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../gateway/src/traces/trace-writer.ts';
import type { TraceSink } from '../gateway/src/traces/types.ts';
import { createScratchDatabase } from '../gateway/test/helpers/scratch-database.ts';
import { widgetsPack } from '../gateway/test/helpers/test-pack.ts';
import { testBundle, testModel } from '../gateway/test/helpers/test-zone.ts';
import {
  CALL,
  discardTraces,
  EXPECT,
  GATEWAY_HEADERS,
  loadWithCpu,
  MCP_HEADERS,
  type Measured,
  median as mid,
  startServerThread,
  TOKEN,
} from './gateway/harness.ts';

interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Serves `server` on a free loopback port, keeping connections alive as the load generator expects. */
async function listenOnLoopback(server: http.Server, path: string, onClose = () => {}): Promise<Listening> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((r) => {
        onClose();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

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

/** Forwards each POST body to `target` and its answer back, with nothing else: the cost of a hop alone. */
function startBareProxy(target: string): Promise<Listening> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const { 'content-length': _, host: __, ...headers } = req.headers;
      const hop = http.request(
        target,
        { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            const out = Buffer.concat(parts);
            res.writeHead(answer.statusCode ?? 502, {
              'content-type': answer.headers['content-type'] ?? 'application/json',
              'content-length': out.length,
            });
            res.end(out);
          });
        },
      );
      hop.on('error', () => res.writeHead(502).end());
      hop.end(body);
    });
  });
  return listenOnLoopback(server, '/mcp', () => agent.destroy());
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

const ROUNDS = 3;

interface Scenario {
  name: string;
  url: string;
  headers: Record<string, string>;
  expect: string;
}

/** Per figure, the median over the rounds. */
function medianRow(name: string, runs: Row[]): Row {
  const of = (key: 'latency' | 'throughput'): Measured => ({
    requests: runs.reduce((n, r) => n + r[key].requests, 0),
    answered: runs.reduce((n, r) => n + r[key].answered, 0),
    errors: 0,
    firstError: null,
    rps: mid(runs.map((r) => r[key].rps)),
    p50: mid(runs.map((r) => r[key].p50)),
    p99: mid(runs.map((r) => r[key].p99)),
    mainCpuUs: mid(runs.map((r) => r[key].mainCpuUs)),
    otherCpuUs: mid(runs.map((r) => r[key].otherCpuUs)),
  });
  return { name, latency: of('latency'), throughput: of('throughput') };
}

interface Row {
  name: string;
  latency: Measured;
  throughput: Measured;
}

async function measure(
  name: string,
  url: string,
  headers: Record<string, string>,
  body: string,
  expect: string,
  packTid: number | null,
): Promise<Row> {
  const base = { url, headers, body, expect, warmupMs: 400 };
  const latency = await loadWithCpu({ ...base, concurrency: 1, durationMs: 1500 }, packTid);
  const throughput = await loadWithCpu({ ...base, concurrency: 32, durationMs: 2000 }, packTid);
  return { name, latency, throughput };
}

export default async function gatewayBench(): Promise<void> {
  const packSide = await startServerThread('pack-side-worker.ts');
  const echo = await startEcho();
  const traceDb = await traceDatabase();
  const traces = createTraceSink({ writer: createPrismaTraceWriter(traceDb.db.prisma) });
  const model = testModel(widgetsPack('http://127.0.0.1:9'), 'http://127.0.0.1:9/mcp');
  const { bundle, policy } = testBundle(model, packSide.url);
  const start = (sink: TraceSink, mcpHotPath = true) =>
    startGateway({
      mcpHotPath,
      bundle,
      policy,
      authenticator: staticTokenAuthenticator(
        new Map([[TOKEN, { subject: 'agent:bot', kind: 'agent' as const, groups: [], claims: {} }]]),
      ),
      traces: sink,
      adminSubjects: [],
      secrets: () => undefined,
      port: 0,
      routeOptions: { healthIntervalMs: 0, remoteCheckIntervalMs: 0 },
    });
  const gateway = await start(traces);
  gateway.server.keepAliveTimeout = 60_000;
  // The same gateway with traces dropped on the floor: separates the gateway's own cost from the trace writer's.
  const untraced = await start(discardTraces());
  untraced.server.keepAliveTimeout = 60_000;
  // The gateway as it was before its MCP hot path: every request through the SDK (traces written too).
  const sdkPath = await start(traces, false);
  sdkPath.server.keepAliveTimeout = 60_000;
  const proxy = await startBareProxy(packSide.url);
  const rows: Row[] = [];
  try {
    const scenarios: Scenario[] = [
      {
        name: 'bare node:http echo',
        url: echo.url,
        headers: { 'content-type': 'application/json' },
        expect: 'tools/call',
      },
      { name: 'pack server direct', url: packSide.url, headers: MCP_HEADERS, expect: EXPECT },
      { name: 'bare node:http proxy', url: proxy.url, headers: MCP_HEADERS, expect: EXPECT },
      { name: 'through the gateway', url: gateway.url, headers: GATEWAY_HEADERS, expect: EXPECT },
      { name: 'gateway, traces off', url: untraced.url, headers: GATEWAY_HEADERS, expect: EXPECT },
      { name: 'gateway, SDK path', url: sdkPath.url, headers: GATEWAY_HEADERS, expect: EXPECT },
    ];
    // The machine is shared and its load drifts: scenarios are interleaved over rounds and the median kept.
    const runs = new Map<string, Row[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const sc of scenarios) {
        const row = await measure(sc.name, sc.url, sc.headers, CALL, sc.expect, packSide.tid);
        runs.set(sc.name, [...(runs.get(sc.name) ?? []), row]);
      }
    }
    for (const sc of scenarios) rows.push(medianRow(sc.name, runs.get(sc.name) ?? []));
    await traces.flush();
    const written = await traceDb.db.prisma.trace.count();
    const fmt = (n: number, d = 2) => (Number.isNaN(n) ? '-' : n.toFixed(d)).padStart(9);
    const us = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(0)).padStart(6);
    console.log(
      `tools/call widgets.get_widget, median of ${ROUNDS} interleaved rounds; traces to ${traceDb.label} (${written} written, ${traces.stats().dropped} dropped)`,
    );
    console.log(
      `${'scenario'.padEnd(22)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}  (1 client)   ${'req/s'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}  (32 clients)   CPU µs/call: ${'main'.padStart(6)} ${'pack'.padStart(6)} (1 client) ${'main'.padStart(6)} ${'pack'.padStart(6)} (32 clients)`,
    );
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(22)} ${fmt(r.latency.p50)} ${fmt(r.latency.p99)}               ${fmt(r.throughput.rps, 0)} ${fmt(r.throughput.p50)} ${fmt(r.throughput.p99)}                 ${us(r.latency.mainCpuUs)} ${us(r.latency.otherCpuUs)}            ${us(r.throughput.mainCpuUs)} ${us(r.throughput.otherCpuUs)}`,
      );
    }
    const [echoRow, direct, bare, via, viaUntraced, viaSdk] = rows as [Row, Row, Row, Row, Row, Row];
    console.log(
      `gateway added latency at p50 (1 client): ${(via.latency.p50 - direct.latency.p50).toFixed(2)} ms (aim < 1 ms); a bare node:http proxy adds ${(bare.latency.p50 - direct.latency.p50).toFixed(2)} ms here`,
    );
    console.log(
      `without trace writing: added latency ${(viaUntraced.latency.p50 - direct.latency.p50).toFixed(2)} ms at p50, throughput gateway/direct ${(viaUntraced.throughput.rps / direct.throughput.rps).toFixed(2)}`,
    );
    console.log(
      `throughput gateway/direct: ${(via.throughput.rps / direct.throughput.rps).toFixed(2)} (aim >= 0.5); direct/echo: ${(direct.throughput.rps / echoRow.throughput.rps).toFixed(2)}; gateway/echo: ${(via.throughput.rps / echoRow.throughput.rps).toFixed(2)}`,
    );
    console.log(
      `MCP hot path: added latency ${(via.latency.p50 - direct.latency.p50).toFixed(2)} ms with it vs ${(viaSdk.latency.p50 - direct.latency.p50).toFixed(2)} ms through the SDK; throughput ${(via.throughput.rps / viaSdk.throughput.rps).toFixed(2)}x; gateway thread CPU per call ${(via.throughput.mainCpuUs / viaSdk.throughput.mainCpuUs).toFixed(2)}x (32 clients)`,
    );
    console.log(
      `CPU per call (32 clients): gateway thread ${via.throughput.mainCpuUs.toFixed(0)} µs (${viaUntraced.throughput.mainCpuUs.toFixed(0)} without traces), pack-side thread ${direct.throughput.otherCpuUs.toFixed(0)} µs, echo ${echoRow.throughput.mainCpuUs.toFixed(0)} µs; gateway/pack-side ${(via.throughput.mainCpuUs / direct.throughput.otherCpuUs).toFixed(2)}`,
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
