import { Octokit } from '@octokit/rest';

/** A pull request as the rollout needs it. */
export interface PullRequest {
  number: number;
  url: string;
  nodeId: string;
  headSha: string;
}

/** The source-control port of the rollout (STYLE.md: one port, a GitHub adapter). */
export interface PullRequestPort {
  findOpen(head: string, base: string): Promise<PullRequest | undefined>;
  create(input: {
    head: string;
    base: string;
    title: string;
    body: string;
    draft: boolean;
  }): Promise<PullRequest>;
  update(pr: PullRequest, input: { title: string; body: string }): Promise<PullRequest>;
  close(pr: PullRequest, comment: string): Promise<void>;
  addLabels(pr: PullRequest, labels: readonly string[]): Promise<void>;
  requestReviewers(pr: PullRequest, reviewers: readonly string[]): Promise<void>;
  /** Turns on auto-merge; returns false (with the reason) when the repository does not allow it. */
  enableAutoMerge(
    pr: PullRequest,
    method: 'MERGE' | 'SQUASH' | 'REBASE',
  ): Promise<{ enabled: boolean; reason?: string }>;
}

export interface GitHubPullRequestsOptions {
  /** 'owner/name' */
  repository: string;
  token: string;
  /** REST API root. Default https://api.github.com (GITHUB_API_URL on GitHub Enterprise). */
  baseUrl?: string;
  /** Retries of a rate-limited request (403/429 with retry-after or x-ratelimit-remaining: 0). Default 3. */
  rateLimitRetries?: number;
  /** Longest wait for a rate limit, in ms; a longer one fails at once. Default 120000. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** GitHub adapter of {@link PullRequestPort} on @octokit/rest, waiting out primary and secondary rate limits. */
export function gitHubPullRequests(options: GitHubPullRequestsOptions): PullRequestPort {
  const [owner, repo] = options.repository.split('/');
  if (!owner || !repo) throw new Error(`GitHub repository must be "owner/name", not "${options.repository}"`);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retries = options.rateLimitRetries ?? 3;
  const maxWait = options.maxWaitMs ?? 120_000;
  const octokit = new Octokit({
    auth: options.token,
    baseUrl: options.baseUrl ?? 'https://api.github.com',
    userAgent: 'raku-rollout',
  });
  octokit.hook.wrap('request', async (request, endpoint) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(endpoint);
      } catch (err) {
        const wait = rateLimitWait(err);
        if (wait === undefined || attempt >= retries || wait > maxWait) throw err;
        await sleep(wait);
      }
    }
  });
  const toPr = (d: {
    number: number;
    html_url: string;
    node_id: string;
    head: { sha: string };
  }): PullRequest => ({
    number: d.number,
    url: d.html_url,
    nodeId: d.node_id,
    headSha: d.head.sha,
  });
  return {
    async findOpen(head, base) {
      const { data } = await octokit.rest.pulls.list({
        owner,
        repo,
        state: 'open',
        head: `${owner}:${head}`,
        base,
        per_page: 10,
      });
      const first = data[0];
      return first ? toPr(first) : undefined;
    },
    async create(input) {
      const { data } = await octokit.rest.pulls.create({
        owner,
        repo,
        ...input,
        maintainer_can_modify: false,
      });
      return toPr(data);
    },
    async update(pr, input) {
      const { data } = await octokit.rest.pulls.update({ owner, repo, pull_number: pr.number, ...input });
      return toPr(data);
    },
    async close(pr, comment) {
      await octokit.rest.issues.createComment({ owner, repo, issue_number: pr.number, body: comment });
      await octokit.rest.pulls.update({ owner, repo, pull_number: pr.number, state: 'closed' });
    },
    async addLabels(pr, labels) {
      if (labels.length === 0) return;
      await octokit.rest.issues.addLabels({ owner, repo, issue_number: pr.number, labels: [...labels] });
    },
    async requestReviewers(pr, reviewers) {
      if (reviewers.length === 0) return;
      const users = reviewers.filter((r) => !r.includes('/'));
      const teams = reviewers.filter((r) => r.includes('/')).map((r) => r.split('/')[1]!);
      await octokit.rest.pulls.requestReviewers({
        owner,
        repo,
        pull_number: pr.number,
        reviewers: users,
        team_reviewers: teams,
      });
    },
    async enableAutoMerge(pr, method) {
      try {
        await octokit.graphql(
          'mutation($id: ID!, $mergeMethod: PullRequestMergeMethod!) { enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: $mergeMethod}) { clientMutationId } }',
          // Not `method`: @octokit/graphql reserves it (and query, url) as option names.
          { id: pr.nodeId, mergeMethod: method },
        );
        return { enabled: true };
      } catch (err) {
        // Repositories without "Allow auto-merge", or a PR that is already mergeable, answer with an error.
        return { enabled: false, reason: (err as Error).message };
      }
    },
  };
}

/** Milliseconds to wait when `err` is a GitHub rate limit answer, else undefined. */
function rateLimitWait(err: unknown): number | undefined {
  const e = err as { status?: number; response?: { headers?: Record<string, string | undefined> } };
  if (e.status !== 403 && e.status !== 429) return undefined;
  const headers = e.response?.headers ?? {};
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined && Number.isFinite(Number(retryAfter))) return Number(retryAfter) * 1000;
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    return Number.isFinite(reset) ? Math.max(0, reset * 1000 - Date.now()) + 1000 : 60_000;
  }
  return undefined;
}
