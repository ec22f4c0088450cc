/**
 * What a renderer produces: relative path ('/' separators) → file content, in sorted path order.
 * One port turns it into files (writeChangeSet in @raku/release), a git branch or a pull request. Pure: the
 * writer lives with the other adapters so that importing a change set never pulls in the file system.
 */
export type ChangeSet = Map<string, string>;

/** Builds a ChangeSet with its entries in sorted path order; rejects unsafe or duplicate paths. */
export function changeSet(entries: Iterable<readonly [string, string]>): ChangeSet {
  const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: ChangeSet = new Map();
  for (const [p, content] of sorted) {
    assertSafePath(p);
    if (out.has(p)) throw new Error(`change set has two files at ${p}`);
    out.set(p, content);
  }
  return out;
}

/** Throws unless `p` is a relative '/'-separated path with no empty, '.' or '..' segment. */
export function assertSafePath(p: string): void {
  if (
    p === '' ||
    p.startsWith('/') ||
    p.includes('\\') ||
    p.includes('\0') ||
    p.split('/').some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new Error(`unsafe change-set path "${p}"`);
  }
}
