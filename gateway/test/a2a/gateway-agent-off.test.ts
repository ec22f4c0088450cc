/**
 * The gateway as an A2A agent is off unless the zone turns it on (on PGlite): no card, no /a2a, even for a
 * valid token; a reload whose zone enables it serves both at once, without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayStack, startGatewayStack } from '../helpers/gateway-stack.ts';
import { widgetsPack } from '../helpers/test-pack.ts';
import { testBundle, testModel } from '../helpers/test-zone.ts';

let stack: GatewayStack;
let botToken: string;

beforeAll(async () => {
  stack = await startGatewayStack({ database: 'PGlite', approvalWaitMs: 1000 });
  botToken = await stack.issuer.sign({ sub: 'bot', agent: true });
});

afterAll(async () => {
  await stack?.close();
});

const card = () => fetch(`${stack.base}/.well-known/agent-card.json`);
const send = () =>
  fetch(`${stack.base}/a2a`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${botToken}`,
      'a2a-version': '1.0',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetExtendedAgentCard', params: {} }),
  });

describe('the gateway as an A2A agent, per zone', () => {
  it('serves neither the card nor /a2a while the zone leaves gateway.a2a off', async () => {
    const res = await card();
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'not_found', message: 'no route for GET /.well-known/agent-card.json' },
    });
    expect((await send()).status).toBe(404);
  });

  it('serves both once a reload brings a zone with gateway.a2a.enabled', async () => {
    const model = testModel(widgetsPack(stack.upstream.url), stack.partner.url);
    const zone = model.zones[0]!;
    const enabled = {
      ...model,
      zones: [
        { ...zone, value: { ...zone.value, gateway: { ...zone.value.gateway, a2a: { enabled: true } } } },
      ],
    };
    const { bundle, policy } = testBundle(enabled, stack.packServer.url);
    expect(bundle.a2a).toEqual({ enabled: true });
    stack.gateway.reload(bundle, policy);
    expect((await card()).status).toBe(200);
    const res = await send();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result?: { skills?: { id: string }[] } };
    expect(body.result?.skills?.map((s) => s.id)).toContain('widgets.get_widget');
  });
});
