/**
 * Shared pieces of the gateway benchmarks: the tools/call they send, the worker threads they run (load
 * generator, pack side, canned pack server), and per-thread CPU accounting of a load run.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { PackExecutor } from '../../gateway/pack-runtime/src/pack-executor.ts';
import { staticTokenAuthenticator } from '../../gateway/src/auth/authenticator.ts';
import { type RunningGateway, startGateway } from '../../gateway/src/server/gateway-server.ts';
import type { TraceWriter } from '../../gateway/src/traces/trace-writer.ts';
import type { TraceRecord, TraceSink } from '../../gateway/src/traces/types.ts';
import { widgetsPack } from '../../gateway/test/helpers/test-pack.ts';
import { testBundle, testModel } from '../../gateway/test/helpers/test-zone.ts';
import { currentThreadId, threadCpuMs } from '../lib/thread-cpu.ts';
import type { LoadJob, LoadResult } from './load-worker.ts';

export const TOKEN = 'bench-token-0123456789abcdefghijklmnop';
export const CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'widgets.get_widget',
    arguments: { id: 'w1' },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
});
export const MCP_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  // 2026-07-28 mirrors the method and tool name in headers (SEP-2243), as the official client does.
  'mcp-method': 'tools/call',
  'mcp-name': 'widgets.get_widget',
};
export const GATEWAY_HEADERS = { ...MCP_HEADERS, authorization: `Bearer ${TOKEN}` };
/** The same call as a 2025-11-25 client sends it after initialize (no envelope; answered as an event stream). */
export const LEGACY_CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'widgets.get_widget', arguments: { id: 'w1' } },
});
export const LEGACY_MCP_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
export const LEGACY_GATEWAY_HEADERS = { ...LEGACY_MCP_HEADERS, authorization: `Bearer ${TOKEN}` };
/** Text every answer to CALL contains (the widget the fake upstream returns). */
export const EXPECT = '"color":"red"';

/** A sink that counts traces and keeps none: separates the gateway's own cost from the trace writer's. */
export function discardTraces(): TraceSink {
  let seen = 0;
  return {
    record: () => {
      seen++;
    },
    flush: async () => {},
    close: async () => {},
    stats: () => ({ queued: 0, queuedBytes: 0, dropped: 0, written: seen, failures: 0 }),
  };
}

/** Rows and batches a trace writer was given (a batch is a transaction: its round trips cost the thread). */
export interface WriteCount {
  rows: number;
  batches: number;
}

/** `writer`, adding to `count` the rows and batches it is given. */
export function countingWriter(writer: TraceWriter, count: WriteCount): TraceWriter {
  return {
    write: (rows) => {
      count.rows += rows.length;
      count.batches++;
      return writer.write(rows);
    },
    ping: () => writer.ping(),
  };
}

/** A writer that takes every batch and keeps nothing: what a sink costs building and batching rows alone. */
export const WRITE_NOTHING: TraceWriter = { write: async () => {}, ping: async () => true };

const here = new URL('./', import.meta.url);
/** A worker running a TypeScript module: registers tsx in the worker first (Node 20 does not pass --import hooks on). */
export function tsWorker(file: string, workerData?: unknown): Worker {
  const url = new URL(file, here).href;
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); });`;
  return new Worker(code, { eval: true, workerData });
}

export function load(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = tsWorker('load-worker.ts', job);
    worker.once('message', (r: LoadResult) => resolve(r));
    worker.once('error', reject);
  });
}

export interface ServerThread {
  url: string;
  /** Linux thread id (for its CPU time); null where /proc is missing. */
  tid: number | null;
  close(): Promise<void>;
}

/**
 * Starts a server worker (`pack-side-worker.ts` or `canned-pack-worker.ts`, given `workerData`) that posts
 * `{ url, tid }`.
 */
export async function startServerThread(file: string, workerData?: unknown): Promise<ServerThread> {
  const worker = tsWorker(file, workerData);
  const { url, tid } = await new Promise<{ url: string; tid: number | null }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    url,
    tid,
    close: async () => {
      worker.postMessage('close');
      await new Promise((r) => worker.once('exit', r));
    },
  };
}

/** A load run with the CPU time per answered call of the main thread and of one other thread, in µs. */
export interface Measured extends LoadResult {
  mainCpuUs: number;
  otherCpuUs: number;
}

const mainTid = currentThreadId();

/** Runs one load job and charges the CPU the main thread and `otherTid` spent meanwhile to its calls. */
export async function loadWithCpu(job: LoadJob, otherTid: number | null): Promise<Measured> {
  const main0 = threadCpuMs(mainTid);
  const other0 = threadCpuMs(otherTid);
  const result = await load(job);
  if (result.errors > 0)
    throw new Error(`${job.url}: ${result.errors} failed requests, first: ${result.firstError}`);
  const perCall = (before: number | null, after: number | null) =>
    before === null || after === null || result.answered === 0
      ? Number.NaN
      : ((after - before) * 1000) / result.answered;
  return {
    ...result,
    mainCpuUs: perCall(main0, threadCpuMs(mainTid)),
    otherCpuUs: perCall(other0, threadCpuMs(otherTid)),
  };
}

/** The middle value (upper median); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * The gateway every gateway bench measures: the test zone's widgets pack routed to `packUrl`, the static bench
 * token (agent:bot, allowed by the test policy), `traces` as its sink, health and remote checks off, connections
 * kept alive as the load generators expect. `inProcess` answers the pack's calls in the gateway's process
 * instead (GatewayServerOptions.inProcess).
 */
export async function startBenchGateway(
  packUrl: string,
  traces: TraceSink,
  options: { mcpHotPath?: boolean; inProcess?: PackExecutor } = {},
): Promise<RunningGateway> {
  const model = testModel(widgetsPack('http://127.0.0.1:9'), 'http://127.0.0.1:9/mcp');
  const { bundle, policy } = testBundle(model, packUrl);
  const gateway = await startGateway({
    ...(options.mcpHotPath === false ? { mcpHotPath: false } : {}),
    bundle,
    policy,
    authenticator: staticTokenAuthenticator(
      new Map([[TOKEN, { subject: 'agent:bot', kind: 'agent' as const, groups: [], claims: {} }]]),
    ),
    traces,
    adminSubjects: [],
    secrets: () => undefined,
    port: 0,
    routeOptions: { healthIntervalMs: 0, remoteCheckIntervalMs: 0 },
    ...(options.inProcess ? { inProcess: options.inProcess } : {}),
  });
  gateway.server.keepAliveTimeout = 60_000;
  return gateway;
}

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Serves `server` on a free loopback port, keeping connections alive as the load generator expects. */
export async function listenOnLoopback(
  server: http.Server,
  path: string,
  onClose = () => {},
): Promise<Listening> {
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

/** Forwards each POST body to `target` and its answer back, with nothing else: the cost of a hop alone. */
export function startBareProxy(target: string): Promise<Listening> {
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

const WIDGET_INPUT_SCHEMA = widgetsPack('http://127.0.0.1:9').tools[0]!.inputSchema as Record<
  string,
  unknown
>;

/** The trace of one widgets.get_widget call as the gateway bench makes it (the i-th: its latency differs). */
export function benchTraceRecord(i = 0): TraceRecord {
  return {
    time: new Date(),
    subject: 'agent:bot',
    subjectKind: 'agent',
    tool: 'widgets.get_widget',
    route: 'pack:widgets',
    target: 'http://127.0.0.1:40000/mcp',
    decision: 'allow',
    rule: 'default/bindings/0',
    revision: 'a1b2c3d4e5f6',
    zone: 'dev',
    latencyMs: 0.42 + i / 1e6,
    status: 'ok',
    args: { id: 'w1' },
    result: {
      content: [{ type: 'text', text: '{"id":"w1","color":"red","size":3}' }],
      structuredContent: { id: 'w1', color: 'red', size: 3 },
    },
    error: null,
    inputSchema: WIDGET_INPUT_SCHEMA,
  };
}

/**
 * The garbage collector's pauses on this thread while `work` runs (perf_hooks 'gc' entries, wall time), in µs:
 * scavenges, and every other pause (mark-compact, incremental marking steps, weak callbacks); with how many
 * collections there were and how many were full mark-compacts.
 */
export async function gcPauses<T>(
  work: () => Promise<T>,
): Promise<{ result: T; scavengeUs: number; markUs: number; count: number; majors: number }> {
  let scavengeUs = 0;
  let markUs = 0;
  let count = 0;
  let majors = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // Node's gc entries carry { kind } in detail (not in the DOM PerformanceEntry type)
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      count++;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavengeUs += entry.duration * 1000;
      else markUs += entry.duration * 1000;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const result = await work();
  // Entries are delivered after the turn that made them: let the last ones in.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return { result, scavengeUs, markUs, count, majors };
}
