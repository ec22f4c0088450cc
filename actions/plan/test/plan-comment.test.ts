import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  githubPlanCommentApi,
  octokitFor,
  upsertPlanComment,
  verifyPullRequestHead,
} from '../../../generator/release/src/plan/plan-comment.ts';
import { PLAN_COMMENT_MARKER } from '../../../generator/render/src/plan/format-plan.ts';

const API = 'https://api.github.com';
const PR = { owner: 'acme', repo: 'raku', number: 7 };
const BOT = 'github-actions[bot]';
const body = `${PLAN_COMMENT_MARKER}\n## Raku plan\n\nNo changes.\n`;
const api = () => githubPlanCommentApi(octokitFor('test-token'), PR);

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('upsertPlanComment', () => {
  it('creates the comment when the pull request has none', async () => {
    nock(API)
      .get('/repos/acme/raku/issues/7/comments')
      .query({ per_page: '100' })
      .reply(200, [{ id: 1, body: 'looks good', user: { login: 'alice' } }])
      .post('/repos/acme/raku/issues/7/comments', (b) => b.body === body)
      .matchHeader('authorization', 'token test-token')
      .reply(201, { id: 42, body, user: { login: BOT } });
    expect(await upsertPlanComment(api(), body, BOT)).toEqual({ action: 'created', id: 42 });
  });

  it('updates the earlier marked comment found on a later page instead of adding a second one', async () => {
    const next = `<${API}/repositories/1/issues/7/comments?per_page=100&page=2>; rel="next"`;
    nock(API)
      .get('/repos/acme/raku/issues/7/comments')
      .query({ per_page: '100' })
      .reply(200, [{ id: 1, body: 'first', user: { login: 'alice' } }], { link: next })
      .get('/repositories/1/issues/7/comments')
      .query({ per_page: '100', page: '2' })
      .reply(200, [{ id: 9, body: `${PLAN_COMMENT_MARKER}\nold plan`, user: { login: BOT } }])
      .patch('/repos/acme/raku/issues/comments/9', (b) => b.body === body)
      .reply(200, { id: 9, body, user: { login: BOT } });
    expect(await upsertPlanComment(api(), body, BOT)).toEqual({ action: 'updated', id: 9 });
  });

  it('leaves an identical comment alone', async () => {
    nock(API)
      .get('/repos/acme/raku/issues/7/comments')
      .query(true)
      .reply(200, [{ id: 9, body, user: { login: BOT } }]);
    expect(await upsertPlanComment(api(), body, BOT)).toEqual({ action: 'unchanged', id: 9 });
  });

  it("ignores a marker planted in somebody else's comment", async () => {
    nock(API)
      .get('/repos/acme/raku/issues/7/comments')
      .query(true)
      .reply(200, [{ id: 3, body: `${PLAN_COMMENT_MARKER} gotcha`, user: { login: 'mallory' } }])
      .post('/repos/acme/raku/issues/7/comments')
      .reply(201, { id: 44, body, user: { login: BOT } });
    expect(await upsertPlanComment(api(), body, BOT)).toEqual({ action: 'created', id: 44 });
  });

  it("refuses a body without the marker or over GitHub's limit, before any request", async () => {
    await expect(upsertPlanComment(api(), 'hello', BOT)).rejects.toThrow(
      'must start with the raku-plan marker',
    );
    await expect(
      upsertPlanComment(api(), `${PLAN_COMMENT_MARKER}${'x'.repeat(70_000)}`, BOT),
    ).rejects.toThrow('GitHub allows 65536');
  });

  it('surfaces a GitHub error', async () => {
    nock(API)
      .get('/repos/acme/raku/issues/7/comments')
      .query(true)
      .reply(403, { message: 'Resource not accessible by integration' });
    await expect(upsertPlanComment(api(), body, BOT)).rejects.toThrow(
      'Resource not accessible by integration',
    );
  });
});

describe('verifyPullRequestHead', () => {
  it('accepts the pull request at the expected commit and refuses another one', async () => {
    const sha = 'a'.repeat(40);
    nock(API).get('/repos/acme/raku/pulls/7').twice().reply(200, { number: 7, head: { sha } });
    await expect(verifyPullRequestHead(octokitFor('t'), PR, sha)).resolves.toBeUndefined();
    await expect(verifyPullRequestHead(octokitFor('t'), PR, 'b'.repeat(40))).rejects.toThrow(
      `pull request #7 is at ${sha}, not ${'b'.repeat(40)}`,
    );
  });
});

describe('the plan action in comment mode (workflow_run on a fork pull request)', () => {
  let dir: string;
  const env = { ...process.env };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'raku-plan-action-'));
  });
  afterAll(async () => {
    process.env = env;
    process.exitCode = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it("checks the artifact's pull request against the trusted head SHA, then updates the one plan comment", async () => {
    const sha = 'c'.repeat(40);
    await writeFile(path.join(dir, 'comment.md'), body);
    await writeFile(path.join(dir, 'pull-request.json'), JSON.stringify({ number: 7, headSha: sha }));
    Object.assign(process.env, {
      GITHUB_REPOSITORY: 'acme/raku',
      GITHUB_WORKSPACE: dir,
      GITHUB_API_URL: API,
      GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
      GITHUB_OUTPUT: path.join(dir, 'output.txt'),
      INPUT_MODE: 'comment',
      'INPUT_OUTPUT-DIR': dir,
      'INPUT_GITHUB-TOKEN': 'test-token',
      'INPUT_HEAD-SHA': sha,
      'INPUT_COMMENT-AUTHOR': BOT,
    });
    await writeFile(path.join(dir, 'output.txt'), '');
    nock(API)
      .get('/repos/acme/raku/pulls/7')
      .reply(200, { number: 7, head: { sha } })
      .get('/repos/acme/raku/issues/7/comments')
      .query(true)
      .reply(200, [{ id: 9, body: `${PLAN_COMMENT_MARKER}\nold`, user: { login: BOT } }])
      .patch('/repos/acme/raku/issues/comments/9')
      .reply(200, { id: 9, body, user: { login: BOT } });
    const action = await import('../src/main.ts');
    expect(process.exitCode ?? 0).toBe(0);
    expect(await readFile(path.join(dir, 'output.txt'), 'utf8')).toContain('comment-id');

    // A newer push moved the pull request on: the stale plan is not posted, and nothing else is called.
    await writeFile(path.join(dir, 'output.txt'), '');
    nock(API)
      .get('/repos/acme/raku/pulls/7')
      .reply(200, { number: 7, head: { sha: 'd'.repeat(40) } });
    await action.run();
    expect(process.exitCode ?? 0).toBe(0);
    expect(await readFile(path.join(dir, 'output.txt'), 'utf8')).not.toContain('comment-id');
  });

  it('fails on a malformed pull-request.json from the artifact', async () => {
    await writeFile(
      path.join(dir, 'pull-request.json'),
      JSON.stringify({ number: '7; rm -rf /', headSha: 'x' }),
    );
    const action = await import('../src/main.ts');
    await action.run();
    expect(process.exitCode).toBe(1);
    process.exitCode = undefined;
  });
});
