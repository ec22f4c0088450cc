/**
 * Shared pieces of the gateway benchmarks: the tools/call they send, the worker threads they run (load
 * generator, pack side, canned pack server), and per-thread CPU accounting of a load run.
 */
import { Worker } from 'node:worker_threads';
import type { PackExecutor } from '../../gateway/pack-runtime/src/pack-executor.ts';
import { staticTokenAuthenticator } from '../../gateway/src/auth/authenticator.ts';
import { type RunningGateway, startGateway } from '../../gateway/src/server/gateway-server.ts';
import type { TraceSink } from '../../gateway/src/traces/types.ts';
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
