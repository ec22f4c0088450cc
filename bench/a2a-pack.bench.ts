/**
 * An A2A agent as a pack: what the gateway adds to a skill call, against calling the agent directly, in one
 * run. The agent is a real @a2a-js/sdk agent on loopback answering at once (the test agent 'sync'); its card is
 * imported as `raku import a2a` does. Direct: the official A2A client's SendMessage (JSON-RPC 1.0). Through
 * the gateway: the official MCP client's tools/call (2026-07-28) → gateway (policy, route, card check, trace
 * to memory) → pack server → A2A SendMessage. Sequential calls, so the figures are latencies; the two are
 * interleaved in rounds so drift on this shared machine hits both alike.
 */
import type { Message } from '@a2a-js/sdk';
import { startAgent } from '../gateway/test/helpers/a2a-agents.ts';
import { a2aClient, textPart, userRequest } from '../gateway/test/helpers/a2a-client.ts';
import { startLoopbackPackServer } from '../gateway/test/helpers/loopback-servers.ts';
import { connectClient } from '../gateway/test/helpers/mcp-client.ts';
import { testModel } from '../gateway/test/helpers/test-zone.ts';
import { readAgentCard } from '../generator/import/src/a2a/agent-card.ts';
import { buildA2aPack } from '../generator/import/src/a2a/build-a2a-pack.ts';
import { interleavedLatency, latencyRow, quantile } from './lib/interleaved-latency.ts';
import { startLatencyGateway } from './lib/latency-gateway.ts';

const ROUNDS = 10;
const PER_ROUND = 50;
const WARM_UP = 100;
const TOKEN = 'bench-token';

export default async function bench(): Promise<void> {
  const agent = await startAgent('sync');
  const card = await (await fetch(agent.cardUrl, { headers: { 'A2A-Version': '1.0' } })).json();
  const { pack } = buildA2aPack(readAgentCard(card, agent.cardUrl), card, {
    name: 'helper',
    owner: 'bench',
    cardUrl: agent.cardUrl,
  });
  const secrets = () => undefined;
  const packServer = await startLoopbackPackServer(pack, secrets);
  const model = testModel(pack, 'http://127.0.0.1:9/mcp');
  model.policies = [
    {
      file: 'policies/bench.yaml',
      value: {
        name: 'bench',
        roles: [{ name: 'asker', tools: ['helper.*'] }],
        bindings: [{ role: 'asker', subjects: ['group:engineering'] }],
      },
    },
  ];
  const gateway = await startLatencyGateway(model, packServer.url, { secrets, token: TOKEN });
  const mcp = await connectClient(gateway.url, 'modern', TOKEN);
  const direct = await a2aClient(agent.url);
  const viaA2a = async () => {
    const answer = (await direct.sendMessage(userRequest([textPart('two words')]))) as
      | Message
      | { artifacts?: unknown[] };
    if (!('artifacts' in answer) || !answer.artifacts?.length) throw new Error('the direct A2A call failed');
  };
  const viaGateway = async () => {
    const result = await mcp.callTool({ name: 'helper.summarize', arguments: { message: 'two words' } });
    if (result.isError)
      throw new Error(`the call through the gateway failed: ${JSON.stringify(result.content)}`);
  };
  let samples: Record<string, number[]>;
  try {
    samples = await interleavedLatency(
      { direct: viaA2a, gateway: viaGateway },
      { rounds: ROUNDS, perRound: PER_ROUND, warmUp: WARM_UP },
    );
  } finally {
    await mcp.close();
    await gateway.close();
    await packServer.close();
    await agent.close();
  }
  const straight = samples['direct'] ?? [];
  const through = samples['gateway'] ?? [];
  console.log(latencyRow('A2A SendMessage, direct', straight));
  console.log(latencyRow('MCP tools/call → gateway → agent', through));
  const added = quantile(through, 0.5) - quantile(straight, 0.5);
  console.log(`the gateway adds ${(added / 1000).toFixed(2)} ms at p50 (${ROUNDS * PER_ROUND} calls each)`);
}
