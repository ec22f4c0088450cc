/**
 * @raku/client against a real gateway (PGlite persistence, JWT bearer tokens from a test issuer): a script's
 * view of the API. The generated types and openapi-fetch must agree with what the gateway answers.
 */
import { createRakuClient } from '@raku/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type GatewayStack, startGatewayStack } from '../../test/helpers/gateway-stack.ts';
import { connectClient } from '../../test/helpers/mcp-client.ts';

let stack: GatewayStack;
let adminToken: string;

beforeAll(async () => {
  stack = await startGatewayStack({ database: 'PGlite', approvalWaitMs: 1000, adminSubjects: ['user:ada'] });
  adminToken = await stack.issuer.sign({ sub: 'ada' });
  const agent = await connectClient(stack.gateway.url, 'modern', await stack.issuer.sign({ sub: 'ada' }));
  await agent.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
  await agent.close();
});

afterAll(async () => {
  await stack?.close();
});

describe('@raku/client with a bearer token', () => {
  it('lists the traces the gateway recorded', async () => {
    const raku = createRakuClient({ baseUrl: stack.base, token: adminToken });
    // Traces are written by the gateway's queue after the call returns.
    const items = await vi.waitFor(
      async () => {
        const { data, error } = await raku.GET('/v1/traces', { params: { query: { limit: 10 } } });
        expect(error).toBeUndefined();
        expect(data?.items.length).toBeGreaterThan(0);
        return data?.items ?? [];
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(items[0]).toMatchObject({ subject: 'user:ada', tool: 'widgets.get_widget' });
  });

  it('lists approvals and jobs (none yet) with their page shape', async () => {
    const raku = createRakuClient({ baseUrl: `${stack.base}/`, token: adminToken });
    const approvals = await raku.GET('/v1/approvals');
    expect(approvals.response.status).toBe(200);
    expect(approvals.data).toEqual({ items: [], nextCursor: null });
    const jobs = await raku.GET('/v1/jobs');
    expect(jobs.response.status).toBe(200);
    expect(jobs.data).toEqual({ items: [], nextCursor: null });
  });

  it('returns the typed error body without a token', async () => {
    const raku = createRakuClient({ baseUrl: stack.base });
    const { data, error, response } = await raku.GET('/v1/traces');
    expect(response.status).toBe(401);
    expect(data).toBeUndefined();
    expect(error?.error.code).toBe('unauthorized');
  });
});
