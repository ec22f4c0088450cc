import type { PathSegment } from '../diagnostic.ts';

/**
 * Source positions for files read on the fast path, found by scanning lines instead of parsing with `yaml`.
 *
 * A rule that reports on a valid file needs one position, and the positioned parse of a whole pack costs ~2 ms:
 * a thousand warnings in a repository cost two seconds. Config is almost always block-style YAML, where a path
 * can be followed by indentation alone: a key of a mapping at column c is a line indented exactly c, an item of a
 * sequence a "- " at its column, and everything indented deeper belongs to the entry above (multi-line scalars,
 * block scalars and nested collections must be indented deeper than their parent). The locator answers exactly
 * what the positioned parser's index answers (makeIndex in yaml-source.ts: the value's start; the key's for a
 * null value; the nearest located ancestor for a path that does not exist), and returns undefined for anything
 * outside that subset — flow collections on the path, anchors, tags, quoted keys with escapes, keys that are not
 * plain strings, tab indentation, document markers — and the caller falls back to the positioned parser.
 * Only run on text the fast path accepted (valid YAML, no duplicate keys, no aliases, no explicit keys).
 * generator/test/block-positions.test.ts holds it to the positioned parser on examples and generated documents.
 */
export type BlockLocator = (
  path: readonly PathSegment[],
  key: boolean,
) => { line: number; column: number } | undefined;

const BLANK = -1;

interface Lines {
  start: number[];
  end: number[];
  /** Leading spaces of the line, or BLANK for an empty or comment-only line. */
  indent: number[];
}

/** A node's start: line index and column (0-based) where its content begins. */
interface At {
  line: number;
  col: number;
}

/** Builds a locator for `text`, or returns undefined when the text is outside the subset (whole-file checks). */
export function blockLocator(text: string): BlockLocator | undefined {
  const lines = scanLines(text);
  if (!lines) return undefined;
  const root = firstContent(lines, -1);
  if (root === undefined) return undefined;
  return (path, key) => {
    try {
      return locate(text, lines, { line: root, col: lines.indent[root] as number }, path, key);
    } catch (err) {
      if (err === OUTSIDE) return undefined;
      throw err;
    }
  };
}

/** Thrown inside the locator when the text leaves the supported subset; never escapes blockLocator. */
const OUTSIDE = Symbol('outside the block subset');

function scanLines(text: string): Lines | undefined {
  const start: number[] = [];
  const end: number[] = [];
  const indent: number[] = [];
  let seenContent = false;
  for (let pos = 0; pos <= text.length; ) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const lineEnd = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    let i = pos;
    while (i < lineEnd && text.charCodeAt(i) === 32) i++;
    let j = i;
    while (j < lineEnd && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
    const blank = j === lineEnd || text.charCodeAt(j) === 35; /* # */
    if (!blank && j !== i) return undefined; // a tab in the indentation
    let level = blank ? BLANK : i - pos;
    if (level === 0 && /^(?:---|\.\.\.)(?:[ \t]|$)/.test(text.slice(pos, lineEnd))) {
      // A document start marker alone before any content is harmless; anything else about documents is not.
      if (seenContent || !/^---[ \t]*(?:#.*)?$/.test(text.slice(pos, lineEnd))) return undefined;
      level = BLANK;
    }
    if (level === 0 && text.charCodeAt(pos) === 37 /* % directive */) return undefined;
    if (level !== BLANK) seenContent = true;
    start.push(pos);
    end.push(lineEnd);
    indent.push(level);
    pos = nl + 1;
  }
  return { start, end, indent };
}

function firstContent(lines: Lines, after: number): number | undefined {
  for (let l = after + 1; l < lines.indent.length; l++) if (lines.indent[l] !== BLANK) return l;
  return undefined;
}

type Kind = 'map' | 'seq' | 'flow' | 'scalar';

function locate(
  text: string,
  lines: Lines,
  rootAt: At,
  path: readonly PathSegment[],
  wantKey: boolean,
): { line: number; column: number } {
  const pos = (at: At) => ({ line: at.line + 1, column: at.col + 1 });
  let node: At = rootAt;
  let lineStartNode = true; // a node that begins a line (or follows "- ") may be a block collection
  let nodePos: At = rootAt; // what the positioned index holds for the current path (hit[0])
  let keyPos: At | undefined; // the key of the current path's last map entry (hit[1])
  for (let depth = 0; depth < path.length; depth++) {
    const seg = path[depth] as PathSegment;
    const kind = kindAt(text, lines, node, lineStartNode);
    if (kind === 'scalar') return pos(nodePos);
    if (kind === 'flow') {
      const child = flowChild(rest(text, lines, node), seg);
      if (!child) return pos(nodePos);
      keyPos = child.key === undefined ? undefined : { line: node.line, col: node.col + child.key };
      if (child.value === undefined) {
        nodePos = keyPos as At;
        if (depth < path.length - 1) return pos(nodePos);
        break;
      }
      node = { line: node.line, col: node.col + child.value };
      nodePos = node;
      lineStartNode = false;
      continue;
    }
    if (kind === 'seq') {
      const index = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : -1;
      const item = index < 0 ? undefined : seqItem(text, lines, node, index);
      if (!item) return pos(nodePos);
      node = item;
      nodePos = item;
      keyPos = undefined;
      lineStartNode = true;
      continue;
    }
    const entry = mapEntry(text, lines, node, String(seg));
    if (!entry) return pos(nodePos);
    keyPos = entry.key;
    if (!entry.value) {
      // A null value has no text of its own: the positioned index points at its key, and at nothing below it.
      nodePos = entry.key;
      if (depth < path.length - 1) return pos(nodePos);
      break;
    }
    node = entry.value;
    nodePos = entry.value;
    lineStartNode = entry.onNextLine;
  }
  return pos(wantKey && keyPos ? keyPos : nodePos);
}

function rest(text: string, lines: Lines, at: At): string {
  return text.slice((lines.start[at.line] as number) + at.col, lines.end[at.line]);
}

function isSeqEntry(s: string): boolean {
  return s.charCodeAt(0) === 45 /* - */ && (s.length === 1 || s[1] === ' ' || s[1] === '\t');
}

function kindAt(text: string, lines: Lines, at: At, lineStart: boolean): Kind {
  const s = rest(text, lines, at);
  const c = s[0] ?? '';
  if (c === '&' || c === '!' || c === '*' || c === '?' || c === '%' || c === '@' || c === '`') throw OUTSIDE;
  if (c === '[' || c === '{') return 'flow';
  if (!lineStart) return 'scalar';
  if (isSeqEntry(s)) return 'seq';
  return parseKey(s) ? 'map' : 'scalar';
}

/** Plain keys that YAML's core schema reads as something other than a string (null, booleans, numbers). */
const NOT_A_STRING_KEY = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE)$|^[-+.0-9]/;

/** The key at the start of `s` and where the text after its colon begins; undefined when `s` is no key. */
function parseKey(s: string): { key: string; after: number } | undefined {
  const c = s[0];
  if (c === '"' || c === "'") {
    const close = s.indexOf(c, 1);
    if (close < 0) return undefined;
    const key = s.slice(1, close);
    if ((c === '"' && key.includes('\\')) || (c === "'" && s[close + 1] === "'")) throw OUTSIDE;
    let j = close + 1;
    while (s[j] === ' ' || s[j] === '\t') j++;
    if (s[j] !== ':' || !(j + 1 === s.length || s[j + 1] === ' ' || s[j + 1] === '\t')) return undefined;
    return { key, after: j + 1 };
  }
  if (c === undefined || ',[]{}#&*!|>%@`'.includes(c)) return undefined;
  // "-", "?" and ":" start a plain scalar only when a non-space follows ("-x: 1" is a key, "- x" an item).
  if ((c === '-' || c === '?' || c === ':') && (s.length === 1 || s[1] === ' ' || s[1] === '\t'))
    return undefined;
  for (let j = 1; j < s.length; j++) {
    const ch = s[j];
    if (ch === '#' && (s[j - 1] === ' ' || s[j - 1] === '\t')) return undefined;
    if (ch === ':' && (j + 1 === s.length || s[j + 1] === ' ' || s[j + 1] === '\t')) {
      const key = s.slice(0, j).replace(/[ \t]+$/, '');
      if (NOT_A_STRING_KEY.test(key)) throw OUTSIDE;
      return { key, after: j + 1 };
    }
  }
  return undefined;
}

/** The next content line after `line` that belongs to a collection at column `col`, or undefined at its end. */
function nextAtColumn(lines: Lines, line: number, col: number): number | undefined {
  for (let l = line + 1; l < lines.indent.length; l++) {
    const level = lines.indent[l] as number;
    if (level === BLANK || level > col) continue;
    return level === col ? l : undefined;
  }
  return undefined;
}

function mapEntry(
  text: string,
  lines: Lines,
  map: At,
  want: string,
): { key: At; value: At | undefined; onNextLine: boolean } | undefined {
  for (
    let line: number | undefined = map.line;
    line !== undefined;
    line = nextAtColumn(lines, line, map.col)
  ) {
    const at = { line, col: map.col };
    const s = rest(text, lines, at);
    if (isSeqEntry(s)) continue; // a sequence at the mapping's own indentation: the value of the key above
    const parsed = parseKey(s);
    if (!parsed) throw OUTSIDE;
    if (parsed.key !== want) continue;
    let j = parsed.after;
    while (s[j] === ' ' || s[j] === '\t') j++;
    if (j < s.length && s[j] !== '#') {
      if (s[j] === '&' || s[j] === '!' || s[j] === '*') throw OUTSIDE; // where `yaml` starts such a node varies
      const value = { line, col: map.col + j };
      const plain = s
        .slice(j)
        .replace(/[ \t]+#.*$/, '')
        .replace(/[ \t]+$/, '');
      if (!/^(?:~|null|Null|NULL)$/.test(plain)) return { key: at, value, onNextLine: false };
      // A null on the key's line, unless a continuation line makes it a longer plain string.
      const next = firstContent(lines, line);
      if (next !== undefined && (lines.indent[next] as number) > map.col) throw OUTSIDE;
      return { key: at, value: undefined, onNextLine: false };
    }
    const next = firstContent(lines, line);
    if (next === undefined) return { key: at, value: undefined, onNextLine: true };
    const level = lines.indent[next] as number;
    const below = { line: next, col: level };
    if (/^[&!*]/.test(rest(text, lines, below))) throw OUTSIDE;
    if (level > map.col || (level === map.col && isSeqEntry(rest(text, lines, below)))) {
      return { key: at, value: below, onNextLine: true };
    }
    return { key: at, value: undefined, onNextLine: true };
  }
  return undefined;
}

function seqItem(text: string, lines: Lines, seq: At, index: number): At | undefined {
  let n = 0;
  for (
    let line: number | undefined = seq.line;
    line !== undefined;
    line = nextAtColumn(lines, line, seq.col)
  ) {
    const s = rest(text, lines, { line, col: seq.col });
    if (!isSeqEntry(s)) return undefined; // a key at the sequence's indentation: the sequence has ended
    if (n++ < index) continue;
    let j = 1;
    while (s[j] === ' ' || s[j] === '\t') j++;
    if (s[j] === '&' || s[j] === '!' || s[j] === '*') throw OUTSIDE;
    if (j < s.length && s[j] !== '#') return { line, col: seq.col + j };
    const next = firstContent(lines, line);
    if (next === undefined || (lines.indent[next] as number) <= seq.col) throw OUTSIDE; // an empty item
    if (/^[&!*]/.test(rest(text, lines, { line: next, col: lines.indent[next] as number }))) throw OUTSIDE;
    return { line: next, col: lines.indent[next] as number };
  }
  return undefined;
}

/**
 * The entry `seg` of the one-line flow collection that `s` starts with ("{ type: string, maxLength: 9 }",
 * "[a, b]"): the columns (relative to `s`) of its key and value, value undefined for a null; undefined when
 * there is no such entry. A collection that goes on past its line, or anything unusual in it, is OUTSIDE.
 */
function flowChild(s: string, seg: PathSegment): { key?: number; value?: number } | undefined {
  const isMap = s[0] === '{';
  const want = isMap ? String(seg) : typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : -1;
  let i = 1;
  for (let n = 0; ; n++) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i >= s.length) throw OUTSIDE;
    if (s[i] === (isMap ? '}' : ']')) return undefined;
    const start = i;
    if (!isMap) {
      i = skipFlowValue(s, i);
      if (i === start) throw OUTSIDE; // an empty item ("[a, , b]")
      if (n === want) return { value: start };
    } else {
      const key = flowKey(s, i);
      let j = key.after;
      while (s[j] === ' ' || s[j] === '\t') j++;
      const end = skipFlowValue(s, j);
      const plain = s.slice(j, end).replace(/[ \t]+$/, '');
      if (key.key === want)
        return { key: start, value: /^(?:|~|null|Null|NULL)$/.test(plain) ? undefined : j };
      i = end;
    }
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (s[i] === ',') i++;
    else if (s[i] !== (isMap ? '}' : ']')) throw OUTSIDE;
  }
}

/** A key inside a flow mapping, starting at `i`, and where the text after its colon begins. */
function flowKey(s: string, i: number): { key: string; after: number } {
  const c = s[i];
  let key: string;
  let j: number;
  if (c === '"' || c === "'") {
    const close = s.indexOf(c, i + 1);
    if (close < 0) throw OUTSIDE;
    key = s.slice(i + 1, close);
    if ((c === '"' && key.includes('\\')) || (c === "'" && s[close + 1] === "'")) throw OUTSIDE;
    j = close + 1;
    while (s[j] === ' ' || s[j] === '\t') j++;
    if (s[j] !== ':') throw OUTSIDE;
  } else {
    if (c === undefined || ',[]{}#&*!|>%@`?'.includes(c)) throw OUTSIDE;
    j = i;
    while (j < s.length && !(s[j] === ':' && /^(?:$|[ \t,[\]{}])/.test(s.slice(j + 1, j + 2)))) {
      if (',[]{}'.includes(s[j] as string) || (s[j] === '#' && /[ \t]/.test(s[j - 1] ?? ''))) throw OUTSIDE;
      j++;
    }
    if (j >= s.length) throw OUTSIDE;
    key = s.slice(i, j).replace(/[ \t]+$/, '');
    if (NOT_A_STRING_KEY.test(key) || key === '') throw OUTSIDE;
  }
  return { key, after: j + 1 };
}

/** Where the flow value starting at `i` ends (at its "," or closing bracket), skipping quotes and nesting. */
function skipFlowValue(s: string, i: number): number {
  let depth = 0;
  let atStart = true; // quotes open a quoted scalar only where a scalar starts ("it's" is plain)
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    const wasStart = atStart;
    atStart = c === ' ' || c === '\t' ? atStart : c === '[' || c === '{' || c === ',' || c === ':';
    if (!wasStart && (c === '"' || c === "'")) continue;
    if (c === '"') {
      j++;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      if (j >= s.length) throw OUTSIDE;
    } else if (c === "'") {
      j++;
      while (j < s.length && !(s[j] === "'" && s[j + 1] !== "'")) j += s[j] === "'" ? 2 : 1;
      if (j >= s.length) throw OUTSIDE;
    } else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      if (depth === 0) return j;
      depth--;
    } else if (c === ',' && depth === 0) return j;
    else if (c === '#' && /[ \t]/.test(s[j - 1] ?? '')) throw OUTSIDE;
    else if ((c === '&' || c === '*' || c === '!') && j === i) throw OUTSIDE;
  }
  throw OUTSIDE;
}
