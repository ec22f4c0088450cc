import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pack } from '@raku/config';
import { parseYamlSource, sha256Hex, UserError } from '@raku/config';
import { type OpenApiDocument, parseDocument } from './openapi-document.ts';

/**
 * The file-system side of `raku import openapi`: what is committed in a pack folder, and writing the packs an
 * import made. Written with node:fs here, not as a change set through writeChangeSet of @raku/release: import
 * may not import release, the snapshot must be written byte for byte (its sha256 is recorded in the pack, and a
 * change set holds strings), and a team's pack folder must not get writeChangeSet's ownership list.
 */

/** The pack committed in `file`, or undefined when there is none; a UserError when it is not a mapping. */
export async function readCommittedPack(file: string): Promise<Pack | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return undefined;
  }
  return parseCommittedPack(bytes, file);
}

/** A committed pack file's bytes as a pack; a UserError when it is not a mapping. Pure. */
export function parseCommittedPack(bytes: Uint8Array, file: string): Pack {
  const parsed = parseYamlSource({ path: file, bytes });
  if (parsed.value === undefined || typeof parsed.value !== 'object') {
    throw new UserError(
      `${file} exists but cannot be read as a pack: ${parsed.diagnostics[0]?.message ?? 'not a mapping'}`,
    );
  }
  return parsed.value as Pack;
}

/** The previous document snapshot, when the committed pack names one in its folder and its hash matches. */
export async function readSnapshot(dir: string, committed: Pack): Promise<OpenApiDocument | undefined> {
  const doc = snapshotName(committed);
  if (!doc) return undefined;
  try {
    return snapshotDocument(await readFile(path.join(dir, doc)), committed);
  } catch {
    return undefined;
  }
}

/** The file name of the committed pack's snapshot in its folder, or undefined (a URL, or outside the folder). */
export function snapshotName(committed: Pack): string | undefined {
  const doc = committed.source?.document;
  if (!doc || /^https?:/i.test(doc) || doc.includes('..')) return undefined;
  return doc;
}

/** The snapshot's bytes as a document, when they are the ones the committed pack records. Pure. */
export function snapshotDocument(bytes: Uint8Array, committed: Pack): OpenApiDocument | undefined {
  const doc = snapshotName(committed);
  if (!doc || sha256Hex(bytes) !== committed.source?.sha256) return undefined;
  try {
    return parseDocument(bytes, doc);
  } catch {
    return undefined;
  }
}

/** One pack folder an import writes. */
export interface PackFolderWrite {
  /** The pack folder (absolute). */
  dir: string;
  /** The pack file's YAML. */
  yaml: string;
  /** The document snapshot beside it: its file name in the folder and its bytes. */
  snapshot: { name: string; bytes: Uint8Array };
  /** A previous snapshot of another format (openapi.yaml when the document is now JSON), removed. */
  replaces?: string;
}

/**
 * The files of one pack folder an import writes, in the order they are written, relative to the folder:
 * the snapshot, the removed snapshot of the other format (bytes null), then pack.yaml (last, so that it names
 * a snapshot already there). writeImport writes these; the gateway's import drafts propose them. Pure.
 */
export function packFolderFiles(
  write: Omit<PackFolderWrite, 'dir'>,
): { name: string; bytes: Uint8Array | null }[] {
  return [
    { name: write.snapshot.name, bytes: write.snapshot.bytes },
    ...(write.replaces ? [{ name: write.replaces, bytes: null }] : []),
    { name: 'pack.yaml', bytes: Buffer.from(write.yaml) },
  ];
}

/** What writeImport wrote, in order: absolute paths. */
export interface ImportWritten {
  packs: { packFile: string; snapshotFile: string; tools: number }[];
  draftPolicy?: string;
}

/**
 * Writes the packs of an import (an ImportOpenApiResult, which must have no errors): in each folder the snapshot, then pack.yaml
 * (last, so that it names a snapshot already there), removing a snapshot of the other format; then the
 * draft policy of `--ai`, under `root`.
 */
export async function writeImport(
  result: {
    errors: number;
    packs: readonly { pack: Pack; write: PackFolderWrite }[];
    ai?: { draftPolicy?: { path: string; yaml: string } };
  },
  root: string,
): Promise<ImportWritten> {
  if (result.errors > 0) throw new Error('an import with errors cannot be written');
  const written: ImportWritten = { packs: [] };
  for (const { pack, write } of result.packs) {
    await mkdir(write.dir, { recursive: true });
    for (const file of packFolderFiles(write)) {
      const full = path.join(write.dir, file.name);
      if (file.bytes === null) await rm(full, { force: true });
      else await writeFile(full, file.bytes);
    }
    const snapshotFile = path.join(write.dir, write.snapshot.name);
    const packFile = path.join(write.dir, 'pack.yaml');
    written.packs.push({ packFile, snapshotFile, tools: pack.tools.length });
  }
  const draft = result.ai?.draftPolicy;
  if (draft) {
    const file = path.join(root, draft.path);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, draft.yaml);
    written.draftPolicy = file;
  }
  return written;
}
