import type { JsonSchema } from '../model/types.ts';
import { collectRefs, depthOf, transform } from './schema-transform.ts';

/** A non-recursive `$ref` target whose JSON is at most this long is inlined; larger ones stay in `$defs`. */
const INLINE_MAX_CHARS = 3000;
/** …and only when inlining it adds at most this many levels of nesting (YAML depth is bounded). */
const INLINE_MAX_DEPTH = 8;

/**
 * Converted `$ref` targets of one document and mode, shared by the converters of all its tools: a large API
 * (GitHub's references the same few hundred schemas from a thousand operations) converts each target once.
 */
export class SchemaCache {
  readonly defs = new Map<string, JsonSchema>();
  readonly nameByRef = new Map<string, string>();
  private readonly edges = new Map<string, string[]>();
  private readonly cyclic = new Map<string, boolean>();
  private readonly expanded = new Map<string, JsonSchema | null>();
  private readonly inline = new Map<string, JsonSchema | null>();

  /** True when the definition can reach itself through references (it must stay in `$defs`). */
  isCyclic(name: string): boolean {
    const known = this.cyclic.get(name);
    if (known !== undefined) return known;
    const seen = new Set<string>();
    const stack = [...this.refsOf(name)];
    let found = false;
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (n === name) {
        found = true;
        break;
      }
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...this.refsOf(n));
    }
    this.cyclic.set(name, found);
    return found;
  }

  /** The definition with every acyclic reference inside it expanded, or undefined for a cyclic one. */
  expand(name: string): JsonSchema | undefined {
    if (this.isCyclic(name)) return undefined;
    const cached = this.expanded.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const body = this.defs.get(name);
    if (!body) return undefined;
    this.expanded.set(name, null);
    const out = transform(body, (n) => this.expand(n));
    this.expanded.set(name, out);
    return out;
  }

  /** The expanded definition when it is small and shallow enough to inline, else undefined. */
  inlinable(name: string): JsonSchema | undefined {
    const cached = this.inline.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const expanded = this.expand(name);
    const ok =
      expanded !== undefined &&
      JSON.stringify(expanded).length <= INLINE_MAX_CHARS &&
      depthOf(expanded) <= INLINE_MAX_DEPTH;
    this.inline.set(name, ok ? expanded : null);
    return ok ? expanded : undefined;
  }

  private readonly keptBodies = new Map<string, JsonSchema>();

  /** A definition as kept in `$defs` (its inlinable references expanded), computed once per document. */
  kept(name: string, make: () => JsonSchema): JsonSchema {
    let body = this.keptBodies.get(name);
    if (!body) {
      body = make();
      this.keptBodies.set(name, body);
    }
    return body;
  }

  private refsOf(name: string): string[] {
    let list = this.edges.get(name);
    if (!list) {
      list = [...new Set(collectRefs(this.defs.get(name) ?? {}))];
      this.edges.set(name, list);
    }
    return list;
  }
}
