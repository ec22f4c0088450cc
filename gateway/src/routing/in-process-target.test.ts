/**
 * InProcessTarget (local mode: packs run in the gateway's own process) with a real A2A agent built with
 * @a2a-js/sdk that streams its task's status updates: progress and following a task reach the executor.
 */
import type { Pack } from '@raku/config';
import { PackExecutor } from '@raku/pack-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from '../../test/helpers/a2a-agents.ts';
import { InProcessTarget } from './targets.ts';

let agent: TestAgent;
let target: InProcessTarget;

beforeAll(async () => {
  agent = await startAgent('long', { steps: 2 });
  const pack: Pack = {
    name: 'helper',
    version: '1.0.0',
    description: 'A streaming agent.',
    owner: 'test',
    upstream: {
      baseUrls: { dev: agent.rpcUrl },
      a2a: { cardUrl: agent.cardUrl, protocolVersion: '1.0', cardSha256: '0'.repeat(64), streaming: true },
    },
    tools: [
      {
        name: 'summarize',
        description: 'Summarize.',
        inputSchema: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
        a2a: { skill: 'summarize' },
      },
    ],
  };
  const executor = new PackExecutor([pack], {
    environment: 'dev',
    secrets: () => undefined,
    allowPrivateNetworks: true,
  });
  target = new InProcessTarget('in-process:helper', executor);
});

afterAll(async () => {
  await agent?.close();
});

const call = { signal: new AbortController().signal, timeoutMs: 10_000 };
type Noted = { _meta?: Record<string, { taskId: string; state: string }> };

describe('InProcessTarget with an A2A pack', () => {
  it("passes the agent's status updates to the call's progress listener", async () => {
    const progress: (string | undefined)[] = [];
    const result = await target.call(
      'helper.summarize',
      { message: 'in process' },
      { ...call, onProgress: (p) => progress.push(p.message) },
    );
    expect(result.isError).toBeFalsy();
    expect(progress).toEqual(['step 1 of 2', 'step 2 of 2', undefined]);
  });

  it('follows a task by id without sending the agent a message', async () => {
    const first = (await target.call('helper.summarize', { message: 'once' }, call)) as Noted;
    const note = first._meta?.['dev.raku/a2a'];
    expect(note?.state).toBe('completed');
    const sent = agent.received.length;
    const followed = (await target.call(
      'helper.summarize',
      { message: 'once' },
      { ...call, a2aTask: { taskId: note?.taskId ?? '' } },
    )) as Noted;
    expect(followed._meta?.['dev.raku/a2a']).toEqual(note);
    expect(agent.received.length).toBe(sent);
  });
});
