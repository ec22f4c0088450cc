import { A2A_FOLLOW_TIMEOUT_MS, A2A_META } from '@raku/pack-runtime';
import { describe, expect, it } from 'vitest';
import { A2A_TASK_ARG } from '../jobs/types.ts';
import { a2aHopTimeoutMs, followedTask, handOverRunningTask } from './a2a-task-job.ts';

const call = {
  name: 'helper.summarize',
  args: { message: 'hi' },
  jobCaller: { subject: 'user:erin', subjectKind: 'user', groups: [], claims: {} },
};

describe('a2a-task-job', () => {
  it("splits a follow job's arguments into the call's own and the task it follows", () => {
    expect(followedTask({ message: 'hi' })).toEqual({ args: { message: 'hi' } });
    expect(followedTask({ message: 'hi', [A2A_TASK_ARG]: { taskId: 't1', contextId: 'c1' } })).toEqual({
      args: { message: 'hi' },
      a2aTask: { taskId: 't1', contextId: 'c1' },
    });
    // A malformed note names no task, and is still taken out of the arguments.
    expect(followedTask({ message: 'hi', [A2A_TASK_ARG]: { taskId: 7 } })).toEqual({
      args: { message: 'hi' },
    });
    expect(followedTask({ message: 'hi', [A2A_TASK_ARG]: null })).toEqual({ args: { message: 'hi' } });
  });

  it('leaves every answer but a still-running A2A task as it is', async () => {
    const done = {
      status: 'ok' as const,
      result: { content: [], _meta: { [A2A_META]: { taskId: 't1', state: 'completed' } } },
    };
    expect(await handOverRunningTask(undefined, call, done)).toBe(done);
    const failed = {
      status: 'error' as const,
      result: { content: [], isError: true, _meta: { [A2A_META]: { taskId: 't1', state: 'working' } } },
    };
    expect(await handOverRunningTask(undefined, call, failed)).toBe(failed);
    const http = { status: 'ok' as const, result: { content: [{ type: 'text' as const, text: 'plain' }] } };
    expect(await handOverRunningTask(undefined, call, http)).toBe(http);
  });

  it('ends a still-running task as a timeout naming it when the gateway has no job service', async () => {
    const note = { taskId: 't1', contextId: 'c1', state: 'working' };
    const answer = await handOverRunningTask(undefined, call, {
      status: 'ok',
      result: { content: [], _meta: { [A2A_META]: note } },
      route: 'pack:helper@1.0.0',
    });
    expect(answer).toEqual({
      status: 'timeout',
      route: 'pack:helper@1.0.0',
      result: {
        content: [
          {
            type: 'text',
            text: "the agent's task t1 is still working and this gateway has no job service to follow it",
          },
        ],
        isError: true,
        _meta: { [A2A_META]: note },
      },
    });
  });

  it("gives the hop to the pack server more time than the pack runtime's own budget", () => {
    expect(a2aHopTimeoutMs(300, false)).toBe(5_300);
    expect(a2aHopTimeoutMs(300, true)).toBe(A2A_FOLLOW_TIMEOUT_MS + 5_000);
  });
});
