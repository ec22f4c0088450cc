/**
 * Folds the events of an A2A stream (SendStreamingMessage, or the single answer the SDK yields when the agent
 * does not stream) into the answer so far: the message, or the task with its latest status and its artifacts.
 * Each status update is also reported as progress: a count that goes up by one per update, with the text of
 * the update's status message, which the pack server forwards as an MCP `notifications/progress`.
 */
import type { Artifact, Message, StreamResponse, Task, TaskStatusUpdateEvent } from '@a2a-js/sdk';

/** One progress report of an A2A call: `progress` counts the agent's status updates (1, 2, …). */
export interface A2aProgress {
  progress: number;
  /** The status message's text, when the update has one. */
  message?: string;
}

export type A2aProgressListener = (progress: A2aProgress) => void;

/** The answer of one A2A call as its events arrive (add each event in order). */
export class A2aAnswer {
  /** The agent's reply when it answered with a message instead of a task. */
  message: Message | undefined;
  /** The task as the events so far describe it. */
  task: Task | undefined;
  private updates = 0;

  constructor(private readonly onProgress?: A2aProgressListener) {}

  add(event: StreamResponse): void {
    const payload = event.payload;
    switch (payload?.$case) {
      case 'message':
        this.message = payload.value;
        break;
      case 'task':
        this.task = payload.value;
        break;
      case 'statusUpdate':
        this.status(payload.value);
        break;
      case 'artifactUpdate': {
        const { artifact, append } = payload.value;
        const task = this.taskFor(payload.value.taskId, payload.value.contextId);
        if (artifact) task.artifacts = withArtifact(task.artifacts, artifact, append);
        break;
      }
      default:
        break;
    }
  }

  private status(update: TaskStatusUpdateEvent): void {
    const task = this.taskFor(update.taskId, update.contextId);
    if (update.status) task.status = update.status;
    this.updates += 1;
    if (!this.onProgress) return;
    const text = (update.status?.message?.parts ?? [])
      .flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : []))
      .join('\n');
    this.onProgress(text ? { progress: this.updates, message: text } : { progress: this.updates });
  }

  /** The task an update belongs to; an update before any task event starts one (the agent skipped it). */
  private taskFor(id: string, contextId: string): Task {
    if (!this.task || this.task.id !== id) {
      this.task = {
        id,
        contextId,
        status: undefined,
        artifacts: [],
        history: [],
        metadata: undefined,
      };
    }
    return this.task;
  }
}

/** `artifacts` with `artifact` added, or appended to (append) or replacing the one of the same id. */
function withArtifact(artifacts: Artifact[], artifact: Artifact, append: boolean): Artifact[] {
  const at = artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
  if (at < 0) return [...artifacts, artifact];
  const old = artifacts[at] as Artifact;
  const next = append ? { ...old, parts: [...old.parts, ...artifact.parts] } : artifact;
  return artifacts.map((a, i) => (i === at ? next : a));
}
