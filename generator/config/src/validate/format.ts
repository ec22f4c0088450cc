import type { Diagnostic } from '../diagnostic.ts';
import { countBySeverity } from '../diagnostic.ts';
import { printable } from './printable.ts';

export type DiagnosticFormat = 'text' | 'json' | 'github';
export const DIAGNOSTIC_FORMATS: readonly DiagnosticFormat[] = ['text', 'json', 'github'];

/**
 * Renders diagnostics for a terminal, a machine, or GitHub workflow commands. Pure. Text and GitHub output
 * escape control characters in every field ({@link printable}), so one diagnostic is always one line whatever
 * the file is called; JSON escapes them itself.
 */
export function formatDiagnostics(
  list: readonly Diagnostic[],
  format: DiagnosticFormat,
  fileCount: number,
): string {
  if (format === 'json') return `${JSON.stringify(list, null, 2)}\n`;
  if (format === 'github') return list.map(githubCommand).join('');
  const lines = list.map((d) => {
    const where = d.line > 0 ? `${printable(d.file)}:${d.line}:${d.column}` : printable(d.file);
    return `${where}: ${d.severity} ${d.path ? `${printable(d.path)}: ` : ''}${printable(d.message)} [${printable(d.rule)}]`;
  });
  const { errors, warnings } = countBySeverity(list);
  lines.push(
    `${fileCount} file${fileCount === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * A GitHub Actions workflow command (`::error file=…,line=…::message`), escaped as the runner expects, after
 * {@link printable}: a file whose name holds control characters gets no annotation on the file (the name no
 * longer matches), but it cannot end the command early or write raw escapes into the log.
 */
export function githubCommand(d: Diagnostic): string {
  const props = [`file=${escapeProperty(printable(d.file))}`];
  if (d.line > 0) props.push(`line=${d.line}`, `col=${d.column}`);
  props.push(`title=${escapeProperty(printable(`${d.rule}${d.path ? ` at ${d.path}` : ''}`))}`);
  return `::${d.severity} ${props.join(',')}::${escapeData(printable(d.message))}\n`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
