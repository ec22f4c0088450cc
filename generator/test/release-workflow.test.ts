import { readdir, readFile } from 'node:fs/promises';
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

describe('every workflow that uses a local action', async () => {
  const dir = path.join(REPO_ROOT, '.github/workflows');
  const workflows = await Promise.all(
    (await readdir(dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map(async (f) => ({ file: f, doc: parse(await readFile(path.join(dir, f), 'utf8')) as Workflow })),
  );
  const actions = new Map<string, ActionDefinition>();
  for (const name of await readdir(path.join(REPO_ROOT, 'actions'))) {
    const file = path.join(REPO_ROOT, 'actions', name, 'action.yml');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text) actions.set(`./actions/${name}`, parse(text) as ActionDefinition);
  }

  it('passes only inputs the action declares, every required one, and reads only outputs it declares', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { file, doc } of workflows) {
      for (const [jobName, job] of Object.entries(doc.jobs)) {
        const localSteps = new Map<string, ActionDefinition>();
        for (const step of job.steps ?? []) {
          if (!step.uses?.startsWith('./actions/')) continue;
          const where = `${file} jobs.${jobName} ${step.uses}`;
          const action = actions.get(step.uses);
          if (!action) {
            problems.push(`${where}: no action.yml`);
            continue;
          }
          checked++;
          if (step.id) localSteps.set(step.id, action);
          const declared = action.inputs ?? {};
          for (const key of Object.keys(step.with ?? {})) {
            if (!(key in declared)) problems.push(`${where}: input "${key}" is not declared`);
          }
          for (const [key, input] of Object.entries(declared)) {
            if (input.required && input.default === undefined && !(key in (step.with ?? {})))
              problems.push(`${where}: required input "${key}" is missing`);
          }
        }
        // steps.<id>.outputs.<name> of a local action must be one of its declared outputs.
        const text = JSON.stringify(job);
        for (const m of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          const action = localSteps.get(m[1] as string);
          if (action && !((m[2] as string) in (action.outputs ?? {})))
            problems.push(
              `${file} jobs.${jobName}: steps.${m[1]}.outputs.${m[2]} is not an output of the action`,
            );
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(6);
  });
});

interface Workflow {
  jobs: Record<string, { steps?: (Step & { id?: string; with?: Record<string, unknown> })[] }>;
}
interface ActionDefinition {
  inputs?: Record<string, { required?: boolean; default?: unknown }>;
  outputs?: Record<string, unknown>;
}
