/**
 * Line diffs for the plan: Myers' O(ND) algorithm over lines, rendered as unified-diff hunks. Large files
 * (gateway bundles) change in a few lines, so D stays small; a cap on D bounds the worst case.
 */

/** One step of a diff; `a`/`b` index the line in the before/after input it comes from. */
export type Edit = { op: 'keep' | 'del' | 'add'; line: string; a?: number; b?: number };

/** Edits turning `a` into `b`; undefined when they differ in more than `maxEdits` lines. */
export function diffLines(a: readonly string[], b: readonly string[], maxEdits = 1000): Edit[] | undefined {
  // Trim the common head and tail first: the usual case is a few changed lines in a long file.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const mid = myers(a.slice(head, a.length - tail), b.slice(head, b.length - tail), maxEdits);
  if (!mid) return undefined;
  const shifted = mid.map((e) => ({
    ...e,
    ...(e.a !== undefined && { a: e.a + head }),
    ...(e.b !== undefined && { b: e.b + head }),
  }));
  return [
    ...a.slice(0, head).map((line, i) => ({ op: 'keep' as const, line, a: i, b: i })),
    ...shifted,
    ...a.slice(a.length - tail).map((line, i) => ({
      op: 'keep' as const,
      line,
      a: a.length - tail + i,
      b: b.length - tail + i,
    })),
  ];
}

function myers(a: readonly string[], b: readonly string[], maxEdits: number): Edit[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0))
          ? (v[offset + k + 1] ?? 0)
          : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, offset, d);
    }
  }
  return undefined;
}

function backtrack(
  trace: Int32Array[],
  a: readonly string[],
  b: readonly string[],
  offset: number,
  dEnd: number,
): Edit[] {
  const edits: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d] as Int32Array;
    const k = x - y;
    const prevK =
      k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0)) ? k + 1 : k - 1;
    const prevX = v[offset + prevK] ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      edits.push({ op: 'keep', line: a[x] as string, a: x, b: y });
    }
    if (x === prevX) {
      y--;
      edits.push({ op: 'add', line: b[y] as string, b: y });
    } else {
      x--;
      edits.push({ op: 'del', line: a[x] as string, a: x });
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    edits.push({ op: 'keep', line: a[x] as string, a: x, b: y });
  }
  return edits.reverse();
}

export interface UnifiedDiffOptions {
  /** Unchanged lines shown around each change. Default 2. */
  context?: number;
  /** Longest line shown; longer lines are cut with '…'. Default 200. */
  maxLineLength?: number;
  /** Most diff lines shown; the rest is summarised. Default 80. */
  maxLines?: number;
  /** Lines are compared by these keys (default: the line itself) but shown as written. */
  keys?: { before: (line: string) => string; after: (line: string) => string };
}

/** A compact unified diff (hunks only, no file header); '' when equal. */
export function unifiedDiff(before: string, after: string, opts: UnifiedDiffOptions = {}): string {
  const context = opts.context ?? 2;
  const maxLen = opts.maxLineLength ?? 200;
  const maxLines = opts.maxLines ?? 80;
  const a = splitLines(before);
  const b = splitLines(after);
  const keys = opts.keys;
  const keyed = keys ? diffLines(a.map(keys.before), b.map(keys.after)) : diffLines(a, b);
  // Show each line as its side wrote it: kept and added lines from `after`, removed ones from `before`.
  const edits = keyed?.map((e) => ({ ...e, line: (e.op === 'del' ? a[e.a ?? 0] : b[e.b ?? 0]) ?? e.line }));
  if (!edits) return `@@ ${a.length} lines → ${b.length} lines (too many changes to show) @@\n`;
  const changed = edits.map((e) => e.op !== 'keep');
  if (!changed.includes(true)) return '';
  const out: string[] = [];
  let i = 0;
  let aLine = 1;
  let bLine = 1;
  const cut = (s: string) => (s.length > maxLen ? `${s.slice(0, maxLen)}…` : s);
  while (i < edits.length) {
    if (!changed[i]) {
      aLine++;
      bLine++;
      i++;
      continue;
    }
    // Hunk from the first change minus context to the last change whose gap to the next is small.
    let start = i;
    let back = 0;
    while (start > 0 && back < context && !changed[start - 1]) {
      start--;
      back++;
    }
    let end = i;
    let gap = 0;
    for (let j = i; j < edits.length; j++) {
      if (changed[j]) {
        end = j;
        gap = 0;
      } else if (++gap > 2 * context) break;
    }
    const stop = Math.min(edits.length, end + 1 + context);
    const hunk = edits.slice(start, stop);
    const aCount = hunk.filter((e) => e.op !== 'add').length;
    const bCount = hunk.filter((e) => e.op !== 'del').length;
    out.push(`@@ -${aLine - back},${aCount} +${bLine - back},${bCount} @@`);
    for (const e of hunk) out.push(`${e.op === 'keep' ? ' ' : e.op === 'del' ? '-' : '+'}${cut(e.line)}`);
    for (let j = i; j < stop; j++) {
      const op = edits[j]?.op;
      if (op !== 'add') aLine++;
      if (op !== 'del') bLine++;
    }
    i = stop;
  }
  if (out.length > maxLines) {
    const more = out.length - maxLines;
    return `${out.slice(0, maxLines).join('\n')}\n… ${more} more diff line${more === 1 ? '' : 's'}\n`;
  }
  return `${out.join('\n')}\n`;
}

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
