import { canonicalJson } from '../model/hash.ts';
import type { JsonSchema, Pack, Tool } from '../model/types.ts';

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
 * Compares the tools of two packs: tools added and removed, and per tool the argument changes (new required
 * argument, removed argument, changed type or narrowed enum are breaking), output changes, mapping and
 * text changes. Pure. (A general contract diff for `raku plan` may replace this one.)
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
  const reqA = new Set(required(a.inputSchema));
  const reqB = new Set(required(b.inputSchema));
  for (const arg of Object.keys(propsB)) {
    if (!(arg in propsA))
      add(`new ${reqB.has(arg) ? 'required' : 'optional'} argument "${arg}"`, reqB.has(arg));
    else if (reqB.has(arg) && !reqA.has(arg)) add(`argument "${arg}" is now required`, true);
  }
  for (const arg of Object.keys(propsA)) {
    if (!(arg in propsB)) add(`argument "${arg}" removed`, true);
  }
  for (const arg of Object.keys(propsA)) {
    const x = propsA[arg];
    const y = propsB[arg];
    if (!x || !y) continue;
    if (canonicalJson(x['type'] ?? null) !== canonicalJson(y['type'] ?? null)) {
      add(`argument "${arg}" type changed from ${fmt(x['type'])} to ${fmt(y['type'])}`, true);
    }
    if (Array.isArray(x['enum']) && Array.isArray(y['enum'])) {
      const gone = x['enum'].filter(
        (v) => !(y['enum'] as unknown[]).some((w) => canonicalJson(w) === canonicalJson(v)),
      );
      if (gone.length > 0) add(`argument "${arg}" no longer accepts ${gone.map(fmt).join(', ')}`, true);
    } else if (!Array.isArray(x['enum']) && Array.isArray(y['enum'])) {
      add(`argument "${arg}" is now limited to ${y['enum'].map(fmt).join(', ')}`, true);
    }
  }
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
  if (a.http.method !== b.http.method || a.http.path !== b.http.path) {
    add(`request changed from ${a.http.method} ${a.http.path} to ${b.http.method} ${b.http.path}`, false);
  } else if (canonicalJson(a.http) !== canonicalJson(b.http)) add('argument mapping changed', false);
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
function fmt(v: unknown): string {
  return v === undefined ? 'any' : JSON.stringify(v);
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
