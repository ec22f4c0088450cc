/**
 * The gateway as an A2A agent: what a skill call costs over A2A against the same tool called over MCP, in one
 * gateway of one run (zone gateway.a2a on; one pack server on loopback and its fake upstream behind both).
 * A2A: the official SDK client's SendMessage (JSON-RPC) with a data part { skill, arguments }; MCP: the
 * official client's tools/call, protocol 2026-07-28 (the hot path). Sequential calls, so the figures are
 * latencies; the two are interleaved in rounds so drift on this shared machine hits both alike.
 * Goal: A2A adds under 1 ms at p50 to the MCP call.
 */
import { performance } from 'node:perf_hooks';
import { type Message, type Part, Role } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { staticTokenAuthenticator } from '../gateway/src/auth/authenticator.ts';
import { startGateway } from '../gateway/src/server/gateway-server.ts';
import { createMetrics } from '../gateway/src/server/metrics.ts';
import { startPackServer } from '../gateway/src/server/pack-server.ts';
import { json, startFakeUpstream } from '../gateway/test/helpers/fake-upstream.ts';
import { connectClient } from '../gateway/test/helpers/mcp-client.ts';
import { MemoryTraceSink } from '../gateway/test/helpers/memory-trace-sink.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from '../gateway/test/helpers/test-pack.ts';
import { testBundle, testModel } from '../gateway/test/helpers/test-zone.ts';

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
  const packServer = await startPackServer({
    packs: [pack],
    environment: 'dev',
    secrets,
    allowPrivateNetworks: true,
    port: 0,
  });
  const model = testModel(pack, 'http://127.0.0.1:9/mcp');
  const zone = model.zones[0]!;
  zone.value.gateway = { ...zone.value.gateway, a2a: { enabled: true } };
  const { bundle, policy } = testBundle(model, packServer.url);
  const caller = { subject: 'user:carol', kind: 'user' as const, groups: ['engineering'], claims: {} };
  const gateway = await startGateway({
    bundle,
    policy,
    authenticator: staticTokenAuthenticator(new Map([[TOKEN, caller]])),
    traces: new MemoryTraceSink(),
    metrics: createMetrics({ defaultMetrics: false }),
    adminSubjects: [],
    secrets,
    port: 0,
    routeOptions: { healthIntervalMs: 0, remoteCheckIntervalMs: 0 },
  });
  const mcp = await connectClient(gateway.url, 'modern', TOKEN);
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${TOKEN}`);
    return fetch(input, { ...init, headers });
  };
  const a2a = await new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl })],
    }),
  ).createFromUrl(gateway.url.replace(/\/mcp$/, ''));
  const data: Part = {
    content: { $case: 'data', value: { skill: 'widgets.get_widget', arguments: { id: 'w1' } } },
    mediaType: 'application/json',
    filename: '',
    metadata: undefined,
  };
  const viaA2a = async () => {
    const answer = (await a2a.sendMessage({
      tenant: '',
      message: {
        messageId: crypto.randomUUID(),
        contextId: '',
        taskId: '',
        role: Role.ROLE_USER,
        parts: [data],
        metadata: undefined,
        extensions: [],
        referenceTaskIds: [],
      },
      configuration: undefined,
      metadata: undefined,
    })) as Message;
    if (answer.metadata?.['dev.raku/is-error'] !== false) throw new Error('the A2A call failed');
  };
  const viaMcp = async () => {
    const result = await mcp.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    if (result.isError) throw new Error('the MCP call failed');
  };
  const samples = { a2a: [] as number[], mcp: [] as number[] };
  const time = async (call: () => Promise<void>, into: number[] | undefined) => {
    const started = performance.now();
    await call();
    into?.push((performance.now() - started) * 1000);
  };
  try {
    for (let i = 0; i < WARM_UP; i++) {
      await time(viaA2a, undefined);
      await time(viaMcp, undefined);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < PER_ROUND; i++) await time(viaA2a, samples.a2a);
      for (let i = 0; i < PER_ROUND; i++) await time(viaMcp, samples.mcp);
    }
  } finally {
    await mcp.close();
    await gateway.close();
    await packServer.close();
    await upstream.close();
  }
  const quantile = (xs: number[], q: number) =>
    [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;
  const row = (label: string, xs: number[]) =>
    console.log(
      `${label.padEnd(28)} p50 ${quantile(xs, 0.5).toFixed(0).padStart(6)} µs   p99 ${quantile(xs, 0.99).toFixed(0).padStart(6)} µs`,
    );
  row('MCP tools/call (2026-07-28)', samples.mcp);
  row('A2A SendMessage', samples.a2a);
  const added = quantile(samples.a2a, 0.5) - quantile(samples.mcp, 0.5);
  console.log(`A2A adds ${(added / 1000).toFixed(2)} ms at p50 (goal: under 1 ms)`);
}
