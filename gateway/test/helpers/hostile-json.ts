/**
 * fast-check arbitraries for hostile JSON: strings with lone surrogates, NUL and other control characters,
 * huge strings, and values nested far deeper than anything legitimate. Shared by the property tests of every
 * boundary where JSON enters the runtime.
 */
import fc from 'fast-check';

/** One UTF-16 unit or code point that some layer mishandles, mixed with ordinary text. */
const hostileUnit: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\u001b', '\u2028', '\uFEFF', '"', '\\', '\\u0000') },
);

/** Strings of hostile units (lone surrogates, NUL, escapes-looking text). */
export const hostileString = (maxLength = 24): fc.Arbitrary<string> =>
  fc.string({ unit: hostileUnit, maxLength });

/** A huge string: a hostile prefix and up to `maxBytes` of repeated filler. */
export const hugeString = (maxBytes = 256 * 1024): fc.Arbitrary<string> =>
  fc
    .tuple(
      hostileString(8),
      fc.integer({ min: 1, max: maxBytes }),
      fc.constantFrom('a', 'é', '\ud800', '\u0000'),
    )
    .map(([head, size, fill]) => head + fill.repeat(size));

/** JSON values whose strings and keys are hostile. */
export const hostileJson = (maxDepth = 3): fc.Arbitrary<unknown> =>
  fc.jsonValue({ maxDepth, stringUnit: hostileUnit });

/**
 * Wraps `leaf` in `depth` levels of objects and arrays (key "a"), built without recursion. The outermost
 * level carries a short description for fast-check's reports (its printer recurses), under a symbol key that
 * JSON and Object.keys do not see.
 */
export function nest(leaf: unknown, depth: number, shape: 'object' | 'array' | 'mixed' = 'object'): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) {
    const asArray = shape === 'array' || (shape === 'mixed' && i % 3 === 1);
    value = asArray ? [value] : { a: value };
  }
  if (value !== null && typeof value === 'object') {
    Object.defineProperty(value, fc.toStringMethod, {
      value: () => `nest(${fc.stringify(leaf)}, ${depth}, '${shape}')`,
      enumerable: false,
    });
  }
  return value;
}

/** JSON.stringify without recursion (V8's gives up near 4,200 levels): for sending deep values in tests. */
export function jsonText(value: unknown): string {
  const out: string[] = [];
  const todo: unknown[] = [value];
  const LITERAL = Symbol('literal');
  while (todo.length > 0) {
    const item = todo.pop();
    if (Array.isArray(item) && item[0] === LITERAL) {
      out.push(item[1] as string);
    } else if (Array.isArray(item)) {
      const parts: unknown[] = [[LITERAL, '[']];
      item.forEach((v, i) => {
        if (i > 0) parts.push([LITERAL, ',']);
        parts.push(v === undefined ? null : v);
      });
      parts.push([LITERAL, ']']);
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]);
    } else if (item !== null && typeof item === 'object') {
      const parts: unknown[] = [[LITERAL, '{']];
      Object.entries(item).forEach(([k, v], i) => {
        if (v === undefined) return;
        parts.push([LITERAL, `${i > 0 && parts.length > 1 ? ',' : ''}${JSON.stringify(k)}:`]);
        parts.push(v);
      });
      parts.push([LITERAL, '}']);
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]);
    } else out.push(JSON.stringify(item) ?? 'null');
  }
  return out.join('');
}

/** JSON text of `depth` nested levels without building the value: `{"a":{"a":…}}`. */
export function nestedText(depth: number, leaf = '1'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/** A value nested between `min` and `max` levels deep, of a random shape, around a hostile leaf. */
export const deepJson = (min: number, max: number): fc.Arbitrary<unknown> =>
  fc
    .tuple(
      hostileJson(1),
      fc.integer({ min, max }),
      fc.constantFrom('object', 'array', 'mixed') as fc.Arbitrary<'object' | 'array' | 'mixed'>,
    )
    .map(([leaf, depth, shape]) => nest(leaf, depth, shape));

/** The nesting depth of a JSON value (1 for a flat object), computed without recursion. */
export function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}
