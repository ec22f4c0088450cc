/**
 * `raku plan` shows a change of a zone's monitoring like any other file change: a new alert threshold moves
 * the zone's rules and dashboard, and nothing else the zone runs (its other files only record the new
 * config revision).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { Plan } from '../render/src/plan/plan-types.ts';
import { copyExampleRepo, runRaku } from './repo-fixture.ts';

const git = (repo: string, ...args: string[]) =>
  execFileSync('git', ['-C', repo, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  })
    .toString()
    .trim();

let repo: string;

beforeAll(() => {
  repo = copyExampleRepo('raku-plan-monitoring-');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'base');
  git(repo, 'checkout', '-q', '-b', 'threshold');
  const file = path.join(repo, 'zones/prod.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['monitoring', 'alerts', 'errorRatio'], 0.1);
  writeFileSync(file, doc.toString());
  git(repo, 'commit', '-q', '-am', 'prod tolerates 10% errors');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('raku plan on a monitoring change', () => {
  it('lists the zone\u2019s rules and dashboard as changed, with the new threshold in the diff', async () => {
    const r = await runRaku(['plan', '--base', 'main', '-C', repo, '--format', 'json'], repo);
    expect(r).toMatchObject({ code: 0, err: '' });
    const plan = JSON.parse(r.out) as Plan;
    expect(plan.zones.filter((z) => z.files.length > 0).map((z) => z.zone)).toEqual(['prod']);
    const prod = plan.zones.find((z) => z.zone === 'prod');
    expect(prod?.files.map((f) => `${f.change} ${f.path}`)).toEqual([
      'changed monitoring/dashboard.yaml',
      'changed monitoring/manifests.yaml',
    ]);
    const rules = prod?.files.find((f) => f.path === 'monitoring/manifests.yaml')?.diff ?? '';
    expect(rules).toMatch(/^-\s+> 0\.02$/m);
    expect(rules).toMatch(/^\+\s+> 0\.1$/m);
    expect(rules).toMatch(/^\+.*fails more than 10% of its calls/m);
    expect(prod?.files.find((f) => f.path === 'monitoring/dashboard.yaml')?.diff).toMatch(
      /^\+\s+"value": 0\.1$/m,
    );

    const text = await runRaku(['plan', '--base', 'main', '-C', repo], repo);
    expect(text.out).toContain('~ monitoring/manifests.yaml');
    expect(text.out).toContain('~ monitoring/dashboard.yaml');
  });
});
