import type { Diagnostic } from '../diagnostic.ts';
import { countBySeverity } from '../diagnostic.ts';
import { printable } from './printable.ts';

/** GitHub shows at most this many annotations of one severity per step (and 50 per job). */
export const ANNOTATIONS_PER_SEVERITY = 10;

/** Lines added or changed per file in a pull request, from the files API's unified-diff `patch`. */
export type ChangedLines = Map<string, Set<number>>;

/** The new-side line numbers a unified diff adds or changes. */
export function addedLines(patch: string): Set<number> {
  const out = new Set<number>();
  let line = 0;
  for (const raw of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(raw);
    if (hunk) {
      line = Number(hunk[1]);
      continue;
    }
    if (raw.startsWith('+')) out.add(line++);
    else if (raw.startsWith(' ')) line++;
    // '-' lines exist only on the old side; '\' is "no newline at end of file".
  }
  return out;
}

function rank(d: Diagnostic, changed: ChangedLines | undefined): number {
  if (!changed) return 0;
  const lines = changed.get(d.file);
  if (lines?.has(d.line)) return 0; // on a line the pull request touched
  if (lines) return 1; // in a file the pull request touched
  return 2;
}

/**
 * Chooses which diagnostics become annotations: problems on changed lines first, then in changed files,
 * then the rest, at most `perSeverity` errors and `perSeverity` warnings. The rest go to the job summary only.
 */
export function chooseAnnotations(
  list: readonly Diagnostic[],
  changed: ChangedLines | undefined,
  perSeverity = ANNOTATIONS_PER_SEVERITY,
): { annotations: Diagnostic[]; omitted: number } {
  const ordered = list
    .map((d, i) => ({ d, i, r: rank(d, changed) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.d);
  const taken = { error: 0, warning: 0 };
  const annotations: Diagnostic[] = [];
  for (const d of ordered) {
    if (taken[d.severity] >= perSeverity) continue;
    taken[d.severity]++;
    annotations.push(d);
  }
  return { annotations, omitted: list.length - annotations.length };
}

function cell(text: string): string {
  return printable(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;');
}

/** The job summary: counts, then every diagnostic in a Markdown table (config text is escaped, never trusted). */
export function renderSummary(list: readonly Diagnostic[], fileCount: number, omitted: number): string {
  const { errors, warnings } = countBySeverity(list);
  const lines = [
    '## Raku validate',
    '',
    `${fileCount} files checked: **${errors} error${errors === 1 ? '' : 's'}**, ${warnings} warning${warnings === 1 ? '' : 's'}.`,
  ];
  if (omitted > 0) {
    lines.push(
      '',
      `${omitted} problem${omitted === 1 ? ' is' : 's are'} listed here only (GitHub shows at most ${ANNOTATIONS_PER_SEVERITY} annotations per severity).`,
    );
  }
  if (list.length > 0) {
    lines.push('', '| | File | Field | Problem | Rule |', '|---|---|---|---|---|');
    for (const d of list) {
      const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
      lines.push(
        `| ${d.severity === 'error' ? '❌' : '⚠️'} | \`${cell(where)}\` | ${cell(d.path) || ' '} | ${cell(d.message)} | ${cell(d.rule)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
