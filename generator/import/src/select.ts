import { UserError } from '@raku/config';
import picomatch from 'picomatch';
import type { Operation } from './operations.ts';

/**
 * An operation filter from `--include` / `--exclude`: `tag:<glob>`, `path:<glob>`, `method:<METHOD>`,
 * `op:<glob>` (operationId), or a bare glob matched against the operationId.
 */
export interface OperationFilter {
  text: string;
  matches: (op: Operation) => boolean;
}

export function parseFilter(text: string): OperationFilter {
  const m = /^(tag|path|method|op):(.+)$/.exec(text);
  const key = m ? m[1] : 'op';
  const pattern = m ? (m[2] as string) : text;
  if (!pattern.trim()) throw new UserError(`filter "${text}" has an empty pattern`);
  if (key === 'method') {
    const methods = new Set(pattern.toUpperCase().split(','));
    return { text, matches: (op) => methods.has(op.method) };
  }
  const glob = picomatch(pattern, { dot: true, nocase: key !== 'path' });
  if (key === 'tag') return { text, matches: (op) => op.tags.some((t) => glob(t)) };
  if (key === 'path') return { text, matches: (op) => glob(op.path) };
  return { text, matches: (op) => op.operationId !== undefined && glob(op.operationId) };
}

/** Why an operation is left out by the filters, or undefined when it is selected. */
export function filterReason(
  op: Operation,
  include: readonly OperationFilter[],
  exclude: readonly OperationFilter[],
): string | undefined {
  if (include.length > 0 && !include.some((f) => f.matches(op))) {
    return `not matched by --include ${include.map((f) => f.text).join(', ')}`;
  }
  const ex = exclude.find((f) => f.matches(op));
  return ex ? `excluded by --exclude ${ex.text}` : undefined;
}
