/**
 * The gateway as an A2A agent, end to end on the real Postgres: an A2A client built with the official SDK
 * reads the gateway's public card, its extended card (skills = the caller's tools, as MCP lists them), and
 * calls skills through the same pipeline as MCP: answers, policy denials, traces, A2A errors.
 */
import { AgentCard, type Message, type Part, Role } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ERROR_METADATA, TRACE_ID_METADATA } from '../../src/a2a/skill-call.ts';
import { MemoryRateLimiter } from '../../src/server/rate-limiter.ts';
import { a2aClient, dataPart, textPart, userRequest } from '../helpers/a2a-client.ts';
import { type GatewayStack, startGatewayStack } from '../helpers/gateway-stack.ts';
import { connectClient } from '../helpers/mcp-client.ts';
import { widgetsPack } from '../helpers/test-pack.ts';
import { MID_HOUR } from '../helpers/test-zone.ts';

let stack: GatewayStack;
let botToken: string;
let adminToken: string;

beforeAll(async () => {
  stack = await startGatewayStack({
    database: 'Postgres',
    // Long enough that no call of these tests outlives it: the approval test decides explicitly.
    approvalWaitMs: 120_000,
    adminSubjects: ['user:admin'],
    a2a: true,
    // A fixed clock: on the real one the rate limit test's calls could straddle the turn of the hour's window.
    rateLimiter: new MemoryRateLimiter(MID_HOUR),
    // No upstream timeout a loaded machine could reach before the cancellation test's cancel does.
    pack: (upstreamUrl) => widgetsPack(upstreamUrl, { timeoutMs: 60_000 }),
  });
  botToken = await stack.issuer.sign({ sub: 'bot', agent: true });
  adminToken = await stack.issuer.sign({ sub: 'admin' });
});

afterAll(async () => {
  await stack?.close();
});

/** An SDK client of the gateway's card whose requests carry `token` (none: the SDK's own fetch). */
const gatewayClient = (token?: string): Promise<Client> => a2aClient(stack.base, token);

const callSkill = (client: Client, skill: string, args: Record<string, unknown>) =>
  client.sendMessage(userRequest([dataPart({ skill, arguments: args })])) as Promise<Message>;

const partsOf = (message: Message) =>
  message.parts.map((p) =>
    p.content?.$case === 'text' || p.content?.$case === 'data' ? p.content.value : p,
  );

async function trace(id: string): Promise<Record<string, unknown>> {
  await stack.persistence.traces.flush();
  const res = await fetch(`${stack.base}/v1/traces/${id}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** The first trace (newest first) that `match` picks, once written: an aborted call has no trace id to ask for. */
async function traceWhere(match: (t: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (;;) {
    await stack.persistence.traces.flush();
    const res = await fetch(`${stack.base}/v1/traces?tool=widgets.get_widget&limit=50`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const found = ((await res.json()) as { items: Record<string, unknown>[] }).items.find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A raw JSON-RPC POST to /a2a (A2A 1.0), with `token` when given. */
function postA2a(body: string, token?: string): Promise<Response> {
  return fetch(`${stack.base}/a2a`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'a2a-version': '1.0',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
  });
}

/** The first approval pending for `token`'s approver (GET /v1/approvals), once the call has asked for it. */
async function firstPending(token: string): Promise<{ id: string; tool: string; subject: string }> {
  for (;;) {
    const res = await fetch(`${stack.base}/v1/approvals?status=pending`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const found = ((await res.json()) as { items: { id: string; tool: string; subject: string }[] }).items[0];
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the gateway as an A2A agent', () => {
  it('publishes a public card without skills that points at /a2a and announces the extended card', async () => {
    const res = await fetch(`${stack.base}/.well-known/agent-card.json`);
    expect(res.status).toBe(200);
    const card = AgentCard.fromJSON(await res.json());
    expect(card.name).toBe('raku-gateway:dev');
    expect(card.skills).toEqual([]);
    expect(card.capabilities?.extendedAgentCard).toBe(true);
    expect(card.supportedInterfaces).toEqual([
      { url: `${stack.base}/a2a`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
    ]);
    expect(Object.keys(card.securitySchemes)).toEqual(['bearer']);
  });

  it('shows an authenticated caller its skills: the tools MCP lists for the same token', async () => {
    const mcp = await connectClient(stack.gateway.url, 'modern', botToken);
    const { tools } = await mcp.listTools();
    await mcp.close();
    const card = await (await gatewayClient(botToken)).getAgentCard();
    expect(card.skills.map((s) => s.id)).toEqual(tools.map((t) => t.name));
    expect(card.skills.map((s) => s.id)).toContain('widgets.get_widget');
    expect(card.skills.map((s) => s.id)).not.toContain('widgets.create_widget');
    const extension = card.capabilities?.extensions.find(
      (e) => e.uri === 'https://raku.dev/a2a/tool-call/v1',
    );
    expect(extension?.params?.['inputSchemas']?.['widgets.get_widget']).toEqual(
      tools.find((t) => t.name === 'widgets.get_widget')?.inputSchema,
    );
  });

  it("answers a message naming a skill with the tool's answer, traced like an MCP call", async () => {
    const agentTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const answer = (await (
      await gatewayClient(botToken)
    ).sendMessage(userRequest([dataPart({ skill: 'widgets.get_widget', arguments: { id: 'w1' } })]), {
      serviceParameters: { traceparent: `00-${agentTrace}-00f067aa0ba902b7-01` },
    })) as Message;
    expect(answer.role).toBe(Role.ROLE_AGENT);
    expect(partsOf(answer)).toContainEqual({ id: 'w1' });
    expect(answer.metadata?.[IS_ERROR_METADATA]).toBe(false);
    const row = await trace(answer.metadata?.[TRACE_ID_METADATA] as string);
    expect(row).toMatchObject({
      subject: 'agent:bot',
      tool: 'widgets.get_widget',
      decision: 'allow',
      status: 'ok',
      zone: 'dev',
      traceId: agentTrace,
    });
  });

  it('refuses a skill the policy denies, with the reason, and traces the denial', async () => {
    const client = await gatewayClient(botToken);
    const posts = () => stack.upstream.requests.filter((r) => r.method === 'POST').length;
    const postsBefore = posts();
    const denied = await callSkill(client, 'widgets.list_widgets', { color: 'red' });
    expect(denied.metadata?.[IS_ERROR_METADATA]).toBe(true);
    expect(String(partsOf(denied)[0])).toMatch(/^call denied: /);
    expect(await trace(denied.metadata?.[TRACE_ID_METADATA] as string)).toMatchObject({
      tool: 'widgets.list_widgets',
      decision: 'deny',
      rule: 'test/denies/no-red-for-bots',
      status: 'denied',
    });
    const notGranted = await callSkill(client, 'widgets.create_widget', { name: 'bolt' });
    expect(notGranted.metadata?.[IS_ERROR_METADATA]).toBe(true);
    expect(posts()).toBe(postsBefore);
  });

  it('parks a skill that needs an approval until an approver decides, then answers', async () => {
    const aliceToken = await stack.issuer.sign({ sub: 'alice' });
    const monaToken = await stack.issuer.sign({ sub: 'mona', groups: ['maintainers'] });
    const answer = callSkill(await gatewayClient(aliceToken), 'widgets.create_widget', { name: 'bolt' });
    const pending = await firstPending(monaToken);
    expect(pending).toMatchObject({ tool: 'widgets.create_widget', subject: 'user:alice' });
    const decided = await fetch(`${stack.base}/v1/approvals/${pending.id}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${monaToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ approve: true }),
    });
    expect(decided.status).toBe(200);
    const message = await answer;
    expect(partsOf(message)).toContainEqual({ id: 'w2', name: 'bolt' });
    expect(await trace(message.metadata?.[TRACE_ID_METADATA] as string)).toMatchObject({
      decision: 'approval',
      rule: 'test/approvals/widget-creation',
      status: 'ok',
    });
  });

  it('cancels the tool call, up to the upstream API, when the A2A client goes away', async () => {
    const client = await gatewayClient(botToken);
    let arrived = () => {};
    let closed = () => {};
    const upstreamHasIt = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const upstreamLetGo = new Promise<void>((resolve) => {
      closed = resolve;
    });
    // Never answers: only the gateway cancelling the call ends this request.
    stack.upstream.routes.set('GET /api/widgets/held', (_req, res) => {
      res.once('close', closed);
      arrived();
    });
    const leaving = new AbortController();
    const call = client.sendMessage(
      userRequest([dataPart({ skill: 'widgets.get_widget', arguments: { id: 'held' } })]),
      { signal: leaving.signal },
    );
    await upstreamHasIt;
    leaving.abort();
    await expect(call).rejects.toThrow();
    await upstreamLetGo;
    // Cancelled, not timed out (the tool's budget, 60 s here, would also end the upstream request).
    const row = await traceWhere((t) => (t['args'] as { id?: string } | null)?.id === 'held');
    expect(row).toMatchObject({ subject: 'agent:bot', tool: 'widgets.get_widget', status: 'no_route' });
    expect(row['error']).toMatch(/the call was cancelled/);
  });

  it("applies the caller's rate limit to skills as to MCP calls", async () => {
    const client = await gatewayClient(await stack.issuer.sign({ sub: 'spammer', agent: true }));
    for (const _ of [1, 2]) {
      expect(
        (await callSkill(client, 'widgets.get_widget', { id: 'w1' })).metadata?.[IS_ERROR_METADATA],
      ).toBe(false);
    }
    const limited = await callSkill(client, 'widgets.get_widget', { id: 'w1' });
    expect(String(partsOf(limited)[0])).toMatch(/^rate limit exceeded: at most 2 calls per 3600 s/);
    expect(await trace(limited.metadata?.[TRACE_ID_METADATA] as string)).toMatchObject({
      status: 'rate_limited',
    });
  });

  it('refuses an unauthenticated caller with 401 and the bearer challenge, before reading the body', async () => {
    const res = await postA2a(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} }));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata=/);
    await expect(callSkill(await gatewayClient(), 'widgets.get_widget', { id: 'w1' })).rejects.toThrow();
    const forged = await gatewayClient('not-a-token');
    await expect(forged.getAgentCard()).rejects.toThrow();
  });

  it('answers malformed messages with an A2A error saying what was expected', async () => {
    const client = await gatewayClient(botToken);
    const text = textPart('get w1');
    const cases: [Part[], RegExp][] = [
      [[text], /message\.parts\[0\] is a text part: expected one data part \{ "skill"/],
      [[], /message\.parts has 0 parts/],
      [
        [dataPart({ skill: 'widgets.get_widget', arguments: [1] })],
        /arguments must be an object, not an array/,
      ],
      [[dataPart({ arguments: {} })], /data\.skill must be a skill id/],
      [[dataPart({ skill: 'widgets.get_widget', args: {} })], /unknown field\(s\) "args"/],
    ];
    for (const [parts, message] of cases) {
      await expect(client.sendMessage(userRequest(parts))).rejects.toThrow(message);
    }
    await expect(client.sendMessage(userRequest([dataPart({ skill: 'nope.nothing' })]))).rejects.toThrow(
      /unknown skill "nope.nothing"/,
    );
    await expect(client.getTask({ tenant: '', id: 'some-task' })).rejects.toThrow(/keeps no A2A tasks/);
  });

  it('refuses arguments nested past the JSON bounds before parsing them, and keeps answering', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const body = `{"jsonrpc":"2.0","id":7,"method":"SendMessage","params":{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"data":{"skill":"widgets.get_widget","arguments":{"id":${deep}}}}]}}}`;
    const res = await postA2a(body, botToken);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32600,
        message:
          'Invalid Request: the request nests 5007 levels deep; the limit is 128 levels (RAKU_JSON_MAX_DEPTH)',
      },
    });
    // Traced as a refused MCP call is: the skill, status invalid, the reason, the arguments not kept.
    const row = await traceWhere((t) => t['status'] === 'invalid' && t['subject'] === 'agent:bot');
    expect(row).toMatchObject({ tool: 'widgets.get_widget', decision: 'none' });
    expect(row['error']).toMatch(/nests 5007 levels deep/);
    const answer = await callSkill(await gatewayClient(botToken), 'widgets.get_widget', { id: 'w1' });
    expect(partsOf(answer)).toContainEqual({ id: 'w1' });
  });

  it('refuses streaming and push notifications, which the card does not declare', async () => {
    const rpc = async (method: string, params: unknown) => {
      const res = await postA2a(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), botToken);
      return ((await res.json()) as { error?: { code: number } }).error?.code;
    };
    const message = {
      messageId: 'm1',
      role: 'ROLE_USER',
      parts: [{ data: { skill: 'widgets.get_widget', arguments: { id: 'w1' } } }],
    };
    expect(await rpc('SendStreamingMessage', { message })).toBe(-32004);
    expect(
      await rpc('CreateTaskPushNotificationConfig', { taskId: 't1', url: 'https://hook.test/a2a' }),
    ).toBe(-32003);
  });

  it('answers a JSON-RPC body that is not JSON with a parse error, not a call', async () => {
    const res = await postA2a('{"jsonrpc": "2.0", "method": ', botToken);
    const body = (await res.json()) as { error?: { code: number } };
    expect(body.error?.code).toBe(-32700);
  });
});
