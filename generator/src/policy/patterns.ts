/**
 * Tool-pattern and glob matching for the engine. Matching itself is `toolPatternMatcher` of
 * model/names.ts: '*' matches any run of characters, everything else is literal, linear time.
 */
import { toolPatternMatcher } from '../model/names.ts';

export type Matcher = (name: string) => boolean;

/** One matcher for a list of tool patterns: true when any of them matches. */
export function patternsMatcher(patterns: readonly string[]): Matcher {
  if (patterns.includes('*')) return () => true;
  const each = patterns.map(toolPatternMatcher);
  return each.length === 1 ? (each[0] as Matcher) : (name) => each.some((m) => m(name));
}

const GLOB_CACHE_LIMIT = 4096;
const globs = new Map<string, Matcher>();

/** True when `value` matches the glob `pattern` ('*' any run of characters). */
export function globMatches(pattern: string, value: string): boolean {
  let matcher = globs.get(pattern);
  if (!matcher) {
    // Patterns come from policies, so the cache stays small; the bound only guards against misuse.
    if (globs.size >= GLOB_CACHE_LIMIT) globs.clear();
    matcher = toolPatternMatcher(pattern);
    globs.set(pattern, matcher);
  }
  return matcher(value);
}
