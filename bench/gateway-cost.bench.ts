/**
 * Where the gateway thread's time goes per tools/call: CPU time of the main thread per answered call (32
 * clients), for servers that each add one piece to the previous one:
 *
 *   bare node:http echo          HTTP in and out, nothing else (the baseline)
 *   MCP endpoint alone           + the MCP endpoint (its hot path) over a catalog that answers at once
 *   MCP endpoint, SDK path       the same endpoint with the hot path off: every request through createMcpHandler
 *   gateway, in-process pack     + authentication, policy, metrics, routing (a pack executor answering at once)
 *   gateway -> canned pack       + the HTTP hop to a pack server that answers at once (another thread)
 *   gateway -> pack server       + a real pack server and its upstream busy on the other thread
 *
 * All gateways drop their traces (bench/gateway.bench.ts measures trace writing). CPU per call, unlike
 * latency, does not count the wait for a core, so the differences hold up on a shared machine better than
 * latency does; they still grow with load (Linux only: '-' elsewhere).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallToolResult, PackExecutor } from '../gateway/pack-runtime/src/pack-executor.ts';
import { createMcpEndpoint } from '../gateway/src/mcp/tool-endpoint.ts';
import {
  CALL,
  discardTraces,
  EXPECT,
  GATEWAY_HEADERS,
  loadWithCpu,
  MCP_HEADERS,
  median,
  startBenchGateway,
  startServerThread,
} from './gateway/harness.ts';

const ROUNDS = 3;
const RESULT: CallToolResult = {
  content: [{ type: 'text', text: '{"id":"w1","color":"red","size":3}' }],
  structuredContent: { id: 'w1', color: 'red', size: 3 },
};

async function listenOn(server: http.Server): Promise<string> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

export default async function gatewayCostBench(): Promise<void> {
  const packSide = await startServerThread('pack-side-worker.ts');
  const canned = await startServerThread('canned-pack-worker.ts');
  const echoBody = JSON.stringify({ jsonrpc: '2.0', id: 1, result: RESULT });
  const echo = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(echoBody),
      });
      res.end(echoBody);
    });
  });
  const endpoint = createMcpEndpoint(
    { listTools: () => [], callTool: async () => RESULT },
    { name: 'bench', version: '1' },
  );
  const sdkEndpoint = createMcpEndpoint(
    { listTools: () => [], callTool: async () => RESULT },
    { name: 'bench', version: '1', hotPath: false },
  );
  const bot = { subject: 'agent:bot', kind: 'agent' as const, groups: [], claims: {} };
  const endpointAlone = http.createServer((req, res) => void endpoint(req, res, bot));
  const sdkAlone = http.createServer((req, res) => void sdkEndpoint(req, res, bot));
  const executor = {
    execute: async () => ({ result: RESULT, status: 'ok' }),
    tools: () => [],
  } as unknown as PackExecutor;
  const gatewayTo = (packUrl: string, inProcess?: PackExecutor) =>
    startBenchGateway(packUrl, discardTraces(), inProcess ? { inProcess } : {});
  const inProcess = await gatewayTo(packSide.url, executor);
  const toCanned = await gatewayTo(canned.url);
  const toPack = await gatewayTo(packSide.url);
  const scenarios = [
    { name: 'bare node:http echo', url: await listenOn(echo), headers: MCP_HEADERS, other: null },
    { name: 'MCP endpoint alone', url: await listenOn(endpointAlone), headers: MCP_HEADERS, other: null },
    { name: 'MCP endpoint, SDK path', url: await listenOn(sdkAlone), headers: MCP_HEADERS, other: null },
    { name: 'gateway, in-process pack', url: inProcess.url, headers: GATEWAY_HEADERS, other: null },
    { name: 'gateway -> canned pack', url: toCanned.url, headers: GATEWAY_HEADERS, other: canned.tid },
    { name: 'gateway -> pack server', url: toPack.url, headers: GATEWAY_HEADERS, other: packSide.tid },
  ];
  try {
    const cpu = new Map<string, number[]>();
    const rps = new Map<string, number[]>();
    // Interleaved rounds, median kept: the machine's load drifts.
    for (let round = 0; round < ROUNDS; round++) {
      for (const sc of scenarios) {
        const r = await loadWithCpu(
          {
            url: sc.url,
            headers: sc.headers,
            body: CALL,
            expect: EXPECT,
            concurrency: 32,
            durationMs: 2000,
            warmupMs: 400,
          },
          sc.other,
        );
        cpu.set(sc.name, [...(cpu.get(sc.name) ?? []), r.mainCpuUs]);
        rps.set(sc.name, [...(rps.get(sc.name) ?? []), r.rps]);
      }
    }
    const us = (name: string) => median(cpu.get(name) ?? []);
    const show = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(0)).padStart(8);
    console.log(
      `tools/call widgets.get_widget, 32 clients, median of ${ROUNDS} interleaved rounds; CPU of the main thread per answered call`,
    );
    console.log(
      `${'scenario'.padEnd(26)} ${'µs/call'.padStart(8)} ${'x echo'.padStart(8)} ${'req/s'.padStart(8)}`,
    );
    for (const sc of scenarios) {
      console.log(
        `${sc.name.padEnd(26)} ${show(us(sc.name))} ${(us(sc.name) / us('bare node:http echo')).toFixed(1).padStart(8)} ${show(median(rps.get(sc.name) ?? []))}`,
      );
    }
    const step = (label: string, from: string, to: string) =>
      console.log(`${label.padEnd(44)} ${show(us(to) - us(from))} µs/call`);
    step('the MCP endpoint (hot path + Node adapter)', 'bare node:http echo', 'MCP endpoint alone');
    step('the same endpoint through the SDK', 'bare node:http echo', 'MCP endpoint, SDK path');
    step('auth, policy, metrics, routing', 'MCP endpoint alone', 'gateway, in-process pack');
    step('the HTTP hop to a pack server', 'gateway, in-process pack', 'gateway -> canned pack');
    step('a busy pack server on the other core', 'gateway -> canned pack', 'gateway -> pack server');
  } finally {
    for (const gw of [inProcess, toCanned, toPack]) await gw.close();
    for (const s of [echo, endpointAlone, sdkAlone]) {
      s.closeAllConnections();
      s.close();
    }
    await canned.close();
    await packSide.close();
  }
}
