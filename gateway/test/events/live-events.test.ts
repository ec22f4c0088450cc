/**
 * GET /v1/events end to end: a real gateway on Postgres, MCP calls with the official client, the admin API over
 * HTTP, and a server-sent-events client that parses the stream itself (./sse-client.ts). Every wait is for an
 * event or a state, never for time.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApprovalStore } from '../../src/approvals/approval-store.ts';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import type { SseConnection } from '../../src/events/sse-connection.ts';
import { ALL_TENANTS } from '../../src/tenancy/scope.ts';
import { connectClient } from '../helpers/mcp-client.ts';
import { type EventsStack, startEventsStack } from './events-stack.ts';
import { openEventStream, type SseEvent, type SseStream } from './sse-client.ts';

const REPLAY_EVENTS = 50;
const MAX_QUEUED_EVENTS = 4;
const MAX_QUEUED_BYTES = 64 * 1024;

let stack: EventsStack;
const tokens: Record<'admin' | 'alice' | 'mona' | 'bob' | 'bot' | 'carol', string> = {
  admin: '',
  alice: '',
  mona: '',
  bob: '',
  bot: '',
  carol: '',
};
const open: SseStream[] = [];

beforeAll(async () => {
  stack = await startEventsStack({
    adminSubjects: ['user:admin'],
    approvalWaitMs: 60_000,
    events: {
      replayEvents: REPLAY_EVENTS,
      stream: { heartbeatMs: 100, maxQueuedEvents: MAX_QUEUED_EVENTS, maxQueuedBytes: MAX_QUEUED_BYTES },
    },
  });
  tokens.admin = await stack.issuer.sign({ sub: 'admin' });
  tokens.alice = await stack.issuer.sign({ sub: 'alice' });
  tokens.mona = await stack.issuer.sign({ sub: 'mona', groups: ['maintainers'] });
  tokens.bob = await stack.issuer.sign({ sub: 'bob' });
  tokens.bot = await stack.issuer.sign({ sub: 'bot', agent: true });
  tokens.carol = await stack.issuer.sign({ sub: 'carol' });
}, 60_000);

afterAll(async () => {
  for (const s of open) s.close();
  await stack?.close();
});

async function events(
  who: keyof typeof tokens,
  query: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const stream = await openEventStream(`${stack.base}/v1/events${query}`, {
    authorization: `Bearer ${tokens[who]}`,
    ...headers,
  });
  open.push(stream);
  return stream;
}

async function api(who: keyof typeof tokens, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[who]}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const data = (event: SseEvent) => JSON.parse(event.data) as Record<string, unknown>;
const of =
  (type: string, match: (d: Record<string, unknown>) => boolean = () => true) =>
  (e: SseEvent) =>
    e.event === type && match(data(e));

const deployment = (pack: string) => ({
  zone: 'dev',
  workload: 'tools',
  pack,
  version: '1.0.0',
  health: 'healthy',
});

describe('the stream', () => {
  it('is text/event-stream, starts with a retry hint and sends a heartbeat comment while idle', async () => {
    const stream = await events('admin', '?types=deployment');
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    await stream.comment('ping');
    expect(stream.retries).toEqual([3000]);
    expect(stream.events).toEqual([]);
    stream.close();
  });

  it('refuses admin-only types to a non-admin with 403 naming them, unknown types with 400; HEAD gets headers only', async () => {
    const traces = await events('bob', '?types=job,trace,routes');
    expect(traces.status).toBe(403);
    expect(JSON.parse(await traces.body())).toEqual({
      error: {
        code: 'forbidden',
        message: 'user:bob does not hold the admin role, which events of type trace, routes need',
      },
    });
    const unknown = await events('admin', '?types=trace,metrics');
    expect(unknown.status).toBe(400);
    expect(JSON.parse(await unknown.body()).error.message).toBe(
      'query parameter types: metrics is not an event type (one of trace, approval, job, deployment, routes)',
    );
    const badId = await events('admin', '?types=trace', { 'last-event-id': 'abc' });
    expect(badId.status).toBe(400);
    expect(JSON.parse(await badId.body()).error.message).toBe(
      'header Last-Event-ID: an event id (digits), not "abc"',
    );
    const anonymous = await openEventStream(`${stack.base}/v1/events`, {});
    expect(anonymous.status).toBe(401);
    const before = new Set(stack.persistence.events.subscribers());
    const head = await fetch(`${stack.base}/v1/events`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect([head.status, head.headers.get('content-type')]).toEqual([
      200,
      'text/event-stream; charset=utf-8',
    ]);
    expect(stack.persistence.events.subscribers().filter((c) => !before.has(c))).toEqual([]);
  });
});

describe('what each caller receives', () => {
  let bot: Client;
  beforeAll(async () => {
    bot = await connectClient(stack.gateway.url, 'modern', tokens.bot);
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('sends each MCP call as a trace event, exactly as GET /v1/traces returns it', async () => {
    const stream = await events('admin', '?types=trace');
    const result = await bot.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    expect(result.isError).toBeFalsy();
    const event = await stream.next(of('trace', (t) => t['tool'] === 'widgets.get_widget'));
    expect(event.id).toMatch(/^\d+$/);
    const live = data(event);
    expect(live).toMatchObject({ subject: 'agent:bot', status: 'ok', decision: 'allow', args: { id: 'w1' } });
    await stack.persistence.traces.flush();
    const listed = await api('admin', 'GET', '/v1/traces?tool=widgets.get_widget');
    const stored = (listed.json['items'] as { id: string }[]).find((t) => t.id === live['id']);
    expect(stored).toEqual(live);
    stream.close();
  });

  it('sends an approval to its requester and its approvers, and its decision; never to anyone else', async () => {
    const mona = await events('mona', '?types=approval');
    const alice = await events('alice', '');
    const bob = await events('bob', '');
    const admin = await events('admin', '?types=approval');
    const aliceClient = await connectClient(stack.gateway.url, 'modern', tokens.alice);
    try {
      const call = aliceClient.callTool({ name: 'widgets.create_widget', arguments: { name: 'bolt' } });
      const pending = data(await mona.next(of('approval', (a) => a['status'] === 'pending')));
      expect(pending).toMatchObject({ tool: 'widgets.create_widget', subject: 'user:alice' });
      await alice.next(of('approval', (a) => a['id'] === pending['id']));
      await admin.next(of('approval', (a) => a['id'] === pending['id']));

      const decided = await api('mona', 'POST', `/v1/approvals/${pending['id']}/decision`, { approve: true });
      expect(decided.status).toBe(200);
      const approved = await mona.next(of('approval', (a) => a['status'] === 'approved'));
      expect(data(approved)).toEqual(decided.json);
      await alice.next(of('approval', (a) => a['status'] === 'approved'));
      expect((await call).isError).toBeFalsy();
      expect(data(approved)).toEqual((await api('alice', 'GET', `/v1/approvals/${pending['id']}`)).json);

      // Bob's own job comes after both approval events: the stream is ordered, so he was never sent them.
      const job = await api('bob', 'POST', '/v1/jobs', {
        tool: 'widgets.get_widget',
        arguments: { id: 'w1' },
      });
      await bob.next(of('job', (j) => j['id'] === job.json['id']));
      expect(bob.events.filter((e) => e.event !== 'job')).toEqual([]);
      expect(Number(bob.events[0]!.id)).toBeGreaterThan(Number(approved.id));
    } finally {
      await aliceClient.close();
      for (const s of [mona, alice, bob, admin]) s.close();
    }
  });

  it('follows a job through every status change, for its caller only and as GET /v1/jobs/{id} returns it', async () => {
    const botStream = await events('bot', '?types=job');
    const aliceStream = await events('alice', '?types=job');
    const submitted = await api('bot', 'POST', '/v1/jobs', {
      tool: 'widgets.get_widget',
      arguments: { id: 'w1' },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.json['id'];
    const done = await botStream.next(of('job', (j) => j['id'] === id && j['status'] === 'succeeded'));
    expect(botStream.events.filter(of('job', (j) => j['id'] === id)).map((e) => data(e)['status'])).toEqual([
      'queued',
      'running',
      'succeeded',
    ]);
    expect(data(done)).toEqual((await api('bot', 'GET', `/v1/jobs/${id}`)).json);

    const own = await api('alice', 'POST', '/v1/jobs', {
      tool: 'widgets.get_widget',
      arguments: { id: 'w1' },
    });
    await aliceStream.next(of('job', (j) => j['id'] === own.json['id']));
    expect(aliceStream.events.filter(of('job', (j) => j['id'] === id))).toEqual([]);
    botStream.close();
    aliceStream.close();
  });

  it('sends the route table when it changes', async () => {
    const stream = await events('admin', '?types=routes');
    stack.reload();
    const routes = data(await stream.next(of('routes')));
    // The third-party check the reload starts may finish either side of this event: compare the routes.
    const current = (await api('admin', 'GET', '/v1/routes')).json;
    expect(routes).toMatchObject({ zone: 'dev', revision: current['revision'] });
    expect(routes['routes']).toEqual(current['routes']);
    stream.close();
  });
});

describe('resuming', () => {
  it('replays the events after Last-Event-ID (header or lastEventId query), then goes on live', async () => {
    const first = await events('admin', '?types=deployment');
    for (const pack of ['a', 'b', 'c']) {
      expect((await api('admin', 'POST', '/v1/deployments', deployment(pack))).status).toBe(201);
    }
    await first.next(of('deployment', (d) => d['pack'] === 'c'));
    const seen = first.events.filter(of('deployment'));
    first.close();
    for (const pack of ['d', 'e']) await api('admin', 'POST', '/v1/deployments', deployment(pack));

    const resumed = await events('admin', '?types=deployment', { 'last-event-id': seen[0]!.id! });
    await resumed.next(of('deployment', (d) => d['pack'] === 'e'));
    const replayed = resumed.events.filter(of('deployment'));
    expect(replayed.map((e) => data(e)['pack'])).toEqual(['b', 'c', 'd', 'e']);
    expect(replayed.slice(0, 2).map((e) => e.id)).toEqual(seen.slice(1).map((e) => e.id));
    const ids = replayed.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));

    const byQuery = await events('admin', `?types=deployment&lastEventId=${seen[2]!.id}`);
    await api('admin', 'POST', '/v1/deployments', deployment('f'));
    await byQuery.next(of('deployment', (d) => d['pack'] === 'f'));
    expect(byQuery.events.filter(of('deployment')).map((e) => data(e)['pack'])).toEqual(['d', 'e', 'f']);
    await resumed.next(of('deployment', (d) => d['pack'] === 'f'));
    resumed.close();
    byQuery.close();
  });

  it('sends one reset when Last-Event-ID is older than the replay ring or not of this process', async () => {
    const hub = stack.persistence.events;
    const before = hub.nextId - 1;
    for (let n = 0; n <= REPLAY_EVENTS; n++) hub.publish({ type: 'deployment', data: { n } });
    const old = await events('admin', '?types=deployment', { 'last-event-id': String(before) });
    const reset = await old.next(of('reset'));
    expect(reset.id).toBeUndefined();
    expect(data(reset)['reason']).toBe(
      `event ${before} is older than the ${REPLAY_EVENTS} events kept for replay: refetch the lists`,
    );
    const future = await events('admin', '?types=deployment', { 'last-event-id': String(hub.nextId + 7) });
    expect(data(await future.next(of('reset')))['reason']).toContain('was not sent by this gateway process');

    hub.publish({ type: 'deployment', data: { n: 'live' } });
    await old.next(of('deployment', (d) => d['n'] === 'live'));
    expect(old.events.map((e) => e.event)).toEqual(['reset', 'deployment']);
    old.close();
    future.close();
  });
});

describe('a slow reader', () => {
  it('is held to its buffer bounds, then told how many events it lost before live events resume', async () => {
    const hub = stack.persistence.events;
    const stream = await events('admin', '?types=deployment');
    await stream.comment('ping'); // the stream is open and subscribed
    const connection = hub.subscribers().at(-1) as SseConnection;
    stream.pause();
    const pad = 'x'.repeat(16 * 1024);
    let published = 0;
    // Client and server share this thread: nothing is read while this loop runs, so the socket fills.
    while (connection.stats().totalDropped === 0 && published < 100_000) {
      hub.publish({ type: 'deployment', data: { n: published++, pad } });
      hub.flush();
    }
    const full = connection.stats();
    expect(full.totalDropped).toBe(1);
    expect(full.blocked).toBe(true);
    expect(full.queuedEvents).toBeLessThanOrEqual(MAX_QUEUED_EVENTS);
    expect(full.queuedBytes).toBeLessThanOrEqual(MAX_QUEUED_BYTES);
    // Node holds at most its high-water mark plus the one event that crossed it (and chunk framing).
    expect(full.bufferedBytes).toBeLessThan(full.bufferLimit + pad.length + 1024);

    for (let i = 0; i < 5; i++) hub.publish({ type: 'deployment', data: { n: published++, pad } });
    hub.flush();
    expect(connection.stats()).toMatchObject({
      totalDropped: 6,
      dropped: 6,
      queuedEvents: full.queuedEvents,
      queuedBytes: full.queuedBytes,
    });

    stream.resume();
    const dropped = await stream.next(of('dropped'));
    expect(dropped.id).toBeUndefined();
    expect(data(dropped)).toEqual({ count: 6, total: 6 });
    const before = stream.events.slice(0, stream.events.indexOf(dropped)).filter(of('deployment'));
    expect(before.length + 6).toBe(published);
    const ns = before.map((e) => data(e)['n'] as number);
    expect(ns).toEqual([...ns].sort((a, b) => a - b));

    hub.publish({ type: 'deployment', data: { n: 'after' } });
    const after = await stream.next(of('deployment', (d) => d['n'] === 'after'));
    expect(stream.events.indexOf(after)).toBeGreaterThan(stream.events.indexOf(dropped));
    expect(connection.stats()).toMatchObject({
      dropped: 0,
      totalDropped: 6,
      queuedEvents: 0,
      blocked: false,
    });

    const metrics = await (await fetch(`${stack.base}/metrics`)).text();
    expect(metrics).toContain('raku_events_dropped_total{type="deployment"} 6');
    expect(metrics).toMatch(/raku_events_sent_total\{type="deployment"\} \d+/);
    expect(metrics).toContain(`raku_event_streams_open ${hub.stats().connections}`);
    stream.close();
  });
});

describe('a reader that takes nothing', () => {
  it('is disconnected after four heartbeats with its socket blocked', async () => {
    const hub = stack.persistence.events;
    const stream = await events('admin', '?types=deployment');
    await stream.comment('ping');
    const connection = hub.subscribers().at(-1) as SseConnection;
    stream.pause();
    const pad = 'x'.repeat(16 * 1024);
    // Keep the socket full (the kernel's buffers too) until the gateway gives up on it; the pause between
    // rounds only paces the loop: whatever the timing, the stream ends only by being dropped.
    let over = false;
    void connection.done.then(() => {
      over = true;
    });
    for (let n = 0; !over && n < 1_000_000; n += 16) {
      for (let i = 0; i < 16; i++) hub.publish({ type: 'deployment', data: { n: n + i, pad } });
      hub.flush();
      await new Promise((resolve) => setTimeout(resolve, connection.stats().blocked ? 50 : 0));
    }
    expect(over).toBe(true);
    expect(connection.stats().totalDropped).toBeGreaterThan(0);
    expect(hub.subscribers()).not.toContain(connection);
    stream.close();
  });
});

describe('approval expiry', () => {
  it('tells of a request that expires, found by the sweep or by a read, once', async () => {
    // A day ahead of the real clock, so the gateway's own sweep (real time) leaves these requests alone.
    let clock = new Date(Date.now() + 86_400_000);
    const changes: ApprovalRequest[] = [];
    const store = createApprovalStore(stack.persistence.db, {
      now: () => clock,
      onChange: (request) => changes.push(request),
    });
    const input = {
      rule: 'test/approvals/expiring',
      approvers: ['group:maintainers'],
      timeoutSeconds: 60,
      tool: 'widgets.create_widget',
      subject: 'user:alice',
      args: { name: 'x' },
      revision: 'rev-1',
    };
    const swept = await store.create(input);
    const read = await store.create(input);
    expect(changes.map((c) => [c.id, c.status])).toEqual([
      [swept.id, 'pending'],
      [read.id, 'pending'],
    ]);
    clock = new Date(clock.getTime() + 61_000);
    expect((await store.get(ALL_TENANTS, read.id))?.status).toBe('expired');
    expect(await store.expireDue()).toBe(1);
    expect(changes.slice(2).map((c) => [c.id, c.status])).toEqual([
      [read.id, 'expired'],
      [swept.id, 'expired'],
    ]);
    await store.get(ALL_TENANTS, read.id);
    await store.expireDue();
    expect(changes).toHaveLength(4);
  });
});

describe('shutdown', () => {
  it('holds a subject to 20 open streams (429 past them) and counts a closed one out', async () => {
    const streams = await Promise.all(Array.from({ length: 20 }, () => events('carol', '?types=job')));
    expect(streams.map((s) => s.status)).toEqual(Array(20).fill(200));
    const over = await events('carol', '?types=job');
    expect(over.status).toBe(429);
    expect(JSON.parse(await over.body()).error).toEqual({
      code: 'too_many_streams',
      message: 'user:carol already holds 20 open event streams: close one (a browser tab) first',
    });
    // Another subject is not held to carol's count.
    expect((await events('alice', '?types=job')).status).toBe(200);
    streams[0]?.close();
    // The server counts the closed stream out once it sees the socket close: wait for that, up to a ceiling
    // for a loaded machine (vi.waitFor's default of 1 s is not one).
    await vi.waitFor(
      async () => {
        const again = await events('carol', '?types=job');
        expect(again.status).toBe(200);
      },
      { timeout: 20_000, interval: 50 },
    );
  });

  it('ends every open stream when the gateway closes', async () => {
    const stream = await events('admin', '');
    await stream.comment('ping');
    await stack.close();
    await stream.ended;
  });
});
