import type { Pack, Tool } from '@raku/config';
import { canonicalJson } from '@raku/config';
import semver from 'semver';
import { contractDiff } from './contract-diff.ts';

/** Tool fields a reviewer may edit by hand; everything else of a tool is regenerated from the document. */
export const HAND_EDITABLE: readonly (keyof Tool)[] = [
  'name',
  'title',
  'description',
  'annotations',
  'sensitive',
  'timeoutMs',
  'cache',
];

/**
 * Re-import: merges a newly generated pack into the committed one.
 *
 * The rule: **a field you changed from what the importer generated is kept.** Tools are matched by
 * operation (method + path, from `source.operations`). For each hand-editable field (name, title,
 * description, annotations, sensitive, timeoutMs, cache), when the committed value differs from what the importer
 * generated last time (`previous`: the pack regenerated from the previous document snapshot, checked by its
 * sha256), the committed value wins; otherwise the new generated value is taken. Without `previous` (no
 * snapshot), every committed value of those fields is kept. Schemas and HTTP mappings always come from the
 * new document. Pack-level fields (owner, title, description, toolPrefix, upstream, runtime) are kept from
 * the committed pack; its version is bumped as the contract diff calls for. Tools not from the document
 * (hand-written) are kept. Pure.
 */
export function mergeReimport(
  committed: Pack,
  generated: Pack,
  previous?: Pack,
): { pack: Pack; kept: string[] } {
  const kept: string[] = [];
  const opKey = (o: { method: string; path: string }) => `${o.method.toUpperCase()} ${o.path}`;
  const byOp = (p: Pack) => {
    const tools = new Map(p.tools.map((t) => [t.name, t]));
    const out = new Map<string, Tool>();
    for (const o of p.source?.operations ?? []) {
      const t = tools.get(o.tool);
      if (t) out.set(opKey(o), t);
    }
    return out;
  };
  const committedByOp = byOp(committed);
  const previousByOp = previous ? byOp(previous) : undefined;
  const generatedOps = new Map((generated.source?.operations ?? []).map((o) => [o.tool, opKey(o)]));
  const fromDocument = new Set([...committedByOp.values()].map((t) => t.name));

  const tools: Tool[] = generated.tools.map((fresh) => {
    const op = generatedOps.get(fresh.name) as string;
    const mine = committedByOp.get(op);
    if (!mine) return fresh;
    const before = previousByOp?.get(op);
    const merged: Tool = { ...fresh };
    for (const field of HAND_EDITABLE) {
      const edited = before
        ? !same(mine[field], before[field]) && !isCutOf(mine[field], before[field])
        : mine[field] !== undefined;
      if (!edited) continue;
      if (!same(mine[field], fresh[field])) kept.push(`${mine.name}.${field}`);
      if (mine[field] === undefined) delete merged[field];
      else (merged as unknown as Record<string, unknown>)[field] = mine[field];
    }
    return merged;
  });
  const renamed = new Map(generated.tools.map((t, i) => [t.name, tools[i]?.name as string]));
  const handWritten = committed.tools.filter(
    (t) => !fromDocument.has(t.name) && !tools.some((x) => x.name === t.name),
  );
  const allTools = [...tools, ...handWritten];

  const pack: Pack = {
    ...committed,
    tools: allTools,
    ...(generated.source
      ? {
          source: {
            ...generated.source,
            operations: (generated.source.operations ?? []).map((o) => ({
              ...o,
              tool: renamed.get(o.tool) ?? o.tool,
            })),
          },
        }
      : {}),
  };
  const diff = contractDiff(committed, pack);
  if (diff.bump !== 'none' && semver.valid(committed.version)) {
    pack.version = semver.inc(committed.version, diff.bump) ?? committed.version;
  }
  return { pack, kept };
}

/** A description the importer shortened to fit a large pack into one file is not a hand edit. */
function isCutOf(mine: unknown, generated: unknown): boolean {
  return (
    typeof mine === 'string' &&
    typeof generated === 'string' &&
    mine.endsWith('…') &&
    generated.length > mine.length - 1 &&
    generated.startsWith(mine.slice(0, -1))
  );
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}
