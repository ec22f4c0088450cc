/**
 * The 2025-11-25 tools/call served three ways by one MCP endpoint over a catalog that answers at once: the
 * hot path, the SDK's default stateless legacy serving (a Server and transport per POST, answered as an event
 * stream), and the cheapest the SDK itself offers for that era: a Server and a transport per POST built with
 * `enableJsonResponse: true` (createMcpHandler has no option for it, so this is wired by hand here, and it
 * answers JSON where the default answers an event stream). CPU of this thread per answered call, 16 clients,
 * interleaved rounds, median of 3 (Linux only).
 *
 *   node --import tsx bench/gateway/legacy-options.ts
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Server, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { toLeanNodeHandler } from '../../gateway/src/mcp/node-handler.ts';
import { createMcpEndpoint } from '../../gateway/src/mcp/tool-endpoint.ts';
import { EXPECT, LEGACY_CALL, LEGACY_MCP_HEADERS, loadWithCpu, median } from './harness.ts';

const RESULT = {
  content: [{ type: 'text' as const, text: '{"id":"w1","color":"red","size":3}' }],
  structuredContent: { id: 'w1', color: 'red', size: 3 },
};
const bot = { subject: 'agent:bot', kind: 'agent' as const, groups: [], claims: {} };
const catalog = { listTools: () => [], callTool: async () => RESULT };

async function listen(handle: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handle);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server };
}

const hot = createMcpEndpoint(catalog, { name: 'bench', version: '1' });
const sdk = createMcpEndpoint(catalog, { name: 'bench', version: '1', hotPath: false });
const json = toLeanNodeHandler({
  fetch: async (request, options) => {
    const server = new Server({ name: 'bench', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/call', async () => RESULT);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request, options);
    } finally {
      void server.close();
    }
  },
} as Parameters<typeof toLeanNodeHandler>[0]);
const servers = [
  ['hot path (event stream)', await listen((req, res) => void hot(req, res, bot))],
  ['SDK default legacy serving (event stream)', await listen((req, res) => void sdk(req, res, bot))],
  [
    'SDK, enableJsonResponse (JSON)',
    await listen((req, res) => void json(req, res, { token: '', clientId: 'b', scopes: [] })),
  ],
] as const;
const runs = new Map<string, { us: number; rps: number }[]>();
const loads = [os.loadavg()[0]!];
for (let round = 0; round < 3; round++) {
  for (const [name, { url }] of round % 2 ? [...servers].reverse() : servers) {
    const r = await loadWithCpu(
      {
        url,
        headers: LEGACY_MCP_HEADERS,
        body: LEGACY_CALL,
        expect: EXPECT,
        concurrency: 16,
        durationMs: 1500,
        warmupMs: 300,
      },
      null,
    );
    runs.set(name, [...(runs.get(name) ?? []), { us: r.mainCpuUs, rps: r.rps }]);
  }
  loads.push(os.loadavg()[0]!);
}
console.log(
  `2025-11-25 tools/call, 16 clients, median of 3; load average ${loads.map((l) => l.toFixed(2)).join(', ')}`,
);
for (const [name] of servers) {
  const r = runs.get(name) ?? [];
  console.log(
    `${name.padEnd(44)} ${median(r.map((x) => x.us))
      .toFixed(0)
      .padStart(5)} µs/call ${median(r.map((x) => x.rps))
      .toFixed(0)
      .padStart(7)} req/s`,
  );
}
for (const [, { server }] of servers) {
  server.closeAllConnections();
  server.close();
}
