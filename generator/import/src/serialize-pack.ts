import type { Pack, Policy } from '@raku/config';
import { Document, isMap, isScalar, isSeq, visit } from 'yaml';

export const PACK_SCHEMA_HEADER = ' yaml-language-server: $schema=../../schema/pack.schema.json';

/**
 * Serialises a pack as YAML from the object (never by pasting strings), with the schema header the
 * example packs carry. Small leaf maps and lists (`{ type: string }`, `[a, b]`) are written in flow style
 * so large packs stay readable and within the loader's size limit. Deterministic.
 */
export function serializePack(pack: Pack): string {
  // No anchors or aliases: every value is written where it is.
  const doc = new Document(pack, { aliasDuplicateObjects: false });
  // On the root map rather than the document, so no blank line separates it from the first key.
  if (doc.contents) doc.contents.commentBefore = PACK_SCHEMA_HEADER;
  visit(doc, {
    Map(_key, node) {
      if (
        node.items.length <= 4 &&
        node.items.every((p) => isScalarLike(p.value)) &&
        textLength(node) <= 80
      ) {
        node.flow = true;
      }
    },
    Seq(_key, node) {
      if (node.items.every((v) => isScalarLike(v)) && textLength(node) <= 100) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** A value that can sit in a flow collection: not a collection, and no multi-line text (the yaml package
 * writes that as a plain multi-line scalar, which is invalid in flow context when a line starts with `- `). */
function isScalarLike(node: unknown): boolean {
  if (isMap(node) || isSeq(node)) return false;
  return !(isScalar(node) && typeof node.value === 'string' && /[\n\r]/.test(node.value));
}

function textLength(node: { toJSON(): unknown }): number {
  return JSON.stringify(node.toJSON()).length;
}

/** Serialises a policy (the --ai draft) with the policy schema header. */
export function serializePolicy(policy: Policy): string {
  const doc = new Document(policy, { aliasDuplicateObjects: false });
  if (doc.contents)
    doc.contents.commentBefore = ' yaml-language-server: $schema=../schema/policy.schema.json';
  return doc.toString({ lineWidth: 0 });
}
