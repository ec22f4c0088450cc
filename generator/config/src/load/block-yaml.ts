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
/** Plain keys the core schema would not read as a string. */
const NOT_A_STRING_KEY = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE)$|^[-+.0-9]/;

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
    const c = text.charCodeAt(pos);
    // Directives, document markers and a stray carriage return are for the full readers.
    if (
      c === 37 /* % */ ||
      ((c === 45 || c === 46) && /^(?:---|\.\.\.)(?:[ \t]|$)/.test(text.slice(pos, lineEnd)))
    )
      return undefined;
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

function nextContent(st: State, from: number): number | undefined {
  for (let l = from; l < st.indent.length; l++) if (st.indent[l] !== -1) return l;
  return undefined;
}

function count(st: State, depth: number): void {
  if (++st.nodes > st.maxNodes || depth > st.maxDepth) throw DECLINE;
}

/**
 * The node starting at column `col` of line st.line, which begins a line or follows "- " (so it may be a block
 * collection). `parent` is the indentation of the collection holding it (-1 at the root).
 */
function node(st: State, col: number, parent: number, depth: number): unknown {
  count(st, depth);
  const s = st.text.slice((st.start[st.line] as number) + col, st.end[st.line]);
  if (s.charCodeAt(0) === 45 /* - */ && (s.length === 1 || s[1] === ' ')) return seq(st, col, depth);
  if (keyAt(s) !== undefined) return map(st, col, depth);
  return inlineValue(st, st.line, col, parent, depth);
}

/** Where a block key at the start of `s` ends (the colon's index) and the key; undefined when `s` is no key. */
function keyAt(s: string): { key: string; colon: number } | undefined {
  const c = s[0];
  if (c === '"' || c === "'") {
    const close = s.indexOf(c, 1);
    if (close < 0) return undefined;
    let j = close + 1;
    while (s[j] === ' ') j++;
    if (s[j] !== ':' || !(j + 1 === s.length || s[j + 1] === ' ')) return undefined;
    const key = s.slice(1, close);
    if (key.includes('\\') || (c === "'" && s[close + 1] === "'")) throw DECLINE;
    return { key, colon: j };
  }
  if (c === undefined || ',[]{}#&*!|>%@`?'.includes(c)) return undefined;
  if ((c === '-' || c === ':') && (s.length === 1 || s[1] === ' ')) return undefined;
  for (let j = 1; j < s.length; j++) {
    const ch = s.charCodeAt(j);
    if (ch === 35 /* # */ && s.charCodeAt(j - 1) === 32) return undefined;
    if (ch === 58 /* : */ && (j + 1 === s.length || s.charCodeAt(j + 1) === 32)) {
      const key = s.slice(0, j).trimEnd();
      if (NOT_A_STRING_KEY.test(key) || FORBIDDEN_KEYS.has(key) || key.includes('\t')) throw DECLINE;
      return { key, colon: j };
    }
  }
  return undefined;
}

function map(st: State, col: number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (;;) {
    const line = st.line;
    const base = (st.start[line] as number) + col;
    const s = st.text.slice(base, st.end[line]);
    const k = keyAt(s);
    if (!k) throw DECLINE;
    if (Object.hasOwn(out, k.key)) throw DECLINE; // a duplicate key: the positioned parser reports it
    count(st, depth + 1);
    let j = k.colon + 1;
    while (s[j] === ' ') j++;
    let value: unknown;
    if (j < s.length && s[j] !== '#') {
      value = inlineValue(st, line, col + j, col, depth + 1);
    } else {
      const next = nextContent(st, line + 1);
      const level = next === undefined ? -1 : (st.indent[next] as number);
      const nextText =
        next === undefined ? '' : st.text.slice((st.start[next] as number) + level, st.end[next]);
      if (next !== undefined && (level > col || (level === col && /^-(?: |$)/.test(nextText)))) {
        st.line = next;
        value = node(st, level, col, depth + 1);
      } else {
        value = null;
        st.line = line + 1;
      }
    }
    out[k.key] = value;
    const after = nextContent(st, st.line);
    if (after === undefined) return out;
    const level = st.indent[after] as number;
    if (level < col) return out;
    if (level > col) throw DECLINE; // a continuation this reader does not follow
    st.line = after;
  }
}

function seq(st: State, col: number, depth: number): unknown[] {
  const out: unknown[] = [];
  for (;;) {
    const line = st.line;
    const s = st.text.slice((st.start[line] as number) + col, st.end[line]);
    if (!(s.charCodeAt(0) === 45 && (s.length === 1 || s[1] === ' '))) {
      // A key at the sequence's indentation ends a sequence that is the value of the key above it.
      return out;
    }
    let j = 1;
    while (s[j] === ' ') j++;
    if (j < s.length && s[j] !== '#') {
      out.push(node(st, col + j, col, depth + 1));
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

/**
 * A value that starts at column `col` of `line` after a key or "- " and is not a block collection: a scalar, a
 * one-line flow collection or a block scalar. Leaves st.line on the line after it.
 */
function inlineValue(st: State, line: number, col: number, parent: number, depth: number): unknown {
  const base = (st.start[line] as number) + col;
  const s = st.text.slice(base, st.end[line]);
  const c = s[0] as string;
  st.line = line + 1;
  if (c === '|' || c === '>') return blockScalar(st, s, parent);
  if ('&*!?%@`'.includes(c)) throw DECLINE;
  let value: unknown;
  let rest: string;
  if (c === '[' || c === '{') {
    const r = flow(st, s, 0, depth);
    value = r.value;
    rest = s.slice(r.end);
  } else if (c === '"' || c === "'") {
    const r = quoted(s, 0);
    value = r.value;
    rest = s.slice(r.end);
  } else {
    if ((c === '-' || c === ':') && (s.length === 1 || s[1] === ' ')) throw DECLINE;
    let e = s.length;
    const hash = s.indexOf(' #');
    if (hash >= 0) e = hash;
    const text = s.slice(0, e).trimEnd();
    if (/: |:$/.test(text) || text.includes('\t')) throw DECLINE;
    value = st.resolve(text);
    rest = s.slice(e);
  }
  if (!/^[ ]*(?:#.*)?$/.test(rest)) throw DECLINE;
  // A following line indented deeper than the collection holding this value would continue it: not for this reader.
  const next = nextContent(st, line + 1);
  if (next !== undefined && (st.indent[next] as number) > parent) throw DECLINE;
  return value;
}

function quoted(s: string, i: number): { value: string; end: number } {
  const q = s[i];
  if (q === '"') {
    const close = s.indexOf('"', i + 1);
    if (close < 0) throw DECLINE;
    const v = s.slice(i + 1, close);
    if (v.includes('\\')) throw DECLINE;
    return { value: v, end: close + 1 };
  }
  let out = '';
  let j = i + 1;
  for (;;) {
    const close = s.indexOf("'", j);
    if (close < 0) throw DECLINE;
    out += s.slice(j, close);
    if (s[close + 1] === "'") {
      out += "'";
      j = close + 2;
      continue;
    }
    return { value: out, end: close + 1 };
  }
}

/** A flow collection on one line starting at s[i]; `end` is the index after its closing bracket. */
function flow(st: State, s: string, i: number, depth: number): { value: unknown; end: number } {
  count(st, depth);
  if (depth > st.maxDepth) throw DECLINE;
  const isMap = s[i] === '{';
  const close = isMap ? '}' : ']';
  const out: unknown = isMap ? {} : [];
  let j = i + 1;
  while (s[j] === ' ') j++;
  if (s[j] === close) return { value: out, end: j + 1 };
  for (;;) {
    while (s[j] === ' ') j++;
    if (isMap) {
      let key: string;
      if (s[j] === '"' || s[j] === "'") {
        const r = quoted(s, j);
        key = r.value;
        j = r.end;
        while (s[j] === ' ') j++;
        if (s[j] !== ':') throw DECLINE;
      } else {
        const from = j;
        if (from >= s.length || ',[]{}#&*!|>\'"%@`?:\t'.includes(s[from] as string)) throw DECLINE;
        // A plain key ends at a ":" followed by a space, a flow indicator or the end of the line.
        for (; j < s.length; j++) {
          const ch = s.charCodeAt(j);
          if (ch === 58 /* : */ && (j + 1 === s.length || endsPlain(s.charCodeAt(j + 1)))) break;
          if (isFlowIndicator(ch) || ch === 9 || (ch === 35 /* # */ && s.charCodeAt(j - 1) === 32))
            throw DECLINE;
        }
        if (j >= s.length) throw DECLINE;
        key = s.slice(from, j).trimEnd();
        if (NOT_A_STRING_KEY.test(key)) throw DECLINE;
      }
      if (FORBIDDEN_KEYS.has(key) || Object.hasOwn(out as object, key)) throw DECLINE;
      j++; // the colon
      while (s[j] === ' ') j++;
      const r = flowScalarOrCollection(st, s, j, close, depth + 1);
      (out as Record<string, unknown>)[key] = r.value;
      j = r.end;
    } else {
      const r = flowScalarOrCollection(st, s, j, close, depth + 1);
      (out as unknown[]).push(r.value);
      j = r.end;
    }
    while (s[j] === ' ') j++;
    if (s[j] === close) return { value: out, end: j + 1 };
    if (s[j] !== ',') throw DECLINE;
    j++;
    while (s[j] === ' ') j++;
    if (s[j] === close) throw DECLINE; // a trailing comma: leave it to the full readers
  }
}

function isFlowIndicator(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125; // , [ ] { }
}

/** After a ":", what makes it the end of a plain key in a flow collection: a space or a flow indicator. */
function endsPlain(c: number): boolean {
  return c === 32 || isFlowIndicator(c);
}

function flowScalarOrCollection(
  st: State,
  s: string,
  j: number,
  close: string,
  depth: number,
): { value: unknown; end: number } {
  const c = s[j];
  if (c === '[' || c === '{') return flow(st, s, j, depth);
  count(st, depth);
  if (c === '"' || c === "'") return quoted(s, j);
  if (c === undefined || c === ',' || c === close) {
    if (close === '}') return { value: null, end: j }; // "{a: }": a null value
    throw DECLINE;
  }
  if ('&*!?%@`|>#'.includes(c) || ((c === '-' || c === ':') && ' ,]}'.includes(s[j + 1] ?? ' ')))
    throw DECLINE;
  let e = j;
  for (; e < s.length; e++) {
    const ch = s.charCodeAt(e);
    if (isFlowIndicator(ch)) break;
    if (ch === 58 /* : */ && (e + 1 === s.length || endsPlain(s.charCodeAt(e + 1)))) throw DECLINE;
    if (ch === 35 /* # */ && s.charCodeAt(e - 1) === 32) throw DECLINE;
  }
  const text = s.slice(j, e).trimEnd();
  if (text.includes('\t')) throw DECLINE;
  return { value: st.resolve(text), end: e };
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
