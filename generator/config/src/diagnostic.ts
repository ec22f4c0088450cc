/** One problem found in the configuration, located in its file. */
export interface Diagnostic {
  file: string;
  /** 1-based; 0 when the problem concerns the whole file. */
  line: number;
  /** 1-based; 0 when the problem concerns the whole file. */
  column: number;
  /** Dotted path of the field, e.g. `tools[2].http.path`; '' for the document. */
  path: string;
  /** Stable rule id, e.g. `schema`, `yaml-syntax`, `unique-tool-name`. */
  rule: string;
  message: string;
  severity: 'error' | 'warning';
}

export type PathSegment = string | number;

/** `['tools', 2, 'http']` → `tools[2].http`; keys that are not identifiers are quoted: `headers["X-Key"]`. */
export function dottedPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Sorts diagnostics by file, line, column, then rule, so that every output format is stable. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

export function countBySeverity(list: readonly Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const d of list) if (d.severity === 'error') errors++;
  return { errors, warnings: list.length - errors };
}
