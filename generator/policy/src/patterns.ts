/**
 * Tool-pattern matching for the engine (globs in conditions: text-comparison.ts). Matching itself is `toolPatternMatcher` of
 * model/names.ts: '*' matches any run of characters, everything else is literal, linear time.
 */
import { toolPatternMatcher } from '@raku/config';

export type Matcher = (name: string) => boolean;

/** One matcher for a list of tool patterns: true when any of them matches. */
export function patternsMatcher(patterns: readonly string[]): Matcher {
  if (patterns.includes('*')) return () => true;
  const each = patterns.map(toolPatternMatcher);
  return each.length === 1 ? (each[0] as Matcher) : (name) => each.some((m) => m(name));
}
