/**
 * Subject strings of policies ('user:<id>', 'agent:<id>', 'group:<name>', '*') and how they match callers.
 */
import type { Subject } from './types.ts';

/**
 * True when the subject string names this caller: `user:<id>` a user with that id, `agent:<id>` an agent
 * with that id (a user and an agent with the same id are different callers), `group:<g>` a caller whose
 * groups include g, `*` any authenticated caller. Comparison is exact (case-sensitive).
 */
export function subjectMatches(pattern: string, subject: Subject): boolean {
  if (pattern === '*') return true;
  const colon = pattern.indexOf(':');
  if (colon < 0) return false;
  const kind = pattern.slice(0, colon);
  const name = pattern.slice(colon + 1);
  if (kind === 'group') return subject.groups.includes(name);
  return (kind === 'user' || kind === 'agent') && subject.kind === kind && subject.id === name;
}

/** True when any of the subject strings names this caller. */
export function anySubjectMatches(patterns: readonly string[], subject: Subject): boolean {
  return patterns.some((p) => subjectMatches(p, subject));
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
