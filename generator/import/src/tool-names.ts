import { sha256Hex } from '@raku/config';
import type { Operation } from './operations.ts';

/**
 * The tool name of an operation: its operationId when there is one, else method + path, reduced to
 * `[A-Za-z0-9_-]` (no '.', which separates the tool prefix) and cut to `max` characters with a short hash of
 * the operation so cut names stay distinct.
 */
export function baseToolName(op: Pick<Operation, 'operationId' | 'method' | 'path'>, max: number): string {
  const raw = op.operationId ?? `${op.method.toLowerCase()} ${op.path.replace(/[{}]/g, '')}`;
  let name = raw
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '');
  if (!name) name = `${op.method.toLowerCase()}_root`;
  if (name.length <= max) return name;
  const hash = sha256Hex(`${op.method} ${op.path}`).slice(0, 6);
  return `${name.slice(0, max - 7).replace(/[_-]+$/, '')}_${hash}`;
}

/**
 * Unique names for operations in the given (stable) order: a later operation whose name is taken gets
 * `_2`, `_3`, … Deterministic: the same operations in the same order always get the same names.
 */
export function assignToolNames(
  ops: readonly Pick<Operation, 'operationId' | 'method' | 'path'>[],
  max: number,
): string[] {
  const taken = new Set<string>();
  return ops.map((op) => {
    const base = baseToolName(op, max);
    let name = base;
    for (let n = 2; taken.has(name); n++) {
      const suffix = `_${n}`;
      name = `${base.slice(0, max - suffix.length)}${suffix}`;
    }
    taken.add(name);
    return name;
  });
}
