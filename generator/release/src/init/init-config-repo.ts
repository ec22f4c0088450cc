import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '@raku/config';
import { scaffoldConfigRepo } from './scaffold-config-repo.ts';
import type { ScaffoldOptions } from './scaffold-options.ts';

const run = promisify(execFile);

export interface InitOptions {
  /** Write into a folder that already holds files. Even then no existing file is overwritten. */
  force: boolean;
  /** Run `git init` when the folder is not inside a git work tree (default true). */
  git: boolean;
}

export interface InitResult {
  dir: string;
  /** Files written, in path order. */
  written: string[];
  /** Files that were there already with other content, left as they were (only with `force`). */
  kept: string[];
  /** True when `git init` made the folder a repository. */
  gitInitialised: boolean;
}

/**
 * `raku init`: writes the scaffold of a config repository into `dir` (made if missing). Refuses a folder that
 * holds anything but `.git` unless `force`, and never overwrites a file: one already there with the same content
 * counts as written, one with other content is kept and reported. Then `git init`s the folder unless it is
 * already inside a git work tree or `git` is false.
 */
export async function initConfigRepo(
  dir: string,
  scaffold: ScaffoldOptions,
  options: InitOptions,
): Promise<InitResult> {
  const files = scaffoldConfigRepo(scaffold);
  // A fresh clone (only .git) counts as empty: creating the repository on GitHub and cloning it comes first.
  const existing = (await entriesOf(dir)).filter((name) => name !== '.git');
  if (existing.length > 0 && !options.force) {
    const shown = existing.slice(0, 5).join(', ') + (existing.length > 5 ? ', …' : '');
    throw new UserError(
      `${dir} is not empty (${shown}): raku init writes into an empty folder; --force writes beside what is ` +
        'there (no existing file is overwritten)',
    );
  }
  const result: InitResult = { dir, written: [], kept: [], gitInitialised: false };
  for (const [rel, content] of files) {
    const full = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(full), { recursive: true });
    try {
      // 'wx': fail rather than replace a file that appeared since the folder was read.
      await writeFile(full, content, { flag: 'wx' });
      result.written.push(rel);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const same = await readFile(full, 'utf8').then(
        (text) => text === content,
        () => false,
      );
      (same ? result.written : result.kept).push(rel);
    }
  }
  if (options.git && !(await insideWorkTree(dir))) {
    await run('git', ['init', '-q', '-b', 'main', dir]);
    result.gitInitialised = true;
  }
  return result;
}

/** The names in `dir`, or none when it does not exist; a file where the folder should be is a user error. */
async function entriesOf(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR') throw new UserError(`${dir} is a file, not a folder`);
    throw err;
  }
}

async function insideWorkTree(dir: string): Promise<boolean> {
  try {
    const { stdout } = await run('git', ['-C', dir, 'rev-parse', '--is-inside-work-tree']);
    return stdout.trim() === 'true';
  } catch {
    return false;
  }
}
