import type { JsonSchema, Pack, Tool } from '@raku/config';
import { canonicalJson } from '@raku/config';
import { inputSchemaBreaks } from '@raku/render';

/** One change to a tool as agents see it. `breaking` changes can fail calls that worked before. */
export interface ToolChange {
  tool: string;
  change: string;
  breaking: boolean;
}

/** What changed in a pack's tool contract between two versions of it. */
export interface ContractDiff {
  added: string[];
  removed: string[];
  changes: ToolChange[];
  /** The semver bump the changes call for: major (breaking), minor (additions), patch, or none. */
  bump: 'major' | 'minor' | 'patch' | 'none';
}

/**
 * Compares the tools of two packs: tools added and removed, and per tool the breaking input changes (from
 * `inputSchemaBreaks` of `raku plan`), new optional arguments, output, mapping and text changes. Pure.
 */
export function contractDiff(before: Pick<Pack, 'tools'>, after: Pick<Pack, 'tools'>): ContractDiff {
  const old = new Map(before.tools.map((t) => [t.name, t]));
  const now = new Map(after.tools.map((t) => [t.name, t]));
  const added = [...now.keys()].filter((n) => !old.has(n)).sort();
  const removed = [...old.keys()].filter((n) => !now.has(n)).sort();
  const changes: ToolChange[] = removed.map((tool) => ({ tool, change: 'tool removed', breaking: true }));
  for (const [name, a] of old) {
    const b = now.get(name);
    if (b) changes.push(...toolChanges(a, b));
  }
  const breaking = changes.some((c) => c.breaking);
  const bump = breaking
    ? 'major'
    : added.length > 0 || changes.some((c) => c.change.startsWith('new optional'))
      ? 'minor'
      : changes.length > 0
        ? 'patch'
        : 'none';
  return {
    added,
    removed,
    changes: changes.sort((x, y) => (x.tool < y.tool ? -1 : x.tool > y.tool ? 1 : 0)),
    bump,
  };
}

function toolChanges(a: Tool, b: Tool): ToolChange[] {
  const out: ToolChange[] = [];
  const add = (change: string, breaking: boolean) => out.push({ tool: a.name, change, breaking });
  const propsA = props(a.inputSchema);
  const propsB = props(b.inputSchema);
  const reqB = new Set(required(b.inputSchema));
  for (const arg of Object.keys(propsB)) {
    if (!(arg in propsA) && !reqB.has(arg)) add(`new optional argument "${arg}"`, false);
  }
  // Breaking input changes: the plan's rules (generator/render/src/plan/schema-compat.ts), one source of truth.
  for (const b2 of inputSchemaBreaks(a.inputSchema, b.inputSchema)) add(b2.message, true);
  const inputRest = (s: JsonSchema) => canonicalJson({ ...s, description: undefined });
  if (out.length === 0 && inputRest(a.inputSchema) !== inputRest(b.inputSchema))
    add('input schema details changed', false);
  const outA = a.outputSchema ? props(a.outputSchema) : undefined;
  const outB = b.outputSchema ? props(b.outputSchema) : undefined;
  if (outA && !outB) add('output schema removed', false);
  else if (outA && outB) {
    const gone = Object.keys(outA).filter((k) => !(k in outB));
    if (gone.length > 0) add(`result no longer has ${gone.map((g) => `"${g}"`).join(', ')}`, true);
  } else if (!outA && outB) add('output schema added', false);
  if (a.http && b.http) {
    if (a.http.method !== b.http.method || a.http.path !== b.http.path) {
      add(`request changed from ${a.http.method} ${a.http.path} to ${b.http.method} ${b.http.path}`, false);
    } else if (canonicalJson(a.http) !== canonicalJson(b.http)) add('argument mapping changed', false);
  } else if (a.a2a?.skill !== b.a2a?.skill) {
    add(`A2A skill changed from ${a.a2a?.skill ?? '(none)'} to ${b.a2a?.skill ?? '(none)'}`, false);
  }
  if (a.description !== b.description) add('description changed', false);
  if ((a.title ?? '') !== (b.title ?? '')) add('title changed', false);
  if (canonicalJson(a.annotations ?? {}) !== canonicalJson(b.annotations ?? {}))
    add('annotations changed', false);
  if ((a.sensitive ?? false) !== (b.sensitive ?? false))
    add(`sensitive ${b.sensitive ? 'set' : 'cleared'}`, false);
  return out;
}

function props(schema: JsonSchema): Record<string, JsonSchema> {
  return (schema['properties'] ?? {}) as Record<string, JsonSchema>;
}
function required(schema: JsonSchema): string[] {
  return Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
}

/** The diff as text for the terminal and pull request bodies. */
export function formatContractDiff(diff: ContractDiff): string {
  const lines: string[] = [];
  for (const t of diff.added) lines.push(`+ ${t} (new tool)`);
  for (const c of diff.changes)
    lines.push(`${c.breaking ? '!' : '~'} ${c.tool}: ${c.change}${c.breaking ? ' (breaking)' : ''}`);
  if (lines.length === 0) lines.push('no change to the tool contract');
  lines.push(`suggested version bump: ${diff.bump}`);
  return `${lines.join('\n')}\n`;
}
