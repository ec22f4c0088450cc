/**
 * `raku pack test` for the tools of an A2A pack (upstream.a2a): each tool is called through the real pack
 * executor — the SDK's A2A client, the guarded fetch, the pack's credentials — against a mock agent built with
 * the SDK's server on loopback (mock-agent.ts). The test checks what the agent received (one message naming the
 * tool's skill, the tool's `message` as its text part and `data` as its data part, the pack's credentials) and
 * that the agent's answer comes back as MCP content with the task's id in `_meta`.
 * The question comes from a recorded example, else the skill's first example in the reviewed card snapshot
 * (agent-card.json, used only while its hash is the pack's cardSha256), else the input schema.
 */
import type { Pack, Tool } from '@raku/config';
import { canonicalJson, exposedToolName } from '@raku/config';
import { A2A_META, firstText, PackExecutor, SKILL_METADATA } from '@raku/pack-runtime';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { MockAgent } from './mock-agent.ts';
import { sampleValue } from './sample-value.ts';

/** A recorded example of an A2A tool: the arguments, and the answer (`response.body`) the mock agent gives. */
export interface A2aExample {
  arguments?: Record<string, unknown>;
  response?: { body?: unknown };
}

export interface A2aToolResult {
  tool: string;
  outcome: 'pass' | 'fail' | 'skip';
  problems: string[];
  responseFrom: 'recorded example' | 'mock agent';
  /** The arguments the tool was called with. */
  arguments?: Record<string, unknown>;
}

export interface A2aPackTest {
  pack: Pack;
  /** The reviewed card's skill examples by skill id (empty without a matching snapshot). */
  skillExamples: ReadonlyMap<string, readonly string[]>;
  examples?: ReadonlyMap<string, A2aExample>;
  ajv: Ajv2020;
  secret: string;
  tokenPath: string;
  /** The pack's credentials as the agent received them: undefined when right, else the problem. */
  checkAuth: (pack: Pack, headers: Record<string, string>, url: URL) => string | undefined;
}

export async function runA2aPackTest(input: A2aPackTest): Promise<A2aToolResult[]> {
  const a2a = input.pack.upstream.a2a;
  const tools = input.pack.tools.filter((t) => t.a2a);
  if (!a2a || tools.length === 0) return [];
  // Loaded only when a pack has A2A tools: the mock agent pulls in the SDK's server and Express, which every
  // other user of @raku/release (the actions' bundles among them) would otherwise load for nothing.
  const { MockAgent } = await import('./mock-agent.ts');
  const agent = await MockAgent.start(a2a, input.tokenPath);
  try {
    const pack: Pack = structuredClone(input.pack);
    pack.upstream.baseUrls = { dev: agent.url };
    if (pack.upstream.auth?.type === 'oauth2ClientCredentials')
      pack.upstream.auth.tokenUrl = `${new URL(agent.url).origin}${input.tokenPath}`;
    const executor = new PackExecutor([pack], {
      environment: 'dev',
      secrets: () => input.secret,
      allowPrivateNetworks: true, // the mock agent listens on 127.0.0.1
    });
    const results: A2aToolResult[] = [];
    for (const tool of tools) results.push(await testA2aTool(tool, pack, agent, executor, input));
    return results;
  } finally {
    await agent.close();
  }
}

async function testA2aTool(
  tool: Tool,
  pack: Pack,
  agent: MockAgent,
  executor: PackExecutor,
  input: A2aPackTest,
): Promise<A2aToolResult> {
  const skill = tool.a2a?.skill ?? '';
  const recorded = input.examples?.get(tool.name);
  const responseFrom = recorded?.response ? 'recorded example' : 'mock agent';
  const question = input.skillExamples.get(skill)?.[0];
  if (input.skillExamples.size > 0 && !input.skillExamples.has(skill)) {
    return {
      tool: tool.name,
      outcome: 'fail',
      problems: [`skill "${skill}" is not in the reviewed card (agent-card.json)`],
      responseFrom,
    };
  }
  const candidates = [
    recorded?.arguments,
    question === undefined ? undefined : { message: question },
    sampleValue(tool.inputSchema, tool.inputSchema, { all: true }) as Record<string, unknown>,
  ].filter((a): a is Record<string, unknown> => a !== undefined);
  const args = candidates.find((a) => input.ajv.validate(tool.inputSchema, a));
  if (!args) {
    input.ajv.validate(tool.inputSchema, candidates[0]);
    return {
      tool: tool.name,
      outcome: 'skip',
      problems: [
        `could not build valid arguments from the input schema (${input.ajv.errorsText(input.ajv.errors)}); record some in examples/${tool.name}.json`,
      ],
      responseFrom,
    };
  }
  const answer = recorded?.response?.body ?? `pack test answer from ${skill}`;
  agent.answer = [
    typeof answer === 'string'
      ? {
          content: { $case: 'text', value: answer },
          metadata: undefined,
          filename: '',
          mediaType: 'text/plain',
        }
      : {
          content: { $case: 'data', value: answer },
          metadata: undefined,
          filename: '',
          mediaType: 'application/json',
        },
  ];
  agent.received.length = 0;
  const outcome = await executor.execute(exposedToolName(pack, tool), args);
  const problems: string[] = [];
  if (agent.received.length !== 1)
    problems.push(`expected 1 message to the agent, got ${agent.received.length}`);
  const got = agent.received[0];
  if (got) {
    const { parts, metadata } = got.message;
    if (metadata?.[SKILL_METADATA] !== skill)
      problems.push(
        `message metadata names skill ${JSON.stringify(metadata?.[SKILL_METADATA] ?? null)}, expected "${skill}"`,
      );
    const texts = parts.flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : []));
    const data = parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value as unknown] : []));
    const wantData = args['data'] === undefined ? [] : [args['data']];
    if (canonicalJson(texts) !== canonicalJson([String(args['message'] ?? '')]))
      problems.push(`text parts ${JSON.stringify(texts).slice(0, 200)}, expected the tool's message`);
    if (canonicalJson(data) !== canonicalJson(wantData))
      problems.push(
        `data parts ${JSON.stringify(data).slice(0, 200)}, expected ${JSON.stringify(wantData).slice(0, 200)}`,
      );
    const authProblem = input.checkAuth(pack, got.headers, new URL(got.url, agent.url));
    if (authProblem) problems.push(authProblem);
  }
  const { result } = outcome;
  if (outcome.status !== 'ok')
    problems.push(`the call failed (${outcome.status}): ${firstText(result.content) ?? ''}`);
  else {
    const meta = (result._meta as Record<string, unknown> | undefined)?.[A2A_META] as
      | { taskId?: string; state?: string }
      | undefined;
    if (got && (meta?.taskId !== got.taskId || meta?.state !== 'completed'))
      problems.push(
        `_meta["${A2A_META}"] is ${JSON.stringify(meta ?? null)}, expected task ${got.taskId} completed`,
      );
    const answered =
      typeof answer === 'string'
        ? firstText(result.content) === answer
        : canonicalJson(result.structuredContent ?? null) === canonicalJson(answer) ||
          canonicalJson(result.structuredContent ?? null) === canonicalJson({ items: [answer] });
    if (!answered)
      problems.push(`the agent's answer came back as ${JSON.stringify(result.content).slice(0, 200)}`);
    if (
      tool.outputSchema &&
      result.structuredContent !== undefined &&
      !input.ajv.validate(tool.outputSchema, result.structuredContent)
    )
      problems.push(
        `the ${responseFrom} answer does not match outputSchema: ${input.ajv.errorsText(input.ajv.errors?.slice(0, 3))}`,
      );
  }
  return {
    tool: tool.name,
    outcome: problems.length > 0 ? 'fail' : 'pass',
    problems,
    responseFrom,
    arguments: args,
  };
}

/** The skills' examples of an Agent Card (0.3 or 1.0: both list `skills[].id` and `examples`). */
export function skillExamples(card: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const skills = (card as { skills?: unknown } | null)?.skills;
  if (!Array.isArray(skills)) return out;
  for (const s of skills as { id?: unknown; examples?: unknown }[]) {
    if (typeof s?.id !== 'string') continue;
    const examples = Array.isArray(s.examples) ? s.examples.filter((e) => typeof e === 'string') : [];
    out.set(s.id, examples as string[]);
  }
  return out;
}
