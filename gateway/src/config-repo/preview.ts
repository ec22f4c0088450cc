/**
 * previewChange: what a proposed change does to the config repository, before anyone opens a pull request.
 * Pure over its inputs: the files of the change laid over a snapshot, each file's status, a unified diff
 * `git apply` takes from the repository root, the validation of the result (what `raku validate` would say
 * on the pull request) and who gains or loses which tools (what `raku plan` would say: the same
 * @raku/render accessChanges over each zone's gateway bundle, base vs changed).
 */
import { type Diagnostic, type SourceFile, sha256Hex, validateRepo } from '@raku/config';
import { accessChanges, buildBundle, type GatewayBundle } from '@raku/render';
import { formatPatch, structuredPatch } from 'diff';
import { checkChangeFiles } from './change-files.ts';
import type {
  AccessChange,
  ChangeFileStatus,
  ChangePreview,
  ChangeRequest,
  ConfigSnapshot,
  PreviewFile,
} from './types.ts';

const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/**
 * Applies `change` over `snapshot` and describes the result. Throws InvalidChangeFileError (status 400) for
 * a file the change may not touch (see checkChangeFiles); everything else, including a change that breaks the
 * config, is reported in the preview (`diagnostics`, `valid: false`).
 */
export function previewChange(snapshot: ConfigSnapshot, change: ChangeRequest): ChangePreview {
  checkChangeFiles(change.files);
  const base = new Map(snapshot.files.map((f) => [f.path, f]));
  const files: PreviewFile[] = change.files.map(({ path, content }) => {
    const held = base.get(path);
    // A refused entry (a symbolic link the reader did not follow) has no text: the change replaces it.
    const before = held && !held.refused ? decoder.decode(held.bytes) : null;
    const beforeSha256 = before === null ? null : sha256Hex(before);
    return { path, status: statusOf(before, content), before, after: content, beforeSha256 };
  });

  const changed = applyFiles(snapshot.files, change);
  const head = validateRepo(changed);
  const valid = !head.diagnostics.some((d) => d.severity === 'error');
  return {
    baseRevision: snapshot.revision,
    files,
    patch: patchOf(files),
    diagnostics: head.diagnostics,
    valid,
    access: valid ? accessOf(snapshot, head) : [],
  };
}

/**
 * The files of `change.base` whose text on `snapshot` is not what the preview showed (sha-256 of the UTF-8
 * text, null: absent), in path order. Empty without `base`.
 */
export function changedSincePreview(snapshot: ConfigSnapshot, change: ChangeRequest): string[] {
  if (!change.base) return [];
  const held = new Map(snapshot.files.map((f) => [f.path, f]));
  const differ: string[] = [];
  for (const [path, seen] of Object.entries(change.base)) {
    const file = held.get(path);
    const now = file && !file.refused ? sha256Hex(decoder.decode(file.bytes)) : null;
    if (now !== seen) differ.push(path);
  }
  return differ.sort();
}

/** The snapshot's files with the change applied (deleted files dropped), sorted by path as readRepoFiles sorts. */
export function applyFiles(files: readonly SourceFile[], change: ChangeRequest): SourceFile[] {
  const out = new Map(files.map((f) => [f.path, f]));
  for (const { path, content } of change.files) {
    if (content === null) out.delete(path);
    else out.set(path, { path, bytes: encoder.encode(content) });
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function statusOf(before: string | null, after: string | null): ChangeFileStatus {
  if (before === after) return 'unchanged';
  if (before === null) return 'added';
  if (after === null) return 'deleted';
  return 'modified';
}

/** A git-style unified diff of the files that change, in path order (as `git diff` lists them). */
function patchOf(files: readonly PreviewFile[]): string {
  const parts: string[] = [];
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (file.status === 'unchanged') continue;
    const created = file.before === null;
    const deleted = file.after === null;
    const patch = structuredPatch(
      created ? '/dev/null' : `a/${file.path}`,
      deleted ? '/dev/null' : `b/${file.path}`,
      file.before ?? '',
      file.after ?? '',
      undefined,
      undefined,
      { context: 3 },
    );
    parts.push(formatPatch({ ...patch, isGit: true, isCreate: created, isDelete: deleted }));
  }
  return parts.join('');
}

/**
 * Who gains or loses which tools, every environment: each zone's bundle on both sides, compared by
 * @raku/render's accessChanges (the access section of `raku plan`). Empty when the base has errors: a
 * bundle is built from a valid model only, and a diff against nothing would list every grant as gained.
 */
function accessOf(snapshot: ConfigSnapshot, head: ReturnType<typeof validateRepo>): AccessChange[] {
  const base = baseBundles(snapshot);
  return base ? accessChanges(base, bundlesOf(head.model)) : [];
}

// The base's bundles, undefined when the base has errors. Kept per snapshot object: the GitHub adapter hands
// out the same snapshot for an unchanged commit, so previews of one base validate it once.
const bases = new WeakMap<ConfigSnapshot, Map<string, GatewayBundle> | undefined>();
function baseBundles(snapshot: ConfigSnapshot): Map<string, GatewayBundle> | undefined {
  if (bases.has(snapshot)) return bases.get(snapshot);
  const base = validateRepo(snapshot.files);
  const bundles = hasErrors(base.diagnostics) ? undefined : bundlesOf(base.model);
  bases.set(snapshot, bundles);
  return bundles;
}

function bundlesOf(model: ReturnType<typeof validateRepo>['model']): Map<string, GatewayBundle> {
  const out = new Map<string, GatewayBundle>();
  for (const zone of model.zones) {
    // The revision is recorded in the bundle only; the access diff does not read it.
    out.set(zone.value.name, buildBundle(model, zone.value.name, { revision: 'preview' }));
  }
  return out;
}

function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
