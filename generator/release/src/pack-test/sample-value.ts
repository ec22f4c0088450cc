import type { JsonSchema } from '@raku/config';

const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2024-01-02T03:04:05Z',
  date: '2024-01-02',
  time: '03:04:05Z',
  duration: 'P1D',
  email: 'someone@example.com',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uri: 'https://example.com/a',
  'uri-reference': '/a',
  'uri-template': '/a/{b}',
  uuid: '3f2c5a8e-1b7d-4c9e-8f00-2a6b9c1d4e5f',
  'json-pointer': '/a',
  'relative-json-pointer': '0',
  regex: '^a$',
};

/**
 * A value that satisfies `schema` (best effort, deterministic): const, enum, examples and defaults first,
 * else the smallest value of the type within its bounds. `all` also fills optional properties of the root
 * object (and of `oneOf`/`anyOf` branches, to tell them apart), so every argument mapping is exercised.
 * `allOf` parts (and a `$ref` with sibling keywords) are combined into one schema before sampling; a map
 * with `minProperties` gets that many entries. Recursive `$ref`s stop at depth 6. Pure.
 */
export function sampleValue(
  schema: unknown,
  root: JsonSchema,
  opts: { all?: boolean; variant?: number } = {},
  depth = 0,
): unknown {
  const inner = opts.variant ? { variant: opts.variant } : {};
  if (schema === true || schema === undefined) return 'sample';
  if (schema === null || typeof schema !== 'object') return null;
  const s = schema as JsonSchema;
  if (depth > 12) return null;
  const ref = s['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
    const target = (root['$defs'] as Record<string, unknown> | undefined)?.[ref.slice(8)];
    const rest = { ...s };
    delete rest['$ref'];
    // A reference with siblings (draft 2020-12 applies both): the two taken together, as an allOf.
    const whole = constrains(rest) ? { allOf: [target ?? {}, rest] } : target;
    return sampleValue(whole, root, opts.all ? { ...inner, all: true } : inner, depth + 2);
  }
  if (Array.isArray(s['allOf'])) {
    // One schema holding every part's constraints (references followed), sampled as a whole: sampling
    // each part on its own and merging loses to a part that says only "description".
    return sampleValue(combineAllOf(s, root), root, opts, depth + 1);
  }
  if ('const' in s) return s['const'];
  if (Array.isArray(s['enum']) && s['enum'].length > 0)
    return s['enum'].find((v) => v !== null) ?? s['enum'][0];
  // Documents' examples and defaults do not always fit their own type (a scalar example on an array): skip those.
  if (Array.isArray(s['examples']) && s['examples'].length > 0 && fits(s['examples'][0], s)) {
    return s['examples'][0];
  }
  if (s['default'] !== undefined && fits(s['default'], s)) return s['default'];
  for (const k of ['oneOf', 'anyOf'] as const) {
    const list = s[k];
    if (Array.isArray(list) && list.length > 0) {
      // `variant` picks another branch, for a retry when the first one does not satisfy the whole schema.
      const branches = list.filter((b) => (b as JsonSchema)?.['type'] !== 'null');
      const pick = branches.length > 0 ? branches[(opts.variant ?? 0) % branches.length] : list[0];
      // Branches often differ only in optional properties: fill them, so the value tells the branches apart.
      const rest = { ...s };
      delete rest[k];
      // A branch that only names required properties (`anyOf: [{required: [a]}, {required: [b]}]`) is a
      // constraint on the properties around it: sample the two together.
      const p = (pick ?? {}) as JsonSchema;
      if (!('properties' in p) && !('$ref' in p) && !('type' in p) && Array.isArray(p['required'])) {
        return sampleValue(combineAllOf({ allOf: [rest, p] }, root), root, opts, depth + 1);
      }
      const base = sampleValue(pick, root, { ...inner, all: true }, depth + 1);
      return Object.keys(rest).some((x) => x === 'properties' || x === 'required')
        ? merge(base, sampleValue(rest, root, opts, depth + 1))
        : base;
    }
  }
  const type = Array.isArray(s['type']) ? s['type'].find((t) => t !== 'null') : s['type'];
  const objectish = ['properties', 'required', 'additionalProperties', 'minProperties'].some((k) => k in s);
  switch (type ?? (objectish ? 'object' : s['items'] ? 'array' : 'string')) {
    case 'string': {
      if (s['contentEncoding'] === 'base64') return sampleFile(s);
      const format = typeof s['format'] === 'string' ? FORMAT_SAMPLES[s['format']] : undefined;
      const patterned = typeof s['pattern'] === 'string' ? sampleFromPattern(s['pattern']) : undefined;
      let text = format ?? patterned ?? 'sample';
      const min = typeof s['minLength'] === 'number' ? s['minLength'] : 0;
      const max = typeof s['maxLength'] === 'number' ? s['maxLength'] : Number.POSITIVE_INFINITY;
      // Padded with the pattern's own last character when that still matches (`^[0-9a-f]+$`, 40 long).
      const pad = patterned && padded(patterned, min, s['pattern'] as string);
      if (text.length < min) text = pad || text.padEnd(min, 'x');
      if (text.length > max) text = text.slice(0, Math.max(max, 0));
      return text;
    }
    case 'integer':
    case 'number': {
      let n = 1;
      if (typeof s['minimum'] === 'number') n = Math.max(n, s['minimum']);
      if (typeof s['exclusiveMinimum'] === 'number') n = Math.max(n, s['exclusiveMinimum'] + 1);
      if (typeof s['maximum'] === 'number') n = Math.min(n, s['maximum']);
      if (typeof s['exclusiveMaximum'] === 'number') n = Math.min(n, s['exclusiveMaximum'] - 1);
      if (typeof s['multipleOf'] === 'number' && s['multipleOf'] > 0)
        n = Math.ceil(n / s['multipleOf']) * s['multipleOf'];
      return type === 'integer' ? Math.ceil(n) : n;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const count = typeof s['minItems'] === 'number' ? s['minItems'] : depth > 6 ? 0 : 1;
      return Array.from({ length: count }, () => sampleValue(s['items'] ?? {}, root, inner, depth + 1));
    }
    default: {
      const props = (s['properties'] ?? {}) as Record<string, unknown>;
      const required = new Set((s['required'] as string[] | undefined) ?? []);
      const out: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(props)) {
        if (required.has(name) || opts.all || (depth < 4 && isScalar(sub))) {
          out[name] = sampleValue(sub, root, inner, depth + 1);
        }
      }
      for (const name of required) if (!(name in out)) out[name] = 'sample';
      // A map (`additionalProperties` or `patternProperties` only) with a minimum size: entries up to it.
      const minProps = typeof s['minProperties'] === 'number' ? Math.min(s['minProperties'], 8) : 0;
      const extra = s['additionalProperties'];
      for (let n = 1; Object.keys(out).length < minProps && extra !== false && n <= 16; n++) {
        const key = mapKey(s['propertyNames'], root, n);
        if (!(key in out)) out[key] = sampleValue(extra ?? {}, root, inner, depth + 1);
      }
      return out;
    }
  }
}

/** Keywords that only annotate (a schema of these alone accepts any value). */
const ANNOTATIONS = new Set([
  'title',
  'description',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$comment',
  '$defs',
]);

function constrains(s: JsonSchema): boolean {
  return Object.keys(s).some((k) => !ANNOTATIONS.has(k));
}

/**
 * The parts of an `allOf` (and the schema around it) as one schema: references followed, nested `allOf`s
 * flattened, properties and required names joined, enums intersected; the first part that says a keyword
 * wins for the others (a sample is best effort; retries and the validator catch the rest). Pure.
 */
export function combineAllOf(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  const props: Record<string, unknown[]> = {};
  const required = new Set<string>();
  const visit = (node: unknown, depth: number): void => {
    if (node === null || typeof node !== 'object' || depth > 16) return;
    let s = node as JsonSchema;
    const ref = s['$ref'];
    if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
      visit((root['$defs'] as Record<string, unknown> | undefined)?.[ref.slice(8)], depth + 1);
      s = { ...s };
      delete s['$ref'];
    }
    for (const [k, v] of Object.entries(s)) {
      if (k === 'allOf' && Array.isArray(v)) for (const part of v) visit(part, depth + 1);
      else if (k === 'properties' && v && typeof v === 'object') {
        for (const [name, sub] of Object.entries(v)) {
          const list = props[name];
          if (list) list.push(sub);
          else props[name] = [sub];
        }
      } else if (k === 'required' && Array.isArray(v)) for (const name of v) required.add(String(name));
      else if (k === 'enum' && Array.isArray(v) && Array.isArray(out['enum'])) {
        const both = (out['enum'] as unknown[]).filter((x) => v.some((y) => sameJson(x, y)));
        if (both.length > 0) out['enum'] = both;
      } else if (k === 'type' && out['type'] !== undefined) {
        const mine = Array.isArray(out['type']) ? out['type'] : [out['type']];
        const theirs = Array.isArray(v) ? v : [v];
        const both = mine.filter((t) => theirs.includes(t) || (t === 'integer' && theirs.includes('number')));
        if (both.length > 0) out['type'] = both.length === 1 ? both[0] : both;
      } else if (!(k in out) && k !== '$defs') out[k] = v;
    }
  };
  visit(schema, 0);
  if (Object.keys(props).length > 0) {
    out['properties'] = Object.fromEntries(
      Object.entries(props).map(([name, list]) => [name, list.length === 1 ? list[0] : { allOf: list }]),
    );
  }
  if (required.size > 0) out['required'] = [...required];
  return out;
}

function padded(text: string, min: number, pattern: string): string | undefined {
  const last = text[text.length - 1];
  if (last === undefined) return undefined;
  const long = text.padEnd(min, last);
  try {
    return new RegExp(pattern, 'u').test(long) ? long : undefined;
  } catch {
    return undefined;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The n-th key of a map: a sample of `propertyNames` when it says more than "a string", else key<n>. */
function mapKey(names: unknown, root: JsonSchema, n: number): string {
  if (names && typeof names === 'object' && constrains(names as JsonSchema)) {
    const key = sampleValue(names, root, {}, 6);
    if (typeof key === 'string') return n === 1 ? key : `${key}${n}`;
  }
  return `key${n}`;
}

/**
 * Whether a document's example or default can stand for the schema: its type, and for a string its length,
 * pattern and (for the URI formats) a scheme — GitHub's examples are sometimes cut short with "..." or are
 * relative paths where the format says uri.
 */
function fits(value: unknown, s: JsonSchema): boolean {
  if (!fitsType(value, s['type'])) return false;
  if (typeof value !== 'string') return true;
  if (typeof s['minLength'] === 'number' && value.length < s['minLength']) return false;
  if (typeof s['maxLength'] === 'number' && value.length > s['maxLength']) return false;
  if (s['format'] === 'uri' && !/^[a-z][a-z0-9+.-]*:/i.test(value)) return false;
  if (typeof s['pattern'] === 'string') {
    try {
      return new RegExp(s['pattern'], 'u').test(value);
    } catch {
      return true;
    }
  }
  return true;
}

function fitsType(value: unknown, type: unknown): boolean {
  if (type === undefined) return true;
  const types = Array.isArray(type) ? type : [type];
  const actual =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : Number.isInteger(value)
          ? 'integer'
          : typeof value;
  return types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
}

function isScalar(schema: unknown): boolean {
  const t = (schema as JsonSchema | null)?.['type'];
  return t === 'string' || t === 'integer' || t === 'number' || t === 'boolean';
}

function merge(a: unknown, b: unknown): unknown {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    return { ...(a as object), ...(b as object) };
  }
  return b === undefined ? a : b;
}

/**
 * A string matching a simple regular expression (literals, escapes, classes, groups with alternatives,
 * quantifiers), or undefined when the pattern is beyond that or the result does not match.
 */
export function sampleFromPattern(pattern: string): string | undefined {
  let i = 0;
  const atom = (): string | undefined => {
    const c = pattern[i++];
    if (c === undefined) return undefined;
    if (c === '\\') {
      const e = pattern[i++];
      return e === 'd'
        ? '0'
        : e === 'w'
          ? 'a'
          : e === 's'
            ? ' '
            : e === undefined || /[DWSbBpPu]/.test(e)
              ? undefined
              : e;
    }
    if (c === '.') return 'a';
    if (c === '[') {
      if (pattern[i] === '^') return undefined;
      let first: string | undefined;
      while (i < pattern.length && pattern[i] !== ']') {
        let ch = pattern[i++] as string;
        if (ch === '\\') {
          const e = pattern[i++] as string;
          ch = e === 'd' ? '0' : e === 'w' ? 'a' : e === 's' ? ' ' : e;
        }
        first ??= ch;
      }
      i++;
      return first;
    }
    if (c === '(') {
      if (pattern.startsWith('?:', i)) i += 2;
      else if (pattern[i] === '?') return undefined;
      const inner = sequence(')');
      i++;
      return inner;
    }
    if ('^$'.includes(c)) return '';
    if ('*+?{|)'.includes(c)) return undefined;
    return c;
  };
  const sequence = (end: string): string | undefined => {
    let out = '';
    while (i < pattern.length && pattern[i] !== end) {
      if (pattern[i] === '|') {
        // Take the first alternative: skip the rest of this group.
        let depth = 0;
        while (i < pattern.length && !(depth === 0 && pattern[i] === end)) {
          if (pattern[i] === '\\') i++;
          else if (pattern[i] === '(') depth++;
          else if (pattern[i] === ')') depth--;
          i++;
        }
        break;
      }
      const a = atom();
      if (a === undefined) return undefined;
      let times = 1;
      const q = pattern[i];
      if (q === '*' || q === '?') {
        times = 0;
        i++;
      } else if (q === '+') i++;
      else if (q === '{') {
        const m = /^\{(\d+)(,\d*)?\}/.exec(pattern.slice(i));
        if (!m) return undefined;
        times = Number(m[1]);
        i += m[0].length;
      }
      if (pattern[i] === '?') i++; // lazy
      out += a.repeat(times);
    }
    return out;
  };
  try {
    const value = sequence('\u0000');
    return value !== undefined && new RegExp(pattern, 'u').test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A few bytes to stand for a file of this media type (a PDF starts like a PDF), as base64. */
export function sampleFileBytes(mediaType: unknown): Buffer {
  if (mediaType === 'application/pdf') return Buffer.from('%PDF-1.4\n% raku pack test sample\n');
  if (mediaType === 'image/png') return Buffer.from('89504e470d0a1a0a', 'hex');
  return Buffer.from([0x72, 0x61, 0x6b, 0x75, 0x00, 0xff, 0x10, 0x80]);
}

/** A base64 file argument within the schema's maxLength (whole 4-character groups). */
function sampleFile(s: JsonSchema): string {
  const text = sampleFileBytes(s['contentMediaType']).toString('base64');
  const max = typeof s['maxLength'] === 'number' ? s['maxLength'] : Number.POSITIVE_INFINITY;
  return text.length <= max ? text : text.slice(0, Math.floor(max / 4) * 4);
}
