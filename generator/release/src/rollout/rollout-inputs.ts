import { UserError } from '@raku/config';
import type { GitAuthor } from './git-workspace.ts';

/** The commit author of rollout commits when none is given. */
export const DEFAULT_ROLLOUT_AUTHOR = 'raku-rollout <raku-rollout@users.noreply.github.com>';

/** Reads an auto-merge method (merge, squash or rebase, any case); undefined when none is given. */
export function parseAutoMerge(value: string | undefined): 'MERGE' | 'SQUASH' | 'REBASE' | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if (upper !== 'MERGE' && upper !== 'SQUASH' && upper !== 'REBASE') {
    throw new UserError(`--auto-merge must be merge, squash or rebase, not "${value}"`);
  }
  return upper;
}

/** Reads a commit author written as `Name <email>`. */
export function parseAuthor(value: string): GitAuthor {
  const m = /^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  if (!m) throw new UserError(`--author must look like "Name <email>", not "${value}"`);
  return { name: m[1]!, email: m[2]! };
}

/** Reads `<zone>=<git url>` pairs into a map (the last one of a zone wins). */
export function parseRemotes(values: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new UserError(`--remote must be <zone>=<git url>, not "${v}"`);
    out.set(v.slice(0, eq), v.slice(eq + 1));
  }
  return out;
}
