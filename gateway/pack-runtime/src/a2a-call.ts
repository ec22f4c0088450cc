/**
 * Calls one skill of an A2A agent (a tool of a pack with upstream.a2a) with the official `@a2a-js/sdk`
 * client: sends the message in the protocol version the pack declares (1.0, or 0.3 through the SDK's compat
 * transport) — as SendStreamingMessage when the pack records that the agent streams (upstream.a2a.streaming),
 * reporting each status update as progress, else as a blocking SendMessage — follows the task until it ends
 * within the tool's budget, and turns the answer's text, data and file parts into MCP content. The A2A task
 * id, context id and final state ride in the result's `_meta` under A2A_META, so the gateway's caller (and
 * its trace) can tell which task answered.
 *
 * A task that outlives the call: when the budget runs out while the agent's task is known and still running
 * (submitted or working), the call answers that (`state` working, see a2aTaskRunning) instead of a timeout,
 * so the gateway can hand the task to a job, which follows it (`follow`: GetTask until it ends, no new message).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { AgentCard, type Message, type Part, Role, type SendMessageResult } from '@a2a-js/sdk';
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from '@a2a-js/sdk/client';
import type { Span } from '@opentelemetry/api';
import type { A2aUpstream, Tool } from '@raku/config';
import { A2aAnswer, type A2aProgressListener } from './a2a-events.ts';
import { guardedFetch } from './a2a-fetch.ts';
import { type A2aOutcome, failed, isTask, settled, stillRunning, toOutcome } from './a2a-outcome.ts';
import { endA2aSpan, startA2aSpan } from './a2a-span.ts';
import type { UpstreamAuthenticator } from './upstream-auth.ts';
import type { UpstreamLimits } from './upstream-http.ts';

/** `_meta` key of an A2A tool result: `{ taskId, contextId, state }` of the task that answered. */
export const A2A_META = 'dev.raku/a2a';

/** Message metadata naming the skill asked for (A2A messages have no skill field; agents may read this). */
export const SKILL_METADATA = 'dev.raku/skill';

/**
 * How long a job following an A2A task (`follow`) waits for it to end: 10 minutes, below the job service's
 * 15 minutes after which a delivered job counts as lost.
 */
export const A2A_FOLLOW_TIMEOUT_MS = 600_000;

export interface A2aCall {
  a2a: A2aUpstream;
  tool: Tool;
  /** The agent's interface URL (upstream.baseUrls[env], or the zone's baseUrl). */
  url: string;
  auth: UpstreamAuthenticator;
  limits: UpstreamLimits;
  headers?: Readonly<Record<string, string>>;
  /** Told about each status update of a streaming agent's task (MCP progress). */
  onProgress?: A2aProgressListener;
  /** Follow this task of the agent to its end instead of sending a message (a job taking it over). */
  follow?: { taskId: string };
}

/**
 * Calls the tool's skill (or follows `call.follow`) within `call.limits`; never throws: a failure is the
 * outcome's `error` or `timeout`, with the reason as text.
 */
export async function callA2aSkill(call: A2aCall, args: Record<string, unknown>): Promise<A2aOutcome> {
  const span = call.limits.parent
    ? startA2aSpan({
        parent: call.limits.parent,
        method: call.follow ? 'GetTask' : call.a2a.streaming ? 'SendStreamingMessage' : 'SendMessage',
        skill: call.tool.a2a?.skill ?? call.tool.name,
        url: new URL(call.url),
        protocolVersion: call.a2a.protocolVersion,
      })
    : undefined;
  const outcome = await exchange(call, args, span);
  if (span)
    endA2aSpan(span, { ...outcome.meta, errorType: outcome.status === 'ok' ? undefined : outcome.status });
  return outcome;
}

async function exchange(
  call: A2aCall,
  args: Record<string, unknown>,
  span: Span | undefined,
): Promise<A2aOutcome> {
  // One budget for the whole call (send, then any polling), cancelled with the caller's request.
  const deadline = AbortSignal.timeout(call.limits.timeoutMs);
  const signal = call.limits.signal ? AbortSignal.any([call.limits.signal, deadline]) : deadline;
  // The SDK's HTTP requests are traced under the A2A span.
  const limits = { ...call.limits, signal, ...(span ? { parent: span } : {}) };
  const guarded = guardedFetch(call.auth, limits, call.headers);
  const answer = new A2aAnswer(call.onProgress);
  try {
    const client = await clientFor(call, guarded.fetch);
    let result: SendMessageResult;
    if (call.follow) {
      result = await client.getTask({ tenant: '', id: call.follow.taskId, historyLength: 0 }, { signal });
    } else {
      for await (const event of client.sendMessageStream(request(call, args), { signal })) answer.add(event);
      const got = answer.message ?? answer.task;
      if (!got)
        return failed('error', 'A2A call failed: the agent ended its answer without a message or a task');
      result = got;
    }
    // A stream that ended early, or an agent answering a blocking send too soon: poll until the task ends.
    for (let wait = 100; isTask(result) && !settled(result); wait = Math.min(wait * 2, 2000)) {
      answer.task = result;
      await delay(wait, undefined, { signal });
      result = await client.getTask({ tenant: '', id: result.id, historyLength: 0 }, { signal });
    }
    return toOutcome(result);
  } catch (err) {
    const failure = guarded.failure();
    const callerGone = call.limits.signal?.aborted === true;
    // The budget ran out: the call's deadline, or the same timeout met first by the HTTP exchange in flight.
    const timedOut = deadline.aborted || failure?.kind === 'timeout';
    const task = answer.task;
    if (timedOut && !callerGone && !call.follow && task && !settled(task))
      return stillRunning(task, call.limits.timeoutMs);
    if (timedOut) {
      return failed('timeout', `the agent did not finish within ${call.limits.timeoutMs} ms`);
    }
    return failed('error', `A2A call failed: ${failure?.message ?? (err as Error)?.message ?? err}`);
  }
}

/** The SendMessage (or SendStreamingMessage) request: the skill's message and data parts. */
function request(call: A2aCall, args: Record<string, unknown>) {
  const parts: Part[] = [part({ $case: 'text', value: String(args['message'] ?? '') }, 'text/plain')];
  if (args['data'] !== undefined)
    parts.push(part({ $case: 'data', value: args['data'] }, 'application/json'));
  const message: Message = {
    messageId: randomUUID(),
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts,
    metadata: { [SKILL_METADATA]: call.tool.a2a?.skill },
    extensions: [],
    referenceTaskIds: [],
  };
  return {
    tenant: '',
    message,
    configuration: {
      acceptedOutputModes: [],
      taskPushNotificationConfig: undefined,
      returnImmediately: false,
    },
    metadata: undefined,
  };
}

async function clientFor(call: A2aCall, fetchImpl: typeof fetch): Promise<Client> {
  const transport = { fetchImpl, legacyCompat: { enabled: true } };
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory(transport), new RestTransportFactory(transport)],
    }),
  );
  // The card as reviewed in the pack, not fetched per call: the interface is the pack's (or the zone's) URL.
  const card = AgentCard.fromJSON({
    name: call.tool.name,
    description: call.tool.description,
    version: '',
    supportedInterfaces: [
      {
        url: call.url,
        protocolBinding: call.a2a.transport ?? 'JSONRPC',
        protocolVersion: call.a2a.protocolVersion,
      },
    ],
    // SendStreamingMessage only when the reviewed card said the agent streams; else the SDK sends SendMessage.
    capabilities: { streaming: call.a2a.streaming === true },
    skills: [],
  });
  return factory.createFromAgentCard(card);
}

function part(content: NonNullable<Part['content']>, mediaType: string): Part {
  return { content, metadata: undefined, filename: '', mediaType };
}
