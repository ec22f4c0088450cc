import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChangeSet } from '@raku/render';
import { OWNED_FILES_MANIFEST, statIfExists } from './write-change-set.ts';

/**
 * The file in a zone's output folder recording the render key of the files there (zoneRenderKeys of
 * @raku/render, salted with the renderer's code) and each file's size, written after everything else.
 */
export const RENDER_RECORD = '.raku-render';

interface RenderRecord {
  key: string;
  configRevision: string;
  /** Relative path → size in bytes, the owned-files manifest included. */
  files: Record<string, number>;
}

/** What a zone folder holds when it is up to date: its files (not the manifest) and config revision. */
export interface UpToDate {
  files: string[];
  configRevision: string;
}

/**
 * The zone folder's files when they are still what the render under `key` wrote: the record names `key`, and
 * every file it lists (the manifest too) is there with its recorded size and not modified after the record.
 * A file edited, removed or touched by hand since makes the answer undefined (render and write again). Costs
 * one read and one stat per file, never a read of the files themselves.
 */
export function readUpToDate(dir: string, key: string): UpToDate | undefined {
  const recordPath = path.join(dir, RENDER_RECORD);
  let record: RenderRecord;
  try {
    record = JSON.parse(readFileSync(recordPath, 'utf8')) as RenderRecord;
  } catch {
    return undefined; // missing, unreadable or not ours: render
  }
  if (record?.key !== key || typeof record.files !== 'object' || record.files === null) return undefined;
  const recordedAt = statIfExists(recordPath)?.mtimeMs ?? -1;
  const files: string[] = [];
  let sawManifest = false;
  for (const [rel, size] of Object.entries(record.files)) {
    const st = statIfExists(path.join(dir, rel));
    if (!st || st.size !== size || st.mtimeMs > recordedAt) return undefined;
    if (rel === OWNED_FILES_MANIFEST) sawManifest = true;
    else files.push(rel);
  }
  if (!sawManifest || typeof record.configRevision !== 'string') return undefined;
  return { files, configRevision: record.configRevision };
}

/** Removes the record before a zone folder is rewritten, so a write cut short leaves no stale record. */
export function removeRenderRecord(dir: string): void {
  rmSync(path.join(dir, RENDER_RECORD), { force: true });
}

/** Records `key` for the change set just written to `dir` (call after writeChangeSet). */
export function writeRenderRecord(dir: string, key: string, cs: ChangeSet, configRevision: string): void {
  const files: Record<string, number> = {};
  for (const [rel, content] of cs) files[rel] = Buffer.byteLength(content);
  files[OWNED_FILES_MANIFEST] = statSync(path.join(dir, OWNED_FILES_MANIFEST)).size;
  const record: RenderRecord = { key, configRevision, files };
  const file = path.join(dir, RENDER_RECORD);
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`);
  renameSync(tmp, file);
}
