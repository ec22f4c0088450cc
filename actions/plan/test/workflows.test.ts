import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../../..');
type Step = { uses?: string; run?: string; with?: Record<string, string> };
type Job = { permissions?: Record<string, string>; steps: Step[]; if?: string };
type Workflow = { on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job> };
const load = (name: string) =>
  parse(readFileSync(path.join(ROOT, '.github/workflows', name), 'utf8')) as Workflow;

describe('the plan workflows', () => {
  const validate = load('validate.yml');
  const comment = load('plan-comment.yml');

  it('plans every pull request with a read-only token, and comments only from workflow_run', () => {
    expect(Object.keys(validate.on)).toEqual(['pull_request']);
    expect(validate.jobs['plan']?.permissions).toEqual({ contents: 'read' });
    expect(validate.jobs['plan']?.steps.find((s) => s.uses === './actions/plan')?.with?.['mode']).toBe(
      'plan',
    );
    expect(Object.keys(comment.on)).toEqual(['workflow_run']);
    expect(comment.permissions).toEqual({});
    expect(comment.jobs['comment']?.permissions).toEqual({ actions: 'read', 'pull-requests': 'write' });
  });

  it('never checks out or runs the pull request in the job that can write', () => {
    const steps = comment.jobs['comment']?.steps ?? [];
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.['ref']).toBeUndefined(); // the default branch
    expect(steps.some((s) => s.run !== undefined)).toBe(false);
    expect(steps.find((s) => s.uses === './actions/plan')?.with?.['mode']).toBe('comment');
  });

  it('pins third-party actions by commit and keeps event data out of run lines', () => {
    for (const wf of [validate, comment]) {
      for (const job of Object.values(wf.jobs)) {
        for (const step of job.steps) {
          if (step.uses && !step.uses.startsWith('./'))
            expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
          if (step.run) expect(step.run).not.toMatch(/\$\{\{\s*github\.(event|head_ref)/);
        }
      }
    }
  });
});
