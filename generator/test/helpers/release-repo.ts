import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { main } from '../../cli/src/main.ts';

const run = promisify(execFile);
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const RUNTIME_FIXTURE = path.join(REPO_ROOT, 'generator/test/fixtures/runtime/main.ts');

/**
 * A temporary copy of the example repository (packs, zones, policies, tenants) as a git repository with one commit,
 * with the stand-in runtime at gateway/src/main.ts. `editZone` changes a zone document as an object (it is
 * serialised back with the yaml package). Returns the directory and the commit.
 */
export async function makeReleaseRepo(options: {
  editZone?: (name: string, zone: Record<string, unknown>) => void;
  dir?: string;
}): Promise<{ dir: string; revision: string }> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'raku-release-repo-')));
  for (const sub of ['packs', 'policies', 'tenants', 'zones'])
    await cp(path.join(REPO_ROOT, sub), path.join(dir, sub), { recursive: true });
  await mkdir(path.join(dir, 'gateway/src'), { recursive: true });
  await cp(RUNTIME_FIXTURE, path.join(dir, 'gateway/src/main.ts'));
  // The runtime imports packages from the repository's node_modules.
  await run('ln', ['-s', path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules')]);
  if (options.editZone) {
    for (const name of ['dev', 'staging', 'prod']) {
      const file = path.join(dir, 'zones', `${name}.yaml`);
      const zone = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      options.editZone(name, zone);
      await writeFile(file, stringify(zone));
    }
  }
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['add', 'packs', 'policies', 'tenants', 'zones', 'gateway']);
  await git(dir, ['commit', '-q', '-m', 'config']);
  return { dir, revision: (await git(dir, ['rev-parse', 'HEAD'])).trim() };
}

export async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', dir, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Raku Test',
      GIT_AUTHOR_EMAIL: 'test@raku.invalid',
      GIT_COMMITTER_NAME: 'Raku Test',
      GIT_COMMITTER_EMAIL: 'test@raku.invalid',
    },
  });
  return stdout;
}

/** Runs the CLI in-process; returns exit code and captured output. */
export async function raku(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd: process.cwd(),
    // No on-disk layer cache unless a test asks for one: as root, $HOME/.cache under /nonexistent is writable.
    env: { PATH: process.env['PATH'], HOME: '/nonexistent', RAKU_CACHE_DIR: 'off', ...env },
    debug: false,
  });
  return { code, stdout, stderr };
}
