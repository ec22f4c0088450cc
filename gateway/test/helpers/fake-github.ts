/**
 * A fake GitHub for tests that make the gateway read a config repository and open pull requests on it. It
 * answers, through nock, the REST calls of gateway/src/config-repo/github-config-repository.ts (git refs,
 * commits, trees, blobs, pulls) from an in-memory repository; every other host, 127.0.0.1 and localhost
 * included, is left alone (other hosts are refused while a fake is open, so a stray real GitHub call fails).
 *
 *   const fake = fakeGitHub({ repository: 'acme/config', folder: configDir, token: 'ghs_test' });
 *   // gateway settings: RAKU_CONFIG_REPOSITORY=acme/config, RAKU_GITHUB_TOKEN=ghs_test (GITHUB_API_URL unset:
 *   // the fake answers https://api.github.com unless given `baseUrl`)
 *   … the gateway opens a pull request …
 *   fake.pulls            // [{ number, title, body, head, base, state, headSha, url }]
 *   fake.filesOf(pr.head) // Map path → content of that branch's head commit (write them to a folder and run
 *                         // raku validate / validateRepo on them)
 *   fake.commit('main', { 'policies/x.yaml': '…' })  // someone else pushes: moves a branch (null deletes)
 *   fake.commit('topic', { … }, 'message', 'main')   // a new branch starting at main's head
 *   fake.failNext({ method: 'POST', path: /^\/git\/trees$/ }, { status: 500 })  // the next matching call fails
 *                         // (path: matched against the decoded path after /repos/owner/name)
 *   fake.requests         // ['GET /repos/acme/config/git/ref/heads%2Fmain', …] in order
 *   fake.close()          // removes its interceptors; restores net connect when the last fake closes
 *
 * Options: `repository` ('owner/name'), `folder` (its files, every file under it except .git, become the
 * first commit of `branch`) and/or `files` (path → content), `branch` (default 'main'), `token` (when given,
 * a request without `Authorization: token|bearer <token>` gets GitHub's 401 "Bad credentials"), `baseUrl`
 * (default https://api.github.com; an Enterprise root such as https://ghe.example/api/v3 works too), `app`
 * ({ appId, installationId, publicKey }: a GitHub App; a JWT signed with the matching private key gets an
 * installation token from POST /app/installations/{id}/access_tokens and GET /repos/o/r/installation answers
 * the installation id; the repository then takes `token` or an installation token).
 *
 * The model is git's, kept small: blobs, flat trees (path → blob; the recursive tree answer lists the folders
 * too, as GitHub does), commits with parents, branch refs (a non-forced update must fast-forward), pull
 * requests (one open pull request per head branch, 422 for a second one, as GitHub answers).
 */
import { createHash, verify } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';

export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  url: string;
  /** The head branch's commit when the pull request was opened, then as the branch moves. */
  readonly headSha: string;
}

export interface FakeFailure {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeGitHub {
  readonly repository: string;
  readonly baseUrl: string;
  readonly pulls: FakePull[];
  /** 'METHOD /path' of every request answered, in order. */
  readonly requests: string[];
  /** The files at the head of `branch`; throws when the branch does not exist. */
  filesOf(branch: string): Map<string, string>;
  /** The head commit of `branch`, or undefined. */
  headOf(branch: string): string | undefined;
  /** The parents of a commit. */
  parentsOf(sha: string): string[];
  branches(): string[];
  /** The message of a commit. */
  messageOf(sha: string): string | undefined;
  /**
   * Commits `changes` (null deletes) on `branch` as someone else would push; returns the new commit. A branch
   * that does not exist starts at `from`'s head (another branch), else with no parent.
   */
  commit(branch: string, changes: Record<string, string | null>, message?: string, from?: string): string;
  /** The next request matching `match` answers `failure` (`times` requests, default 1). */
  failNext(match: { method?: string; path?: RegExp }, failure: FakeFailure, times?: number): void;
  close(): void;
}

export interface FakeGitHubOptions {
  repository: string;
  folder?: string;
  files?: Record<string, string>;
  branch?: string;
  token?: string;
  /** A GitHub App installed on the repository: its JWTs (verified with `publicKey`) get installation tokens. */
  app?: { appId: string; installationId: number; publicKey: string };
  baseUrl?: string;
}

interface Commit {
  tree: string;
  parents: string[];
  message: string;
}

let openFakes = 0;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

function filesUnder(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.name === '.git') continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out[child] = readFileSync(path.join(root, child), 'utf8');
    }
  };
  walk('');
  return out;
}

export function fakeGitHub(options: FakeGitHubOptions): FakeGitHub {
  const [owner, name] = options.repository.split('/');
  if (!owner || !name)
    throw new Error(`fakeGitHub: repository must be owner/name, not ${options.repository}`);
  const baseUrl = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const { origin, pathname } = new URL(baseUrl);
  const prefix = `${pathname === '/' ? '' : pathname}/repos/${owner}/${name}`;
  const htmlBase = origin === 'https://api.github.com' ? 'https://github.com' : origin;

  const blobs = new Map<string, string>();
  const trees = new Map<string, Map<string, string>>();
  const commits = new Map<string, Commit>();
  const refs = new Map<string, string>();
  const pulls: FakePull[] = [];
  const requests: string[] = [];
  const failures: { method?: string; path?: RegExp; failure: FakeFailure; left: number }[] = [];
  let counter = 0;

  const putBlob = (content: string) => {
    const sha = sha1(`blob ${content}`);
    blobs.set(sha, content);
    return sha;
  };
  const putTree = (entries: Map<string, string>) => {
    const sorted = new Map([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const sha = sha1(`tree ${JSON.stringify([...sorted])}`);
    trees.set(sha, sorted);
    return sha;
  };
  const putCommit = (commit: Commit) => {
    const sha = sha1(`commit ${JSON.stringify(commit)} ${++counter}`);
    commits.set(sha, commit);
    return sha;
  };
  const treeOfFiles = (files: Record<string, string>) =>
    putTree(new Map(Object.entries(files).map(([p, c]) => [p, putBlob(c)])));

  const branch = options.branch ?? 'main';
  const initial = { ...(options.folder ? filesUnder(options.folder) : {}), ...(options.files ?? {}) };
  refs.set(branch, putCommit({ tree: treeOfFiles(initial), parents: [], message: 'initial config' }));

  const pullView = (p: FakePull) => ({
    number: p.number,
    html_url: p.url,
    node_id: `PR_${p.number}`,
    state: p.state,
    title: p.title,
    body: p.body,
    head: { ref: p.head, sha: p.headSha, label: `${owner}:${p.head}` },
    base: { ref: p.base, sha: refs.get(p.base) ?? '' },
  });
  const commitView = (sha: string, c: Commit) => ({
    sha,
    message: c.message,
    tree: { sha: c.tree },
    parents: c.parents.map((p) => ({ sha: p })),
  });
  const notFound = (): Reply => [404, { message: 'Not Found', status: '404' }];
  const unprocessable = (message: string): Reply => [422, { message, status: '422' }];

  type Reply = [number, unknown] | [number, unknown, Record<string, string>];

  function isAncestor(ancestor: string, of: string): boolean {
    const seen = new Set<string>();
    const stack = [of];
    while (stack.length > 0) {
      const sha = stack.pop() as string;
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      stack.push(...(commits.get(sha)?.parents ?? []));
    }
    return false;
  }

  function route(method: string, rest: string, query: URLSearchParams, body: Record<string, unknown>): Reply {
    // The first capture of `re` on the path when the method is `want`.
    const at = (want: string, re: RegExp): string | undefined =>
      method === want ? re.exec(rest)?.[1] : undefined;
    if (method === 'GET' && rest === '') {
      return [200, { full_name: `${owner}/${name}`, default_branch: branch, private: true }];
    }
    // Octokit sends the ref of git/ref/{ref} percent-encoded: heads%2Fraku%2Fconsole%2F…
    const refName = at('GET', /^\/git\/ref\/heads\/(.+)$/);
    if (refName !== undefined) {
      const ref = refName;
      const sha = refs.get(ref);
      return sha ? [200, { ref: `refs/heads/${ref}`, object: { sha, type: 'commit' } }] : notFound();
    }
    if (rest === '/git/refs' && method === 'POST') {
      const ref = String(body['ref'] ?? '');
      const sha = String(body['sha'] ?? '');
      if (!ref.startsWith('refs/heads/')) return unprocessable('Reference name must start with refs/heads/');
      if (!commits.has(sha)) return unprocessable('Object does not exist');
      const b = ref.slice('refs/heads/'.length);
      if (refs.has(b)) return unprocessable('Reference already exists');
      refs.set(b, sha);
      return [201, { ref, object: { sha, type: 'commit' } }];
    }
    const patchRef = at('PATCH', /^\/git\/refs\/heads\/(.+)$/);
    if (patchRef !== undefined) {
      const b = patchRef;
      const old = refs.get(b);
      const sha = String(body['sha'] ?? '');
      if (!old) return unprocessable('Reference does not exist');
      if (!commits.has(sha)) return unprocessable('Object does not exist');
      if (body['force'] !== true && !isAncestor(old, sha))
        return unprocessable('Update is not a fast forward');
      refs.set(b, sha);
      return [200, { ref: `refs/heads/${b}`, object: { sha, type: 'commit' } }];
    }
    const commitSha = at('GET', /^\/git\/commits\/([0-9a-f]{40})$/);
    if (commitSha !== undefined) {
      const c = commits.get(commitSha);
      return c ? [200, commitView(commitSha, c)] : notFound();
    }
    if (rest === '/git/commits' && method === 'POST') {
      const tree = String(body['tree'] ?? '');
      const parents = (body['parents'] as string[] | undefined) ?? [];
      if (!trees.has(tree) || parents.some((p) => !commits.has(p)))
        return unprocessable('Tree or parent SHA does not exist');
      const sha = putCommit({ tree, parents, message: String(body['message'] ?? '') });
      return [201, commitView(sha, commits.get(sha) as Commit)];
    }
    const treeSha = at('GET', /^\/git\/trees\/([0-9a-f]{40})$/);
    if (treeSha !== undefined) {
      const t = trees.get(treeSha);
      if (!t) return notFound();
      const entries: { path: string; mode: string; type: string; sha: string; size?: number }[] = [];
      const folders = new Set<string>();
      for (const [p, blob] of t) {
        const parts = p.split('/');
        for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
        entries.push({
          path: p,
          mode: '100644',
          type: 'blob',
          sha: blob,
          size: (blobs.get(blob) ?? '').length,
        });
      }
      if (query.get('recursive') !== null) {
        for (const f of folders)
          entries.push({ path: f, mode: '040000', type: 'tree', sha: sha1(`folder ${f}`) });
      }
      entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      const listed = query.get('recursive') !== null ? entries : entries.filter((e) => !e.path.includes('/'));
      return [200, { sha: treeSha, tree: listed, truncated: false }];
    }
    if (rest === '/git/trees' && method === 'POST') {
      const baseTree = body['base_tree'] as string | undefined;
      const next = new Map(baseTree ? (trees.get(baseTree) ?? []) : []);
      if (baseTree && !trees.has(baseTree)) return unprocessable('base_tree is not a valid tree');
      for (const entry of (body['tree'] as Record<string, unknown>[] | undefined) ?? []) {
        const p = String(entry['path']);
        if ('content' in entry) next.set(p, putBlob(String(entry['content'])));
        else if (entry['sha'] === null) next.delete(p);
        else if (typeof entry['sha'] === 'string' && blobs.has(entry['sha'])) next.set(p, entry['sha']);
        else return unprocessable(`tree.sha ${String(entry['sha'])} is not a valid blob`);
      }
      const sha = putTree(next);
      return [
        201,
        { sha, tree: [...next].map(([p, s]) => ({ path: p, mode: '100644', type: 'blob', sha: s })) },
      ];
    }
    const blobSha = at('GET', /^\/git\/blobs\/([0-9a-f]{40})$/);
    if (blobSha !== undefined) {
      const content = blobs.get(blobSha);
      if (content === undefined) return notFound();
      const bytes = Buffer.from(content, 'utf8');
      return [
        200,
        { sha: blobSha, size: bytes.length, encoding: 'base64', content: bytes.toString('base64') },
      ];
    }
    if (rest === '/git/blobs' && method === 'POST') {
      const raw = String(body['content'] ?? '');
      const content = body['encoding'] === 'base64' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
      return [201, { sha: putBlob(content) }];
    }
    if (rest === '/pulls' && method === 'GET') {
      const state = query.get('state') ?? 'open';
      const head = query.get('head');
      const base = query.get('base');
      const list = pulls.filter(
        (p) =>
          (state === 'all' || p.state === state) &&
          (head === null || `${owner}:${p.head}` === head) &&
          (base === null || p.base === base),
      );
      return [200, list.map(pullView)];
    }
    if (rest === '/pulls' && method === 'POST') {
      const head = String(body['head'] ?? '');
      const base = String(body['base'] ?? '');
      const headSha = refs.get(head);
      const baseSha = refs.get(base);
      if (!headSha || !baseSha) return unprocessable(`Validation Failed: head or base branch does not exist`);
      if (pulls.some((p) => p.head === head && p.state === 'open')) {
        return unprocessable(`Validation Failed: A pull request already exists for ${owner}:${head}.`);
      }
      if (isAncestor(headSha, baseSha))
        return unprocessable(`Validation Failed: No commits between ${base} and ${head}`);
      const number = pulls.length + 1;
      const pull: FakePull = {
        number,
        title: String(body['title'] ?? ''),
        body: String(body['body'] ?? ''),
        head,
        base,
        state: 'open',
        url: `${htmlBase}/${owner}/${name}/pull/${number}`,
        get headSha() {
          return refs.get(head) ?? headSha;
        },
      };
      pulls.push(pull);
      return [201, pullView(pull)];
    }
    const pullNumber = at('GET', /^\/pulls\/(\d+)$/);
    if (pullNumber !== undefined) {
      const p = pulls.find((x) => x.number === Number(pullNumber));
      return p ? [200, pullView(p)] : notFound();
    }
    return [404, { message: `Not Found (the fake GitHub does not answer ${method} ${rest})` }];
  }

  const scope = nock(origin).persist();
  const appPrefix = `${pathname === '/' ? '' : pathname}/app/installations/`;
  const installationTokens = new Set<string>();
  /** True when `credential` is a JWT of the App, signed with its key (RS256), as @octokit/auth-app makes it. */
  const isAppJwt = (credential: string): boolean => {
    const app = options.app;
    const [header, payload, signature] = credential.split('.');
    if (!app || !header || !payload || !signature) return false;
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      app.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      iss?: unknown;
      exp?: number;
    };
    return signed && String(claims.iss) === app.appId && (claims.exp ?? 0) * 1000 > Date.now();
  };
  const badCredentials: Reply = [401, { message: 'Bad credentials', status: '401' }];

  const interceptors = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].map((method) => {
    const interceptor = scope.intercept((uri) => uri.startsWith(prefix) || uri.startsWith(appPrefix), method);
    interceptor.reply(function (uri, requestBody) {
      const url = new URL(uri, origin);
      requests.push(`${method} ${url.pathname}`);
      const credential =
        /^(?:token|bearer) (.+)$/i.exec(String(this.req.headers['authorization'] ?? ''))?.[1] ?? '';
      if (url.pathname.startsWith(appPrefix)) {
        // POST /app/installations/{id}/access_tokens, as the App (a JWT): an installation token.
        const id = Number(/^(\d+)\/access_tokens$/.exec(url.pathname.slice(appPrefix.length))?.[1]);
        if (method !== 'POST' || !isAppJwt(credential)) return badCredentials;
        if (id !== options.app?.installationId) return [404, { message: 'Not Found' }];
        const token = `ghs_fake_installation_${installationTokens.size + 1}`;
        installationTokens.add(token);
        const expires = new Date(Date.now() + 3_600_000).toISOString();
        return [
          201,
          {
            token,
            expires_at: expires,
            permissions: { contents: 'write', pull_requests: 'write' },
            repository_selection: 'selected',
          },
        ];
      }
      const rest = decodeURIComponent(url.pathname.slice(prefix.length));
      if (rest === '/installation' && method === 'GET') {
        if (!isAppJwt(credential)) return badCredentials;
        return [200, { id: options.app?.installationId, app_id: Number(options.app?.appId) }];
      }
      if (
        (options.token !== undefined || options.app !== undefined) &&
        credential !== options.token &&
        !installationTokens.has(credential)
      ) {
        return badCredentials;
      }
      const failing = failures.find(
        (f) => f.left > 0 && (!f.method || f.method === method) && (!f.path || f.path.test(rest)),
      );
      if (failing) {
        failing.left--;
        const { status, body, headers } = failing.failure;
        return [status, body ?? { message: `fake failure ${status}` }, headers ?? {}];
      }
      const parsed =
        typeof requestBody === 'string' && requestBody !== ''
          ? (JSON.parse(requestBody) as Record<string, unknown>)
          : ((requestBody as Record<string, unknown> | undefined) ?? {});
      return route(method, rest, url.searchParams, parsed);
    });
    return interceptor;
  });

  openFakes++;
  nock.disableNetConnect();
  nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));

  return {
    repository: `${owner}/${name}`,
    baseUrl,
    pulls,
    requests,
    filesOf(b) {
      const head = refs.get(b);
      if (!head) throw new Error(`fake GitHub: no branch ${b} (branches: ${[...refs.keys()].join(', ')})`);
      const tree = trees.get((commits.get(head) as Commit).tree) as Map<string, string>;
      return new Map([...tree].map(([p, blob]) => [p, blobs.get(blob) as string]));
    },
    headOf: (b) => refs.get(b),
    parentsOf: (sha) => [...(commits.get(sha)?.parents ?? [])],
    branches: () => [...refs.keys()].sort(),
    messageOf: (sha) => commits.get(sha)?.message,
    commit(b, changes, message = 'a commit pushed by someone else', from) {
      const head = refs.get(b) ?? (from === undefined ? undefined : refs.get(from));
      const files = new Map(head ? trees.get((commits.get(head) as Commit).tree) : []);
      for (const [p, content] of Object.entries(changes)) {
        if (content === null) files.delete(p);
        else files.set(p, putBlob(content));
      }
      const sha = putCommit({ tree: putTree(files), parents: head ? [head] : [], message });
      refs.set(b, sha);
      return sha;
    },
    failNext(match, failure, times = 1) {
      failures.push({ ...match, method: match.method?.toUpperCase(), failure, left: times });
    },
    close() {
      for (const interceptor of interceptors) nock.removeInterceptor(interceptor);
      openFakes = Math.max(0, openFakes - 1);
      if (openFakes === 0) nock.enableNetConnect();
    },
  };
}
