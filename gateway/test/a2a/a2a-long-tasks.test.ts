/**
 * Long A2A tasks through the gateway: real agents built with @a2a-js/sdk that stream their task's status
 * updates, imported as packs (the importer records that they stream), served by a real pack server behind the
 * gateway and called with the official MCP client on both protocol revisions. The status updates arrive as
 * MCP progress notifications; a task still running when the tool's timeout passes becomes a Raku job that
 * follows it to its end, without sending the agent the message again.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pack } from '../../../generator/config/src/model/types.ts';
import { A2A_META } from '../../pack-runtime/src/a2a-call.ts';
import { A2A_TASK_ARG } from '../../src/jobs/types.ts';
import { startAgent, type TestAgent } from '../helpers/a2a-agents.ts';
import { HELPER_POLICY, importedPack } from '../helpers/a2a-pack.ts';
import { type GatewayStack, startGatewayStack } from '../helpers/gateway-stack.ts';
import { connectClient, ERAS, textOf } from '../helpers/mcp-client.ts';

interface JobBody {
  id: string;
  status: string;
  error: string | null;
  result?: { content?: unknown; _meta?: Record<string, unknown> };
}

type A2aNote = { taskId?: string; contextId?: string; state?: string };
const a2aOf = (result: unknown) => (result as { _meta?: Record<string, A2aNote> })._meta?.[A2A_META];

async function startStack(pack: Pack) {
  return startGatewayStack({
    database: 'PGlite',
    approvalWaitMs: 0,
    policies: [HELPER_POLICY],
    pack: () => pack,
  });
}

describe('an A2A agent streaming its status updates', () => {
  let agent: TestAgent;
  let stack: GatewayStack;
  let clients: Record<(typeof ERAS)[number], Client>;
  beforeAll(async () => {
    agent = await startAgent('long', { steps: 3 });
    const pack = await importedPack(agent);
    expect(pack.upstream.a2a?.streaming).toBe(true);
    stack = await startStack(pack);
    const token = await stack.issuer.sign({ sub: 'erin', groups: ['engineering'] });
    clients = {
      legacy: await connectClient(stack.gateway.url, 'legacy', token),
      modern: await connectClient(stack.gateway.url, 'modern', token),
    };
  });
  afterAll(async () => {
    await Promise.all(Object.values(clients ?? {}).map((c) => c.close()));
    await stack?.close();
    await agent?.close();
  });

  for (const era of ERAS) {
    it(`sends each status update of the task as an MCP progress notification, counting up (${era} MCP client)`, async () => {
      const progress: { progress: number; message?: string }[] = [];
      const result = await clients[era].callTool(
        { name: 'helper.summarize', arguments: { message: `streamed ${era}` } },
        {
          onprogress: (p) =>
            progress.push({ progress: p.progress, ...(p.message ? { message: p.message } : {}) }),
        },
      );
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toContain(`answer to: streamed ${era}`);
      expect(a2aOf(result)?.state).toBe('completed');
      // Three working updates with their text, then the completing one (no text).
      expect(progress).toEqual([
        { progress: 1, message: 'step 1 of 3' },
        { progress: 2, message: 'step 2 of 3' },
        { progress: 3, message: 'step 3 of 3' },
        { progress: 4 },
      ]);
    });
  }

  it('answers a call that asks for no progress as before, from the same streamed task', async () => {
    const result = await clients.modern.callTool({
      name: 'helper.count-words',
      arguments: { message: 'a b c' },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ words: 3 });
    expect(a2aOf(result)).toMatchObject({ state: 'completed', taskId: expect.any(String) });
  });
});

describe('an A2A task that outlives the call', () => {
  let agent: TestAgent;
  let stack: GatewayStack;
  let token: string;
  beforeAll(async () => {
    agent = await startAgent('gated');
    // The call waits 10 s for the task: the handover needs the agent's first event (its task id) to have
    // arrived by then, which a loaded CI machine must not be able to miss; the gated agent works until the
    // test releases it, so the call always outlives its wait.
    stack = await startStack(await importedPack(agent, { timeoutMs: 10_000 }));
    token = await stack.issuer.sign({ sub: 'erin', groups: ['engineering'] });
  });
  afterAll(async () => {
    await stack?.close();
    await agent?.close();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as JobBody & { error?: unknown } };
  };

  it('becomes a Raku job that follows the task to its end and keeps its ids, without asking the agent twice', async () => {
    const client = await connectClient(stack.gateway.url, 'modern', token);
    const progress: (string | undefined)[] = [];
    const result = await client.callTool(
      { name: 'helper.summarize', arguments: { message: 'a long one' } },
      { onprogress: (p) => progress.push(p.message) },
    );
    await client.close();
    expect(result.isError).toBeFalsy();
    expect(progress).toEqual(['waiting for the gate']);
    const handed = result.structuredContent as {
      status: string;
      jobId: string;
      taskId: string;
      contextId: string;
    };
    expect(handed).toMatchObject({
      status: 'running',
      jobId: expect.any(String),
      taskId: expect.any(String),
    });
    expect(a2aOf(result)).toEqual({ taskId: handed.taskId, contextId: handed.contextId, state: 'working' });
    expect(textOf(result)).toBe(
      `the agent's task ${handed.taskId} is still working; it continues as job ${handed.jobId}: poll GET /v1/jobs/${handed.jobId}`,
    );

    let job = (await api('GET', `/v1/jobs/${handed.jobId}`)).json;
    expect(['queued', 'running']).toContain(job.status);
    agent.release();
    // An explicit wait on the job's state (the runner polls every 0.5 s), not on time.
    while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await api('GET', `/v1/jobs/${handed.jobId}`)).json;
    }
    expect([job.status, job.error]).toEqual(['succeeded', null]);
    expect(JSON.stringify(job.result?.content)).toContain('answer to: a long one');
    expect(job.result?._meta?.[A2A_META]).toEqual({
      taskId: handed.taskId,
      contextId: handed.contextId,
      state: 'completed',
    });
    expect(agent.received.map((r) => r.text)).toEqual(['a long one']);

    await stack.persistence.traces.flush();
    const rows = await stack.persistence.db.prisma.trace.findMany({
      where: { tool: 'helper.summarize' },
      orderBy: { time: 'asc' },
    });
    // The call (handed over) and the job's call, each traced, neither with the reserved argument.
    expect(rows.map((r) => r.status)).toEqual(['pending', 'ok']);
    for (const row of rows) expect(JSON.stringify(row.args)).not.toContain(A2A_TASK_ARG);
  });

  it('refuses a job submitted with the reserved argument naming a task to follow', async () => {
    const submitted = await api('POST', '/v1/jobs', {
      tool: 'helper.summarize',
      arguments: { message: 'hi', [A2A_TASK_ARG]: { taskId: 'someone-elses-task' } },
    });
    expect(submitted.status).toBe(400);
    expect((submitted.json as { error?: { message?: string } }).error?.message).toBe(
      `arguments["${A2A_TASK_ARG}"] is reserved: only the gateway makes a job that follows an A2A task`,
    );
  });

  it("does not follow a task an agent names in the call's _meta", async () => {
    agent.release();
    const client = await connectClient(stack.gateway.url, 'modern', token);
    const before = agent.received.length;
    const result = await client.callTool({
      name: 'helper.summarize',
      arguments: { message: 'not a follow' },
      _meta: { 'dev.raku/a2a-task': { taskId: 'someone-elses-task' } },
    });
    await client.close();
    // The message is sent as any call's; the agent (let go) answers it at once.
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('answer to: not a follow');
    expect(agent.received.length).toBe(before + 1);
  });
});
