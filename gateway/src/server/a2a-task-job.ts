/**
 * A long A2A task becomes a Raku job by itself. The rule: a call to an A2A agent waits for the agent's task
 * within the tool's timeout; when the timeout passes while the agent has answered with a task it is still
 * working on (the pack runtime's answer then says so: `_meta["dev.raku/a2a"].state` submitted or working, see
 * a2aTaskRunning), the gateway does not fail the call. It submits a job that follows that task — the same tool,
 * arguments and caller, decided by the policy again when it runs, sending no new message but waiting for the
 * task (GetTask) to end — and answers the agent with the job id to poll (`GET /v1/jobs/<id>`). The job's
 * result is the task's answer, with its task and context ids under `dev.raku/a2a`.
 *
 * The task a job follows travels in the job's stored arguments under A2A_TASK_ARG (jobs keep no other field
 * for it); GatewayCatalog.run takes it out before the policy sees the arguments, and POST /v1/jobs refuses
 * arguments holding it, so only the gateway can make such a job.
 */
import {
  A2A_FOLLOW_TIMEOUT_MS,
  A2A_META,
  a2aTaskRunning,
  type CallToolResult,
  errorResult,
} from '@raku/pack-runtime';
import type { CacheableCall, RoutedAnswer } from '../cache/cached-route.ts';
import { A2A_TASK_ARG, type JobCaller, type JobService } from '../jobs/types.ts';

/** The A2A task a job follows. */
export interface FollowedTask {
  taskId: string;
  contextId?: string;
}

/** A job's arguments split into the call's own and the A2A task it follows, if any. */
export function followedTask(args: Record<string, unknown>): {
  args: Record<string, unknown>;
  a2aTask?: FollowedTask;
} {
  if (!(A2A_TASK_ARG in args)) return { args };
  const { [A2A_TASK_ARG]: note, ...rest } = args;
  const task = note as { taskId?: unknown; contextId?: unknown } | null;
  if (typeof task?.taskId !== 'string' || task.taskId === '') return { args: rest };
  return {
    args: rest,
    a2aTask: {
      taskId: task.taskId,
      ...(typeof task.contextId === 'string' ? { contextId: task.contextId } : {}),
    },
  };
}

/** What handing a task to a job needs of the call. */
export interface HandOverCall extends Pick<CacheableCall, 'name' | 'args'> {
  jobCaller: JobCaller;
  packVersion?: string;
}

/**
 * The routed answer, or, when it says the agent's task is still running, the answer naming the job that now
 * follows it (trace status `pending`). Without a job service the call ends as a timeout that names the task.
 */
export async function handOverRunningTask(
  jobs: JobService | undefined,
  call: HandOverCall,
  answer: RoutedAnswer,
): Promise<RoutedAnswer> {
  const note = (answer.result._meta as Record<string, unknown> | undefined)?.[A2A_META];
  if (answer.status !== 'ok' || !a2aTaskRunning(note)) return answer;
  const task: FollowedTask = {
    taskId: note.taskId,
    ...(note.contextId !== undefined ? { contextId: note.contextId } : {}),
  };
  if (!jobs) {
    const text = `the agent's task ${task.taskId} is still ${note.state} and this gateway has no job service to follow it`;
    return { ...answer, status: 'timeout', result: { ...errorResult(text), _meta: { [A2A_META]: note } } };
  }
  const job = await jobs.submit({
    tool: call.name,
    arguments: { ...call.args, [A2A_TASK_ARG]: task },
    caller: call.jobCaller,
    ...(call.packVersion !== undefined ? { packVersion: call.packVersion } : {}),
  });
  const text = `the agent's task ${task.taskId} is still ${note.state}; it continues as job ${job.id}: poll GET /v1/jobs/${job.id}`;
  const result: CallToolResult = {
    content: [{ type: 'text', text }],
    structuredContent: { status: 'running', jobId: job.id, ...task },
    _meta: { [A2A_META]: note },
  };
  return { ...answer, status: 'pending', result };
}

/** Time for a pack server's answer to come back after its own budget for an A2A task ran out. */
const ANSWER_MARGIN_MS = 5_000;

/**
 * The budget of the hop to the pack server for a call of an A2A tool: the pack runtime's own budget for the
 * task (the tool's, or A2A_FOLLOW_TIMEOUT_MS for a job following one) and a margin, so its answer — a task
 * still running, to hand to a job — arrives before the hop gives up.
 */
export function a2aHopTimeoutMs(toolTimeoutMs: number, following: boolean): number {
  return (following ? A2A_FOLLOW_TIMEOUT_MS : toolTimeoutMs) + ANSWER_MARGIN_MS;
}
