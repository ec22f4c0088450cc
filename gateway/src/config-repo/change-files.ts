/**
 * What a proposed change may touch: the config files the loader reads and nothing else, so a change can
 * neither write outside the config folders (workflows, the gateway's own code) nor add files the validation
 * does not see. Pure.
 */
import type { ChangeFile } from './types.ts';

/** At most this many files per change. */
export const MAX_CHANGE_FILES = 200;
/** At most this many bytes of UTF-8 per file (a large imported pack is about 1 MB). */
export const MAX_CHANGE_FILE_BYTES = 1024 * 1024;

/**
 * A change the gateway refuses before looking at its content: a path outside the config files, a file too
 * large, too many files. `status` 400 so the admin router answers it as a bad request whichever route threw it.
 */
export class InvalidChangeFileError extends Error {
  readonly status = 400;
  readonly type = 'invalid-change-file';
}

// A file or folder name: no leading dot (so no '.', '..' or hidden files), no separators, no control or
// quoting characters (git quotes those in patch headers, and some tools apply such patches wrongly).
const NAME = '[A-Za-z0-9_][A-Za-z0-9._-]*';
const CONFIG_PATH = new RegExp(`^(?:packs/${NAME}/pack\\.ya?ml|(?:zones|policies|tenants)/${NAME}\\.ya?ml)$`);

/** Why `path` may not be changed, or undefined when it may. */
export function changePathProblem(path: string): string | undefined {
  if (path.includes('\u0000')) return 'holds NUL';
  if (path.startsWith('/')) return 'is absolute; give a repository-relative path';
  if (path.includes('\\')) return "holds '\\'; separate folders with '/'";
  if (path.split('/').some((part) => part === '..' || part === '.')) return "holds a '.' or '..' segment";
  if (!/^(?:packs|zones|policies|tenants)\//.test(path))
    return 'is outside packs/, zones/, policies/ and tenants/';
  if (!CONFIG_PATH.test(path)) {
    return "is not a config file: packs/<name>/pack.yaml, zones/<name>.yaml, policies/<name>.yaml or tenants/<name>.yaml ('.yml' too; names of letters, digits, '.', '_', '-')";
  }
  return undefined;
}

/**
 * Checks every file of a change (count, paths, sizes, one entry per path) and throws InvalidChangeFileError
 * naming the first bad one as `files[i]`.
 */
export function checkChangeFiles(files: readonly ChangeFile[]): void {
  if (files.length === 0) throw new InvalidChangeFileError('files: give at least one file');
  if (files.length > MAX_CHANGE_FILES) {
    throw new InvalidChangeFileError(
      `files: ${files.length} files; a change holds at most ${MAX_CHANGE_FILES}`,
    );
  }
  const seen = new Map<string, number>();
  const encoder = new TextEncoder();
  files.forEach((file, i) => {
    const problem = changePathProblem(file.path);
    if (problem)
      throw new InvalidChangeFileError(`files[${i}].path ${JSON.stringify(file.path)}: ${problem}`);
    const earlier = seen.get(file.path);
    if (earlier !== undefined) {
      throw new InvalidChangeFileError(
        `files[${i}].path ${JSON.stringify(file.path)}: also given as files[${earlier}]; one entry per file`,
      );
    }
    seen.set(file.path, i);
    if (file.content === null) return;
    if (file.content.includes('\u0000')) {
      throw new InvalidChangeFileError(
        `files[${i}].content (${file.path}): holds NUL; config files are text`,
      );
    }
    // Counting UTF-16 units first spares encoding what is clearly within (a unit is at most 3 bytes).
    if (file.content.length * 3 > MAX_CHANGE_FILE_BYTES) {
      const bytes = encoder.encode(file.content).length;
      if (bytes > MAX_CHANGE_FILE_BYTES) {
        throw new InvalidChangeFileError(
          `files[${i}].content (${file.path}): ${bytes} bytes; a file holds at most ${MAX_CHANGE_FILE_BYTES} (1 MiB)`,
        );
      }
    }
  });
}

// C0 and C1 control characters (line breaks and tabs among them) and the Unicode line/paragraph separators.
const NOT_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * A title is one line of text: it is the commit's first line and the pull request's title, so a line break
 * would let it write the commit's trailers (`Proposed-By:`) or the pull request's body.
 */
export function checkChangeTitle(title: string): void {
  const bad = NOT_ONE_LINE.exec(title);
  if (bad) {
    const code = (bad[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
    throw new InvalidChangeFileError(
      `title: one line of text; it holds U+${code} (a line break or control character)`,
    );
  }
}

/** `text` on one line: control characters and line separators become spaces (for subjects written in commits). */
export function oneLine(text: string): string {
  return text.replace(new RegExp(NOT_ONE_LINE.source, 'gu'), ' ');
}
