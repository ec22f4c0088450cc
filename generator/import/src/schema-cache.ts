import type { JsonSchema } from '@raku/config';
import { UserError } from '@raku/config';
import { collectRefs, depthOf, transform } from './schema-transform.ts';

/** A non-recursive `$ref` target whose JSON is at most this long is inlined; larger ones stay in `$defs`. */
const INLINE_MAX_CHARS = 3000;
/** …and only when inlining it adds at most this many levels of nesting (YAML depth is bounded). */
const INLINE_MAX_DEPTH = 8;
/** Past this many references inside one another, a definition stays referenced (keeps recursion shallow). */
const INLINE_MAX_CHAIN = 64;

/**
 * Default budget of schema-conversion steps for one document (each schema node converted, walked,
 * measured or emitted is one step). GitHub's whole REST description (1,168 operations) takes about 410,000;
 * the budget stops a document whose `$ref` graph would make the work or the pack grow without bound.
 */
export const DEFAULT_SCHEMA_WORK = 5_000_000;

/** The document's schemas need more work than the budget: the import is refused, nothing is guessed. */
export class SchemaWorkLimitError extends UserError {
  constructor(limit: number) {
    super(
      `the document's schemas need more than ${limit} conversion steps (a $ref graph that fans out too widely or deeply); refused. Select fewer operations with --include, or simplify the schemas`,
    );
  }
}

/** Counts the conversion work of one document, shared by all its converters; throws past the limit. */
export class SchemaWork {
  spent = 0;
  constructor(readonly limit: number = DEFAULT_SCHEMA_WORK) {}
  spend(steps = 1): void {
    this.spent += steps;
    if (this.spent > this.limit) throw new SchemaWorkLimitError(this.limit);
  }
}

/**
 * Converted `$ref` targets of one document and mode, shared by the converters of all its tools: a large API
 * (GitHub's references the same few hundred schemas from a thousand operations) converts each target once.
 * Inlining is decided bottom-up on definitions already reduced (a definition is inlined only when every
 * acyclic definition it references is), so the work is linear in the definitions even when references fan
 * out (3 properties × 20 levels would otherwise expand to 3^20 nodes).
 */
export class SchemaCache {
  readonly defs = new Map<string, JsonSchema>();
  readonly nameByRef = new Map<string, string>();
  private readonly edges = new Map<string, string[]>();
  private readonly cyclic = new Map<string, boolean>();
  private readonly inline = new Map<string, JsonSchema | null>();

  constructor(readonly work: SchemaWork = new SchemaWork()) {}

  /** True when the definition can reach itself through references (it must stay in `$defs`). */
  isCyclic(name: string): boolean {
    const known = this.cyclic.get(name);
    if (known !== undefined) return known;
    const seen = new Set<string>();
    const stack = [...this.refsOf(name)];
    let found = false;
    while (stack.length > 0) {
      const n = stack.pop() as string;
      this.work.spend();
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

  /**
   * The definition with its references expanded when it is small and shallow enough to inline, else
   * undefined. References to cyclic definitions stay references inside it.
   */
  inlinable(name: string, chain = 0): JsonSchema | undefined {
    const cached = this.inline.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const body = this.defs.get(name);
    let result: JsonSchema | undefined;
    if (body && chain <= INLINE_MAX_CHAIN && !this.isCyclic(name)) {
      let blocked = false;
      const expanded = transform(
        body,
        (child) => {
          const inlined = this.inlinable(child, chain + 1);
          if (!inlined && this.defs.has(child) && !this.isCyclic(child)) blocked = true;
          return inlined;
        },
        (n) => this.work.spend(n),
      );
      // Children are at most INLINE_MAX_CHARS each, so this is bounded; count nodes before stringifying.
      if (
        !blocked &&
        countNodes(expanded, INLINE_MAX_CHARS, this.work) <= INLINE_MAX_CHARS &&
        JSON.stringify(expanded).length <= INLINE_MAX_CHARS &&
        depthOf(expanded) <= INLINE_MAX_DEPTH
      ) {
        result = expanded;
      }
    }
    this.inline.set(name, result ?? null);
    if (result) this.inlinedRefs.set(result, collectRefs(result));
    return result;
  }

  /** The references left in each inlined definition (to cyclic ones), for collectRefs over schemas holding it. */
  readonly inlinedRefs = new WeakMap<object, readonly string[]>();

  private readonly keptBodies = new Map<string, { body: JsonSchema; refs: string[] }>();

  /**
   * A definition as kept in `$defs` (its inlinable references expanded) and the definitions it still
   * references, computed once per document.
   */
  kept(name: string, make: () => JsonSchema): { body: JsonSchema; refs: string[] } {
    let entry = this.keptBodies.get(name);
    if (!entry) {
      const body = make();
      entry = { body, refs: collectRefs(body) };
      this.keptBodies.set(name, entry);
    }
    return entry;
  }

  private readonly bodySizes = new WeakMap<object, { nodes: number; max: number; chars?: number }>();

  /**
   * `countNodes(schema, max)` (spent from the budget as it spends) and, when that is within `max`, the length
   * of `JSON.stringify(schema)`, for a finished schema: its `$defs` bodies are the document's kept
   * definitions, shared by every tool that reaches them (Microsoft Graph: hundreds per tool), so each is
   * measured once per document instead of once per tool.
   */
  measure(schema: JsonSchema, max: number): { nodes: number; chars: number } {
    const { $defs: defs, ...rest } = schema;
    if (defs === null || typeof defs !== 'object' || Array.isArray(defs)) {
      const nodes = countNodes(schema, max, this.work);
      return { nodes, chars: nodes > max ? Number.POSITIVE_INFINITY : JSON.stringify(schema).length };
    }
    const bodies = Object.entries(defs);
    let nodes = countUpTo(rest, max) + 1;
    for (const [, body] of bodies) {
      if (nodes > max) break;
      nodes += this.bodySize(body, max).nodes;
    }
    nodes = Math.min(nodes, max + 1);
    this.work.spend(nodes);
    if (nodes > max) return { nodes, chars: Number.POSITIVE_INFINITY };
    const restChars = JSON.stringify(rest).length;
    // {<rest>,"$defs":{"<name>":<body>,…}}
    let defsChars = 2 + Math.max(bodies.length - 1, 0);
    for (const [name, body] of bodies) {
      const size = this.bodySize(body, max);
      size.chars ??= JSON.stringify(body).length;
      defsChars += JSON.stringify(name).length + 1 + size.chars;
    }
    return { nodes, chars: restChars + (restChars > 2 ? 1 : 0) + '"$defs":'.length + defsChars };
  }

  /** A body's nodes, counted once up to `max + 1` (again only for a larger `max`), and its JSON length. */
  private bodySize(body: unknown, max: number): { nodes: number; chars?: number } {
    if (body === null || typeof body !== 'object') return { nodes: 1, chars: JSON.stringify(body).length };
    let size = this.bodySizes.get(body);
    if (!size || (size.nodes > size.max && max > size.max)) {
      size = { nodes: countUpTo(body, max), max };
      this.bodySizes.set(body, size);
    }
    return size;
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

/**
 * Nodes of a value (objects, arrays and scalars; a shared subtree counted each time it occurs, as JSON and
 * YAML write it), counting stopped at `max + 1`; the count is spent from the work budget.
 */
export function countNodes(value: unknown, max: number, work: SchemaWork): number {
  const count = countUpTo(value, max);
  work.spend(count);
  return count;
}

/** Nodes of a value as countNodes counts them, stopped at `max + 1`; spends nothing. */
function countUpTo(value: unknown, max: number): number {
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length > 0 && count <= max) {
    const node = stack.pop();
    count++;
    if (node !== null && typeof node === 'object') {
      // The own values, as Object.values gives them, without an array per node.
      for (const key in node) {
        if (Object.hasOwn(node, key)) stack.push((node as Record<string, unknown>)[key]);
      }
    }
  }
  return count;
}
