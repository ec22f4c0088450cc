/**
 * Calls one skill of an A2A agent (a tool of a pack with upstream.a2a) with the official `@a2a-js/sdk`
 * client: sends the send-message request of the protocol version the pack declares (1.0, or 0.3 through the
 * SDK's compat transport), follows the task until it ends within the tool's budget, and turns the answer's
 * text, data and file parts into MCP content. The A2A task id, context id and final state ride in the
 * result's `_meta` under A2A_META, so the gateway's caller (and its trace) can tell which task answered.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  AgentCard,
  type Artifact,
  type Message,
  type Part,
  Role,
  type SendMessageResult,
  type Task,
  TaskState,
} from '@a2a-js/sdk';
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from '@a2a-js/sdk/client';
import type { A2aUpstream, Tool } from '@raku/config';
import { guardedFetch } from './a2a-fetch.ts';
import type { ToolContent } from './response-content.ts';
import type { UpstreamAuthenticator } from './upstream-auth.ts';
import type { UpstreamLimits } from './upstream-http.ts';

/** `_meta` key of an A2A tool result: `{ taskId, contextId, state }` of the task that answered. */
export const A2A_META = 'dev.raku/a2a';

/** Message metadata naming the skill asked for (A2A messages have no skill field; agents may read this). */
export const SKILL_METADATA = 'dev.raku/skill';

export interface A2aCall {
  a2a: A2aUpstream;
  tool: Tool;
  /** The agent's interface URL (upstream.baseUrls[env], or the zone's baseUrl). */
  url: string;
  auth: UpstreamAuthenticator;
  limits: UpstreamLimits;
  headers?: Readonly<Record<string, string>>;
}

export interface A2aOutcome {
  status: 'ok' | 'error' | 'timeout';
  content: ToolContent[];
  structuredContent?: Record<string, unknown>;
  meta?: { taskId?: string; contextId?: string; state: string };
}

const TERMINAL = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);
const INTERRUPTED = new Set([TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED]);

export async function callA2aSkill(call: A2aCall, args: Record<string, unknown>): Promise<A2aOutcome> {
  // One budget for the whole call (send, then any polling), cancelled with the caller's request.
  const deadline = AbortSignal.timeout(call.limits.timeoutMs);
  const signal = call.limits.signal ? AbortSignal.any([call.limits.signal, deadline]) : deadline;
  const guarded = guardedFetch(call.auth, { ...call.limits, signal }, call.headers);
  try {
    const client = await clientFor(call, guarded.fetch);
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
    let result: SendMessageResult = await client.sendMessage(
      {
        tenant: '',
        message,
        configuration: {
          acceptedOutputModes: [],
          taskPushNotificationConfig: undefined,
          returnImmediately: false,
        },
        metadata: undefined,
      },
      { signal },
    );
    // A blocking send normally returns the finished task; an agent may still answer early: poll until it ends.
    for (let wait = 100; isTask(result) && !settled(result); wait = Math.min(wait * 2, 2000)) {
      await delay(wait, undefined, { signal });
      result = await client.getTask({ tenant: '', id: result.id, historyLength: 0 }, { signal });
    }
    return toOutcome(result);
  } catch (err) {
    const failure = guarded.failure();
    if (deadline.aborted || failure?.kind === 'timeout') {
      return failed('timeout', `the agent did not finish within ${call.limits.timeoutMs} ms`);
    }
    return failed('error', `A2A call failed: ${failure?.message ?? (err as Error)?.message ?? err}`);
  }
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
    capabilities: {},
    skills: [],
  });
  return factory.createFromAgentCard(card);
}

const isTask = (r: SendMessageResult): r is Task => 'status' in r && 'artifacts' in r;
const settled = (t: Task) =>
  t.status !== undefined && (TERMINAL.has(t.status.state) || INTERRUPTED.has(t.status.state));

function part(content: NonNullable<Part['content']>, mediaType: string): Part {
  return { content, metadata: undefined, filename: '', mediaType };
}

function failed(status: 'error' | 'timeout', text: string): A2aOutcome {
  return { status, content: [{ type: 'text', text }] };
}

function toOutcome(result: SendMessageResult): A2aOutcome {
  if (!isTask(result)) {
    const mapped = partsToContent(result.parts);
    return { status: 'ok', ...mapped, meta: { contextId: result.contextId, state: 'message' } };
  }
  const state = result.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
  const meta = { taskId: result.id, contextId: result.contextId, state: stateName(state) };
  const statusParts = result.status?.message?.parts ?? [];
  if (state === TaskState.TASK_STATE_COMPLETED || INTERRUPTED.has(state)) {
    const mapped = partsToContent([...result.artifacts.flatMap((a: Artifact) => a.parts), ...statusParts]);
    return { status: 'ok', ...mapped, meta };
  }
  const why = partsToContent(statusParts)
    .content.map((c) => (c.type === 'text' ? c.text : ''))
    .join(' ');
  return {
    status: 'error',
    content: [{ type: 'text', text: `the agent's task ended ${meta.state}${why ? `: ${why}` : ''}` }],
    meta,
  };
}

/** 'TASK_STATE_COMPLETED' → 'completed'. */
function stateName(state: TaskState): string {
  return (TaskState[state] ?? 'unknown')
    .replace(/^TASK_STATE_/, '')
    .toLowerCase()
    .replace(/_/g, '-');
}

/** Text parts → text; data parts → JSON text and structuredContent; files → image, audio or resource. */
export function partsToContent(parts: readonly Part[]): Pick<A2aOutcome, 'content' | 'structuredContent'> {
  const content: ToolContent[] = [];
  const data: unknown[] = [];
  for (const p of parts) {
    const c = p.content;
    if (c?.$case === 'text') content.push({ type: 'text', text: c.value });
    else if (c?.$case === 'data') {
      data.push(c.value);
      content.push({ type: 'text', text: JSON.stringify(c.value) });
    } else if (c?.$case === 'raw') {
      const mimeType = p.mediaType || 'application/octet-stream';
      const blob = Buffer.from(c.value).toString('base64');
      if (/^image\//.test(mimeType)) content.push({ type: 'image', data: blob, mimeType });
      else if (/^audio\//.test(mimeType)) content.push({ type: 'audio', data: blob, mimeType });
      else
        content.push({ type: 'resource', resource: { uri: `a2a:${p.filename || 'file'}`, mimeType, blob } });
    } else if (c?.$case === 'url') content.push({ type: 'text', text: c.value });
  }
  if (content.length === 0) content.push({ type: 'text', text: '' });
  const first = data[0];
  if (data.length === 1 && first !== null && typeof first === 'object' && !Array.isArray(first)) {
    return { content, structuredContent: first as Record<string, unknown> };
  }
  return data.length > 0 ? { content, structuredContent: { items: data } } : { content };
}
