/**
 * A unified diff (`git diff` format, as ChangePreview.patch carries it) split per file into typed lines, so
 * the Import view can show each file's change with added and removed lines marked by a sign and a class.
 */

export type PatchLineKind = 'add' | 'del' | 'context' | 'hunk' | 'meta';

export interface PatchLine {
  kind: PatchLineKind;
  text: string;
}

export interface FilePatch {
  /** The file's repository path (from `+++ b/<path>`, or `--- a/<path>` for a deleted file). */
  path: string;
  lines: PatchLine[];
}

function pathOf(header: string): string | null {
  const match = /^(?:---|\+\+\+) (?:[ab]\/)?(.+?)\s*$/.exec(header);
  const name = match?.[1];
  return name && name !== '/dev/null' ? name : null;
}

/**
 * Splits `patch` into one FilePatch per file. A file starts at `diff --git` (git), `Index:` (jsdiff) or a
 * `---`/`+++` pair outside a hunk; hunk bodies are read by the line counts of their `@@` header, so a removed
 * line that itself starts with `--` is not taken for a header.
 */
export function splitPatch(patch: string): FilePatch[] {
  const files: FilePatch[] = [];
  let current: FilePatch | null = null;
  let oldLeft = 0;
  let newLeft = 0;
  const lines = patch.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const start = () => {
    current = { path: '', lines: [] };
    files.push(current);
    return current;
  };
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? '';
    if (oldLeft > 0 || newLeft > 0) {
      const file = current ?? start();
      if (text.startsWith('+')) {
        file.lines.push({ kind: 'add', text });
        newLeft--;
      } else if (text.startsWith('-')) {
        file.lines.push({ kind: 'del', text });
        oldLeft--;
      } else if (text.startsWith('\\')) {
        // "\ No newline at end of file" belongs to the line before it and counts for neither side.
        file.lines.push({ kind: 'meta', text });
      } else {
        file.lines.push({ kind: 'context', text });
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(text);
    if (hunk) {
      oldLeft = Number(hunk[1] ?? 1);
      newLeft = Number(hunk[2] ?? 1);
      (current ?? start()).lines.push({ kind: 'hunk', text });
      continue;
    }
    const opensFile =
      text.startsWith('diff --git ') ||
      text.startsWith('Index: ') ||
      (text.startsWith('--- ') &&
        (lines[i + 1] ?? '').startsWith('+++ ') &&
        !(current as FilePatch | null)?.lines.every((l) => l.kind === 'meta' && !l.text.startsWith('---')));
    let file: FilePatch = current ?? start();
    if (opensFile && file.lines.length > 0) file = start();
    if (text.startsWith('diff --git '))
      file.path = /^diff --git a\/(\S+) b\/(\S+)/.exec(text)?.[2] ?? file.path;
    if (text.startsWith('--- ') || text.startsWith('+++ ')) {
      const name = pathOf(text);
      if (name && (text.startsWith('+++ ') || !file.path)) file.path = name;
    }
    file.lines.push({ kind: 'meta', text });
  }
  return files;
}

/** Added and removed line counts of a file's patch. */
export function patchStats(file: FilePatch): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of file.lines) {
    if (line.kind === 'add') added++;
    else if (line.kind === 'del') removed++;
  }
  return { added, removed };
}
