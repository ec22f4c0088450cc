import { Buffer, isAscii } from 'node:buffer';
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  parseDocument,
} from 'yaml';
import { type Diagnostic, dottedPath, type PathSegment } from '../diagnostic.ts';
import { type BlockLocator, blockLocator } from './block-positions.ts';
import { blockParse } from './block-yaml.ts';
import { jsyamlParse, resolvePlain } from './fast-yaml.ts';

/** A file as read from disk (or git), before any parsing. */
export interface SourceFile {
  /** Repository-relative path with '/' separators. */
  path: string;
  bytes: Uint8Array;
  /**
   * Set by a reader that found this entry where config is expected but did not read it (`bytes` is empty): a
   * symbolic link (never followed), or a config folder that is not a folder. The loader reports it by name.
   */
  refused?: 'symlink' | 'not-a-folder';
}

/** Limits that keep hostile input cheap. Defaults suit hand-written and generated config alike. */
export interface YamlLimits {
  /** Largest file accepted, in bytes. Default 2 MiB. */
  maxBytes: number;
  /** Deepest nesting of collections. Default 64. */
  maxDepth: number;
  /** Most values one document may expand to, aliases included (bounds alias bombs). Default 200 000. */
  maxNodes: number;
  /** Try the fast parser first (see fast-yaml.ts). Default true; false forces the positioned parser. */
  fastPath?: boolean;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = { maxBytes: 2 * 1024 * 1024, maxDepth: 64, maxNodes: 200_000 };

export interface Position {
  line: number;
  column: number;
}

/** Finds the source position of a value by its path; falls back to the nearest located ancestor. */
export interface PositionIndex {
  at(path: readonly PathSegment[]): Position;
  /** Position of the key of a map entry (for unknown-property errors), else of the value. */
  keyAt(path: readonly PathSegment[]): Position;
}

export interface ParsedYaml {
  /** The document as plain JSON-compatible data; undefined when the file could not be parsed. */
  value: unknown;
  positions: PositionIndex;
  diagnostics: Diagnostic[];
}

/** Keys that would reach Object.prototype machinery if code ever assigned them naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The file's text, as the strict UTF-8 decoder reads it. Config is nearly always ASCII, which is valid UTF-8
 * with no byte-order mark and reads the same as Latin-1: that check and copy cost a third of the decoder's.
 */
function decodeUtf8(bytes: Uint8Array): string {
  return isAscii(bytes)
    ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
    : utf8.decode(bytes);
}

class ParseAbort extends Error {}

/**
 * Parses one YAML file into plain data with a position for every node. Pure: no I/O.
 * Rejects (with diagnostics, never by throwing): oversize files, invalid UTF-8, syntax errors, duplicate keys,
 * several documents in one file, alias bombs, deep nesting and prototype-polluting keys.
 */
export function parseYamlSource(file: SourceFile, limits: YamlLimits = DEFAULT_YAML_LIMITS): ParsedYaml {
  const diagnostics: Diagnostic[] = [];
  const nodes = new Map<string, [number, number]>();
  const lineCounter = new LineCounter();
  const toPos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const positions = makeIndex(nodes, toPos);
  const fail = (rule: string, message: string, offset = -1): ParsedYaml => {
    const pos = offset >= 0 ? toPos(offset) : { line: 0, column: 0 };
    diagnostics.push({ file: file.path, ...pos, path: '', rule, message, severity: 'error' });
    return { value: undefined, positions, diagnostics };
  };

  if (file.bytes.byteLength > limits.maxBytes) {
    return fail('file-too-large', `file is ${file.bytes.byteLength} bytes; the limit is ${limits.maxBytes}`);
  }
  let text: string;
  try {
    text = decodeUtf8(file.bytes);
  } catch {
    return fail('invalid-utf8', 'file is not valid UTF-8');
  }
  if (text.includes('\u0000')) return fail('invalid-utf8', 'file contains a NUL character');

  // The parsers recurse per nesting level and can exhaust memory on pathological nesting before they
  // report anything, so measure nesting with the (iterative) lexer first when a cheap scan cannot rule it
  // out. Once the lexer has found it shallow, the fast path is as safe as for any other text: a bracket
  // inside a quoted string (an API description quoting '[' 165 times) no longer costs the slow parse.
  // The block reader goes first: it bounds its own nesting and size and runs in linear time, so the nesting
  // scan below is only for the readers behind it.
  if (limits.fastPath !== false) {
    const block = blockParse(text, resolvePlain, limits);
    if (block) return { value: block.value, positions: lazyPositions(file, text, limits), diagnostics };
  }
  const deep = mayNestDeeply(text, limits.maxDepth) ? nestingProblem(text, limits.maxDepth) : undefined;
  if (deep) return fail('too-deep', deep.message, deep.offset);
  if (limits.fastPath !== false) {
    const fast = jsyamlParse(text, limits);
    if (fast) return { value: fast.value, positions: lazyPositions(file, text, limits), diagnostics };
  }

  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
    merge: false,
    schema: 'core',
  });
  for (const err of [...doc.errors]) {
    const rule = err.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax';
    diagnostics.push({
      file: file.path,
      ...toPos(err.pos[0]),
      path: '',
      rule,
      message: err.message.split('\n')[0] ?? err.message,
      severity: 'error',
    });
  }
  if (diagnostics.length > 0) return { value: undefined, positions, diagnostics };
  // A second document after '---' is silently ignored by parseDocument; make it an error instead.
  const end = doc.range[2];
  if (end < text.length && /^\s*---/m.test(text.slice(end))) {
    return fail('yaml-syntax', 'only one YAML document per file is allowed', end);
  }

  // Measure what aliases expand to on the node graph (memoised, so linear) before building anything.
  const size = expandedSize(doc.contents as Node, doc, limits.maxNodes);
  if (size > limits.maxNodes) {
    return fail(
      'too-deep',
      Number.isFinite(size)
        ? `document expands to more than ${limits.maxNodes} values through aliases (alias bomb?)`
        : 'an alias refers to a collection that contains it',
    );
  }

  const convert = (
    node: Node | null | undefined,
    path: PathSegment[],
    depth: number,
    pointer: string,
  ): unknown => {
    if (depth > limits.maxDepth) throw new ParseAbort(`nesting deeper than ${limits.maxDepth} levels`);
    if (node == null) return null;
    if (node.range) nodes.set(pointer, [node.range[0], -1]);
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) throw new ParseAbort(`unresolved alias *${node.source}`);
      return convert(target, path, depth + 1, pointer);
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'bigint') return Number(v);
      if (v instanceof Date) return v.toISOString();
      if (v !== null && typeof v === 'object') return String(v);
      return v;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => convert(item as Node, [...path, i], depth + 1, `${pointer}/${i}`));
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? keyNode.value : undefined;
        if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
          const off = keyNode?.range?.[0] ?? node.range?.[0] ?? 0;
          diagnostics.push({
            file: file.path,
            ...toPos(off),
            path: dottedPath(path),
            rule: 'yaml-syntax',
            message: 'map keys must be plain strings',
            severity: 'error',
          });
          continue;
        }
        const k = String(key);
        const childPointer = `${pointer}/${escapePointer(k)}`;
        if (FORBIDDEN_KEYS.has(k)) {
          diagnostics.push({
            file: file.path,
            ...toPos(keyNode?.range?.[0] ?? 0),
            path: dottedPath([...path, k]),
            rule: 'forbidden-key',
            message: `key "${k}" is not allowed`,
            severity: 'error',
          });
          continue;
        }
        const value = convert(pair.value as Node, [...path, k], depth + 1, childPointer);
        const keyOffset = keyNode?.range?.[0];
        if (keyOffset !== undefined) {
          // An empty value ("key:") has no text of its own: point at its key.
          const existing = value === null ? undefined : nodes.get(childPointer);
          nodes.set(childPointer, [existing?.[0] ?? keyOffset, keyOffset]);
        }
        // defineProperty: a plain assignment of a key like "__proto__" would change the prototype.
        Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return null;
  };

  try {
    const value = convert(doc.contents as Node, [], 0, '');
    return { value: diagnostics.length ? undefined : value, positions, diagnostics };
  } catch (err) {
    if (err instanceof ParseAbort) return fail('too-deep', err.message);
    if (err instanceof RangeError) return fail('too-deep', 'document is nested too deeply to process');
    throw err;
  }
}

/**
 * Positions for a file read on the fast path, computed only when a rule asks where something is: first by
 * following indentation (block-positions.ts, microseconds), and only where that declines by the positioned
 * parse (milliseconds per file).
 */
function lazyPositions(file: SourceFile, text: string, limits: YamlLimits): PositionIndex {
  let index: PositionIndex | undefined;
  let locator: BlockLocator | undefined | null = null;
  const find = (path: readonly PathSegment[], key: boolean): Position => {
    if (locator === null) locator = blockLocator(text);
    const found = locator?.(path, key);
    if (found) return found;
    index ??= parseYamlSource(file, { ...limits, fastPath: false }).positions;
    return key ? index.keyAt(path) : index.at(path);
  };
  return { at: (path) => find(path, false), keyAt: (path) => find(path, true) };
}

/** Cheap test that rules out deep nesting for ordinary files, so the lexer pass runs only on suspicious ones. */

function mayNestDeeply(text: string, maxDepth: number): boolean {
  // Running bracket depth, ignoring quoting: an over-estimate is fine, the lexer pass then decides.
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) return true;
    } else if ((c === 93 /* ] */ || c === 125) /* } */ && depth > 0) depth--;
  }
  const patterns = deepPatterns(maxDepth);
  return patterns.dashes.test(text) || patterns.indent.test(text);
}

const deepPatternCache = new Map<number, { dashes: RegExp; indent: RegExp }>();
function deepPatterns(maxDepth: number): { dashes: RegExp; indent: RegExp } {
  let p = deepPatternCache.get(maxDepth);
  if (!p) {
    p = {
      dashes: new RegExp(`(?:[-?][ \\t]+){${maxDepth}}`),
      indent: new RegExp(`^[ \\t]{${maxDepth * 16},}`, 'm'),
    };
    deepPatternCache.set(maxDepth, p);
  }
  return p;
}

/** Number of values a node expands to with aliases resolved; Infinity for an alias cycle. Stops counting past `cap`. */
function expandedSize(root: Node | null, doc: Document, cap: number): number {
  const memo = new Map<Node, number>();
  const visit = (node: Node | null | undefined): number => {
    if (node == null) return 1;
    const known = memo.get(node);
    if (known !== undefined) return known;
    let n = 1;
    memo.set(node, Number.POSITIVE_INFINITY); // in progress: reaching it again is a cycle
    if (isAlias(node)) {
      n = visit(node.resolve(doc) ?? null);
    } else if (isSeq(node) || isMap(node)) {
      for (const item of node.items) {
        n += isPair(item) ? visit(item.key as Node) + visit(item.value as Node) : visit(item as Node);
        if (n > cap) break;
      }
    }
    memo.set(node, n);
    return n;
  };
  return visit(root);
}

function nestingProblem(text: string, maxDepth: number): { message: string; offset: number } | undefined {
  let flow = 0;
  let lineIndicators = 0;
  let offset = 0;
  let atLineStart = true;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++flow > maxDepth)
        return { message: `flow collections nested deeper than ${maxDepth} levels`, offset };
    } else if (token === ']' || token === '}') {
      flow--;
    } else if (token === '\n' || token === '\r\n') {
      atLineStart = true;
      lineIndicators = 0;
    } else if (token === '-' || token === '?') {
      if (++lineIndicators > maxDepth)
        return { message: `block collections nested deeper than ${maxDepth} levels`, offset };
    } else if (atLineStart && token.length > 0 && token.trim() === '' && token.length > maxDepth * 16) {
      return { message: `indentation deeper than ${maxDepth * 16} columns`, offset };
    }
    if (token !== '\n') atLineStart = false;
    offset += token.length === 1 && token < ' ' && token !== '\n' && token !== '\t' ? 0 : token.length;
  }
  return undefined;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function pointerOf(path: readonly PathSegment[]): string {
  let p = '';
  for (const seg of path) p += `/${escapePointer(String(seg))}`;
  return p;
}

function makeIndex(nodes: Map<string, [number, number]>, toPos: (offset: number) => Position): PositionIndex {
  const lookup = (path: readonly PathSegment[], key: boolean): Position => {
    for (let n = path.length; n >= 0; n--) {
      const hit = nodes.get(pointerOf(path.slice(0, n)));
      if (hit) return toPos(key && n === path.length && hit[1] >= 0 ? hit[1] : hit[0]);
    }
    return { line: 1, column: 1 };
  };
  return { at: (path) => lookup(path, false), keyAt: (path) => lookup(path, true) };
}
