import type { JsonSchema } from '@raku/config';
import { isObject } from './openapi-document.ts';

/**
 * Definition names referenced (`#/$defs/<name>`) anywhere in a schema. `known`: the references of shared
 * subtrees already walked (inlined definitions), taken as they are instead of walked again.
 */
export function collectRefs(
  node: unknown,
  out: string[] = [],
  known?: WeakMap<object, readonly string[]>,
): string[] {
  if (node === null || typeof node !== 'object') return out;
  const refs = known?.get(node);
  if (refs) {
    for (const r of refs) out.push(r);
    return out;
  }
  if (Array.isArray(node)) {
    for (const v of node) collectRefs(v, out, known);
    return out;
  }
  // The own entries, as Object.entries gives them, without an array per node.
  for (const k in node) {
    if (!Object.hasOwn(node, k)) continue;
    const v = (node as Record<string, unknown>)[k];
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) out.push(v.slice(8));
    else if (k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'examples') collectRefs(v, out, known);
  }
  return out;
}

/**
 * One pass over a schema: `$ref`s to inlinable definitions are replaced by them (shared, not copied: schemas
 * are not mutated after this, and YAML writes shared values in full), and `allOf`s of plain objects merged.
 * `spend` is called once per node walked (the caller's work budget).
 */
export function transform(
  node: JsonSchema,
  inline: (name: string) => JsonSchema | undefined,
  spend: (steps: number) => void = () => {},
): JsonSchema {
  const walk = (v: unknown, key: string): unknown => {
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples') return v;
    spend(1);
    if (Array.isArray(v)) return v.map((x) => walk(x, ''));
    if (!isObject(v)) return v;
    const ref = v['$ref'];
    if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
      const body = inline(ref.slice(8));
      if (body) {
        const { $ref: _ref, ...siblings } = v;
        const rest = walk(siblings, '') as JsonSchema;
        if (Object.keys(rest).length === 0) return body;
        if (Object.keys(rest).length === 1 && typeof rest['description'] === 'string') {
          return { ...body, description: rest['description'] };
        }
        return mergeNode({ allOf: [body], ...rest });
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
    return mergeNode(out);
  };
  return walk(node, '') as JsonSchema;
}

/** Merges `allOf` members that are plain object schemas (no references or combinators) into their parent. */
export function mergeAllOf(schema: JsonSchema): JsonSchema {
  return transform(schema, () => undefined);
}

function mergeNode(out: Record<string, unknown>): Record<string, unknown> {
  const all = out['allOf'];
  if (!Array.isArray(all) || !all.every(isPlainObjectSchema)) return out;
  if (out['type'] !== undefined && out['type'] !== 'object') return out;
  if (['$ref', 'oneOf', 'anyOf', 'not', 'additionalProperties'].some((k) => k in out)) return out;
  const { allOf: _all, ...merged } = out as Record<string, unknown> & { allOf: unknown };
  const props: Record<string, unknown> = { ...((merged['properties'] as Record<string, unknown>) ?? {}) };
  const required = new Set<string>((merged['required'] as string[]) ?? []);
  for (const member of all as Record<string, unknown>[]) {
    for (const [name, sub] of Object.entries((member['properties'] as Record<string, unknown>) ?? {})) {
      props[name] = name in props ? mergeTwo(props[name], sub) : sub;
    }
    for (const r of (member['required'] as string[]) ?? []) required.add(r);
    if (merged['description'] === undefined && typeof member['description'] === 'string') {
      merged['description'] = member['description'];
    }
  }
  merged['type'] = 'object';
  merged['properties'] = props;
  if (required.size > 0) merged['required'] = [...required];
  return merged;
}

/** Both schemas apply: one object when their keywords do not overlap (or agree), else `allOf`. */
function mergeTwo(a: unknown, b: unknown): unknown {
  if (
    isObject(a) &&
    isObject(b) &&
    Object.keys(b).every((k) => !(k in a) || JSON.stringify(a[k]) === JSON.stringify(b[k]))
  ) {
    return { ...a, ...b };
  }
  return { allOf: [a, b] };
}

function isPlainObjectSchema(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (v['type'] !== undefined && v['type'] !== 'object') return false;
  const allowed = new Set(['type', 'properties', 'required', 'description', 'title']);
  return Object.keys(v).every((k) => allowed.has(k));
}

export function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (isObject(v)) return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}
