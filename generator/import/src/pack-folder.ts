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
  const doc = committed.source?.document;
  if (!doc || /^https?:/i.test(doc) || doc.includes('..')) return undefined;
  try {
    const bytes = await readFile(path.join(dir, doc));
    if (sha256Hex(bytes) !== committed.source?.sha256) return undefined;
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
    const snapshotFile = path.join(write.dir, write.snapshot.name);
    await writeFile(snapshotFile, write.snapshot.bytes);
    if (write.replaces) await rm(path.join(write.dir, write.replaces), { force: true });
    const packFile = path.join(write.dir, 'pack.yaml');
    await writeFile(packFile, write.yaml);
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
