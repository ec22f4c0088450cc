/**
 * The fake GitHub itself (helpers/fake-github.ts), driven by Octokit as the adapter drives it: the other
 * helpers' tests rely on it behaving as GitHub does on the calls it answers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, fakeGitHub } from '../helpers/fake-github.ts';

let fake: FakeGitHub | undefined;
afterEach(() => fake?.close());

const owner = 'acme';
const repo = 'config';

describe('fakeGitHub', () => {
  it('serves refs, commits, recursive trees and blobs of its files, and takes a change as a pull request', async () => {
    fake = fakeGitHub({
      repository: 'acme/config',
      files: { 'policies/a.yaml': 'name: a\n', 'packs/p/pack.yaml': 'name: p\n' },
      token: 't0ken',
    });
    const gh = new Octokit({ auth: 't0ken' });
    const ref = await gh.rest.git.getRef({ owner, repo, ref: 'heads/main' });
    const base = ref.data.object.sha;
    const commit = await gh.rest.git.getCommit({ owner, repo, commit_sha: base });
    const tree = await gh.rest.git.getTree({
      owner,
      repo,
      tree_sha: commit.data.tree.sha,
      recursive: 'true',
    });
    expect(tree.data.tree.map((e) => [e.path, e.type])).toEqual([
      ['packs', 'tree'],
      ['packs/p', 'tree'],
      ['packs/p/pack.yaml', 'blob'],
      ['policies', 'tree'],
      ['policies/a.yaml', 'blob'],
    ]);
    const blobSha = tree.data.tree.find((e) => e.path === 'policies/a.yaml')?.sha as string;
    const blob = await gh.rest.git.getBlob({ owner, repo, file_sha: blobSha });
    expect(Buffer.from(blob.data.content, 'base64').toString()).toBe('name: a\n');

    const newTree = await gh.rest.git.createTree({
      owner,
      repo,
      base_tree: commit.data.tree.sha,
      tree: [
        { path: 'policies/b.yaml', mode: '100644', type: 'blob', content: 'name: b\n' },
        { path: 'policies/a.yaml', mode: '100644', type: 'blob', sha: null },
      ],
    });
    const made = await gh.rest.git.createCommit({
      owner,
      repo,
      message: 'b for a',
      tree: newTree.data.sha,
      parents: [base],
    });
    await gh.rest.git.createRef({ owner, repo, ref: 'refs/heads/raku/console/x', sha: made.data.sha });
    const pr = await gh.rest.pulls.create({ owner, repo, head: 'raku/console/x', base: 'main', title: 'B' });
    expect(pr.status).toBe(201);
    expect(pr.data.html_url).toBe('https://github.com/acme/config/pull/1');
    expect(fake.filesOf('raku/console/x')).toEqual(
      new Map([
        ['packs/p/pack.yaml', 'name: p\n'],
        ['policies/b.yaml', 'name: b\n'],
      ]),
    );
    const open = await gh.rest.pulls.list({ owner, repo, state: 'open', head: 'acme:raku/console/x' });
    expect(open.data.map((p) => p.number)).toEqual([1]);
    await expect(
      gh.rest.pulls.create({ owner, repo, head: 'raku/console/x', base: 'main', title: 'again' }),
    ).rejects.toMatchObject({ status: 422 });
    // A non-forced ref update must fast-forward.
    const other = fake.commit('main', { 'zones/z.yaml': 'name: z\n' });
    await expect(
      gh.rest.git.updateRef({ owner, repo, ref: 'heads/raku/console/x', sha: other }),
    ).rejects.toMatchObject({ status: 422 });
    expect(fake.requests[0]).toMatch(/^GET \/repos\/acme\/config\/git\/ref\/heads/);
  });

  it('answers 401 Bad credentials to a wrong token, and injected failures once', async () => {
    fake = fakeGitHub({ repository: 'acme/config', files: {}, token: 'right' });
    await expect(
      new Octokit({ auth: 'wrong' }).rest.git.getRef({ owner, repo, ref: 'heads/main' }),
    ).rejects.toMatchObject({ status: 401, message: expect.stringContaining('Bad credentials') });
    fake.failNext({ method: 'GET', path: /^\/git\/ref\// }, { status: 500, body: { message: 'boom' } });
    const gh = new Octokit({ auth: 'right' });
    await expect(gh.rest.git.getRef({ owner, repo, ref: 'heads/main' })).rejects.toMatchObject({
      status: 500,
    });
    expect((await gh.rest.git.getRef({ owner, repo, ref: 'heads/main' })).status).toBe(200);
  });

  it('answers an Enterprise root and leaves 127.0.0.1 alone', async () => {
    fake = fakeGitHub({
      repository: 'acme/config',
      files: { 'zones/a.yaml': 'x\n' },
      baseUrl: 'https://ghe.example/api/v3',
    });
    const gh = new Octokit({ baseUrl: 'https://ghe.example/api/v3' });
    expect((await gh.rest.git.getRef({ owner, repo, ref: 'heads/main' })).status).toBe(200);
    const server = createServer((_req, res) => res.end('local'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('local');
    } finally {
      server.close();
    }
    await expect(fetch('https://example.com/')).rejects.toThrow();
  });
});
