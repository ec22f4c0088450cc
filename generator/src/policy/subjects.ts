/**
 * Subject strings of policies ('user:<id>', 'agent:<id>', 'group:<name>', '*') and how they match callers.
 */
import type { Subject } from './types.ts';

/**
 * True when one of a rule's subject strings names this caller: `user:<id>` a user with that id,
 * `agent:<id>` an agent with that id (a user and an agent with the same id are different callers),
 * `group:<g>` a caller whose groups include g, `*` any authenticated caller. Comparison is exact
 * (case-sensitive). Only users and agents are subjects: a caller of another kind (an anonymous or
 * service caller passed in from plain JavaScript) matches nothing, not even '*'.
 * Set lookups and plain loops: this runs on every call.
 */
export function namesSubject(subjects: ReadonlySet<string>, subject: Subject): boolean {
  if (subject.kind !== 'user' && subject.kind !== 'agent') return false;
  if (subjects.has('*') || subjects.has(`${subject.kind}:${subject.id}`)) return true;
  for (const g of subject.groups) if (subjects.has(`group:${g}`)) return true;
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
