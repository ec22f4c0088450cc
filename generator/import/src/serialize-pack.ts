import type { Pack, Policy } from '@raku/config';
import { Document, isMap, isScalar, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { emitPackYaml } from './pack-yaml.ts';

export const PACK_SCHEMA_HEADER = ' yaml-language-server: $schema=../../schema/pack.schema.json';

/**
 * Serialises a pack as YAML from the object (never by pasting strings), with the schema header the
 * example packs carry. Small leaf maps and lists (`{ type: string }`, `[a, b]`) are written in flow style
 * so large packs stay readable and within the loader's size limit. Deterministic.
 */
export function serializePack(pack: Pack): string {
  // The fast writer (pack-yaml.ts) gives the same text; it declines anything but plain data.
  return (
    emitPackYaml(pack as unknown as Record<string, unknown>, PACK_SCHEMA_HEADER) ??
    serializePackWithYaml(pack)
  );
}

/** `serializePack` by way of the `yaml` package's node tree: the reference the fast writer is held to. */
export function serializePackWithYaml(pack: Pack): string {
  // No anchors or aliases: every value is written where it is.
  const doc = new Document(pack, { aliasDuplicateObjects: false });
  // On the root map rather than the document, so no blank line separates it from the first key.
  if (doc.contents) doc.contents.commentBefore = PACK_SCHEMA_HEADER;
  flowLeaves(doc.contents);
  return doc.toString({ lineWidth: 0 });
}

/**
 * Marks flow style on the small leaf collections, depth first (a hand walk: the yaml package's `visit` and
 * `toJSON` cost a third of a large split import's time).
 */
function flowLeaves(node: unknown): void {
  if (isMap(node)) {
    let scalars = true;
    for (const p of node.items) {
      if (isMap(p.value) || isSeq(p.value)) {
        flowLeaves(p.value);
        scalars = false;
      } else if (!isScalarLike(p.value)) scalars = false;
    }
    if (scalars && node.items.length <= 4 && mapTextLength(node) <= 80) node.flow = true;
  } else if (isSeq(node)) {
    let scalars = true;
    for (const v of node.items) {
      if (isMap(v) || isSeq(v)) {
        flowLeaves(v);
        scalars = false;
      } else if (!isScalarLike(v)) scalars = false;
    }
    if (scalars && seqTextLength(node) <= 100) node.flow = true;
  }
}

/** A value that can sit in a flow collection: not a collection, and no multi-line text (the yaml package
 * writes that as a plain multi-line scalar, which is invalid in flow context when a line starts with `- `). */
function isScalarLike(node: unknown): boolean {
  if (isMap(node) || isSeq(node)) return false;
  return !(isScalar(node) && typeof node.value === 'string' && /[\n\r]/.test(node.value));
}

/** The length of the map's JSON text (its keys and values are scalars), without building it. */
function mapTextLength(node: YAMLMap): number {
  let n = 1 + Math.max(node.items.length, 1); // braces and commas
  for (const p of node.items) n += jsonLength(p.key) + 1 + jsonLength(p.value);
  return n;
}

/** The length of the list's JSON text (its items are scalars), without building it. */
function seqTextLength(node: YAMLSeq): number {
  let n = 1 + Math.max(node.items.length, 1);
  for (const v of node.items) n += jsonLength(v);
  return n;
}

function jsonLength(node: unknown): number {
  const value = isScalar(node) ? node.value : node;
  return (JSON.stringify(value) ?? 'null').length;
}

/** Serialises a policy (the --ai draft) with the policy schema header. */
export function serializePolicy(policy: Policy): string {
  const doc = new Document(policy, { aliasDuplicateObjects: false });
  if (doc.contents)
    doc.contents.commentBefore = ' yaml-language-server: $schema=../schema/policy.schema.json';
  return doc.toString({ lineWidth: 0 });
}
