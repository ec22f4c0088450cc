import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pack } from '../../../generator/config/src/model/types.ts';
import { startAgent, type TestAgent } from '../../test/helpers/a2a-agents.ts';
import { A2A_META } from './a2a-call.ts';
import { partsToContent } from './a2a-outcome.ts';
import { PackExecutor, STATUS_META } from './pack-executor.ts';

function agentPack(url: string, timeoutMs?: number): Pack {
  return {
    name: 'helper',
    version: '1.0.0',
    description: 'An agent.',
    owner: 'test',
    upstream: {
      baseUrls: { dev: url },
      a2a: { cardUrl: `${url}/card`, protocolVersion: '1.0', cardSha256: '0'.repeat(64) },
      ...(timeoutMs ? { timeoutMs } : {}),
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
}

let sync: TestAgent;
let stuck: TestAgent;
beforeAll(async () => {
  [sync, stuck] = await Promise.all([startAgent('sync'), startAgent('stuck')]);
});
afterAll(async () => {
  await Promise.all([sync?.close(), stuck?.close()]);
});

describe('the A2A executor', () => {
  it('refuses an agent on a private address unless the zone allows private networks (SSRF guard)', async () => {
    const executor = new PackExecutor([agentPack(sync.rpcUrl)], {
      environment: 'dev',
      secrets: () => undefined,
    });
    const outcome = await executor.execute('helper.summarize', { message: 'hi' });
    expect(outcome.status).toBe('error');
    expect(outcome.result.isError).toBe(true);
    expect(JSON.stringify(outcome.result.content)).toMatch(/127\.0\.0\.1/);
    expect(sync.received).toEqual([]);
  });

  it('ends a task that outlives the tool budget as a timeout, traced as such', async () => {
    const executor = new PackExecutor([agentPack(stuck.rpcUrl, 300)], {
      environment: 'dev',
      secrets: () => undefined,
      allowPrivateNetworks: true,
    });
    const outcome = await executor.execute('helper.summarize', { message: 'take your time' });
    expect(outcome.status).toBe('timeout');
    expect(outcome.result.content).toEqual([
      { type: 'text', text: 'the agent did not finish within 300 ms' },
    ]);
    expect(outcome.result._meta).toEqual({ [STATUS_META]: 'timeout' });
    expect(stuck.received.map((r) => r.text)).toEqual(['take your time']);
  });

  it('calls an agent over HTTP+JSON when the pack says so', async () => {
    const agent = await startAgent('sync', { rest: true });
    try {
      const pack = agentPack(`${agent.url}/rest`);
      pack.upstream.a2a = {
        ...(pack.upstream.a2a as NonNullable<Pack['upstream']['a2a']>),
        transport: 'HTTP+JSON',
      };
      const executor = new PackExecutor([pack], {
        environment: 'dev',
        secrets: () => undefined,
        allowPrivateNetworks: true,
      });
      const outcome = await executor.execute('helper.summarize', { message: 'over rest' });
      expect(outcome.status).toBe('ok');
      expect(outcome.result.content[0]).toEqual({ type: 'text', text: 'answer to: over rest' });
      expect(agent.received.map((r) => r.text)).toEqual(['over rest']);
    } finally {
      await agent.close();
    }
  });

  it("answers the agent's question when the task needs more input, not an error", async () => {
    const executor = new PackExecutor([agentPack(sync.rpcUrl)], {
      environment: 'dev',
      secrets: () => undefined,
      allowPrivateNetworks: true,
    });
    const outcome = await executor.execute('helper.summarize', { message: 'convert it, ask me' });
    expect(outcome.status).toBe('ok');
    expect(outcome.result.isError).toBeUndefined();
    expect(outcome.result.content).toEqual([{ type: 'text', text: 'Which currency?' }]);
    expect((outcome.result._meta as Record<string, unknown>)[A2A_META]).toMatchObject({
      state: 'input-required',
    });
  });

  it('validates arguments before anything is sent', async () => {
    const executor = new PackExecutor([agentPack(sync.rpcUrl)], {
      environment: 'dev',
      secrets: () => undefined,
      allowPrivateNetworks: true,
    });
    const outcome = await executor.execute('helper.summarize', { message: 42 });
    expect(outcome.status).toBe('invalid');
    const ok = await executor.execute('helper.summarize', { message: 'fine' });
    expect(ok.status).toBe('ok');
    expect((ok.result._meta as Record<string, unknown> | undefined)?.[A2A_META]).toMatchObject({
      state: 'completed',
    });
    expect(sync.received.map((r) => r.text)).toContain('fine');
  });
});

/**
 * An agent that answers SendMessage before its task is done, against the blocking mode (A2A 1.0 JSON-RPC,
 * written by hand): the task is 'working' until it has been asked for with GetTask `readsUntilDone` times.
 */
async function earlyAnsweringAgent(readsUntilDone: number) {
  const methods: string[] = [];
  let reads = 0;
  const task = (state: string) => ({
    id: 't-1',
    contextId: 'c-1',
    status: { state },
    artifacts:
      state === 'TASK_STATE_COMPLETED' ? [{ artifactId: 'a', parts: [{ text: 'done at last' }] }] : [],
  });
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      methods.push(method);
      const result =
        method === 'SendMessage'
          ? { task: task('TASK_STATE_WORKING') }
          : task(++reads >= readsUntilDone ? 'TASK_STATE_COMPLETED' : 'TASK_STATE_WORKING');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/a2a`,
    methods,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the A2A executor with an agent that answers before its task is done', () => {
  it('follows the task with GetTask until it completes', async () => {
    const agent = await earlyAnsweringAgent(2);
    try {
      const executor = new PackExecutor([agentPack(agent.url, 30_000)], {
        environment: 'dev',
        secrets: () => undefined,
        allowPrivateNetworks: true,
      });
      const outcome = await executor.execute('helper.summarize', { message: 'hurry' });
      expect(outcome.status).toBe('ok');
      expect(outcome.result.content).toEqual([{ type: 'text', text: 'done at last' }]);
      expect(agent.methods).toEqual(['SendMessage', 'GetTask', 'GetTask']);
    } finally {
      await agent.close();
    }
  });
});

describe('the A2A executor with an agent that streams', () => {
  let long: TestAgent;
  beforeAll(async () => {
    long = await startAgent('long', { steps: 40 });
  });
  afterAll(async () => {
    await long?.close();
  });
  const streamingPack = (maxResponseBytes?: number): Pack => {
    const pack = agentPack(long.rpcUrl);
    return {
      ...pack,
      upstream: {
        ...pack.upstream,
        a2a: { ...(pack.upstream.a2a as NonNullable<Pack['upstream']['a2a']>), streaming: true },
        ...(maxResponseBytes ? { maxResponseBytes } : {}),
      },
    };
  };

  it("reports each status update as it arrives and counts the size cap over the stream's chunks", async () => {
    const executor = new PackExecutor([streamingPack(4000)], {
      environment: 'dev',
      secrets: () => undefined,
      allowPrivateNetworks: true,
    });
    const progress: (string | undefined)[] = [];
    const outcome = await executor.execute(
      'helper.summarize',
      { message: 'many steps' },
      undefined,
      undefined,
      {
        onProgress: (p) => progress.push(p.message),
      },
    );
    // 40 updates do not fit in 4000 bytes: the call fails once the stream passes the cap, after passing on
    // the updates read before it (how many depends on how the bytes were chunked).
    expect(outcome.status).toBe('error');
    expect(JSON.stringify(outcome.result.content)).toContain('larger than the 4000-byte limit');
    expect(progress.length).toBeLessThan(40);
    expect(progress).toEqual(progress.map((_, i) => `step ${i + 1} of 40`));
  });

  it('follows a task it is given by id instead of sending a message, and says when the agent knows none', async () => {
    const executor = new PackExecutor([streamingPack()], {
      environment: 'dev',
      secrets: () => undefined,
      allowPrivateNetworks: true,
    });
    const first = await executor.execute('helper.summarize', { message: 'once' });
    const noteOf = (result: unknown) => (result as { _meta?: Record<string, unknown> })._meta?.[A2A_META];
    const note = noteOf(first.result) as { taskId: string; state: string };
    expect(note.state).toBe('completed');
    const sent = long.received.length;
    const followed = await executor.execute('helper.summarize', { message: 'once' }, undefined, undefined, {
      a2aTask: { taskId: note.taskId },
    });
    expect(followed.status).toBe('ok');
    expect(followed.result.content).toEqual(first.result.content);
    expect(noteOf(followed.result)).toEqual(note);
    expect(long.received.length).toBe(sent);
    const unknown = await executor.execute('helper.summarize', { message: 'once' }, undefined, undefined, {
      a2aTask: { taskId: 'no-such-task' },
    });
    expect(unknown.status).toBe('error');
    expect(JSON.stringify(unknown.result.content)).toMatch(
      /^\[\{"type":"text","text":"A2A call failed: .*no-such-task/,
    );
  });
});

describe('partsToContent', () => {
  const part = (
    content: Parameters<typeof partsToContent>[0][number]['content'],
    mediaType = '',
    filename = '',
  ) => ({
    content,
    metadata: undefined,
    filename,
    mediaType,
  });

  it('turns file bytes into image, audio or an embedded resource, and URLs into text', () => {
    const bytes = Buffer.from('abc');
    expect(
      partsToContent([
        part({ $case: 'raw', value: bytes }, 'image/png'),
        part({ $case: 'raw', value: bytes }, 'audio/wav'),
        part({ $case: 'raw', value: bytes }, 'application/pdf', 'report.pdf'),
        part({ $case: 'url', value: 'https://files.example/report.pdf' }),
      ]).content,
    ).toEqual([
      { type: 'image', data: 'YWJj', mimeType: 'image/png' },
      { type: 'audio', data: 'YWJj', mimeType: 'audio/wav' },
      { type: 'resource', resource: { uri: 'a2a:report.pdf', mimeType: 'application/pdf', blob: 'YWJj' } },
      { type: 'text', text: 'https://files.example/report.pdf' },
    ]);
  });

  it('gives several data parts (or one that is not an object) as structured items', () => {
    expect(
      partsToContent([part({ $case: 'data', value: 1 }), part({ $case: 'data', value: { a: 2 } })]),
    ).toEqual({
      content: [
        { type: 'text', text: '1' },
        { type: 'text', text: '{"a":2}' },
      ],
      structuredContent: { items: [1, { a: 2 }] },
    });
    expect(partsToContent([]).content).toEqual([{ type: 'text', text: '' }]);
  });
});
