import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLAN_COMMENT_MARKER } from '../../../generator/render/src/plan/format-plan.ts';
import type { Plan } from '../../../generator/render/src/plan/plan-types.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'raku-plan-mode-'));
const env = { ...process.env };
afterAll(() => {
  process.env = env;
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const git = (repo: string, ...args: string[]) =>
  execFileSync('git', ['-C', repo, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@e',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@e',
    },
  })
    .toString()
    .trim();

describe('the plan action in plan mode (pull_request run, read-only)', () => {
  it('plans the pull request against its base commit and leaves the comment and records for upload', async () => {
    const repo = path.join(dir, 'repo');
    for (const d of ['packs', 'zones', 'policies', 'tenants'])
      cpSync(path.join(REPO_ROOT, d), path.join(repo, d), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'base');
    const base = git(repo, 'rev-parse', 'HEAD');
    const zone = path.join(repo, 'zones/prod.yaml');
    writeFileSync(
      zone,
      readFileSync(zone, 'utf8').replace('replicas: 3\n    resources:', 'replicas: 5\n    resources:'),
    );
    git(repo, 'commit', '-q', '-am', 'more github-issues replicas in prod');
    const head = git(repo, 'rev-parse', 'HEAD');
    const event = path.join(dir, 'event.json');
    writeFileSync(
      event,
      JSON.stringify({ pull_request: { number: 12, base: { sha: base }, head: { sha: head } } }),
    );
    for (const f of ['output.txt', 'summary.md']) writeFileSync(path.join(dir, f), '');
    Object.assign(process.env, {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: 'acme/raku',
      GITHUB_WORKSPACE: repo,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_RUN_ID: '99',
      GITHUB_OUTPUT: path.join(dir, 'output.txt'),
      GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
      INPUT_MODE: 'plan',
      'INPUT_OUTPUT-DIR': path.join(dir, 'plan'),
    });
    await import('../src/main.ts');
    expect(process.exitCode ?? 0).toBe(0);
    const out = (f: string) => readFileSync(path.join(dir, 'plan', f), 'utf8');
    expect(out('comment.md').startsWith(PLAN_COMMENT_MARKER)).toBe(true);
    expect(out('comment.md')).toContain('**prod** (prod): 1 changed');
    expect(JSON.parse(out('pull-request.json'))).toEqual({ number: 12, headSha: head });
    const plan = JSON.parse(out('plan.json')) as Plan;
    expect(plan.base.revision).toBe(base);
    expect(plan.zones.find((z) => z.zone === 'prod')?.files.map((f) => f.path)).toEqual([
      'pack-servers/github-issues/manifests.yaml',
    ]);
    const outputs = readFileSync(path.join(dir, 'output.txt'), 'utf8');
    expect(outputs).toMatch(/has-changes<<[^\n]+\ntrue\n/);
    expect(outputs).toMatch(/unversioned-breaks<<[^\n]+\n0\n/);
  });
});
