/**
 * Bounds on JSON where it enters the runtime (MCP request bodies, upstream responses, third-party results,
 * admin API bodies) and where values leave it for storage (trace rows). Pure and iterative: nothing here
 * recurses, so no input can exhaust the stack, and every check stops as soon as a bound is passed.
 *
 * Why bounds at all: V8's `JSON.parse` is iterative, but `JSON.stringify`, schema validators, redaction and
 * most code that walks a value recurse. A tools/call whose arguments nested ~4,300 levels (8.6 KB) made
 * `JSON.stringify` throw `RangeError: Maximum call stack size exceeded` in the trace writer and ended the
 * process. Nesting is also costly before any of that: `JSON.parse` of 2 M nested arrays (4 MiB) takes seconds.
 * So depth is checked on the raw text, before parsing, by counting brackets outside strings.
 */

/** Limits applied to JSON the runtime accepts. */
export interface JsonBounds {
  /**
   * Deepest nesting of objects and arrays accepted (the outermost value is level 1). Default 128: what
   * serde_json (and so the Rust MCP SDK) accepts, far above what real tool arguments and API responses use
   * (GitHub's GraphQL answers reach ~15), and far below where V8's JSON.stringify gives up (~4,170).
   * `RAKU_JSON_MAX_DEPTH`.
   */
  maxDepth: number;
  /**
   * Largest JSON value accepted where no byte limit applies already (third-party results, values stored in
   * traces), in bytes of its JSON text. Default 4 MiB, the MCP request body limit. `RAKU_JSON_MAX_BYTES`.
   */
  maxBytes: number;
}

export const DEFAULT_JSON_BOUNDS: Readonly<JsonBounds> = Object.freeze({
  maxDepth: 128,
  maxBytes: 4 * 1024 * 1024,
});

/** Accepted range of `RAKU_JSON_MAX_DEPTH`: deep enough for envelopes, shallow enough for JSON.stringify. */
export const MAX_DEPTH_RANGE = { min: 16, max: 1000 } as const;

let current: Readonly<JsonBounds> = DEFAULT_JSON_BOUNDS;

/** The bounds in force in this process (the defaults unless the entry point configured others). */
export function jsonBounds(): Readonly<JsonBounds> {
  return current;
}

/** Sets the bounds of this process; called once by the entry point from its options. */
export function setJsonBounds(bounds: JsonBounds): void {
  current = Object.freeze({ ...bounds });
}

/** Reads `RAKU_JSON_MAX_DEPTH` / `RAKU_JSON_MAX_BYTES`; returns a message naming the variable when one is bad. */
export function jsonBoundsFromEnv(
  env: Record<string, string | undefined>,
): { ok: true; bounds: JsonBounds } | { ok: false; message: string } {
  const bounds: JsonBounds = { ...DEFAULT_JSON_BOUNDS };
  const depth = env['RAKU_JSON_MAX_DEPTH'];
  if (depth !== undefined && depth !== '') {
    const n = Number(depth);
    if (!/^\d+$/.test(depth) || n < MAX_DEPTH_RANGE.min || n > MAX_DEPTH_RANGE.max) {
      return {
        ok: false,
        message: `RAKU_JSON_MAX_DEPTH must be a whole number from ${MAX_DEPTH_RANGE.min} to ${MAX_DEPTH_RANGE.max}, not "${depth}"`,
      };
    }
    bounds.maxDepth = n;
  }
  const bytes = env['RAKU_JSON_MAX_BYTES'];
  if (bytes !== undefined && bytes !== '') {
    const n = Number(bytes);
    if (!/^\d+$/.test(bytes) || n < 1024 || n > 256 * 1024 * 1024) {
      return {
        ok: false,
        message: `RAKU_JSON_MAX_BYTES must be a whole number of bytes from 1024 to 268435456, not "${bytes}"`,
      };
    }
    bounds.maxBytes = n;
  }
  return { ok: true, bounds };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** End of the string whose opening quote is just before `from`: the index of its closing quote, or -1. */
function stringEnd(bytes: Uint8Array, from: number): number {
  let at = from;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, at);
    if (quote < 0) return -1;
    // Escaped when an odd number of backslashes precede it.
    let k = quote - 1;
    while (k >= from && bytes[k] === BACKSLASH) k--;
    if ((quote - 1 - k) % 2 === 0) return quote;
    at = quote + 1;
  }
}

/**
 * The nesting depth of JSON text (UTF-8 or any ASCII-compatible encoding), counted on the raw bytes:
 * brackets outside strings. Stops at the first level past `limit` and returns `limit + 1`, so the cost of a
 * hostile body is paid only up to the limit. Does not validate the JSON; the parser still does that.
 */
export function textDepth(bytes: Uint8Array, limit: number = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      const end = stringEnd(bytes, i + 1);
      if (end < 0) break;
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return deepest;
}

/**
 * The whole depth of JSON text that nests past `maxDepth` (default: the process's bound), to name in a
 * refusal; undefined when it stays within. A text shorter than the limit cannot pass it and is not scanned.
 */
export function tooDeep(bytes: Uint8Array, maxDepth: number = current.maxDepth): number | undefined {
  if (bytes.length <= maxDepth || textDepth(bytes, maxDepth) <= maxDepth) return undefined;
  return textDepth(bytes);
}

/** `textDepth` for a string already decoded (JSON held inside a string value). */
export function stringDepth(text: string, limit: number = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end < 0) return deepest;
        let k = end - 1;
        while (k > i && text.charCodeAt(k) === BACKSLASH) k--;
        if ((end - 1 - k) % 2 === 0) break;
      }
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return deepest;
}

/**
 * JSON text with every value nested deeper than `maxDepth` replaced by `null`, and the deepest level the
 * text reached. Lets a refused request still be read (its id, method, tool name) without parsing the deep
 * part, whose parse alone can take seconds. The result parses when the input did.
 */
export function pruneDeepText(bytes: Uint8Array, maxDepth: number): { text: string; depth: number } {
  const kept: Uint8Array[] = [];
  let depth = 0;
  let deepest = 0;
  let keptFrom = 0;
  let prunedAt = -1; // start of the value being pruned, or -1
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      const end = stringEnd(bytes, i + 1);
      if (end < 0) break;
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (depth === maxDepth + 1 && prunedAt < 0) {
        prunedAt = i;
        kept.push(bytes.subarray(keptFrom, i));
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === maxDepth + 1 && prunedAt >= 0) {
        kept.push(NULL_BYTES);
        keptFrom = i + 1;
        prunedAt = -1;
      }
      depth--;
    }
  }
  if (prunedAt >= 0) kept.push(NULL_BYTES);
  else kept.push(bytes.subarray(keptFrom));
  return { text: Buffer.concat(kept).toString('utf8'), depth: deepest };
}

const NULL_BYTES = new Uint8Array([0x6e, 0x75, 0x6c, 0x6c]);

const LETTER_U = 0x75;

function hexAt(bytes: Uint8Array, at: number): number {
  let code = 0;
  for (let i = at; i < at + 4; i++) {
    const c = bytes[i];
    if (c === undefined) return -1;
    const digit =
      c >= 0x30 && c <= 0x39
        ? c - 0x30
        : c >= 0x61 && c <= 0x66
          ? c - 0x57
          : c >= 0x41 && c <= 0x46
            ? c - 0x37
            : -1;
    if (digit < 0) return -1;
    code = code * 16 + digit;
  }
  return code;
}

/**
 * The first string escape in JSON text that the database cannot store: `\u0000` (NUL) or a lone surrogate
 * (`\ud800` not followed by a low surrogate, or a low one alone). Raw text cannot hold either: a NUL byte in
 * a string is not JSON, and a surrogate cannot be encoded in UTF-8. Undefined when there is none.
 */
export function illFormedEscape(bytes: Uint8Array): { offset: number; escape: string } | undefined {
  let at = 0;
  for (;;) {
    const slash = bytes.indexOf(BACKSLASH, at);
    if (slash < 0) return undefined;
    if (bytes[slash + 1] !== LETTER_U) {
      at = slash + 2; // any other escape, \\ included
      continue;
    }
    const code = hexAt(bytes, slash + 2);
    const written = () => Buffer.from(bytes.subarray(slash, slash + 6)).toString('latin1');
    if (code === 0) return { offset: slash, escape: written() };
    if (code >= 0xd800 && code <= 0xdbff) {
      const low =
        bytes[slash + 6] === BACKSLASH && bytes[slash + 7] === LETTER_U ? hexAt(bytes, slash + 8) : -1;
      if (low < 0xdc00 || low > 0xdfff) return { offset: slash, escape: written() };
      at = slash + 12;
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) return { offset: slash, escape: written() };
    at = slash + 6;
  }
}

/** Why a value or text is refused. */
export type BoundViolation = 'depth' | 'size' | 'value';

export type Measured = { ok: true; bytes: number } | { ok: false; reason: BoundViolation; bytes: number };

export interface MeasureOptions {
  /**
   * Count JSON held in strings (text starting with `{` or `[`) as nesting at the string's place. For values
   * handed to code that parses such strings, as trace redaction does with MCP text content.
   */
  jsonInStrings?: boolean;
}

function holdsDeepJson(text: string, room: number): boolean {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 0x20) i++;
  const c = text.charCodeAt(i);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) return false;
  return stringDepth(text, room) > room;
}

/** A character JSON.stringify escapes, or one outside ASCII (more than a byte in UTF-8). */
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/** Bytes of a string as JSON text (quotes and escapes included) in UTF-8. */
function stringBytes(value: string): number {
  // Most keys and values are plain ASCII: one regular-expression test instead of a copy and a count.
  return NOT_PLAIN.test(value) ? Buffer.byteLength(JSON.stringify(value), 'utf8') : value.length + 2;
}

/** Bytes JSON.stringify writes for a primitive; -1 for a member it leaves out, -2 for an object. */
function primitiveBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    case 'bigint':
      // Not JSON: the trace redaction stores it as a decimal string.
      return String(value).length + 2;
    case 'undefined':
    case 'function':
    case 'symbol':
      return -1;
    default:
      return value === null ? 4 : -2;
  }
}

/**
 * The size of `value` as JSON text (bytes of UTF-8, as JSON.stringify would write it), unless it nests deeper
 * than `maxDepth` or is larger than `maxBytes`. Iterative, stops at the first bound passed (so cycles, which
 * nest without end, and shared subtrees that would expand past `maxBytes` are refused quickly), and never
 * throws: a value whose reading throws (a getter, a proxy) is refused as `value`. `bytes` of a refusal is what
 * had been counted when it stopped (a lower bound).
 */
export function measureJson(
  value: unknown,
  bounds: Pick<JsonBounds, 'maxDepth' | 'maxBytes'>,
  options: MeasureOptions = {},
): Measured {
  let bytes = 0;
  try {
    // Each entry: a value to size and its depth (the depth of the container holding it + 1 for containers).
    const stack: unknown[] = [value];
    const depths: number[] = [0];
    while (stack.length > 0) {
      let item = stack.pop();
      const depth = depths.pop()!;
      if (
        item !== null &&
        typeof item === 'object' &&
        typeof (item as { toJSON?: unknown }).toJSON === 'function'
      ) {
        item = (item as { toJSON: () => unknown }).toJSON();
      }
      if (options.jsonInStrings && typeof item === 'string' && holdsDeepJson(item, bounds.maxDepth - depth)) {
        return { ok: false, reason: 'depth', bytes };
      }
      const size = primitiveBytes(item);
      if (size === -1)
        bytes += 4; // only array items and the root get here: written as null
      else if (size >= 0) bytes += size;
      else {
        if (depth + 1 > bounds.maxDepth) return { ok: false, reason: 'depth', bytes };
        bytes += 2; // the brackets
        if (Array.isArray(item)) {
          if (item.length > 1) bytes += item.length - 1;
          for (let i = item.length - 1; i >= 0; i--) {
            stack.push(item[i]);
            depths.push(depth + 1);
          }
        } else {
          let members = 0;
          for (const key of Object.keys(item as object)) {
            const member = (item as Record<string, unknown>)[key];
            const type = typeof member;
            if (type === 'undefined' || type === 'function' || type === 'symbol') continue;
            members++;
            bytes += stringBytes(key) + 1;
            stack.push(member);
            depths.push(depth + 1);
          }
          if (members > 1) bytes += members - 1;
        }
      }
      if (bytes > bounds.maxBytes) return { ok: false, reason: 'size', bytes };
    }
  } catch {
    return { ok: false, reason: 'value', bytes };
  }
  return { ok: true, bytes };
}

/** A short English statement of a depth refusal, naming the depth found, the limit and how to change it. */
export function depthMessage(what: string, depth: number, maxDepth: number): string {
  return `${what} nests ${depth} levels deep; the limit is ${maxDepth} levels (RAKU_JSON_MAX_DEPTH)`;
}

/** A short English statement of a refusal by `measureJson`. */
export function violationMessage(what: string, reason: BoundViolation, bounds: JsonBounds): string {
  switch (reason) {
    case 'depth':
      return `${what} nests more than ${bounds.maxDepth} levels deep (RAKU_JSON_MAX_DEPTH)`;
    case 'size':
      return `${what} is larger than ${bounds.maxBytes} bytes as JSON (RAKU_JSON_MAX_BYTES)`;
    case 'value':
      return `${what} is not a JSON value`;
  }
}
