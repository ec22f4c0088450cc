import type { Zone } from '@raku/config';
import type { ChangeSet } from '@raku/render';
import { configRevision } from '@raku/render';
import type { BuildRecord } from '../build/build-record.ts';
import type { GitWorkspace } from './git-workspace.ts';
import type { PullRequest, PullRequestPort } from './pull-requests.ts';
import { diffFiles, type FileDiff, isEmptyDiff, rolloutBranch, rolloutText } from './rollout-plan.ts';

/** What a rollout did for a zone. `none`: nothing to change; `blocked`: the promotion gate said no. */
export type RolloutOperation = 'create' | 'update' | 'close' | 'none' | 'blocked';

export interface RolloutResult {
  zone: string;
  operation: RolloutOperation;
  branch: string;
  /** True when --dry-run: the operation is what would happen. */
  dryRun: boolean;
  commit?: string;
  pullRequest?: { number: number; url: string };
  files: FileDiff;
  /** Why blocked, or notes (auto-merge refused, promotion forced). */
  notes: string[];
  /** How many times the branch had moved and the rollout was recomputed. */
  recomputed: number;
}

export interface PullRequestSettings {
  labels: readonly string[];
  reviewers: readonly string[];
  draft: boolean;
  autoMerge?: 'MERGE' | 'SQUASH' | 'REBASE';
}

export interface RolloutZoneInput {
  zone: Zone;
  /** The commit rendered (named in the commit message and pull request body). */
  revision: string;
  /** The zone's manifests pinned to the record's digests (renderZone with the record's images). */
  rendered: ChangeSet;
  record: BuildRecord;
  git: GitWorkspace;
  /** Undefined with --dry-run or when there is no GitHub API (push only). */
  pulls?: PullRequestPort;
  pr: PullRequestSettings;
  dryRun: boolean;
  /**
   * The zone's plan (access, contract and remote diff) as Markdown for the pull request body, computed from the
   * files currently on the base branch. Optional: the rollout works without it.
   */
  plan?: (current: ReadonlyMap<string, string>) => string | undefined;
  promotion?: string;
  /** Attempts when the branch moves under us. Default 3. */
  attempts?: number;
}

/**
 * Rolls one zone out into its GitOps repository: commits the rendered manifests into `gitops.path` on top of
 * the base branch, on the fixed branch raku/rollout/<zone>, pushes it with --force-with-lease, then creates
 * the pull request, updates the open one, or closes it when the zone no longer differs from the base.
 * Nothing changes when the branch already holds exactly this content (`none`). When the branch moved between
 * fetch and push (another run), everything is recomputed from the new heads.
 */
export async function rolloutZone(input: RolloutZoneInput): Promise<RolloutResult> {
  const { zone, git } = input;
  const branch = rolloutBranch(zone.name);
  const base = zone.gitops.branch;
  const dir = zone.gitops.path.replace(/\/+$/, '');
  const attempts = input.attempts ?? 3;
  for (let attempt = 0; ; attempt++) {
    const baseSha = await git.fetchBranch(base);
    if (!baseSha) throw new Error(`${zone.gitops.repository}: base branch ${base} does not exist`);
    const branchSha = await git.fetchBranch(branch);
    const current = await git.readFiles(baseSha, dir);
    const files = diffFiles(current, input.rendered);
    const result = (operation: RolloutOperation, extra: Partial<RolloutResult> = {}): RolloutResult => ({
      zone: zone.name,
      operation,
      branch,
      dryRun: input.dryRun,
      files,
      notes: [],
      recomputed: attempt,
      ...extra,
    });
    const open = input.pulls ? await input.pulls.findOpen(branch, base) : undefined;
    const prRef = (pr: PullRequest) => ({ number: pr.number, url: pr.url });

    if (isEmptyDiff(files)) {
      // The base already holds this rollout: a leftover pull request and branch go away.
      if (!open && !branchSha) return result('none');
      if (input.dryRun) return result(open ? 'close' : 'none');
      if (branchSha && (await git.deleteBranch(branch, branchSha)) === 'stale') {
        if (attempt + 1 < attempts) continue;
        throw new Error(`${branch} keeps moving; another rollout of ${zone.name} is running`);
      }
      if (!open) return result('none');
      await input.pulls!.close(
        open,
        `Closed by \`raku rollout\`: \`${dir}\` on \`${base}\` already matches config revision \`${configRevision(input.rendered)}\`.`,
      );
      return result('close', { pullRequest: prRef(open) });
    }

    const planText = input.plan?.(current);
    const text = rolloutText({
      zone,
      revision: input.revision,
      rendered: input.rendered,
      record: input.record,
      diff: files,
      ...(planText ? { plan: planText } : {}),
      ...(input.promotion ? { promotion: input.promotion } : {}),
    });
    const desired = new Map(input.rendered);
    // Reuse the branch head when it already has exactly this content on the current base: no push, no new commit.
    const upToDate =
      branchSha !== undefined &&
      (await git.treeOf(branchSha)) !== '' &&
      (await sameContent(git, branchSha, baseSha, dir, desired));
    let commit = branchSha;
    if (!upToDate) {
      commit = await git.commitFiles(baseSha, dir, desired, text.commitMessage);
      if (!input.dryRun && (await git.push(commit, branch, branchSha)) === 'stale') {
        if (attempt + 1 < attempts) continue;
        throw new Error(`${branch} keeps moving; another rollout of ${zone.name} is running`);
      }
    }
    if (!input.pulls)
      return result(upToDate ? 'none' : open ? 'update' : 'create', { ...(commit ? { commit } : {}) });
    if (open && upToDate) return result('none', { commit: commit!, pullRequest: prRef(open) });
    if (input.dryRun) return result(open ? 'update' : 'create', { commit: commit! });
    const notes: string[] = [];
    let pr: PullRequest;
    if (open) {
      pr = await input.pulls.update(open, { title: text.title, body: text.body });
      await input.pulls.addLabels(pr, input.pr.labels);
    } else {
      pr = await input.pulls.create({
        head: branch,
        base,
        title: text.title,
        body: text.body,
        draft: input.pr.draft,
      });
      await input.pulls.addLabels(pr, input.pr.labels);
      await input.pulls.requestReviewers(pr, input.pr.reviewers);
      if (input.pr.autoMerge) {
        const auto = await input.pulls.enableAutoMerge(pr, input.pr.autoMerge);
        if (!auto.enabled) notes.push(`auto-merge not enabled: ${auto.reason ?? 'refused'}`);
      }
    }
    return result(open ? 'update' : 'create', { commit: commit!, pullRequest: prRef(pr), notes });
  }
}

/** The branch head is the base plus exactly `desired` in `dir`: its parent is the base and its folder matches. */
async function sameContent(
  git: GitWorkspace,
  branchSha: string,
  baseSha: string,
  dir: string,
  desired: ReadonlyMap<string, string>,
): Promise<boolean> {
  const onBranch = await git.readFiles(branchSha, dir);
  if (onBranch.size !== desired.size) return false;
  for (const [p, c] of desired) if (onBranch.get(p) !== c) return false;
  // Outside `dir` the branch must equal the base (it was built on an older base otherwise).
  const candidate = await git.commitFiles(baseSha, dir, desired, 'probe');
  return (await git.treeOf(candidate)) === (await git.treeOf(branchSha));
}
