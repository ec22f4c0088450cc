/**
 * The config repository on GitHub, through the REST API (Octokit): reads the base branch's config files and
 * opens a pull request per change. Conventions follow the rollout's pull requests (@raku/release
 * rollout/pull-requests.ts): rate limits are waited out a few times, other failures name the call and
 * GitHub's answer. Octokit is loaded on first use, so a gateway without GitHub settings never loads it.
 *
 * Reading: ref → commit → recursive tree → the blobs of the config files the loader reads. A snapshot is kept
 * per commit (the last few), and blobs by their sha, so an unchanged branch costs one request per read.
 *
 * A pull request: the branch is `raku/console/<slug>-<hash12>`, the hash over the base branch, the title, the
 * description and the change's files (path, content), the slug from the title; so the same change proposed
 * twice finds the same branch and its open pull request (200, created: false). The commit is a tree on the
 * commit the change was validated at (the snapshot open() is given; a base branch that moved since is a 409
 * before anything is pushed; the files' contents inline in the tree request: one request for any number of
 * files) → commit → branch → pull request. An existing branch is trusted by its content only, never by a
 * commit message: its head's tree must be the tree this change makes on the base (git tree shas are content
 * hashes). When the base moved since the branch was written, a head whose tree is the change over its last
 * parent's tree is still this change: a merge of it and the new base brings it over (the branch only moves
 * forward). Any other branch content is a 409 branch_conflict naming the branch.
 */

import type { Octokit } from '@octokit/rest';
import { canonicalJson, type SourceFile, sha256Hex } from '@raku/config';
import { checkChangeFiles, checkChangeTitle, InvalidChangeFileError, oneLine } from './change-files.ts';
import { gitHubCallError, rateLimitSeconds } from './github-error.ts';
import {
  ChangeConflictError,
  type ChangePullRequest,
  type ChangeRequest,
  type ConfigRepository,
  type ConfigSnapshot,
  type GitHubConfigSettings,
  type PullRequestOpener,
} from './types.ts';

/** The config files the loader reads (load-repo.ts documentKind). */
const CONFIG_FILE = /^(?:packs\/[^/]+\/pack\.ya?ml|(?:zones|policies|tenants)\/[^/]+\.ya?ml)$/;
/** Snapshots kept (by commit sha) and blob bytes kept (by blob sha). */
const SNAPSHOTS_KEPT = 4;
const BLOB_CACHE_BYTES = 64 * 1024 * 1024;
const BLOB_READS_AT_ONCE = 8;
/** The longest a GitHub request may take. */
export const GITHUB_TIMEOUT_MS = 30_000;

export interface GitHubConfigRepositoryOptions {
  /** Retries of a rate-limited request. Default 2. */
  rateLimitRetries?: number;
  /** Longest rate-limit wait, in ms; a longer one fails at once (a person waits for the answer). Default 10000. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The longest a GitHub request may take, in ms. Default GITHUB_TIMEOUT_MS. */
  timeoutMs?: number;
}

export type GitHubConfigRepository = ConfigRepository & PullRequestOpener;

export function gitHubConfigRepository(
  settings: GitHubConfigSettings,
  options: GitHubConfigRepositoryOptions = {},
): GitHubConfigRepository {
  const [owner, repo] = settings.repository.split('/') as [string, string];
  const { branch } = settings;
  const retries = options.rateLimitRetries ?? 2;
  const maxWait = options.maxWaitMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const snapshots = new Map<string, ConfigSnapshot>();
  const blobs = new Map<string, Uint8Array>();
  let blobBytes = 0;
  let client: Promise<Octokit> | undefined;

  const octokit = () => {
    client ??= makeOctokit(settings, owner, repo, options.timeoutMs ?? GITHUB_TIMEOUT_MS).catch(
      (err: unknown) => {
        client = undefined;
        throw err;
      },
    );
    return client;
  };

  /** One GitHub call, rate limits waited out, failures as GitHubCallError naming `call`. */
  async function call<T>(name: string, run: (gh: Octokit) => Promise<T>): Promise<T> {
    const gh = await octokit();
    for (let attempt = 0; ; attempt++) {
      try {
        return await run(gh);
      } catch (err) {
        const wait = rateLimitSeconds(err);
        if (wait !== undefined && attempt < retries && wait * 1000 <= maxWait) {
          await sleep(wait * 1000);
          continue;
        }
        throw gitHubCallError(name, settings.repository, err);
      }
    }
  }
  const path = (rest: string) => `/repos/${owner}/${repo}${rest}`;

  async function refSha(name: string): Promise<string | undefined> {
    try {
      return await call(`GET ${path(`/git/ref/heads/${name}`)}`, async (gh) => {
        const { data } = await gh.rest.git.getRef({ owner, repo, ref: `heads/${name}` });
        return data.object.sha;
      });
    } catch (err) {
      if ((err as { githubStatus?: number }).githubStatus === 404 && name !== branch) return undefined;
      throw err;
    }
  }

  async function commitOf(sha: string) {
    return call(`GET ${path(`/git/commits/${sha}`)}`, async (gh) => {
      const { data } = await gh.rest.git.getCommit({ owner, repo, commit_sha: sha });
      return { tree: data.tree.sha, parents: data.parents.map((p) => p.sha), message: data.message };
    });
  }

  async function blob(sha: string): Promise<Uint8Array> {
    const known = blobs.get(sha);
    if (known) return known;
    const bytes = await call(`GET ${path(`/git/blobs/${sha}`)}`, async (gh) => {
      const { data } = await gh.rest.git.getBlob({ owner, repo, file_sha: sha });
      return new Uint8Array(Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8'));
    });
    // Bounded: the oldest blobs go first (Map keeps insertion order).
    blobs.set(sha, bytes);
    blobBytes += bytes.length;
    for (const [old, b] of blobs) {
      if (blobBytes <= BLOB_CACHE_BYTES) break;
      blobs.delete(old);
      blobBytes -= b.length;
    }
    return bytes;
  }

  async function readSnapshot(commitSha: string): Promise<ConfigSnapshot> {
    const { tree } = await commitOf(commitSha);
    const entries = await call(`GET ${path(`/git/trees/${tree}?recursive=1`)}`, async (gh) => {
      const { data } = await gh.rest.git.getTree({ owner, repo, tree_sha: tree, recursive: 'true' });
      if (data.truncated) {
        throw Object.assign(new Error('the tree is too large for one answer (truncated)'), { status: 502 });
      }
      return data.tree;
    });
    const config = entries.filter((e) => e.path !== undefined && CONFIG_FILE.test(e.path));
    const files: SourceFile[] = new Array(config.length);
    let next = 0;
    const worker = async () => {
      while (next < config.length) {
        const i = next++;
        const e = config[i] as (typeof config)[number];
        // A symbolic link is never followed (as readRepoFiles refuses it): the loader reports it by name.
        files[i] =
          e.mode === '120000'
            ? { path: e.path as string, bytes: new Uint8Array(0), refused: 'symlink' }
            : { path: e.path as string, bytes: await blob(e.sha as string) };
      }
    };
    await Promise.all(Array.from({ length: Math.min(BLOB_READS_AT_ONCE, config.length) }, worker));
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { revision: commitSha, files };
  }

  return {
    info: { source: 'github', location: settings.repository, branch },
    repository: settings.repository,
    branch,

    async snapshot() {
      const head = (await refSha(branch)) as string;
      const known = snapshots.get(head);
      if (known) return known;
      const read = await readSnapshot(head);
      snapshots.set(head, read);
      while (snapshots.size > SNAPSHOTS_KEPT) snapshots.delete(snapshots.keys().next().value as string);
      return read;
    },

    async open(change: ChangeRequest, base: ConfigSnapshot, proposedBy?: string): Promise<ChangePullRequest> {
      checkChangeFiles(change.files);
      checkChangeTitle(change.title);
      const hash = changeHash(branch, change);
      const head = `raku/console/${slug(change.title)}-${hash}`;
      // Built on the commit the change was validated at, and only while the base branch is still there: what
      // is pushed is always what was validated.
      const baseSha = base.revision;
      const now = await refSha(branch);
      if (now !== baseSha) {
        throw new ChangeConflictError(
          'base_moved',
          `${branch} moved (${baseSha.slice(0, 7)} → ${String(now).slice(0, 7)}) while the change was being proposed; nothing was pushed: send it again`,
        );
      }
      const baseCommit = await commitOf(baseSha);

      // A tree on `onTree` with the change; undefined when it changes nothing there.
      const treeWithChange = async (onTree: string) => {
        const sha = await call(`POST ${path('/git/trees')}`, async (gh) => {
          const { data } = await gh.rest.git.createTree({
            owner,
            repo,
            base_tree: onTree,
            tree: change.files.map((f) =>
              f.content === null
                ? { path: f.path, mode: '100644' as const, type: 'blob' as const, sha: null }
                : { path: f.path, mode: '100644' as const, type: 'blob' as const, content: f.content },
            ),
          });
          return data.sha;
        });
        return sha === onTree ? undefined : sha;
      };
      const commit = (tree: string, parents: string[]) =>
        call(`POST ${path('/git/commits')}`, async (gh) => {
          const description = change.description?.trim();
          const message = [
            change.title,
            ...(description ? ['', description] : []),
            '',
            ...(proposedBy ? [`Proposed-By: ${oneLine(proposedBy)}`] : []),
            `Raku-Change: ${hash}`,
          ].join('\n');
          const { data } = await gh.rest.git.createCommit({ owner, repo, message, tree, parents });
          return data.sha;
        });
      const conflict = (why: string) =>
        new ChangeConflictError(
          'branch_conflict',
          `the branch ${head} exists and ${why}; nothing was pushed: delete the branch (closing its pull request) and propose the change again`,
        );

      // Git tree shas are content hashes: equal shas are equal files, whoever made the commit.
      const tree = await treeWithChange(baseCommit.tree);
      if (tree === undefined) {
        throw new InvalidChangeFileError(`files: the change leaves ${branch} as it is; nothing to propose`);
      }
      let headSha = await refSha(head);
      if (headSha === undefined) {
        const sha = await commit(tree, [baseSha]);
        try {
          await call(`POST ${path('/git/refs')}`, (gh) =>
            gh.rest.git.createRef({ owner, repo, ref: `refs/heads/${head}`, sha }),
          );
          headSha = sha;
        } catch (err) {
          // The same change proposed at the same moment: the other request made the branch (checked below).
          headSha = await refSha(head);
          if (headSha === undefined) throw err;
        }
      }
      const current = await commitOf(headSha);
      if (current.tree !== tree) {
        // Not this change on the current base. It may still be this change on an older base (the base moved
        // since the branch was written): the head's tree must be the change laid over its last parent's tree
        // (the base of the first commit, the new base of a merge). Anything else is someone else's content,
        // whatever its message says.
        const parentSha = current.parents.at(-1);
        const parent = parentSha === undefined ? undefined : await commitOf(parentSha);
        const verified =
          parent !== undefined &&
          current.parents.length <= 2 &&
          (await treeWithChange(parent.tree)) === current.tree;
        if (!verified) throw conflict('holds something other than this change');
        // A merge of the old head and the new base, so the branch only moves forward; its tree is verified.
        const sha = await commit(tree, [headSha, baseSha]);
        try {
          await call(`PATCH ${path(`/git/refs/heads/${head}`)}`, (gh) =>
            gh.rest.git.updateRef({ owner, repo, ref: `heads/${head}`, sha, force: false }),
          );
        } catch (err) {
          if ((err as { githubStatus?: number }).githubStatus === 422) {
            throw conflict('moved while the change was being proposed');
          }
          throw err;
        }
        headSha = sha;
      }

      const findOpen = () =>
        call(`GET ${path('/pulls')}`, async (gh) => {
          const { data } = await gh.rest.pulls.list({
            owner,
            repo,
            state: 'open',
            head: `${owner}:${head}`,
            base: branch,
            per_page: 10,
          });
          return data[0];
        });
      const existing = await findOpen();
      if (existing) {
        return { number: existing.number, url: existing.html_url, branch: head, headSha, created: false };
      }
      try {
        const created = await call(`POST ${path('/pulls')}`, async (gh) => {
          const { data } = await gh.rest.pulls.create({
            owner,
            repo,
            head,
            base: branch,
            title: change.title,
            body: pullRequestBody(change, proposedBy),
            maintainer_can_modify: false,
          });
          return data;
        });
        return { number: created.number, url: created.html_url, branch: head, headSha, created: true };
      } catch (err) {
        // Opened by a concurrent request of the same change between the list and the create.
        const raced = await findOpen();
        if (raced)
          return { number: raced.number, url: raced.html_url, branch: head, headSha, created: false };
        throw err;
      }
    },
  };
}

/**
 * The first 12 hex digits of the sha-256 over the base branch, what the pull request says (title and
 * description, as written) and the change's files sorted by path: the same change proposed twice is the same
 * branch, and another title or description is another branch (a pull request never says something else than
 * what was asked).
 */
export function changeHash(branch: string, change: ChangeRequest): string {
  const files = [...change.files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => [f.path, f.content]);
  const description = change.description?.trim() ?? '';
  return sha256Hex(canonicalJson({ branch, title: change.title, description, files })).slice(0, 12);
}

/** Lower-case words of the title joined by '-', at most 40 characters; 'change' when none are left. */
export function slug(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return words.slice(0, 40).replace(/-+$/, '') || 'change';
}

function pullRequestBody(change: ChangeRequest, proposedBy: string | undefined): string {
  const lines = [change.description?.trim() ?? ''];
  lines.push(
    '',
    `Proposed from the Raku console${proposedBy ? ` by ${codeSpan(oneLine(proposedBy))}` : ''}. The checks on this pull request validate it; \`raku plan\` shows what it rolls out.`,
  );
  lines.push(
    '',
    'Files:',
    ...change.files.map((f) => `- \`${f.path}\`${f.content === null ? ' (deleted)' : ''}`),
  );
  return lines.join('\n').trim();
}

/** `text` as a markdown code span that its own backticks cannot end (a fence longer than any run in it). */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest === 0 ? `${fence}${text}${fence}` : `${fence} ${text} ${fence}`;
}

async function makeOctokit(
  settings: GitHubConfigSettings,
  owner: string,
  repo: string,
  timeoutMs: number,
): Promise<Octokit> {
  const { Octokit } = await import('@octokit/rest');
  // A GitHub that does not answer must not hold a person's request (nor a socket) for ever.
  const timed = (url: string, init: RequestInit = {}) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    return fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
  };
  const common = { baseUrl: settings.apiUrl, userAgent: 'raku-gateway', request: { fetch: timed } };
  if (settings.auth.kind === 'token') return new Octokit({ ...common, auth: settings.auth.token });
  const { createAppAuth } = await import('@octokit/auth-app');
  const { appId, privateKey } = settings.auth;
  let installationId = settings.auth.installationId;
  if (installationId === undefined) {
    // The App's installation on the config repository, asked as the App itself (a JWT).
    const app = new Octokit({ ...common, authStrategy: createAppAuth, auth: { appId, privateKey } });
    try {
      installationId = (await app.rest.apps.getRepoInstallation({ owner, repo })).data.id;
    } catch (err) {
      throw gitHubCallError(`GET /repos/${owner}/${repo}/installation`, settings.repository, err);
    }
  }
  return new Octokit({ ...common, authStrategy: createAppAuth, auth: { appId, privateKey, installationId } });
}
