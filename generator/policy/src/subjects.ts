/**
 * Subject strings of policies ('user:<id>', 'agent:<id>', 'group:<name>', '*') and how they match callers.
 */
import type { Subject } from './types.ts';

/**
 * The subject strings that name this caller: `*` (any authenticated caller), `user:<id>` or `agent:<id>`
 * (a user and an agent with the same id are different callers), and `group:<g>` for each of its groups.
 * Comparison is exact (case-sensitive). Only users and agents are subjects: a caller of another kind (a
 * service or anonymous caller) is named by nothing, not even '*'.
 */
export function subjectKeys(subject: Subject): string[] {
  if (subject.kind !== 'user' && subject.kind !== 'agent') return [];
  const keys = ['*', `${subject.kind}:${subject.id}`];
  for (const g of subject.groups) keys.push(`group:${g}`);
  return keys;
}

/** True when a rule's subject strings name the caller whose `subjectKeys` are given. Runs per rule per call. */
export function namesSubject(subjects: ReadonlySet<string>, keys: readonly string[]): boolean {
  for (const key of keys) if (subjects.has(key)) return true;
  return false;
}

/**
 * True when some caller could be named by both subject strings: equal strings, '*', or a group on
 * either side (group membership is only known at call time). 'user:a' and 'agent:a' never overlap.
 */
export function subjectsMayOverlap(a: string, b: string): boolean {
  return a === b || a === '*' || b === '*' || a.startsWith('group:') || b.startsWith('group:');
}

/** True when every caller named by `granted` is also named by `denied`. */
export function subjectCovers(denied: string, granted: string): boolean {
  return denied === '*' || denied === granted;
}
