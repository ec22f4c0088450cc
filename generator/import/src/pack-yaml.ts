/**
 * The fast writer of pack YAML: the same text, byte for byte, as the `yaml` package writes for a pack
 * (serialize-pack.ts: a Document of plain JSON data, no aliases, `lineWidth: 0`, small leaf collections in flow
 * style, a comment before the root map), without building a node tree first. Building the tree, marking flow
 * leaves on it and walking it again to print cost ~80% of writing a large import (Microsoft Graph's 68 MB of
 * packs took ~9 s); this walks the data once.
 *
 * Layout (indents, `- ` items, `key: value`, `{ a: b }` flow leaves) is the `yaml` package's stringifier
 * (stringifyCollection, stringifyPair) re-done for plain data; every scalar string still goes through the
 * package's own `stringifyString` with the context it would get there, so quoting, escaping and block scalars
 * are the package's decisions (remembered for short one-line strings, whose text depends only on where they
 * stand: key or value, in flow or not, at the root). Anything outside plain JSON data, or a case the layout
 * here does not cover (a key over 1,024 characters, which the package writes as an explicit `? ` key),
 * returns undefined, and the caller writes with the `yaml` package instead.
 */
import { Document, type Scalar } from 'yaml';
import { stringifyString } from 'yaml/util';

const INDENT_STEP = '  ';

/** Where a node is written: the context the `yaml` package would pass down to it. */
interface Place {
  indent: string;
  /** null: block (the package's "not decided"), true: inside a flow collection. */
  inFlow: true | null;
  implicitKey: boolean;
}

/** Thrown inside the walk for anything this writer does not cover; the caller falls back. */
class NotCovered extends Error {}

/** The stringify options `Document#toString({ lineWidth: 0 })` ends up with (createStringifyContext). */
const SCHEMA_DOC = new Document(null);
const OPTIONS = {
  blockQuote: true,
  commentString: (s: string) => s.replace(/^(?!$)(?: $)?/gm, '#'),
  defaultKeyType: null,
  defaultStringType: 'PLAIN',
  directives: null,
  doubleQuotedAsJSON: false,
  doubleQuotedMinMultiLineLength: 40,
  falseStr: 'false',
  flowCollectionPadding: true,
  indentSeq: true,
  lineWidth: 0,
  minContentWidth: 20,
  nullStr: 'null',
  simpleKeys: false,
  singleQuote: null,
  trailingComma: false,
  trueStr: 'true',
  verifyAliasOrder: true,
};

/**
 * The YAML of `value` (a plain JSON object) with `comment` (one line, without '#') before its root map, or
 * undefined when it is outside what this writer covers.
 */
export function emitPackYaml(value: Record<string, unknown>, comment: string): string | undefined {
  if (!isPlainObject(value) || isFlowMap(value)) return undefined;
  written = new WeakMap();
  try {
    const body = writeMap(value, { indent: '', inFlow: null, implicitKey: false });
    return `${OPTIONS.commentString(comment)}\n${body}\n`;
  } catch (err) {
    if (err instanceof NotCovered) return undefined;
    throw err;
  } finally {
    written = undefined;
  }
}

/**
 * The text of each block map written so far in this pack, by indent and key context: the importer shares
 * schema objects between tools (a definition in the `$defs` of every tool that reaches it: most of Microsoft
 * Graph's packs), and a map's text depends only on the map and where it stands.
 */
let written: WeakMap<object, Map<number, string>> | undefined;

function write(value: unknown, at: Place): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return writeString(value, at);
    case 'number':
      if (!Number.isFinite(value)) throw new NotCovered();
      return Object.is(value, -0) ? '-0' : JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (Array.isArray(value)) return writeSeq(value, at);
      if (isPlainObject(value)) return writeMap(value, at);
      throw new NotCovered();
    default:
      throw new NotCovered();
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/** stringifyCollection for a map (YAMLMap#toString): block, or flow when marked and not already in flow. */
function writeMap(map: Record<string, unknown>, at: Place): string {
  const keys = Object.keys(map).filter((k) => map[k] !== undefined);
  if (keys.length === 0) return '{}';
  const flow = at.inFlow ?? isFlowMap(map);
  if (!flow) {
    const place = at.indent.length * 2 + (at.implicitKey ? 1 : 0);
    const known = written?.get(map);
    const text = known?.get(place);
    if (text !== undefined) return text;
    const item: Place = { indent: at.indent, inFlow: at.inFlow, implicitKey: at.implicitKey };
    let out = '';
    for (const [i, k] of keys.entries()) {
      const line = writePair(k, map[k], item);
      out += i === 0 ? line : `\n${at.indent}${line}`;
    }
    if (known) known.set(place, out);
    else written?.set(map, new Map([[place, out]]));
    return out;
  }
  const item: Place = { indent: at.indent + INDENT_STEP, inFlow: true, implicitKey: at.implicitKey };
  return flowLines(
    keys.map((k) => writePair(k, map[k], item)),
    at.indent,
    '{',
    '}',
  );
}

/** stringifyCollection for a list (YAMLSeq#toString). */
function writeSeq(list: readonly unknown[], at: Place): string {
  if (list.length === 0) return '[]';
  const flow = at.inFlow ?? isFlowSeq(list);
  const itemIndent = at.indent + INDENT_STEP;
  if (!flow) {
    const item: Place = { indent: itemIndent, inFlow: at.inFlow, implicitKey: at.implicitKey };
    let out = '';
    for (const [i, v] of list.entries()) {
      if (v === undefined) throw new NotCovered();
      const line = `- ${write(v, item)}`;
      out += i === 0 ? line : `\n${at.indent}${line}`;
    }
    return out;
  }
  const item: Place = { indent: itemIndent + INDENT_STEP, inFlow: true, implicitKey: at.implicitKey };
  return flowLines(
    list.map((v) => {
      if (v === undefined) throw new NotCovered();
      return write(v, item);
    }),
    at.indent,
    '[',
    ']',
  );
}

/** stringifyFlowCollection's layout: on one line unless an item spans lines (lineWidth 0: never by length). */
function flowLines(items: string[], indent: string, start: string, end: string): string {
  const lines = items.map((s, i) => (i < items.length - 1 ? `${s},` : s));
  if (!items.some((s) => s.includes('\n'))) return `${start} ${lines.join(' ')} ${end}`;
  let out = start;
  for (const line of lines) out += line ? `\n${INDENT_STEP}${indent}${line}` : '\n';
  return `${out}\n${indent}${end}`;
}

/** stringifyPair for a string key and a plain value, `item` being the collection's item context. */
function writePair(key: string, value: unknown, item: Place): string {
  const indent = item.indent + INDENT_STEP;
  const keyText = writeString(key, { indent, inFlow: item.inFlow, implicitKey: true });
  if (!item.inFlow && keyText.length > 1024) throw new NotCovered();
  const valueText = write(value, { indent, inFlow: item.inFlow, implicitKey: false });
  let ws = ' ';
  if (value !== null && typeof value === 'object') {
    const empty = Array.isArray(value)
      ? value.length === 0
      : Object.keys(value).every((k) => (value as Record<string, unknown>)[k] === undefined);
    const flow =
      item.inFlow ??
      ((Array.isArray(value) ? isFlowSeq(value) : isFlowMap(value as Record<string, unknown>)) || empty);
    // `!flow` first: a block collection's text is long (and built by concatenation, so includes() would
    // flatten it at every level); a flow one is short.
    if (!flow || valueText.includes('\n')) ws = `\n${indent}`;
  } else if (valueText === '' || valueText[0] === '\n') ws = '';
  return `${keyText}:${ws}${valueText}`;
}

// serialize-pack.ts's flowLeaves, on plain data: a leaf map of at most 4 scalars whose JSON is at most 80
// characters, a leaf list whose JSON is at most 100, goes in flow style (multi-line text is not a leaf).

function isFlowMap(map: Record<string, unknown>): boolean {
  let n = 0;
  let length = 1;
  for (const k of Object.keys(map)) {
    const v = map[k];
    if (v === undefined) continue;
    if (++n > 4) return false;
    // The JSON of a string is at least two longer than it: past 80 already, no need to write it (or scan it).
    if (typeof v === 'string' && length + k.length + v.length + 5 + n > 80) return false;
    if (!isLeafScalar(v)) return false;
    length += JSON.stringify(k).length + 1 + jsonLength(v);
    if (length + n > 80) return false;
  }
  return length + Math.max(n, 1) <= 80;
}

function isFlowSeq(list: readonly unknown[]): boolean {
  let length = 1 + Math.max(list.length, 1);
  for (const v of list) {
    if (typeof v === 'string' && length + v.length + 2 > 100) return false;
    if (!isLeafScalar(v)) return false;
    length += jsonLength(v);
    if (length > 100) return false;
  }
  return true;
}

function isLeafScalar(v: unknown): boolean {
  if (v !== null && typeof v === 'object') return false;
  return !(typeof v === 'string' && /[\n\r]/.test(v));
}

function jsonLength(v: unknown): number {
  return (JSON.stringify(v) ?? 'null').length;
}

/**
 * Remembered texts of one-line strings up to 256 characters, by where they stand: their text then depends
 * only on key or value, flow or block, and whether the indent is the root's or one step (see stringifyString:
 * the indent only matters for line breaks and for `---`/`...` markers at those two levels).
 */
const memo = new Map<number, Map<string, string>>();
const MEMO_MAX = 200_000;
let memoSize = 0;

function writeString(value: string, at: Place): string {
  const short = value.length <= 256 && !value.includes('\n');
  const kind =
    (at.implicitKey ? 1 : 0) |
    (at.inFlow ? 2 : 0) |
    (at.indent === '' ? 4 : 0) |
    (at.indent === INDENT_STEP ? 8 : 0);
  let known: Map<string, string> | undefined;
  if (short) {
    known = memo.get(kind);
    const text = known?.get(value);
    if (text !== undefined) return text;
  }
  const ctx = {
    actualString: true,
    anchors: new Set(),
    doc: SCHEMA_DOC,
    flowCollectionPadding: ' ',
    forceBlockIndent: false,
    implicitKey: at.implicitKey,
    indent: at.indent,
    indentStep: INDENT_STEP,
    inFlow: at.inFlow,
    options: OPTIONS,
  };
  const text = stringifyString({ value } as Scalar, ctx as unknown as Parameters<typeof stringifyString>[1]);
  if (short) {
    if (memoSize >= MEMO_MAX) {
      memo.clear();
      memoSize = 0;
    }
    if (!known) {
      known = new Map();
      memo.set(kind, known);
    }
    known.set(value, text);
    memoSize++;
  }
  return text;
}
