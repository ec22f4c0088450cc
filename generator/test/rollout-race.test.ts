import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepoFiles } from '../config/src/fs/read-repo.ts';
import type { RepoModel } from '../config/src/model/types.ts';
import { validateRepo } from '../config/src/validate/validate-repo.ts';
import type { BuildRecord } from '../release/src/build/build-record.ts';
import { GitWorkspace } from '../release/src/rollout/git-workspace.ts';
import { rolloutZone } from '../release/src/rollout/rollout-zone.ts';
import { renderZone } from '../render/src/generate/render-zone.ts';
import { git, REPO_ROOT } from './helpers/release-repo.ts';

const run = promisify(execFile);

describe('two rollouts of one zone racing', () => {
  let work: string;
  let remote: string;
  let model: RepoModel;
  beforeAll(async () => {
    model = validateRepo(await readRepoFiles(REPO_ROOT)).model;
    work = await mkdtemp(path.join(tmpdir(), 'raku-race-'));
    remote = path.join(work, 'gitops.git');
    await run('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    const seed = path.join(work, 'seed');
    await run('git', ['init', '-q', '-b', 'main', seed]);
    await writeFile(path.join(seed, 'README.md'), 'seed\n');
    await git(seed, ['add', 'README.md']);
    await git(seed, ['commit', '-q', '-m', 'seed']);
    await git(seed, ['push', '-q', remote, 'main']);
    // A previous rollout left the branch at some commit.
    await git(seed, ['push', '-q', remote, 'main:refs/heads/raku/rollout/dev']);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('detects the branch moved between fetch and push and recomputes from the new head', async () => {
    const zone = model.zones.find((z) => z.value.name === 'dev')!.value;
    const record: BuildRecord = { recordVersion: 1, zone: 'dev', revision: 'r1', builder: 'oci', images: {} };
    const rendered = renderZone(model, 'dev', { revision: 'r1' });
    const ws = await GitWorkspace.open({ remote, author: { name: 'raku', email: 'raku@test.invalid' } });
    const realPush = ws.push.bind(ws);
    let interfered = false;
    // Another run pushes to the branch just before ours: our lease (the head we fetched) no longer holds.
    ws.push = async (commit, branch, expected) => {
      if (!interfered) {
        interfered = true;
        const other = path.join(work, 'other');
        await run('git', ['clone', '-q', '-b', 'raku/rollout/dev', remote, other]);
        await writeFile(path.join(other, 'other.txt'), 'another rollout\n');
        await git(other, ['add', 'other.txt']);
        await git(other, ['commit', '-q', '-m', 'other run']);
        await git(other, ['push', '-q', 'origin', 'HEAD:raku/rollout/dev']);
      }
      return realPush(commit, branch, expected);
    };
    try {
      const result = await rolloutZone({
        zone,
        revision: 'r1',
        rendered,
        record,
        git: ws,
        pr: { labels: [], reviewers: [], draft: false },
        dryRun: false,
      });
      expect(result.recomputed).toBe(1);
      expect(result.operation).toBe('create');
      const head = (await run('git', ['--git-dir', remote, 'rev-parse', 'raku/rollout/dev'])).stdout.trim();
      expect(head).toBe(result.commit);
      // The recomputed commit sits on the base, not on the other run's commit, and has the zone's files.
      const { stdout } = await run('git', ['--git-dir', remote, 'ls-tree', '-r', '--name-only', head]);
      expect(stdout).not.toContain('other.txt');
      expect(stdout).toContain('clusters/dev/raku/kustomization.yaml');
    } finally {
      await ws.close();
    }
  });

  it('gives up with a clear error when the branch keeps moving', async () => {
    const zone = model.zones.find((z) => z.value.name === 'dev')!.value;
    const ws = await GitWorkspace.open({ remote, author: { name: 'raku', email: 'raku@test.invalid' } });
    ws.push = async () => 'stale';
    try {
      await expect(
        rolloutZone({
          zone,
          revision: 'r2',
          rendered: renderZone(model, 'dev', { revision: 'r2' }),
          record: { recordVersion: 1, zone: 'dev', revision: 'r2', builder: 'oci', images: {} },
          git: ws,
          pr: { labels: [], reviewers: [], draft: false },
          dryRun: false,
        }),
      ).rejects.toThrow('raku/rollout/dev keeps moving; another rollout of dev is running');
    } finally {
      await ws.close();
    }
  });
});
