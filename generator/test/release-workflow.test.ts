import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './helpers/release-repo.ts';

interface Step {
  uses?: string;
  run?: string;
}
interface Job {
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  steps: Step[];
}

describe('.github/workflows/release.yml', async () => {
  const text = await readFile(path.join(REPO_ROOT, '.github/workflows/release.yml'), 'utf8');
  const workflow = parse(text) as {
    permissions: unknown;
    on: Record<string, unknown>;
    jobs: Record<string, Job>;
  };
  const jobs = Object.entries(workflow.jobs);

  it('grants nothing at the top and least privilege per job', () => {
    expect(workflow.permissions).toEqual({});
    for (const [name, job] of jobs) {
      expect(job.permissions, name).toBeDefined();
      const writes = Object.entries(job.permissions ?? {})
        .filter(([, v]) => v === 'write')
        .map(([k]) => k)
        .sort();
      const pushes = job.steps.some((s) => s.uses === './actions/build');
      expect(writes, name).toEqual(pushes ? ['id-token', 'packages'] : []);
    }
  });

  it('serialises rollouts per zone without cancelling a running one', () => {
    for (const [name, job] of jobs) {
      if (!job.steps.some((s) => s.uses === './actions/rollout')) continue;
      expect(job.concurrency, name).toEqual({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
        group: 'raku-rollout-${{ matrix.zone }}',
        'cancel-in-progress': false,
      });
    }
  });

  it('pins every third-party action by full commit SHA', () => {
    for (const [, job] of jobs) {
      for (const step of job.steps) {
        if (!step.uses || step.uses.startsWith('./')) continue;
        expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
      }
    }
  });

  it('keeps expressions out of run lines', () => {
    for (const [, job] of jobs)
      for (const step of job.steps) if (step.run) expect(step.run).not.toContain('${{');
  });

  it('runs on push to main, merged rollouts and on demand', () => {
    expect(Object.keys(workflow.on).sort()).toEqual([
      'pull_request',
      'push',
      'repository_dispatch',
      'workflow_dispatch',
    ]);
  });
});
