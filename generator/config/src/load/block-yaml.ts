/**
 * The fastest path of the loader: a reader for the block-style YAML config is written in, about twice as fast as
 * js-yaml on the example packs and with far less garbage; js-yaml stays the fallback (fast-yaml.ts), with `yaml`
 * behind it (yaml-source.ts).
 *
 * It reads block mappings and sequences, plain and quoted one-line scalars, one-line flow collections, comments
 * and `|`/`>` block scalars with clip or strip chomping, resolving plain scalars with the very types the js-yaml
 * path uses (the YAML 1.2 core schema). Anything else — multi-line plain or quoted scalars, escapes, anchors,
 * aliases, tags, explicit keys, keys that are not plain strings, duplicate or forbidden keys, tabs in the
 * indentation, directives, several documents, nesting or size past the limits — returns undefined and the next
 * reader takes the file. generator/test/block-yaml.test.ts holds it to `yaml` on examples, fixtures and generated
 * documents.
 */

/** Resolves a plain scalar exactly as the js-yaml path's schema does. */
export type PlainResolver = (text: string) => unknown;

const DECLINE = Symbol('decline');

interface State {
  text: string;
  /** Line starts, ends (without the line break) and indentation (-1: blank or comment-only). */
  start: number[];
  end: number[];
  indent: number[];
  /** Next line to read. */
  line: number;
  resolve: PlainResolver;
  maxDepth: number;
  nodes: number;
  maxNodes: number;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Plain words the core schema would not read as a string (besides "~" and what starts like a number). */
const NOT_A_STRING_WORD = new Set([
  'null',
  'Null',
  'NULL',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
]);

// The readers below work on character codes and indices into the whole text, and hand back a second result
// (where a key's colon or a scalar ends) through these two variables instead of an object per value: reading
// a thousand packs is mostly this code, and its garbage was an eighth of the time.
/** The key the last successful keyAt found. */
let keyText = '';
/** The index after the value the last quoted(), flow() or flowScalarOrCollection() read. */
let scanEnd = 0;

/** Reads `text` when it is within the subset; undefined means "ask the next reader". Never throws on input. */
export function blockParse(
  text: string,
  resolve: PlainResolver,
  limits: { maxDepth: number; maxNodes: number },
): { value: unknown } | undefined {
  const st = lines(text, resolve, limits);
  if (!st) return undefined;
  try {
    const first = nextContent(st, 0);
    if (first === undefined) return undefined; // empty documents: leave them to the readers that report them
    st.line = first;
    const value = node(st, st.indent[first] as number, -1, 0);
    if (nextContent(st, st.line) !== undefined) return undefined;
    return { value };
  } catch (err) {
    if (err === DECLINE) return undefined;
    throw err;
  }
}

function lines(text: string, resolve: PlainResolver, limits: { maxDepth: number; maxNodes: number }) {
  const start: number[] = [];
  const end: number[] = [];
  const indent: number[] = [];
  let cr = text.indexOf('\r'); // the next carriage return, looked up again only once passed (linear)
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
    // Directives, document markers and a stray carriage return are for the full readers.
    if (text.charCodeAt(pos) === 37 /* % */ || isDocumentMarker(text, pos, lineEnd)) return undefined;
    if (cr >= 0 && cr < pos) cr = text.indexOf('\r', pos);
    if (cr >= 0 && cr < lineEnd) return undefined; // a carriage return inside a line
    start.push(pos);
    end.push(lineEnd);
    indent.push(blank ? -1 : i - pos);
    pos = nl + 1;
  }
  return {
    text,
    start,
    end,
    indent,
    line: 0,
    resolve,
    maxDepth: limits.maxDepth,
    nodes: 0,
    maxNodes: limits.maxNodes,
  };
}

/** True when the line text[pos..lineEnd) starts with "---" or "..." followed by a space, a tab or its end. */
function isDocumentMarker(text: string, pos: number, lineEnd: number): boolean {
  const c = text.charCodeAt(pos);
  if (c !== 45 && c !== 46) return false;
  if (pos + 3 > lineEnd || text.charCodeAt(pos + 1) !== c || text.charCodeAt(pos + 2) !== c) return false;
  const after = text.charCodeAt(pos + 3);
  return pos + 3 === lineEnd || after === 32 || after === 9;
}

function nextContent(st: State, from: number): number | undefined {
  for (let l = from; l < st.indent.length; l++) if (st.indent[l] !== -1) return l;
  return undefined;
}

function count(st: State, depth: number): void {
  if (++st.nodes > st.maxNodes || depth > st.maxDepth) throw DECLINE;
}

/** True when text[b..e) starts with a "-" that is a sequence entry ("- " or a lone "-"). */
function isEntry(text: string, b: number, e: number): boolean {
  return b < e && text.charCodeAt(b) === 45 && (b + 1 === e || text.charCodeAt(b + 1) === 32);
}

/**
 * The node starting at column `col` of line st.line, which begins a line or follows "- " (so it may be a block
 * collection). `parent` is the indentation of the collection holding it (-1 at the root).
 */
function node(st: State, col: number, parent: number, depth: number): unknown {
  count(st, depth);
  const line = st.line;
  const b = (st.start[line] as number) + col;
  const e = st.end[line] as number;
  if (isEntry(st.text, b, e)) return seq(st, col, depth);
  const colon = keyAt(st.text, b, e);
  if (colon >= 0) return map(st, col, depth, colon);
  return inlineValue(st, line, b, parent, depth);
}

/** True for the plain scalar "~", and for those starting like a number or spelling null, true or false. */
function notAStringKey(key: string): boolean {
  const c = key.charCodeAt(0);
  if (c === 45 || c === 43 || c === 46 || (c >= 48 && c <= 57)) return true; // - + . 0-9
  if (c === 126) return key.length === 1; // ~
  return NOT_A_STRING_WORD.has(key);
}

/** The characters a plain block key cannot start with: , [ ] { } # & * ! | > % @ ` ? */
function isKeyIndicator(c: number): boolean {
  return (
    c === 44 ||
    c === 91 ||
    c === 93 ||
    c === 123 ||
    c === 125 ||
    c === 35 ||
    c === 38 ||
    c === 42 ||
    c === 33 ||
    c === 124 ||
    c === 62 ||
    c === 37 ||
    c === 64 ||
    c === 96 ||
    c === 63
  );
}

/**
 * Where a block key at the start of text[b..e) ends: the index of its colon, with the key left in keyText;
 * -1 when the text is no key.
 */
function keyAt(text: string, b: number, e: number): number {
  if (b >= e) return -1;
  const c = text.charCodeAt(b);
  if (c === 34 || c === 39) {
    const close = text.indexOf(c === 34 ? '"' : "'", b + 1);
    if (close < 0 || close >= e) return -1;
    let j = close + 1;
    while (j < e && text.charCodeAt(j) === 32) j++;
    if (j >= e || text.charCodeAt(j) !== 58 || !(j + 1 === e || text.charCodeAt(j + 1) === 32)) return -1;
    const key = text.slice(b + 1, close);
    if (key.includes('\\') || (c === 39 && close + 1 < e && text.charCodeAt(close + 1) === 39)) throw DECLINE;
    keyText = key;
    return j;
  }
  if (isKeyIndicator(c)) return -1;
  if ((c === 45 || c === 58) && (b + 1 === e || text.charCodeAt(b + 1) === 32)) return -1;
  for (let j = b + 1; j < e; j++) {
    const ch = text.charCodeAt(j);
    if (ch === 35 /* # */ && text.charCodeAt(j - 1) === 32) return -1;
    if (ch === 58 /* : */ && (j + 1 === e || text.charCodeAt(j + 1) === 32)) {
      const key = text.slice(b, j).trimEnd();
      if (notAStringKey(key) || FORBIDDEN_KEYS.has(key) || key.includes('\t')) throw DECLINE;
      keyText = key;
      return j;
    }
  }
  return -1;
}

/** The block mapping at column `col` from st.line, whose first key (keyAt just found it) ends at `colon`. */
function map(st: State, col: number, depth: number, colon: number): Record<string, unknown> {
  const text = st.text;
  const out: Record<string, unknown> = {};
  for (;;) {
    const line = st.line;
    const e = st.end[line] as number;
    if (colon < 0) colon = keyAt(text, (st.start[line] as number) + col, e);
    if (colon < 0) throw DECLINE;
    const key = keyText;
    if (Object.hasOwn(out, key)) throw DECLINE; // a duplicate key: the positioned parser reports it
    count(st, depth + 1);
    let j = colon + 1;
    while (j < e && text.charCodeAt(j) === 32) j++;
    let value: unknown = null;
    if (j < e && text.charCodeAt(j) !== 35 /* # */) {
      value = inlineValue(st, line, j, col, depth + 1);
    } else {
      st.line = line + 1;
      const next = nextContent(st, line + 1);
      if (next !== undefined) {
        const level = st.indent[next] as number;
        const at = (st.start[next] as number) + level;
        if (level > col || (level === col && isEntry(text, at, st.end[next] as number))) {
          st.line = next;
          value = node(st, level, col, depth + 1);
        }
      }
    }
    out[key] = value;
    const after = nextContent(st, st.line);
    if (after === undefined) return out;
    const level = st.indent[after] as number;
    if (level < col) return out;
    if (level > col) throw DECLINE; // a continuation this reader does not follow
    st.line = after;
    colon = -1;
  }
}

function seq(st: State, col: number, depth: number): unknown[] {
  const text = st.text;
  const out: unknown[] = [];
  for (;;) {
    const line = st.line;
    const lineStart = st.start[line] as number;
    const b = lineStart + col;
    const e = st.end[line] as number;
    // A key at the sequence's indentation ends a sequence that is the value of the key above it.
    if (!isEntry(text, b, e)) return out;
    let j = b + 1;
    while (j < e && text.charCodeAt(j) === 32) j++;
    if (j < e && text.charCodeAt(j) !== 35 /* # */) {
      out.push(node(st, j - lineStart, col, depth + 1));
    } else {
      const next = nextContent(st, line + 1);
      if (next !== undefined && (st.indent[next] as number) > col) {
        st.line = next;
        out.push(node(st, st.indent[next] as number, col, depth + 1));
      } else {
        count(st, depth + 1);
        out.push(null);
        st.line = line + 1;
      }
    }
    const after = nextContent(st, st.line);
    if (after === undefined) return out;
    const level = st.indent[after] as number;
    if (level < col) return out;
    if (level > col) throw DECLINE;
    st.line = after;
  }
}

/** True when s[from..to) is spaces, then perhaps a comment (what /^[ ]*(?:#.*)?$/ accepts). */
function onlyComment(s: string, from: number, to: number): boolean {
  let k = from;
  while (k < to && s.charCodeAt(k) === 32) k++;
  if (k === to) return true;
  if (s.charCodeAt(k) !== 35) return false;
  for (; k < to; k++) {
    const ch = s.charCodeAt(k);
    if (ch === 10 || ch === 13 || ch === 0x2028 || ch === 0x2029) return false;
  }
  return true;
}

/**
 * A value that starts at text[at] on `line`, after a key or "- ", and is not a block collection: a scalar, a
 * one-line flow collection or a block scalar. Leaves st.line on the line after it.
 */
function inlineValue(st: State, line: number, at: number, parent: number, depth: number): unknown {
  const text = st.text;
  const e = st.end[line] as number;
  const c = text.charCodeAt(at);
  st.line = line + 1;
  if (c === 124 || c === 62) return blockScalar(st, text.slice(at, e), parent); // | >
  // & * ! ? % @ `
  if (c === 38 || c === 42 || c === 33 || c === 63 || c === 37 || c === 64 || c === 96) throw DECLINE;
  let value: unknown;
  if (c === 91 || c === 123 || c === 34 || c === 39) {
    const s = text.slice(at, e);
    value = c === 91 || c === 123 ? flow(st, s, 0, depth) : quoted(s, 0);
    if (!onlyComment(s, scanEnd, s.length)) throw DECLINE;
  } else {
    if ((c === 45 || c === 58) && (at + 1 === e || text.charCodeAt(at + 1) === 32)) throw DECLINE;
    // The scalar ends at the first " #" (a comment).
    let stop = e;
    for (let k = at + 1; k < e; k++) {
      if (text.charCodeAt(k) === 35 && text.charCodeAt(k - 1) === 32) {
        stop = k - 1;
        break;
      }
    }
    const plain = text.slice(at, stop).trimEnd();
    if (plain.includes(': ') || plain.charCodeAt(plain.length - 1) === 58 || plain.includes('\t'))
      throw DECLINE;
    value = st.resolve(plain);
    if (!onlyComment(text, stop, e)) throw DECLINE;
  }
  // A following line indented deeper than the collection holding this value would continue it: not for this reader.
  const next = nextContent(st, line + 1);
  if (next !== undefined && (st.indent[next] as number) > parent) throw DECLINE;
  return value;
}

/** The quoted scalar starting at s[i]; scanEnd is left after its closing quote. */
function quoted(s: string, i: number): string {
  if (s.charCodeAt(i) === 34) {
    const close = s.indexOf('"', i + 1);
    if (close < 0) throw DECLINE;
    const v = s.slice(i + 1, close);
    if (v.includes('\\')) throw DECLINE;
    scanEnd = close + 1;
    return v;
  }
  let out = '';
  let j = i + 1;
  for (;;) {
    const close = s.indexOf("'", j);
    if (close < 0) throw DECLINE;
    out += s.slice(j, close);
    if (s.charCodeAt(close + 1) === 39) {
      out += "'";
      j = close + 2;
      continue;
    }
    scanEnd = close + 1;
    return out;
  }
}

/** The characters a plain key in a flow mapping cannot start with: , [ ] { } # & * ! | > ' " % @ ` ? : tab */
function isFlowKeyIndicator(c: number): boolean {
  return isKeyIndicator(c) || c === 39 || c === 34 || c === 58 || c === 9;
}

/** A flow collection on one line starting at s[i]; scanEnd is left after its closing bracket. */
function flow(st: State, s: string, i: number, depth: number): unknown {
  count(st, depth);
  if (depth > st.maxDepth) throw DECLINE;
  const isMap = s.charCodeAt(i) === 123;
  const close = isMap ? 125 : 93; // } ]
  const out: unknown = isMap ? {} : [];
  const n = s.length;
  let j = i + 1;
  while (s.charCodeAt(j) === 32) j++;
  if (s.charCodeAt(j) === close) {
    scanEnd = j + 1;
    return out;
  }
  for (;;) {
    while (s.charCodeAt(j) === 32) j++;
    if (isMap) {
      let key: string;
      const q = s.charCodeAt(j);
      if (q === 34 || q === 39) {
        key = quoted(s, j);
        j = scanEnd;
        while (s.charCodeAt(j) === 32) j++;
        if (s.charCodeAt(j) !== 58) throw DECLINE;
      } else {
        const from = j;
        if (from >= n || isFlowKeyIndicator(q)) throw DECLINE;
        // A plain key ends at a ":" followed by a space, a flow indicator or the end of the line.
        for (; j < n; j++) {
          const ch = s.charCodeAt(j);
          if (ch === 58 /* : */ && (j + 1 === n || endsPlain(s.charCodeAt(j + 1)))) break;
          if (isFlowIndicator(ch) || ch === 9 || (ch === 35 /* # */ && s.charCodeAt(j - 1) === 32))
            throw DECLINE;
        }
        if (j >= n) throw DECLINE;
        key = s.slice(from, j).trimEnd();
        if (notAStringKey(key)) throw DECLINE;
      }
      if (FORBIDDEN_KEYS.has(key) || Object.hasOwn(out as object, key)) throw DECLINE;
      j++; // the colon
      while (s.charCodeAt(j) === 32) j++;
      (out as Record<string, unknown>)[key] = flowScalarOrCollection(st, s, j, close, depth + 1);
    } else {
      (out as unknown[]).push(flowScalarOrCollection(st, s, j, close, depth + 1));
    }
    j = scanEnd;
    while (s.charCodeAt(j) === 32) j++;
    const ch = s.charCodeAt(j);
    if (ch === close) {
      scanEnd = j + 1;
      return out;
    }
    if (ch !== 44 /* , */) throw DECLINE;
    j++;
    while (s.charCodeAt(j) === 32) j++;
    if (s.charCodeAt(j) === close) throw DECLINE; // a trailing comma: leave it to the full readers
  }
}

function isFlowIndicator(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125; // , [ ] { }
}

/** After a ":", what makes it the end of a plain key in a flow collection: a space or a flow indicator. */
function endsPlain(c: number): boolean {
  return c === 32 || isFlowIndicator(c);
}

/** A scalar or collection inside a flow collection closed by `close`, at s[j]; scanEnd is left after it. */
function flowScalarOrCollection(st: State, s: string, j: number, close: number, depth: number): unknown {
  const n = s.length;
  const c = s.charCodeAt(j);
  if (c === 91 || c === 123) return flow(st, s, j, depth);
  count(st, depth);
  if (c === 34 || c === 39) return quoted(s, j);
  if (j >= n || c === 44 || c === close) {
    if (close !== 125) throw DECLINE;
    scanEnd = j; // "{a: }": a null value
    return null;
  }
  // & * ! ? % @ ` | > #
  if (
    c === 38 ||
    c === 42 ||
    c === 33 ||
    c === 63 ||
    c === 37 ||
    c === 64 ||
    c === 96 ||
    c === 124 ||
    c === 62 ||
    c === 35
  )
    throw DECLINE;
  if (c === 45 || c === 58) {
    const after = s.charCodeAt(j + 1);
    if (j + 1 >= n || after === 32 || after === 44 || after === 93 || after === 125) throw DECLINE;
  }
  let e = j;
  for (; e < n; e++) {
    const ch = s.charCodeAt(e);
    if (isFlowIndicator(ch)) break;
    if (ch === 58 /* : */ && (e + 1 === n || endsPlain(s.charCodeAt(e + 1)))) throw DECLINE;
    if (ch === 35 /* # */ && s.charCodeAt(e - 1) === 32) throw DECLINE;
  }
  const text = s.slice(j, e).trimEnd();
  if (text.includes('\t')) throw DECLINE;
  const value = st.resolve(text);
  scanEnd = e;
  return value;
}

/** A `|` or `>` block scalar whose header is `s`; its content lines follow st.line - 1. */
function blockScalar(st: State, s: string, parent: number): string {
  const m = /^([|>])(-?)(?: +#.*)?$/.exec(s.trimEnd());
  if (!m) throw DECLINE; // keep (+) chomping, indentation indicators: the full readers
  const literal = m[1] === '|';
  const strip = m[2] === '-';
  const first = st.line;
  let content = -1;
  let last = first - 1;
  const parts: string[] = [];
  for (let l = first; l < st.start.length; l++) {
    const raw = st.text.slice(st.start[l], st.end[l]);
    if (raw.trim() === '') {
      if (raw.length > 0) throw DECLINE; // whitespace-only lines: where they belong is subtle
      parts.push('');
      continue;
    }
    let spaces = 0;
    while (raw.charCodeAt(spaces) === 32) spaces++;
    if (content < 0) {
      if (spaces <= parent || parts.length > 0) {
        if (spaces <= parent) break;
        throw DECLINE; // leading empty lines
      }
      content = spaces;
    }
    if (spaces < content) break;
    if (!literal && spaces > content) throw DECLINE; // more-indented lines fold differently
    if (raw.includes('\t') || raw.includes('\r')) throw DECLINE;
    parts.push(raw.slice(content));
    last = l;
  }
  if (content < 0) throw DECLINE; // an empty block scalar
  const body = parts.slice(0, last - first + 1);
  st.line = last + 1;
  let text: string;
  if (literal) text = body.join('\n');
  else {
    text = '';
    for (let i = 0; i < body.length; i++) {
      const line = body[i] as string;
      if (i === 0) text = line;
      else if (line === '') text += '\n';
      else text += body[i - 1] === '' ? line : ` ${line}`;
    }
  }
  return strip ? text : `${text}\n`;
}
