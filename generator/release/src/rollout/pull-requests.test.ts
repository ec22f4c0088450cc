import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gitHubPullRequests } from './pull-requests.ts';

const API = 'https://api.github.com';
const pr = {
  number: 3,
  html_url: 'https://github.com/acme/gitops/pull/3',
  node_id: 'PR_kw3',
  head: { sha: 'abc' },
};

describe('GitHub pull request adapter (API faked at HTTP)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });

  it('enables auto-merge through GraphQL, and reports when the repository does not allow it', async () => {
    const pulls = gitHubPullRequests({ repository: 'acme/gitops', token: 't' });
    let variables: unknown;
    nock(API)
      .post('/graphql', (b: { query: string; variables: unknown }) => {
        variables = b.variables;
        return b.query.includes('enablePullRequestAutoMerge');
      })
      .reply(200, { data: { enablePullRequestAutoMerge: { clientMutationId: null } } })
      .post('/graphql')
      .reply(200, {
        errors: [{ type: 'UNPROCESSABLE', message: 'Auto merge is not allowed for this repository' }],
      });
    const ref = { number: 3, url: pr.html_url, nodeId: 'PR_kw3', headSha: 'abc' };
    expect(await pulls.enableAutoMerge(ref, 'SQUASH')).toEqual({ enabled: true });
    expect(variables).toEqual({ id: 'PR_kw3', mergeMethod: 'SQUASH' });
    const refused = await pulls.enableAutoMerge(ref, 'SQUASH');
    expect(refused.enabled).toBe(false);
    expect(refused.reason).toContain('Auto merge is not allowed');
  });

  it('creates a draft and requests user and team reviewers', async () => {
    const pulls = gitHubPullRequests({ repository: 'acme/gitops', token: 't' });
    nock(API, { reqheaders: { authorization: 'token t' } })
      .post('/repos/acme/gitops/pulls', {
        head: 'raku/rollout/dev',
        base: 'main',
        title: 'T',
        body: 'B',
        draft: true,
        maintainer_can_modify: false,
      })
      .reply(201, pr)
      .post('/repos/acme/gitops/pulls/3/requested_reviewers', {
        reviewers: ['octocat'],
        team_reviewers: ['sre'],
      })
      .reply(201, {});
    const created = await pulls.create({
      head: 'raku/rollout/dev',
      base: 'main',
      title: 'T',
      body: 'B',
      draft: true,
    });
    expect(created).toEqual({ number: 3, url: pr.html_url, nodeId: 'PR_kw3', headSha: 'abc' });
    await pulls.requestReviewers(created, ['octocat', 'acme/sre']);
  });

  it('waits for the primary rate limit reset, and gives up after the configured retries', async () => {
    const waits: number[] = [];
    const pulls = gitHubPullRequests({
      repository: 'acme/gitops',
      token: 't',
      rateLimitRetries: 1,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const reset = String(Math.floor(Date.now() / 1000) + 30);
    nock(API)
      .get('/repos/acme/gitops/pulls')
      .query(true)
      .reply(
        403,
        { message: 'API rate limit exceeded' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      )
      .get('/repos/acme/gitops/pulls')
      .query(true)
      .reply(200, [pr]);
    expect((await pulls.findOpen('raku/rollout/dev', 'main'))?.number).toBe(3);
    expect(waits).toHaveLength(1);
    expect(waits[0]!).toBeGreaterThan(25_000);
    expect(waits[0]!).toBeLessThanOrEqual(32_000);

    nock(API)
      .get('/repos/acme/gitops/pulls')
      .query(true)
      .times(2)
      .reply(429, { message: 'slow down' }, { 'retry-after': '2' });
    await expect(pulls.findOpen('raku/rollout/dev', 'main')).rejects.toMatchObject({ status: 429 });
    expect(waits.slice(1)).toEqual([2000]);
  });

  it('does not retry a plain permission error', async () => {
    const pulls = gitHubPullRequests({
      repository: 'acme/gitops',
      token: 't',
      sleep: async () => expect.unreachable(),
    });
    nock(API)
      .get('/repos/acme/gitops/pulls')
      .query(true)
      .reply(403, { message: 'Resource not accessible by integration' });
    await expect(pulls.findOpen('raku/rollout/dev', 'main')).rejects.toMatchObject({ status: 403 });
  });
});
