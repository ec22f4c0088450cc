import jsyaml from 'js-yaml';
import { blockParse } from './block-yaml.ts';

/**
 * The fast path of the loader. `yaml` gives positions and exact diagnostics but parses ~20× slower than js-yaml,
 * and a repository of a thousand packs is mostly valid files that never need a position. So valid-looking files
 * are read with js-yaml under a schema that resolves scalars exactly as the YAML 1.2 core schema (and so the
 * `yaml` package) does, and checked for everything the slow path rejects. Anything unusual — a parse error,
 * aliases, explicit keys, a forbidden key, deep nesting — returns undefined and the caller takes the slow path,
 * which reports it with positions. Positions for valid files are computed lazily, only if a rule reports.
 */

// js-yaml's own int type also accepts 0b101 and -0x1; YAML 1.2 core (and `yaml`) read those as strings.
const coreInt = new jsyaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string) => /^[-+]?[0-9]+$|^0o[0-7]+$|^0x[0-9a-fA-F]+$/.test(s),
  construct: (s: string) =>
    s.startsWith('0o')
      ? Number.parseInt(s.slice(2), 8)
      : s.startsWith('0x')
        ? Number.parseInt(s.slice(2), 16)
        : Number(s),
  predicate: (v: unknown) => Number.isInteger(v),
});

// js-yaml exports its built-in types at run time; @types/js-yaml does not declare them.
const builtin = (jsyaml as unknown as { types: Record<'null' | 'bool' | 'float', jsyaml.Type> }).types;
const CORE_12 = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [builtin.null, builtin.bool, coreInt, builtin.float],
});

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A plain scalar read as js-yaml reads it under CORE_12: the first implicit type that resolves it, else text. */
const IMPLICIT = [builtin.null, builtin.bool, coreInt, builtin.float];
export function resolvePlain(text: string): unknown {
  // Only text starting with a digit, sign, dot, "~" or n/t/f (null, true, false) can be anything but a string.
  const c = text.charCodeAt(0);
  if (
    text.length > 0 &&
    !(
      (c >= 48 && c <= 57) ||
      c === 43 ||
      c === 45 ||
      c === 46 ||
      c === 126 ||
      'nNtTfF'.includes(text[0] as string)
    )
  )
    return text;
  for (const type of IMPLICIT) if (type.resolve(text)) return type.construct(text);
  return text;
}

/** Parses `text` when it is plainly valid; undefined means "use the slow path". Never throws. */
export function fastParse(
  text: string,
  limits: { maxDepth: number; maxNodes: number },
): { value: unknown } | undefined {
  // Most config is block-style YAML that blockParse reads several times faster; it declines everything else.
  return blockParse(text, resolvePlain, limits) ?? jsyamlParse(text, limits);
}

/** The js-yaml half of {@link fastParse}, for callers that tried blockParse already. */
export function jsyamlParse(
  text: string,
  limits: { maxDepth: number; maxNodes: number },
): { value: unknown } | undefined {
  // Explicit keys ("? ") and explicit core tags ("!!float 1") are where the two parsers differ: leave them to
  // `yaml`. Other tags need no check: js-yaml throws on any tag its schema does not know.
  if (/^[ \t-]*\?(?:[ \t]|$)/m.test(text) || text.includes('!!')) return undefined;
  let value: unknown;
  try {
    value = jsyaml.load(text, { schema: CORE_12, json: false });
  } catch {
    return undefined;
  }
  return isPlainTree(value, limits) ? { value } : undefined;
}

/** True when `value` is a tree (no shared nodes, i.e. no aliases) within the limits and without forbidden keys. */
function isPlainTree(root: unknown, limits: { maxDepth: number; maxNodes: number }): boolean {
  const seen = new Set<object>();
  let count = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (++count > limits.maxNodes || depth > limits.maxDepth) return false;
    if (value === null || typeof value !== 'object') continue;
    if (seen.has(value)) return false;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth + 1]);
    } else {
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key of Object.keys(value)) {
        if (FORBIDDEN_KEYS.has(key)) return false;
        stack.push([(value as Record<string, unknown>)[key], depth + 1]);
      }
    }
  }
  return true;
}
