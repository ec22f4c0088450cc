import { type Artifact, type StreamResponse, TaskState } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import { A2aAnswer, type A2aProgress } from './a2a-events.ts';

const text = (value: string) => ({
  content: { $case: 'text' as const, value },
  metadata: undefined,
  filename: '',
  mediaType: '',
});
const artifact = (artifactId: string, ...texts: string[]): Artifact => ({
  artifactId,
  name: '',
  description: '',
  parts: texts.map(text),
  metadata: undefined,
  extensions: [],
});
const update = (state: TaskState, message?: string): StreamResponse => ({
  payload: {
    $case: 'statusUpdate',
    value: {
      taskId: 't1',
      contextId: 'c1',
      status: {
        state,
        message:
          message === undefined
            ? undefined
            : {
                messageId: 'm',
                contextId: 'c1',
                taskId: 't1',
                role: 2,
                parts: [text(message)],
                metadata: undefined,
                extensions: [],
                referenceTaskIds: [],
              },
        timestamp: undefined,
      },
      metadata: undefined,
    },
  },
});
const piece = (a: Artifact, append: boolean): StreamResponse => ({
  payload: {
    $case: 'artifactUpdate',
    value: { taskId: 't1', contextId: 'c1', artifact: a, append, lastChunk: false, metadata: undefined },
  },
});

describe('A2aAnswer', () => {
  it('counts status updates as progress, with their text when they have one', () => {
    const progress: A2aProgress[] = [];
    const answer = new A2aAnswer((p) => progress.push(p));
    answer.add(update(TaskState.TASK_STATE_WORKING, 'reading'));
    answer.add(update(TaskState.TASK_STATE_WORKING));
    answer.add(update(TaskState.TASK_STATE_COMPLETED, 'done'));
    expect(progress).toEqual([
      { progress: 1, message: 'reading' },
      { progress: 2 },
      { progress: 3, message: 'done' },
    ]);
    expect(answer.task?.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('starts the task from an update that came before any task event, and joins appended artifact chunks', () => {
    const answer = new A2aAnswer();
    answer.add(piece(artifact('a', 'Hello'), false));
    answer.add(piece(artifact('a', ', world'), true));
    answer.add(piece(artifact('b', 'other'), false));
    answer.add(piece(artifact('b', 'replaced'), false));
    expect(answer.task?.id).toBe('t1');
    expect(answer.task?.contextId).toBe('c1');
    expect(answer.task?.artifacts.map((a) => [a.artifactId, a.parts.map((p) => p.content?.value)])).toEqual([
      ['a', ['Hello', ', world']],
      ['b', ['replaced']],
    ]);
  });

  it('keeps a plain message reply apart from any task', () => {
    const answer = new A2aAnswer();
    answer.add({
      payload: {
        $case: 'message',
        value: {
          messageId: 'm',
          contextId: 'c1',
          taskId: '',
          role: 2,
          parts: [text('hi')],
          metadata: undefined,
          extensions: [],
          referenceTaskIds: [],
        },
      },
    });
    expect(answer.message?.parts).toEqual([text('hi')]);
    expect(answer.task).toBeUndefined();
  });
});
