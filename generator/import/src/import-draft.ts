import type { Diagnostic, Pack, SourceFile } from '@raku/config';
import { exposedToolName, UserError } from '@raku/config';
import { type ImportOptions, importOpenApi, operationKey } from './build-pack.ts';
import { type ContractDiff, contractDiff } from './contract-diff.ts';
import { checkPack, generatePack } from './import-pack.ts';
import { documentFormat, type OpenApiDocument } from './openapi-document.ts';
import { listOperations } from './operations.ts';
import { packFolderFiles } from './pack-folder.ts';

/** One chosen operation of a draft, with the edits made to its tool before import. */
export interface DraftOperation {
  /** '<METHOD> <path>' */
  id: string;
  /** A new tool name (1–63 characters of [A-Za-z0-9_-]; the exposed '<prefix>.<name>' at most 64). */
  name?: string;
  description?: string;
  sensitive?: boolean;
}

export interface DraftImportInput {
  doc: OpenApiDocument;
  /** The document's bytes, kept beside the pack as its snapshot (as `raku import openapi` writes it). */
  bytes: Uint8Array;
  sha256: string;
  /** The snapshot's file name: openapi.json or openapi.yaml, as the CLI names it (snapshotFileName). */
  snapshotName: string;
  name: string;
  owner: string;
  baseUrl?: string;
  documentUrl?: string;
  operations: readonly DraftOperation[];
  /** The pack of that name already in the repository, and the document it was made from (when its snapshot matches). */
  committed?: { pack: Pack; previousDoc?: OpenApiDocument };
  /** The repository's files: the pack is validated in place among them. */
  repoFiles: readonly SourceFile[];
}

export interface DraftImport {
  pack: Pack;
  /** Repository-relative files of the pack folder (bytes null: delete), in the order writeImport writes them. */
  files: { path: string; bytes: Uint8Array | null }[];
  /** The repository's diagnostics for the pack file, with it in place. */
  diagnostics: Diagnostic[];
  warnings: string[];
  /** Against the committed pack, when there is one. */
  diff?: ContractDiff;
}

const TOOL_NAME = /^[A-Za-z0-9_-]{1,63}$/;

/**
 * The pack folder `raku import openapi` would write for exactly these operations (merged with the committed
 * pack on re-import, as the CLI merges), with the console's per-tool edits applied on top, validated in the
 * repository. Throws a UserError naming the operation for an id that is not in the document, an operation
 * that cannot be imported, or an edit that breaks the tool-name rules. Pure over its inputs.
 */
export function draftImport(input: DraftImportInput): DraftImport {
  const format = documentFormat(input.doc, input.snapshotName);
  const known = new Map(listOperations(input.doc, format).map((op) => [operationKey(op), op]));
  const chosen = new Set<string>();
  for (const [i, op] of input.operations.entries()) {
    if (!known.has(op.id))
      throw new UserError(`operations[${i}].id: no operation "${op.id}" in the document`);
    if (chosen.has(op.id)) throw new UserError(`operations[${i}].id: "${op.id}" is listed twice`);
    chosen.add(op.id);
  }
  const options: ImportOptions = {
    name: input.name,
    owner: input.owner,
    include: [],
    exclude: [],
    maxTools: Math.min(2000, Math.max(1, chosen.size)),
    // Chosen one by one: a deprecated operation chosen is imported (its description says it is deprecated).
    includeDeprecated: true,
    operations: chosen,
    sourceDocument: input.snapshotName,
    sha256: input.sha256,
    ...(input.baseUrl ? { baseUrl: input.baseUrl } : {}),
    ...(input.documentUrl ? { documentUrl: input.documentUrl } : {}),
  };
  const imported = importOpenApi(input.doc, options);
  const refused = imported.report.skipped.find((s) => s.code !== 'filtered');
  if (refused) {
    throw new UserError(`operation "${operationKey(refused)}" cannot be imported: ${refused.reason}`);
  }
  const made = generatePack({
    doc: input.doc,
    options,
    imported,
    ...(input.committed ? { committed: input.committed.pack } : {}),
    ...(input.committed?.previousDoc ? { previousDoc: input.committed.previousDoc } : {}),
  });
  const pack = applyEdits(made.pack, input.operations);
  const packPath = `packs/${input.name}/pack.yaml`;
  const checked = checkPack(pack, packPath, input.repoFiles);
  const old = input.committed?.pack.source?.document;
  const files = packFolderFiles({
    yaml: checked.yaml,
    snapshot: { name: input.snapshotName, bytes: input.bytes },
    ...(old && old !== input.snapshotName && /^openapi\.(json|ya?ml)$/.test(old) ? { replaces: old } : {}),
  }).map((f) => ({ path: `packs/${input.name}/${f.name}`, bytes: f.bytes }));
  return {
    pack,
    files,
    diagnostics: checked.diagnostics,
    warnings: [...made.report.warnings, ...checked.warnings],
    ...(input.committed ? { diff: contractDiff(input.committed.pack, pack) } : {}),
  };
}

/** The snapshot's file name `raku import openapi` gives a document's bytes: JSON or YAML by its first bytes. */
export function snapshotFileName(bytes: Uint8Array): string {
  return `openapi.${/^\s*\{/.test(Buffer.from(bytes.slice(0, 64)).toString()) ? 'json' : 'yaml'}`;
}

/** The console's edits (rename, description, sensitive) applied to the imported tools, each checked. */
function applyEdits(input: Pack, operations: readonly DraftOperation[]): Pack {
  const pack = structuredClone(input);
  const byOperation = new Map((pack.source?.operations ?? []).map((o) => [`${o.method} ${o.path}`, o]));
  const tools = new Map(pack.tools.map((t) => [t.name, t]));
  const renames = new Map<string, string>();
  for (const [i, edit] of operations.entries()) {
    const source = byOperation.get(edit.id);
    const tool = source ? tools.get(source.tool) : undefined;
    if (!source || !tool) continue;
    if (edit.description !== undefined) {
      const text = edit.description.trim();
      if (!text) throw new UserError(`operations[${i}].description: empty`);
      tool.description = text;
    }
    if (edit.sensitive === true) tool.sensitive = true;
    else if (edit.sensitive === false) delete tool.sensitive;
    if (edit.name !== undefined && edit.name !== tool.name) {
      if (!TOOL_NAME.test(edit.name)) {
        throw new UserError(
          `operations[${i}].name: "${edit.name}" is not a tool name (1 to 63 characters of letters, digits, '_' and '-')`,
        );
      }
      const exposed = exposedToolName(pack, edit.name);
      if (exposed.length > 64) {
        throw new UserError(`operations[${i}].name: the exposed name "${exposed}" is over 64 characters`);
      }
      renames.set(tool.name, edit.name);
    }
  }
  if (renames.size === 0) return pack;
  const seen = new Map<string, string>();
  for (const tool of pack.tools) {
    const name = renames.get(tool.name) ?? tool.name;
    const other = seen.get(name);
    if (other !== undefined) {
      throw new UserError(`operations: two tools would be named "${name}" (${other} and ${tool.name})`);
    }
    seen.set(name, tool.name);
  }
  for (const tool of pack.tools) tool.name = renames.get(tool.name) ?? tool.name;
  for (const op of pack.source?.operations ?? []) op.tool = renames.get(op.tool) ?? op.tool;
  return pack;
}
