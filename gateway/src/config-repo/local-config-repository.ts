/**
 * The config repository of local mode: the checkout `npm start` serves, read as `raku validate` reads it
 * (readRepoFiles: symbolic links are never followed). The revision is the checkout's HEAD when the working tree
 * has no change under the config folders, else 'working-tree'.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readRepoFiles } from '@raku/config';
import type { ConfigRepository, ConfigSnapshot } from './types.ts';

const run = promisify(execFile);

async function git(root: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd: root, timeout: 10_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

export function localConfigRepository(root: string): ConfigRepository {
  return {
    info: { source: 'local', location: root, branch: '' },
    async snapshot(): Promise<ConfigSnapshot> {
      const [files, head, dirty] = await Promise.all([
        readRepoFiles(root),
        git(root, ['rev-parse', 'HEAD']),
        git(root, ['status', '--porcelain', '--', 'packs', 'zones', 'policies', 'tenants']),
      ]);
      return { revision: head && dirty === '' ? head : 'working-tree', files };
    },
  };
}
