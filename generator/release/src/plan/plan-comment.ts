import { Octokit } from '@octokit/rest';
import { UserError } from '@raku/config';
import { PLAN_COMMENT_MARKER } from '@raku/render';

/** GitHub's limit on a comment body, in characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface IssueComment {
  id: number;
  body?: string | null;
  user?: { login: string; type?: string } | null;
}

/** The three calls the plan comment needs; the Octokit adapter below is the real one. */
export interface PlanCommentApi {
  listComments(): Promise<IssueComment[]>;
  createComment(body: string): Promise<IssueComment>;
  updateComment(id: number, body: string): Promise<IssueComment>;
}

export interface UpsertResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
}

/**
 * Posts the plan as the pull request's single plan comment: the existing comment carrying the hidden marker
 * and written by `author` is updated (unchanged when the text is the same); otherwise one is created.
 * A marker in someone else's comment is ignored, so nobody can make the plan edit their comment.
 */
export async function upsertPlanComment(
  api: PlanCommentApi,
  body: string,
  author: string,
): Promise<UpsertResult> {
  if (!body.startsWith(PLAN_COMMENT_MARKER))
    throw new UserError('plan comment must start with the raku-plan marker');
  if (body.length > GITHUB_COMMENT_LIMIT) {
    throw new UserError(`plan comment is ${body.length} characters; GitHub allows ${GITHUB_COMMENT_LIMIT}`);
  }
  const mine = (await api.listComments()).filter(
    (c) => c.user?.login === author && (c.body ?? '').includes(PLAN_COMMENT_MARKER),
  );
  const existing = mine.sort((a, b) => a.id - b.id)[0];
  if (!existing) return { action: 'created', id: (await api.createComment(body)).id };
  if (existing.body === body) return { action: 'unchanged', id: existing.id };
  return { action: 'updated', id: (await api.updateComment(existing.id, body)).id };
}

export interface PullRequestTarget {
  owner: string;
  repo: string;
  number: number;
}

/** The plan comment API over GitHub's REST API (issues comments endpoints). */
export function githubPlanCommentApi(octokit: Octokit, pr: PullRequestTarget): PlanCommentApi {
  const base = { owner: pr.owner, repo: pr.repo, issue_number: pr.number };
  return {
    listComments: () => octokit.paginate(octokit.rest.issues.listComments, { ...base, per_page: 100 }),
    createComment: async (body) => (await octokit.rest.issues.createComment({ ...base, body })).data,
    updateComment: async (id, body) =>
      (await octokit.rest.issues.updateComment({ owner: pr.owner, repo: pr.repo, comment_id: id, body }))
        .data,
  };
}

/**
 * Checks that pull request `pr` really has `headSha` as its head commit before commenting on it: the number
 * comes from an artifact of a run on untrusted code, the head SHA from the trusted workflow_run event.
 */
export async function verifyPullRequestHead(
  octokit: Octokit,
  pr: PullRequestTarget,
  headSha: string,
): Promise<void> {
  const { data } = await octokit.rest.pulls.get({ owner: pr.owner, repo: pr.repo, pull_number: pr.number });
  if (data.head.sha !== headSha) {
    throw new UserError(
      `pull request #${pr.number} is at ${data.head.sha}, not ${headSha}: refusing to post a plan for another commit`,
    );
  }
}

export function octokitFor(token: string, baseUrl = 'https://api.github.com'): Octokit {
  return new Octokit({ auth: token, baseUrl, request: { retries: 0 } });
}
