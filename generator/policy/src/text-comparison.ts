/**
 * How policy conditions compare strings. An upstream API may fold case, apply Unicode compatibility
 * normalisation (NFKC: full-width 'ＡＤＭＩＮ' is 'ADMIN'), drop invisible characters or trim spaces before it
 * acts on a value; a deny that compares exactly is bypassed by 'Admin1', ' admin1' or a Cyrillic 'а'. Pure.
 *
 * - `exact`: code units as they are.
 * - `caseless`: case-folded.
 * - `nfkc`: NFKC, case-folded, default-ignorable characters (zero-width joiners, soft hyphens, …) removed,
 *   spaces at both ends trimmed.
 * - `skeleton`: `nfkc`, then the confusable skeleton of Unicode TS #39 (NFD, each character mapped to its
 *   prototype in confusables.txt, via `unhomoglyph`): Cyrillic 'а' and Latin 'a', '0' and 'o', compare equal.
 */

import type { Condition } from '@raku/config';
import { toolPatternMatcher } from '@raku/config';
import unhomoglyph from 'unhomoglyph';

export type TextComparison = NonNullable<Condition['normalize']>;

export const TEXT_COMPARISONS: readonly TextComparison[] = ['exact', 'caseless', 'nfkc', 'skeleton'];

/**
 * What a condition's operator compares by when the condition does not say: whichever fails closed. A deny
 * applies more often and an allow less often when `equals`, `in` and `matches` normalise in a deny rule and
 * `notEquals`, `notIn` normalise in an allow rule; the other combinations compare exactly.
 */
export function defaultComparison(effect: 'allow' | 'deny', positive: boolean): TextComparison {
  return (effect === 'deny') === positive ? 'skeleton' : 'exact';
}

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
const EDGE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;

/** Full case folding is not in JavaScript; upper then lower folds 'ß'/'SS', 'ſ'/'s', Greek final sigma alike. */
const caseFold = (text: string) => text.toUpperCase().toLowerCase();

/** `text` as `how` compares it. `trim`: remove spaces at both ends (not for the pieces of a glob). */
export function normalizeText(text: string, how: TextComparison, trim = true): string {
  if (how === 'exact') return text;
  if (how === 'caseless') return caseFold(text);
  let out = folded(text, trim);
  if (how !== 'skeleton') return out;
  // A prototype may itself fold further ('%' → 'º/₀' → 'o/o'): repeat to a fixed point (a few rounds at most).
  for (let round = 0; round < 4; round++) {
    const next = folded(caseFold(unhomoglyph(out.normalize('NFD')).normalize('NFD')), trim);
    if (next === out) break;
    out = next;
  }
  return out;
}

function folded(text: string, trim: boolean): string {
  const out = caseFold(text.normalize('NFKC')).normalize('NFKC').replace(IGNORABLE, '');
  return trim ? out.replace(EDGE_SPACE, '') : out;
}

const MATCHER_CACHE_LIMIT = 4096;
const matchers = new Map<string, (value: string) => boolean>();

/** True when `value` matches the glob `pattern` ('*' any run of characters), both compared as `how` says. */
export function globMatchesAs(pattern: string, value: string, how: TextComparison): boolean {
  const key = `${how}\u0000${pattern}`;
  let matcher = matchers.get(key);
  if (!matcher) {
    // Patterns come from policies, so the cache stays small; the bound only guards against misuse.
    if (matchers.size >= MATCHER_CACHE_LIMIT) matchers.clear();
    const trimmed = how === 'nfkc' || how === 'skeleton' ? pattern.replace(EDGE_SPACE, '') : pattern;
    const normalized = trimmed
      .split('*')
      .map((piece) => normalizeText(piece, how, false))
      .join('*');
    matcher = toolPatternMatcher(normalized);
    matchers.set(key, matcher);
  }
  return matcher(normalizeText(value, how));
}
