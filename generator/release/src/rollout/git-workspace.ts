import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '@raku/config';

/** Commit author and committer of rollout commits. */
export interface GitAuthor {
  name: string;
  email: string;
}

export interface GitWorkspaceOptions {
  /** The GitOps remote: any URL git understands (https, ssh, file path). */
  remote: string;
  /** Token for an https remote, sent as an HTTP Authorization header through git config in the environment (never in argv or the URL). */
  token?: string;
  author: GitAuthor;
  env?: NodeJS.ProcessEnv;
}

/** What `push` found: done, or the branch moved since it was fetched (the lease failed). */
export type PushOutcome = 'pushed' | 'stale';

/**
 * Adapter over the git CLI for one GitOps remote: a temporary bare repository that fetches the base and rollout
 * branches, builds commits with plumbing (no working tree: nothing on disk but objects), and pushes with
 * --force-with-lease so a branch that moved is never overwritten.
 */
export class GitWorkspace {
  private constructor(
    readonly dir: string,
    private readonly options: GitWorkspaceOptions,
  ) {}

  static async open(options: GitWorkspaceOptions): Promise<GitWorkspace> {
    const dir = await mkdtemp(path.join(tmpdir(), 'raku-rollout-'));
    const ws = new GitWorkspace(dir, options);
    await ws.git(['init', '-q', '--bare']);
    return ws;
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * Fetches a remote branch (its head commit only: rollouts need trees, not history) and returns the head
   * commit that was fetched, or undefined when the branch does not exist.
   */
  async fetchBranch(branch: string): Promise<string | undefined> {
    const out = await this.git(['ls-remote', '--heads', '--', this.options.remote, `refs/heads/${branch}`]);
    if (!out.trim()) return undefined;
    const ref = `refs/remotes/origin/${branch}`;
    try {
      await this.git([
        'fetch',
        '-q',
        '--no-tags',
        '--depth=1',
        '--',
        this.options.remote,
        `+refs/heads/${branch}:${ref}`,
      ]);
    } catch (err) {
      // Deleted between ls-remote and fetch: it does not exist.
      if (/couldn't find remote ref/i.test(String((err as { stderr?: string }).stderr ?? '')))
        return undefined;
      throw err;
    }
    // The fetched head, not ls-remote's answer: the branch may have moved in between, and the lease must name
    // the commit whose content this run compared against.
    return (await this.git(['rev-parse', '--verify', ref])).trim();
  }

  /** Files under `dir` in `commit`, relative to `dir`, with their content. */
  async readFiles(commit: string, dir: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const listing = await this.git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', `${dir}/`]);
    for (const entry of listing.split('\0')) {
      if (!entry) continue;
      const [meta, file] = entry.split('\t');
      const [, type, oid] = (meta ?? '').split(' ');
      if (type !== 'blob' || !file || !oid) continue;
      out.set(file.slice(dir.length + 1), await this.git(['cat-file', 'blob', oid]));
    }
    return out;
  }

  /** Tree id of `dir` in `commit` ('' when the folder does not exist). */
  async treeOf(commit: string, dir?: string): Promise<string> {
    try {
      return (
        await this.git(['rev-parse', '--verify', '-q', dir ? `${commit}:${dir}` : `${commit}^{tree}`])
      ).trim();
    } catch {
      return '';
    }
  }

  /**
   * A commit on top of `parent` whose `dir` holds exactly `files` (everything else of the parent's tree kept).
   * Built in a private index, so nothing else of the repository is touched.
   */
  async commitFiles(
    parent: string,
    dir: string,
    files: ReadonlyMap<string, string>,
    message: string,
  ): Promise<string> {
    const index = path.join(this.dir, `index-${process.pid}-${Date.now()}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await this.git(['read-tree', parent], env);
      await this.git(['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', dir], env);
      const entries: string[] = [];
      for (const [rel, content] of files) {
        const oid = (await this.git(['hash-object', '-w', '--stdin'], {}, content)).trim();
        entries.push(`100644 ${oid}\t${dir}/${rel}`);
      }
      if (entries.length > 0)
        await this.git(['update-index', '--add', '--index-info'], env, `${entries.join('\n')}\n`);
      const tree = (await this.git(['write-tree'], env)).trim();
      return (await this.git(['commit-tree', tree, '-p', parent, '-F', '-'], {}, message)).trim();
    } finally {
      await rm(index, { force: true });
    }
  }

  /**
   * Pushes `commit` to `branch`, only if the remote branch is still at `expected` (undefined: must not exist).
   * Returns 'stale' when the lease fails because someone else moved the branch.
   */
  async push(commit: string, branch: string, expected: string | undefined): Promise<PushOutcome> {
    return this.pushRef(`${commit}:refs/heads/${branch}`, branch, expected);
  }

  /** Deletes `branch` on the remote if it is still at `expected`. */
  async deleteBranch(branch: string, expected: string): Promise<PushOutcome> {
    return this.pushRef(`:refs/heads/${branch}`, branch, expected);
  }

  private async pushRef(refspec: string, branch: string, expected: string | undefined): Promise<PushOutcome> {
    try {
      await this.git([
        'push',
        '--porcelain',
        '-q',
        `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`,
        '--',
        this.options.remote,
        refspec,
      ]);
      return 'pushed';
    } catch (err) {
      const text =
        String((err as { stdout?: string }).stdout ?? '') + String((err as { stderr?: string }).stderr ?? '');
      if (/stale info|\[rejected\]|fetch first|non-fast-forward/.test(text)) return 'stale';
      throw err;
    }
  }

  private git(args: string[], extraEnv: Record<string, string> = {}, input?: string): Promise<string> {
    const { author, token } = this.options;
    const env: NodeJS.ProcessEnv = {
      ...(this.options.env ?? process.env),
      GIT_DIR: this.dir,
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
      GIT_TERMINAL_PROMPT: '0',
      ...extraEnv,
    };
    if (token) {
      env['GIT_CONFIG_COUNT'] = '1';
      env['GIT_CONFIG_KEY_0'] = 'http.extraHeader';
      env['GIT_CONFIG_VALUE_0'] =
        `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    }
    return new Promise((resolve, reject) => {
      const child = execFile('git', args, { env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) {
          const failure = Object.assign(
            new UserError(`git ${args[0]} failed: ${stderr.trim() || error.message}`),
            { stdout, stderr },
          );
          reject(failure);
        } else {
          resolve(stdout);
        }
      });
      if (input !== undefined) child.stdin?.end(input);
      else child.stdin?.end();
    });
  }
}
