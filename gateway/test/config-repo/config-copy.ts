/** A throwaway git checkout holding a copy of this repository's config, for tests of the config repository. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/** A git checkout (branch main, one commit) holding a copy of this repository's packs/, zones/, policies/, tenants/. */
export function configCopy(prefix = 'raku-config-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  for (const folder of ['packs', 'zones', 'policies', 'tenants']) {
    cpSync(path.join(REPO_ROOT, folder), path.join(dir, folder), { recursive: true });
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'config');
  return dir;
}
