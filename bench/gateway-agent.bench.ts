/**
 * The gateway as an A2A agent: what a skill call costs over A2A against the same tool called over MCP, in one
 * gateway of one run (zone gateway.a2a on; one pack server on loopback and its fake upstream behind both).
 * A2A: the official SDK client's SendMessage (JSON-RPC) with a data part { skill, arguments }; MCP: the
 * official client's tools/call, protocol 2026-07-28 (the hot path). Sequential calls, so the figures are
 * latencies; the two are interleaved in rounds so drift on this shared machine hits both alike.
 * Goal: A2A adds under 1 ms at p50 to the MCP call.
 */
import type { Message } from '@a2a-js/sdk';
import { a2aClient, dataPart, userRequest } from '../gateway/test/helpers/a2a-client.ts';
import { json, startFakeUpstream } from '../gateway/test/helpers/fake-upstream.ts';
import { startLoopbackPackServer } from '../gateway/test/helpers/loopback-servers.ts';
import { connectClient } from '../gateway/test/helpers/mcp-client.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from '../gateway/test/helpers/test-pack.ts';
import { testModel } from '../gateway/test/helpers/test-zone.ts';
import { interleavedLatency, latencyRow, quantile } from './lib/interleaved-latency.ts';
import { startLatencyGateway } from './lib/latency-gateway.ts';

const ROUNDS = 20;
const PER_ROUND = 100;
const WARM_UP = 300;
const TOKEN = 'bench-token';

export default async function bench(): Promise<void> {
  const upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) =>
    json(res, 200, { id: 'w1', text: 'x'.repeat(500) }),
  );
  const secrets = (n: string) => (n === WIDGETS_SECRET_ENV ? 's' : undefined);
  const pack = widgetsPack(upstream.url);
  const packServer = await startLoopbackPackServer(pack, secrets);
  const model = testModel(pack, 'http://127.0.0.1:9/mcp');
  const zone = model.zones[0]!;
  zone.value.gateway = { ...zone.value.gateway, a2a: { enabled: true } };
  const gateway = await startLatencyGateway(model, packServer.url, { secrets, token: TOKEN });
  const mcp = await connectClient(gateway.url, 'modern', TOKEN);
  const a2a = await a2aClient(gateway.url.replace(/\/mcp$/, ''), TOKEN);
  const data = dataPart({ skill: 'widgets.get_widget', arguments: { id: 'w1' } });
  const viaA2a = async () => {
    const answer = (await a2a.sendMessage(userRequest([data]))) as Message;
    if (answer.metadata?.['dev.raku/is-error'] !== false) throw new Error('the A2A call failed');
  };
  const viaMcp = async () => {
    const result = await mcp.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    if (result.isError) throw new Error('the MCP call failed');
  };
  let samples: Record<string, number[]>;
  try {
    samples = await interleavedLatency(
      { a2a: viaA2a, mcp: viaMcp },
      { rounds: ROUNDS, perRound: PER_ROUND, warmUp: WARM_UP },
    );
  } finally {
    await mcp.close();
    await gateway.close();
    await packServer.close();
    await upstream.close();
  }
  const a2aUs = samples['a2a'] ?? [];
  const mcpUs = samples['mcp'] ?? [];
  console.log(latencyRow('MCP tools/call (2026-07-28)', mcpUs, 28));
  console.log(latencyRow('A2A SendMessage', a2aUs, 28));
  const added = quantile(a2aUs, 0.5) - quantile(mcpUs, 0.5);
  console.log(`A2A adds ${(added / 1000).toFixed(2)} ms at p50 (goal: under 1 ms)`);
}
