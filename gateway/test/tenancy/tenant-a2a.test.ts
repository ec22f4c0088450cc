/**
 * The gateway as an A2A agent per tenant, with the official @a2a-js/sdk client over real HTTP: a skill is a
 * tool of the caller's tenant's view (the same name reaches each tenant's own pack; another tenant's tool is
 * as unknown as none), and X-Raku-Tenant is chosen and refused on /a2a as on /mcp.
 */
import type { Message } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/gateway-server.ts';
import { a2aClient, dataPart, userRequest } from '../helpers/a2a-client.ts';
import type { MemoryTraceSink } from '../helpers/memory-trace-sink.ts';
import { CALLERS, startTenancyGateway, startTenancyParts, type TenancyParts } from './tenancy-fixture.ts';

let parts: TenancyParts;
let gateway: RunningGateway;
let traces: MemoryTraceSink;
let base: string;

beforeAll(async () => {
  parts = await startTenancyParts();
  parts.bundle.a2a = { enabled: true };
  ({ gateway, traces } = await startTenancyGateway(parts));
  base = gateway.url.replace(/\/mcp$/, '');
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await parts?.close();
});

const token = (who: keyof typeof CALLERS) => parts.issuer.sign({ ...CALLERS[who] });

const dataOf = (message: Message) =>
  message.parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value] : []));

async function sendSkill(who: keyof typeof CALLERS, skill: string, args: Record<string, unknown>) {
  const client = await a2aClient(base, await token(who));
  return (await client.sendMessage(userRequest([dataPart({ skill, arguments: args })]))) as Message;
}

describe('the A2A gateway agent per tenant', () => {
  it('answers the same skill name from each caller tenant’s own pack', async () => {
    expect(dataOf(await sendSkill('ann', 'crm.get_contact', { id: 'c1' }))).toContainEqual({
      id: 'c1',
      tenant: 'acme',
    });
    expect(dataOf(await sendSkill('gus', 'crm.get_contact', { id: 'c1' }))).toContainEqual({
      id: 'c1',
      tenant: 'globex',
    });
    expect(traces.traces.slice(-2).map((t) => [t.subject, t.tenant])).toEqual([
      ['user:ann', 'acme'],
      ['user:gus', 'globex'],
    ]);
  });

  it('refuses another tenant’s tool as an unknown skill, as it refuses a skill nobody has', async () => {
    const hidden = await sendSkill('gus', 'widgets.get_widget', { id: 'w1' }).catch((e: Error) => e);
    const missing = await sendSkill('gus', 'nothing.exists', { id: 'w1' }).catch((e: Error) => e);
    expect((hidden as Error).message).toMatch(/unknown skill "widgets.get_widget"/);
    expect((hidden as Error).message.replace('widgets.get_widget', 'X')).toBe(
      (missing as Error).message.replace('nothing.exists', 'X'),
    );
  });

  it('refuses with 403 a request naming a tenant its caller is not in, before reading the body', async () => {
    const res = await fetch(`${base}/a2a`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await token('gus')}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
        'x-raku-tenant': 'acme',
      },
      body: 'not even JSON',
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32000,
        message:
          'Forbidden: the caller is not a member of tenant "acme" (x-raku-tenant): its tenants are globex',
      },
    });
  });
});
