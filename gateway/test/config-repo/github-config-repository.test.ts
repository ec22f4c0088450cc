/**
 * The GitHub config repository against the fake GitHub (helpers/fake-github.ts) holding a copy of this
 * repository's config: snapshots, pull requests (created, found again, the base moving), the files of the
 * pull request's branch validated as `raku validate` does, and GitHub's failures answered clearly.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readRepoFiles, validateConfig } from '@raku/config';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidChangeFileError } from '../../src/config-repo/change-files.ts';
import {
  changeHash,
  codeSpan,
  type GitHubConfigRepository,
  gitHubConfigRepository,
  slug,
} from '../../src/config-repo/github-config-repository.ts';
import { GitHubCallError } from '../../src/config-repo/github-error.ts';
import { applyFiles } from '../../src/config-repo/preview.ts';
import {
  ChangeConflictError,
  type ChangeRequest,
  type GitHubConfigSettings,
} from '../../src/config-repo/types.ts';
import { type FakeGitHub, fakeGitHub } from '../helpers/fake-github.ts';
import { configCopy } from './config-copy.ts';

const TOKEN = 'ghs_fake_token';
let dir: string;
let policy: string;
let fake: FakeGitHub;
let github: GitHubConfigRepository;
const sleeps: number[] = [];

const settings = (over: Partial<GitHubConfigSettings> = {}): GitHubConfigSettings => ({
  repository: 'acme/config',
  branch: 'main',
  apiUrl: 'https://api.github.com',
  auth: { kind: 'token', token: TOKEN },
  ...over,
});

beforeAll(() => {
  dir = configCopy();
  policy = readFileSync(path.join(dir, 'policies/default.yaml'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(options: { token?: string } = {}) {
  fake = fakeGitHub({ repository: 'acme/config', folder: dir, token: TOKEN });
  github = gitHubConfigRepository(settings({ auth: { kind: 'token', token: options.token ?? TOKEN } }), {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}
afterEach(() => {
  fake.close();
  sleeps.length = 0;
});

const grant: () => ChangeRequest = () => ({
  title: 'Let Ada manage pets',
  description: 'Ada joins the pet admins.',
  files: [
    {
      path: 'policies/default.yaml',
      content: policy.replace('subjects: ["group:pet-admins"]', 'subjects: ["group:pet-admins", "user:ada"]'),
    },
    { path: 'policies/local-dev.yaml', content: null },
  ],
});

/** open() on the base branch as it is now (what POST /v1/changes validated). */
async function propose(change: ChangeRequest, proposedBy?: string) {
  return github.open(change, await github.snapshot(), proposedBy);
}

/** `raku validate`'s use case on the files of a branch of the fake, written to a folder. */
async function validateBranch(branch: string) {
  const out = mkdtempSync(path.join(tmpdir(), 'raku-pr-'));
  try {
    for (const [file, content] of fake.filesOf(branch)) {
      mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
      writeFileSync(path.join(out, file), content);
    }
    return await validateConfig({ root: out });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('gitHubConfigRepository: reading', () => {
  it('reads the config files of the base branch at its head commit, once per commit', async () => {
    start();
    const snapshot = await github.snapshot();
    expect(snapshot.revision).toBe(fake.headOf('main'));
    const local = await readRepoFiles(dir);
    expect(snapshot.files.map((f) => f.path)).toEqual(local.map((f) => f.path));
    expect(snapshot.files.map((f) => Buffer.from(f.bytes).toString())).toEqual(
      local.map((f) => Buffer.from(f.bytes).toString()),
    );
    const before = fake.requests.length;
    expect(await github.snapshot()).toBe(snapshot);
    expect(fake.requests.slice(before)).toEqual(['GET /repos/acme/config/git/ref/heads%2Fmain']);

    // A new commit: read again, unchanged blobs from the cache (only the new file's blob is asked for).
    fake.commit('main', { 'zones/extra.yaml': 'name: extra\n' });
    const mark = fake.requests.length;
    const next = await github.snapshot();
    expect(next.revision).toBe(fake.headOf('main'));
    expect(next.files.map((f) => f.path)).toContain('zones/extra.yaml');
    expect(fake.requests.slice(mark).filter((r) => r.includes('/git/blobs/'))).toHaveLength(1);
  });
});

describe('gitHubConfigRepository: pull requests', () => {
  it('opens a pull request whose branch holds the base with the change, and that validates', async () => {
    start();
    const base = await github.snapshot();
    const change = grant();
    const pr = await github.open(change, base, 'user:local-dev');
    expect(pr).toMatchObject({
      number: 1,
      url: 'https://github.com/acme/config/pull/1',
      branch: `raku/console/let-ada-manage-pets-${changeHash('main', change)}`,
      created: true,
    });
    expect(pr.branch).toMatch(/^raku\/console\/let-ada-manage-pets-[0-9a-f]{12}$/);
    expect(pr.headSha).toBe(fake.headOf(pr.branch));
    expect(fake.parentsOf(pr.headSha)).toEqual([base.revision]);
    const pull = fake.pulls[0];
    expect(pull).toMatchObject({
      title: 'Let Ada manage pets',
      head: pr.branch,
      base: 'main',
      state: 'open',
    });
    expect(pull?.body).toContain('Ada joins the pet admins.');
    expect(pull?.body).toContain('by `user:local-dev`');
    expect(pull?.body).toContain('`policies/local-dev.yaml` (deleted)');

    const files = fake.filesOf(pr.branch);
    const expected = applyFiles(base.files, change);
    // The snapshot reads the YAML config; other files of the tree (an A2A pack's agent-card.json) stay as they were.
    const yaml = [...files.keys()].filter((p) => p.endsWith('.yaml')).sort();
    expect(yaml).toEqual(expected.map((f) => f.path));
    expect(files.has('packs/currency-agent/agent-card.json')).toBe(true);
    expect(files.get('policies/default.yaml')).toContain('"user:ada"');
    expect(files.has('policies/local-dev.yaml')).toBe(false);
    const validation = await validateBranch(pr.branch);
    expect(validation.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(validation.fileCount).toBe(expected.length);
  });

  it('the same change twice: the same pull request, created false, nothing pushed the second time', async () => {
    start();
    const first = await propose(grant());
    const mark = fake.requests.length;
    const second = await propose(grant());
    expect(second).toEqual({ ...first, created: false });
    expect(fake.pulls).toHaveLength(1);
    // The tree is made again (to compare with the branch's: a tree object moves no branch), nothing else.
    expect(fake.requests.slice(mark).filter((r) => r.startsWith('POST') || r.startsWith('PATCH'))).toEqual([
      'POST /repos/acme/config/git/trees',
    ]);
    // Another title is another branch (the slug and the hash): the pull request says what was asked.
    const other = await propose({ ...grant(), title: 'Ada again' });
    expect(other.created).toBe(true);
    expect(other.branch).not.toBe(first.branch);
    expect(other.branch.slice(-12)).not.toBe(first.branch.slice(-12));
    expect(fake.pulls[1]?.title).toBe('Ada again');
  });

  it('the same files with another description: another pull request, whose body is the new description', async () => {
    start();
    const first = await propose(grant());
    const second = await propose({ ...grant(), description: 'Ada joins the pet admins for the audit.' });
    expect(second.created).toBe(true);
    expect(second.branch).not.toBe(first.branch);
    expect(fake.pulls.map((p) => p.body.split('\n')[0])).toEqual([
      'Ada joins the pet admins.',
      'Ada joins the pet admins for the audit.',
    ]);
  });

  it('base moved: a new commit on the same branch merges the new base, the pull request stays', async () => {
    start();
    const first = await propose(grant());
    const moved = fake.commit('main', { 'zones/extra-zone-note.yaml': 'name: extra-zone-note\n' });
    const again = await propose(grant());
    expect(again).toMatchObject({ number: first.number, branch: first.branch, created: false });
    expect(again.headSha).not.toBe(first.headSha);
    expect(fake.parentsOf(again.headSha)).toEqual([first.headSha, moved]);
    const files = fake.filesOf(first.branch);
    expect(files.get('zones/extra-zone-note.yaml')).toBe('name: extra-zone-note\n');
    expect(files.get('policies/default.yaml')).toContain('"user:ada"');
    expect(fake.pulls).toHaveLength(1);
  });

  it('a branch someone else pushed to: 409 branch_conflict naming it, the branch left as it is', async () => {
    start();
    const first = await propose(grant());
    const theirs = fake.commit(
      first.branch,
      { 'policies/default.yaml': `${policy}# reviewed\n` },
      'review fix',
    );
    fake.commit('main', { 'zones/other.yaml': 'name: other\n' });
    const err = await propose(grant()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeConflictError);
    expect(err).toMatchObject({ code: 'branch_conflict' });
    expect((err as Error).message).toContain(`the branch ${first.branch} exists`);
    expect((err as Error).message).toContain('delete the branch');
    expect(fake.headOf(first.branch)).toBe(theirs);
  });

  it('a pre-created branch of the predictable name, carrying the marker and extra files, is never used', async () => {
    start();
    const change = grant();
    const name = `raku/console/${slug(change.title)}-${changeHash('main', change)}`;
    // The contributor's branch: the change plus a policy of their own, with the trailer the gateway writes.
    const planted = fake.commit(
      name,
      {
        ...Object.fromEntries(change.files.map((f) => [f.path, f.content])),
        'policies/mine.yaml': 'bindings: []\n',
      },
      `Let Ada manage pets\n\nRaku-Change: ${changeHash('main', change)}`,
      'main',
    );
    const mark = fake.requests.length;
    const err = await propose(change, 'user:admin').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'branch_conflict' });
    expect(fake.pulls).toEqual([]);
    expect(fake.headOf(name)).toBe(planted);
    expect(
      fake.requests
        .slice(mark)
        .filter((r) => r.startsWith('POST /repos/acme/config/pulls') || r.startsWith('PATCH')),
    ).toEqual([]);
  });

  it('a pre-created branch holding exactly this change on the base is this change: its pull request opens', async () => {
    start();
    const change = grant();
    const name = `raku/console/${slug(change.title)}-${changeHash('main', change)}`;
    const same = fake.commit(
      name,
      Object.fromEntries(change.files.map((f) => [f.path, f.content])),
      'made by hand',
      'main',
    );
    const pr = await propose(change);
    expect(pr).toMatchObject({ branch: name, headSha: same, created: true });
  });

  it('the base branch moved after the validated snapshot: 409 base_moved, nothing pushed', async () => {
    start();
    const validated = await github.snapshot();
    fake.commit('main', { 'zones/other.yaml': 'name: other\n' });
    const mark = fake.requests.length;
    const err = await github.open(grant(), validated).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeConflictError);
    expect(err).toMatchObject({ code: 'base_moved' });
    expect((err as Error).message).toMatch(
      /^main moved \([0-9a-f]{7} → [0-9a-f]{7}\) while the change was being proposed; nothing was pushed/,
    );
    expect(fake.requests.slice(mark).filter((r) => !r.startsWith('GET'))).toEqual([]);
    expect(fake.branches()).toEqual(['main']);
  });

  it('a title is one line; the proposer is quoted so it cannot write trailers or break the body', async () => {
    start();
    await expect(propose({ ...grant(), title: `x\n\nRaku-Change: ${'0'.repeat(12)}` })).rejects.toThrow(
      'title: one line of text; it holds U+000A (a line break or control character)',
    );
    await expect(propose({ ...grant(), title: 'tab\there' })).rejects.toThrow('U+0009');
    const pr = await propose(grant(), 'user:a`b\nRaku-Change: forged');
    const message = fake.messageOf(pr.headSha) as string;
    expect(message.split('\n').filter((l) => l.startsWith('Raku-Change:'))).toEqual([
      `Raku-Change: ${pr.branch.slice(-12)}`,
    ]);
    expect(message).toContain('Proposed-By: user:a`b Raku-Change: forged');
    expect(fake.pulls[0]?.body).toContain('by `` user:a`b Raku-Change: forged ``.');
    expect(codeSpan('plain')).toBe('`plain`');
    expect(codeSpan('a``b`')).toBe('``` a``b` ```');
  });

  it('reopens a pull request when the earlier one was closed unmerged', async () => {
    start();
    const first = await propose(grant());
    (fake.pulls[0] as { state: string }).state = 'closed';
    const again = await propose(grant());
    expect(again).toMatchObject({ number: 2, branch: first.branch, created: true });
  });

  it('refuses a change that changes nothing, before pushing anything', async () => {
    start();
    const mark = fake.requests.length;
    await expect(
      propose({ title: 'noop', files: [{ path: 'policies/default.yaml', content: policy }] }),
    ).rejects.toThrow(InvalidChangeFileError);
    expect(
      fake.requests.slice(mark).filter((r) => r.includes('/git/commits') && r.startsWith('POST')),
    ).toEqual([]);
    await expect(propose({ title: 'bad', files: [{ path: '../x', content: '' }] })).rejects.toThrow(
      'files[0].path "../x"',
    );
  });
});

describe('gitHubConfigRepository: GitHub failures', () => {
  it('401: says the credentials are wrong', async () => {
    start({ token: 'expired' });
    const err = await github.snapshot().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubCallError);
    expect((err as GitHubCallError).githubStatus).toBe(401);
    expect((err as Error).message).toBe(
      'GitHub GET /repos/acme/config/git/ref/heads/main answered 401 (Bad credentials): GitHub refused the credentials: RAKU_GITHUB_TOKEN is wrong or expired (or the GitHub App key/id do not match)',
    );
  });

  it('403 without a rate limit: names the permissions the token needs', async () => {
    start();
    fake.failNext(
      { method: 'POST', path: /^\/git\/trees$/ },
      { status: 403, body: { message: 'Resource not accessible by integration' } },
    );
    await expect(propose(grant())).rejects.toThrow(
      'GitHub POST /repos/acme/config/git/trees answered 403 (Resource not accessible by integration): the credentials may not do this: they need contents:write and pull_requests:write on acme/config',
    );
    expect(fake.pulls).toEqual([]);
  });

  it('422 and 500: the call and GitHub’s message', async () => {
    start();
    fake.failNext(
      { method: 'POST', path: /^\/pulls$/ },
      { status: 422, body: { message: 'Validation Failed' } },
      2,
    );
    await expect(propose(grant())).rejects.toThrow(
      'GitHub POST /repos/acme/config/pulls answered 422 (Validation Failed): GitHub refused the request',
    );
    fake.failNext({ path: /^\/git\/commits\// }, { status: 500, body: { message: 'Server Error' } });
    await expect(propose({ ...grant(), title: 'other' })).rejects.toThrow(
      /^GitHub GET \/repos\/acme\/config\/git\/commits\/[0-9a-f]{40} answered 500 \(Server Error\): GitHub failed; try again$/,
    );
  });

  it('a rate limit is waited out (retry-after), a long one fails at once saying when to retry', async () => {
    start();
    fake.failNext(
      { method: 'GET', path: /^\/git\/ref\// },
      { status: 429, body: { message: 'slow down' }, headers: { 'retry-after': '2' } },
    );
    expect((await github.snapshot()).revision).toBe(fake.headOf('main'));
    expect(sleeps).toEqual([2000]);
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    fake.failNext(
      { method: 'GET', path: /^\/git\/ref\// },
      {
        status: 403,
        body: { message: 'API rate limit exceeded' },
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      },
    );
    await expect(github.snapshot()).rejects.toThrow(
      /^GitHub GET \/repos\/acme\/config\/git\/ref\/heads\/main answered 403 \(API rate limit exceeded\): rate limited; try again in 3\d{3} s$/,
    );
    expect(sleeps).toEqual([2000]);
  });

  it('a missing base branch: 404 naming the repository', async () => {
    fake = fakeGitHub({ repository: 'acme/config', folder: dir, token: TOKEN });
    const wrong = gitHubConfigRepository(settings({ branch: 'production' }));
    await expect(wrong.snapshot()).rejects.toThrow(
      'GitHub GET /repos/acme/config/git/ref/heads/production answered 404 (Not Found): not found: acme/config or the branch does not exist, or the credentials cannot see it',
    );
  });
});

describe('branch names', () => {
  it('slugs titles and hashes the base branch with the files', () => {
    expect(slug('Add the Petstore API (v2)!')).toBe('add-the-petstore-api-v2');
    expect(slug('Über naïve café')).toBe('uber-naive-cafe');
    expect(slug('日本語')).toBe('change');
    expect(slug('x'.repeat(100))).toHaveLength(40);
    const c = grant();
    expect(changeHash('main', c)).toBe(changeHash('main', { ...c, files: [...c.files].reverse() }));
    expect(changeHash('main', c)).toBe(changeHash('main', { ...c, description: ` ${c.description}\n` }));
    expect(changeHash('main', c)).not.toBe(changeHash('develop', c));
    expect(changeHash('main', c)).not.toBe(changeHash('main', { ...c, title: 'x' }));
    expect(changeHash('main', c)).not.toBe(changeHash('main', { ...c, description: 'other' }));
  });
});

describe('gitHubConfigRepository as a GitHub App', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const app = { appId: '4242', installationId: 99, publicKey };

  it.each([
    ['with its installation id', 99],
    ['finding its installation on the repository', undefined],
  ])('reads and opens a pull request %s', async (_name, installationId) => {
    fake = fakeGitHub({ repository: 'acme/config', folder: dir, app });
    const repo = gitHubConfigRepository(
      settings({
        auth: { kind: 'app', appId: '4242', privateKey, ...(installationId ? { installationId } : {}) },
      }),
    );
    expect((await repo.snapshot()).revision).toBe(fake.headOf('main'));
    expect((await repo.open(grant(), await repo.snapshot())).created).toBe(true);
    const asked = fake.requests.filter((r) => r.includes('/installation'));
    expect(asked).toEqual([
      ...(installationId ? [] : ['GET /repos/acme/config/installation']),
      'POST /app/installations/99/access_tokens',
    ]);
  });

  it('a key that is not the App’s: 401 naming the credentials', async () => {
    fake = fakeGitHub({ repository: 'acme/config', folder: dir, app });
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const repo = gitHubConfigRepository(
      settings({ auth: { kind: 'app', appId: '4242', privateKey: other.privateKey } }),
    );
    await expect(repo.snapshot()).rejects.toThrow(
      'GitHub GET /repos/acme/config/installation answered 401 (Bad credentials): GitHub refused the credentials',
    );
  });
});

describe('a GitHub that does not answer', () => {
  it('a request without an answer (here: refused before connecting) is a github error saying so', async () => {
    // A fake of another host: while it is open, nock refuses api.github.com before any answer.
    fake = fakeGitHub({ repository: 'acme/config', files: {}, baseUrl: 'https://ghe.example/api/v3' });
    await expect(gitHubConfigRepository(settings()).snapshot()).rejects.toThrow(
      /^GitHub GET \/repos\/acme\/config\/git\/ref\/heads\/main: no answer \(/,
    );
  });

  it('a GitHub that accepts the connection and never answers: the request ends at the timeout', async () => {
    fake = fakeGitHub({ repository: 'acme/config', files: {}, baseUrl: 'https://ghe.example/api/v3' });
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const repo = gitHubConfigRepository(settings({ apiUrl: `http://127.0.0.1:${port}` }), {
        timeoutMs: 300,
      });
      await expect(repo.snapshot()).rejects.toThrow(
        /^GitHub GET \/repos\/acme\/config\/git\/ref\/heads\/main: no answer \(.*(timeout|aborted)/i,
      );
      expect(sockets.length).toBe(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
