/**
 * Approval flow end to end on the real Postgres: an agent's call to a tool with an approval rule is parked,
 * an approver decides, and the call runs (or is refused); a call that outlives the wait gets a job id, and the
 * job runs the call once approved.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argsHash } from '../src/approvals/args-hash.ts';
import type { ApprovalRequest } from '../src/approvals/types.ts';
import type { RunningGateway } from '../src/server/gateway-server.ts';
import type { Persistence } from '../src/server/persistence.ts';
import type { FakeUpstream } from './helpers/fake-upstream.ts';
import { json } from './helpers/fake-upstream.ts';
import { type GatewayStack, startGatewayStack } from './helpers/gateway-stack.ts';
import { connectClient, textOf } from './helpers/mcp-client.ts';

let stack: GatewayStack;
let upstream: FakeUpstream;
let persistence: Persistence;
let gateway: RunningGateway;
let alice: Client;
let aliceToken: string;
let monaToken: string;
let botToken: string;
let aliceBotToken: string;
let base: string;

beforeAll(async () => {
  stack = await startGatewayStack({ database: 'Postgres', approvalWaitMs: 4000 });
  ({ upstream, persistence, gateway, base } = stack);
  aliceToken = await stack.issuer.sign({ sub: 'alice' });
  monaToken = await stack.issuer.sign({ sub: 'mona', groups: ['maintainers'] });
  botToken = await stack.issuer.sign({ sub: 'bot', agent: true });
  // The same person as alice, as an agent in the approvers' group: four eyes must still see alice.
  aliceBotToken = await stack.issuer.sign({ sub: 'alice', agent: true, groups: ['maintainers'] });
  alice = await connectClient(gateway.url, 'modern', aliceToken);
});

afterAll(async () => {
  await alice?.close();
  await stack?.close();
});

/** The fields of the API's answers these tests read. */
interface ApiBody {
  id?: string;
  status?: string;
  items?: ApprovalRequest[];
  error?: string | { code: string; message: string } | null;
  result?: { structuredContent?: unknown };
}

async function api(
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: ApiBody }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as ApiBody };
}

/** The first pending approval the maintainer sees through GET /v1/approvals. */
async function nextPending(): Promise<ApprovalRequest> {
  for (;;) {
    const { json } = await api('GET', '/v1/approvals?status=pending', monaToken);
    const found = json.items?.[0];
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const decide = (id: string, approve: boolean, reason?: string) =>
  api('POST', `/v1/approvals/${id}/decision`, monaToken, { approve, ...(reason ? { reason } : {}) });

async function settledJob(id: string, token: string): Promise<ApiBody> {
  for (;;) {
    const { json } = await api('GET', `/v1/jobs/${id}`, token);
    if (['succeeded', 'failed', 'cancelled'].includes(json.status ?? '')) return json;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function traceRows(tool: string) {
  await persistence.traces.flush();
  return persistence.db.prisma.trace.findMany({ where: { tool }, orderBy: { time: 'asc' } });
}

describe('approval flow', () => {
  it('parks the call until an approver approves, then runs it and returns the result', async () => {
    const call = alice.callTool({ name: 'widgets.create_widget', arguments: { name: 'bolt' } });
    const pending = await nextPending();
    expect(pending).toMatchObject({
      tool: 'widgets.create_widget',
      subject: 'user:alice',
      approvers: ['group:maintainers'],
    });
    expect(
      (await api('POST', `/v1/approvals/${pending.id}/decision`, aliceToken, { approve: true })).status,
    ).toBe(403);
    const decided = await decide(pending.id, true);
    expect(decided).toMatchObject({ status: 200, json: { status: 'approved', decidedBy: 'user:mona' } });
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ id: 'w2', name: 'bolt' });
    expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const rows = await traceRows('widgets.create_widget');
    expect(rows.map((r) => [r.decision, r.rule, r.status])).toEqual([
      ['approval', 'test/approvals/widget-creation', 'ok'],
    ]);
  });

  it('refuses the call when the approver rejects it, and sends nothing upstream', async () => {
    upstream.requests.length = 0;
    const call = alice.callTool({ name: 'widgets.create_widget', arguments: { name: 'nut' } });
    const pending = await nextPending();
    expect((await decide(pending.id, false, 'not today')).json.status).toBe('rejected');
    const result = await call;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(`approval ${pending.id} was rejected by user:mona: not today`);
    expect(upstream.requests).toEqual([]);
  });

  it('gives the agent a job id when the decision outlives the request, and runs the job once approved', async () => {
    upstream.requests.length = 0;
    const result = await alice.callTool({ name: 'widgets.create_widget', arguments: { name: 'gear' } });
    const pendingResult = result.structuredContent as { status: string; jobId: string; approvalId: string };
    expect(pendingResult.status).toBe('pending');
    expect(textOf(result)).toContain(`poll GET /v1/jobs/${pendingResult.jobId}`);
    expect((await api('GET', `/v1/jobs/${pendingResult.jobId}`, aliceToken)).json.status).toBe(
      'waiting_approval',
    );
    expect(upstream.requests).toEqual([]);

    await decide(pendingResult.approvalId, true);
    const job = await settledJob(pendingResult.jobId, aliceToken);
    expect([job.status, job.error]).toEqual(['succeeded', null]);
    expect(job.result?.structuredContent).toEqual({ id: 'w2', name: 'gear' });
    expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const rows = await traceRows('widgets.create_widget');
    expect(rows.slice(-2).map((r) => r.status)).toEqual(['pending', 'ok']);
  }, 60_000);

  it('shows the approver the hash of the exact arguments and what was masked, and binds the decision to it', async () => {
    const args = { name: 'washer Bearer abcdefghijklmnop' };
    const call = alice.callTool({ name: 'widgets.create_widget', arguments: args });
    const pending = await nextPending();
    expect(pending).toMatchObject({
      args: { name: 'washer Bearer [REDACTED]' },
      argsHash: argsHash(args),
      maskedPaths: ['/name'],
      truncated: [],
    });
    const stale = await api('POST', `/v1/approvals/${pending.id}/decision`, monaToken, {
      approve: true,
      argsHash: argsHash({ name: 'washer' }),
    });
    expect(stale).toMatchObject({ status: 409, json: { error: { code: 'args_mismatch' } } });
    const bound = await api('POST', `/v1/approvals/${pending.id}/decision`, monaToken, {
      approve: true,
      argsHash: pending.argsHash,
    });
    expect(bound.json.status).toBe('approved');
    expect((await call).isError).toBeFalsy();
  });

  it('refuses the same person approving their own call under an agent token in the approvers group', async () => {
    const call = alice.callTool({ name: 'widgets.create_widget', arguments: { name: 'twin' } });
    const pending = await nextPending();
    const visible = await api('GET', '/v1/approvals?status=pending', aliceBotToken);
    expect(visible.json.items?.map((a) => a.id)).not.toContain(pending.id);
    const self = await api('POST', `/v1/approvals/${pending.id}/decision`, aliceBotToken, { approve: true });
    expect(self).toMatchObject({
      status: 403,
      json: {
        error: {
          code: 'forbidden',
          message: 'agent:alice asked for this call and cannot approve it themselves',
        },
      },
    });
    await decide(pending.id, false);
    expect((await call).isError).toBe(true);
  });

  it('does not run a job whose arguments changed after they were approved', async () => {
    upstream.requests.length = 0;
    const result = await alice.callTool({ name: 'widgets.create_widget', arguments: { name: 'bolt-a' } });
    const pending = result.structuredContent as { jobId: string; approvalId: string };
    // The stored call is altered while it waits (a database write, a bug): the approval is for other arguments.
    await persistence.db.prisma.job.update({
      where: { id: pending.jobId },
      data: { arguments: { name: 'bolt-b' } },
    });
    await decide(pending.approvalId, true);
    const job = await settledJob(pending.jobId, aliceToken);
    expect(job.status).toBe('failed');
    expect(String(job.error)).toContain(`the arguments differ from those approved in ${pending.approvalId}`);
    expect(upstream.requests.filter((r) => r.method === 'POST')).toEqual([]);
  }, 60_000);

  it("runs a call asynchronously through POST /v1/jobs under the caller's own policy", async () => {
    upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
    const submitted = await api('POST', '/v1/jobs', botToken, {
      tool: 'widgets.get_widget',
      arguments: { id: 'w1' },
    });
    expect(submitted.status).toBe(202);
    const job = await settledJob(String(submitted.json.id), botToken);
    expect(job).toMatchObject({ status: 'succeeded', result: { structuredContent: { id: 'w1' } } });
    const denied = await api('POST', '/v1/jobs', botToken, {
      tool: 'widgets.create_widget',
      arguments: { name: 'x' },
    });
    expect((await settledJob(String(denied.json.id), botToken)).status).toBe('failed');
    // Another caller's job does not exist for alice.
    expect((await api('GET', `/v1/jobs/${submitted.json.id}`, aliceToken)).status).toBe(404);
  }, 60_000);

  it('keeps the pack version a call asked for with its job, and refuses one no pack server has', async () => {
    upstream.requests.length = 0;
    const meta = (range: string) => ({ _meta: { 'dev.raku/pack-version': range } });
    // No pack server of 2.x: refused at once, and nobody is asked to approve it.
    const before = (await api('GET', '/v1/approvals?status=pending', monaToken)).json.items?.length ?? 0;
    const refused = await alice.callTool({
      name: 'widgets.create_widget',
      arguments: { name: 'cog' },
      ...meta('^2'),
    } as never);
    expect(textOf(refused)).toBe(
      'widgets.create_widget: no pack server of a version in "^2" (this zone serves widgets@1.0.0)',
    );
    expect((await api('GET', '/v1/approvals?status=pending', monaToken)).json.items?.length ?? 0).toBe(
      before,
    );

    // Outlives its wait: the job it becomes keeps the range and is routed by it once approved.
    const result = await alice.callTool({
      name: 'widgets.create_widget',
      arguments: { name: 'cam' },
      ...meta('~1.0'),
    } as never);
    const pending = result.structuredContent as { jobId: string; approvalId: string };
    const row = await persistence.db.prisma.job.findUniqueOrThrow({ where: { id: pending.jobId } });
    expect(row.packVersion).toBe('~1.0');
    await decide(pending.approvalId, true);
    expect((await settledJob(pending.jobId, aliceToken)).status).toBe('succeeded');

    // Through the API: the same range check, and a range that does not parse is refused on submission.
    const newer = await api('POST', '/v1/jobs', botToken, {
      tool: 'widgets.get_widget',
      arguments: { id: 'w1' },
      packVersion: '>=2',
    });
    expect(await settledJob(String(newer.json.id), botToken)).toMatchObject({
      status: 'failed',
      error: 'widgets.get_widget: no pack server of a version in ">=2" (this zone serves widgets@1.0.0)',
    });
    const bad = await api('POST', '/v1/jobs', botToken, {
      tool: 'widgets.get_widget',
      packVersion: 'newest',
    });
    expect(bad).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_pack_version', message: expect.stringContaining('"newest"') } },
    });
  }, 60_000);
  it('refuses a call whose arguments an approver could not be shown as they are, and leaks nothing internal', async () => {
    upstream.requests.length = 0;
    const before = (await api('GET', '/v1/approvals?status=pending', monaToken)).json.items?.length ?? 0;
    for (const name of ['lone \ud800 surrogate', 'nul \u0000 char']) {
      const result = await alice.callTool({ name: 'widgets.create_widget', arguments: { name } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^call refused: the arguments of widgets\.create_widget hold text/);
      expect(textOf(result)).not.toMatch(/prisma|invalid input syntax|\.ts:/i);
    }
    expect((await api('GET', '/v1/approvals?status=pending', monaToken)).json.items?.length ?? 0).toBe(
      before,
    );
    expect(upstream.requests).toEqual([]);
    const rows = await traceRows('widgets.create_widget');
    expect(rows.slice(-2).map((r) => r.status)).toEqual(['invalid', 'invalid']);
  });
});
