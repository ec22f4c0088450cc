/**
 * Long A2A tasks in local mode, where packs run in the gateway's own process (InProcessTarget): real agents
 * built with @a2a-js/sdk imported as packs of a copy of the repository, called with the official MCP client.
 * The task's status updates reach the caller as progress on both protocol revisions, and a task outliving its
 * call becomes a job that follows it to its end.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A2A_META } from '../../pack-runtime/src/a2a-call.ts';
import { startLocalConsole } from '../console/browser-local-gateway.ts';
import { startAgent, type TestAgent } from '../helpers/a2a-agents.ts';
import { importedPack } from '../helpers/a2a-pack.ts';
import { connectClient, ERAS, textOf } from '../helpers/mcp-client.ts';

let long: TestAgent;
let gated: TestAgent;
let local: Awaited<ReturnType<typeof startLocalConsole>>;
const clients: Client[] = [];

beforeAll(async () => {
  [long, gated] = await Promise.all([startAgent('long', { steps: 2 }), startAgent('gated')]);
  local = await startLocalConsole({
    // slowpoke's call waits 10 s for the gated task (its first event must arrive by then, even on a loaded
    // machine), which works until the test lets it go.
    packs: [
      await importedPack(long, { name: 'streamer' }),
      await importedPack(gated, { name: 'slowpoke', timeoutMs: 10_000 }),
    ],
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await local?.close();
  await Promise.all([long?.close(), gated?.close()]);
});

async function client(era: (typeof ERAS)[number]): Promise<Client> {
  const c = await connectClient(local.local.url, era, local.token);
  clients.push(c);
  return c;
}

describe('A2A packs in local mode', () => {
  for (const era of ERAS) {
    it(`passes the task's status updates on as MCP progress (${era} MCP client)`, async () => {
      const progress: (string | undefined)[] = [];
      const result = await (await client(era)).callTool(
        { name: 'streamer.summarize', arguments: { message: `local ${era}` } },
        { onprogress: (p) => progress.push(p.message) },
      );
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toContain(`answer to: local ${era}`);
      expect(progress).toEqual(['step 1 of 2', 'step 2 of 2', undefined]);
    });
  }

  it('hands a task that outlives its call to a job that follows it to its end', async () => {
    const result = await (await client('modern')).callTool({
      name: 'slowpoke.summarize',
      arguments: { message: 'locally long' },
    });
    const handed = result.structuredContent as { status: string; jobId: string; taskId: string };
    expect(handed.status).toBe('running');
    gated.release();
    let job = (await local.api('GET', `/v1/jobs/${handed.jobId}`)).json as {
      status: string;
      result?: { _meta?: Record<string, { taskId?: string; state?: string }> };
    };
    // An explicit wait on the job's state (the runner polls every 0.5 s), not on time.
    while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await local.api('GET', `/v1/jobs/${handed.jobId}`)).json as typeof job;
    }
    expect(job.status).toBe('succeeded');
    expect(job.result?._meta?.[A2A_META]).toMatchObject({ taskId: handed.taskId, state: 'completed' });
    expect(gated.received.map((r) => r.text)).toEqual(['locally long']);
  });
});
