/**
 * What an A2A call's answer becomes: the outcome of a message or a task (its state, its artifacts' and status
 * message's parts as MCP content), whether a task is settled or still running, and the outcome of a task that
 * outlived its call. Pure.
 */
import { type Artifact, type Part, type SendMessageResult, type Task, TaskState } from '@a2a-js/sdk';
import type { ToolContent } from './response-content.ts';

/** How an A2A call ended, as the executor turns it into an MCP tool result. */
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
/** States of a task the agent is still working on (stateName of TASK_STATE_SUBMITTED, _WORKING). */
const RUNNING_STATES = new Set(['submitted', 'working']);

/** Whether an A2A tool result says the task outlived the call and is still running (see above). */
export function a2aTaskRunning(meta: unknown): meta is { taskId: string; contextId?: string; state: string } {
  const note = meta as { taskId?: unknown; state?: unknown } | undefined;
  return typeof note?.taskId === 'string' && typeof note.state === 'string' && RUNNING_STATES.has(note.state);
}

/** Whether the agent answered with a task (else a message). */
export const isTask = (r: SendMessageResult): r is Task => 'status' in r && 'artifacts' in r;
/** Whether a task has ended or waits on the caller (input or auth required): nothing more to wait for. */
export const settled = (t: Task) =>
  t.status !== undefined && (TERMINAL.has(t.status.state) || INTERRUPTED.has(t.status.state));

/** The task outlived the call's budget: it is still running at the agent (a2aTaskRunning). */
export function stillRunning(task: Task, timeoutMs: number): A2aOutcome {
  const state = stateName(task.status?.state ?? TaskState.TASK_STATE_SUBMITTED);
  const running = RUNNING_STATES.has(state) ? state : 'working';
  return {
    status: 'ok',
    content: [
      {
        type: 'text',
        text: `the agent's task ${task.id} is still ${running} after ${timeoutMs} ms`,
      },
    ],
    meta: { taskId: task.id, contextId: task.contextId, state: running },
  };
}

/** A call that failed before the agent answered: `text` says why. */
export function failed(status: 'error' | 'timeout', text: string): A2aOutcome {
  return { status, content: [{ type: 'text', text }] };
}

/** The outcome of the agent's answer: content from its parts, an error for a failed, cancelled or rejected task. */
export function toOutcome(result: SendMessageResult): A2aOutcome {
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
