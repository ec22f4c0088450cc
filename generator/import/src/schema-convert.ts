import type { JsonSchema } from '@raku/config';
import { sha256Hex } from '@raku/config';
import {
  type DocumentFormat,
  isObject,
  type OpenApiDocument,
  RefError,
  resolvePointer,
} from './openapi-document.ts';
import { SchemaCache } from './schema-cache.ts';
import { collectRefs, transform } from './schema-transform.ts';

/** 'input' drops readOnly properties (the server sets them); 'output' drops writeOnly ones. */
export type SchemaMode = 'input' | 'output';

/** Draft 2020-12 formats that ajv-formats implements; others (int32, double, idn-*, custom) are dropped, not guessed. */
const FORMATS = new Set([
  'date-time',
  'date',
  'time',
  'duration',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uri-reference',
  'uri-template',
  'uuid',
  'json-pointer',
  'relative-json-pointer',
  'regex',
]);
/** Keywords copied as they are (draft 2020-12 annotations and validations with scalar values). */
const SCALAR_KEYWORDS = [
  'title',
  'const',
  'default',
  'multipleOf',
  'maximum',
  'minimum',
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentEncoding',
  'contentMediaType',
  'minContains',
  'maxContains',
  'dependentRequired',
] as const;
const SUBSCHEMA_KEYWORDS = ['not', 'contains', 'propertyNames', 'if', 'then', 'else'] as const;
const SUBSCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const;
const SUBSCHEMA_MAP_KEYWORDS = ['patternProperties', 'dependentSchemas'] as const;

/**
 * Most schema levels converted inside one another, counted through `$ref`s (each definition alone is cut at
 * 64 levels; chains of references are not): conversion recurses per level, so a deeper chain skips the
 * operation that uses it instead of exhausting the stack.
 */
const MAX_NESTING = 1000;

/** Longest description kept in a schema; the rest is cut with '…' to keep packs reviewable. */
export const MAX_SCHEMA_DESCRIPTION = 600;

/**
 * Converts OpenAPI (Swagger 2.0 / OpenAPI 3.0 / 3.1) schemas into one self-contained JSON Schema
 * (draft 2020-12) per tool: every `$ref` target is copied into `$defs`, recursive ones stay there
 * (`$ref: '#/$defs/<name>'`) so circular schemas stay finite, small acyclic ones are inlined.
 * OpenAPI-only keywords are translated (`nullable`, boolean `exclusiveMinimum`, `example`,
 * `discriminator`) or dropped (`xml`, `externalDocs`, `x-*`), so the result compiles in strict Ajv.
 * Definition names depend only on the reference, never on conversion order, so output is deterministic.
 */
export class SchemaConverter {
  /** Schema levels being converted inside one another right now, through references (MAX_NESTING). */
  private nesting = 0;

  constructor(
    private readonly doc: OpenApiDocument,
    private readonly format: DocumentFormat,
    private readonly mode: SchemaMode,
    private readonly cache: SchemaCache = new SchemaCache(),
  ) {}

  /** Converts one schema; `$ref`s become `#/$defs/<name>` references kept by this converter. */
  convert(raw: unknown): JsonSchema {
    return this.node(raw, 0);
  }

  /** The converted target of a `#/$defs/<name>` reference made by this converter. */
  def(ref: string): JsonSchema | undefined {
    return ref.startsWith('#/$defs/') ? this.cache.defs.get(ref.slice(8)) : undefined;
  }

  /**
   * Finishes a root schema: inlines small non-recursive definitions, merges `allOf`s of plain objects,
   * and attaches the definitions still referenced as `$defs`.
   */
  finish(root: JsonSchema): JsonSchema {
    const candidate = (name: string) => this.cache.inlinable(name);
    const spend = (n: number) => this.cache.work.spend(n);
    let out = transform(root, candidate, spend);
    // A root that is only a reference (an output schema `$ref: Pet`) becomes the definition itself.
    const rootRef = out['$ref'];
    if (typeof rootRef === 'string' && Object.keys(out).length === 1) {
      const body = this.cache.defs.get(rootRef.slice(8));
      if (body) out = transform(body, candidate, spend);
    }
    const kept: Record<string, JsonSchema> = {};
    const queue = collectRefs(out, [], this.cache.inlinedRefs);
    for (let i = 0; i < queue.length; i++) {
      const name = queue[i] as string;
      if (name in kept) continue;
      const body = this.cache.defs.get(name);
      if (!body) continue;
      const entry = this.cache.kept(name, () => transform(body, candidate, spend));
      kept[name] = entry.body;
      queue.push(...entry.refs);
    }
    if (Object.keys(kept).length > 0) {
      out['$defs'] = Object.fromEntries(
        Object.keys(kept)
          .sort()
          .map((k) => [k, kept[k] as JsonSchema]),
      );
    }
    return out;
  }

  private node(raw: unknown, depth: number): JsonSchema {
    if (this.nesting >= MAX_NESTING) {
      throw new RefError(
        isObject(raw) && typeof raw['$ref'] === 'string' ? raw['$ref'] : '#',
        `is reached through schemas nested more than ${MAX_NESTING} levels deep`,
      );
    }
    this.nesting++;
    try {
      return this.nodeAt(raw, depth);
    } finally {
      this.nesting--;
    }
  }

  private nodeAt(raw: unknown, depth: number): JsonSchema {
    if (raw === true || raw === undefined) return {};
    if (raw === false) return { not: {} };
    if (!isObject(raw)) return {};
    if (depth > 64) return {};
    this.cache.work.spend();
    const ref = raw['$ref'];
    if (typeof ref === 'string') {
      const target: JsonSchema = { $ref: this.refName(ref) };
      if (this.format === 'openapi-3.1') {
        const { $ref: _drop, ...rest } = raw;
        if (Object.keys(rest).length === 0) return target;
        return { ...this.node(rest, depth + 1), ...target };
      }
      if (raw['nullable'] === true || raw['x-nullable'] === true)
        return { anyOf: [target, { type: 'null' }] };
      if (typeof raw['description'] === 'string') return { ...target, description: cut(raw['description']) };
      return target;
    }
    const out: JsonSchema = {};
    const type = raw['type'];
    if (type === 'file') {
      out['type'] = 'string';
      out['contentEncoding'] = 'base64';
    } else if (typeof type === 'string' || Array.isArray(type)) out['type'] = type;
    if (typeof raw['description'] === 'string' && raw['description'].trim()) {
      out['description'] = cut(raw['description']);
    }
    for (const k of SCALAR_KEYWORDS) if (raw[k] !== undefined) out[k] = raw[k];
    if (typeof raw['title'] !== 'string') delete out['title'];
    if (Array.isArray(raw['enum'])) out['enum'] = [...raw['enum']];
    if (typeof raw['format'] === 'string') {
      if (FORMATS.has(raw['format'])) out['format'] = raw['format'];
      else if (raw['format'] === 'binary' || raw['format'] === 'byte') out['contentEncoding'] = 'base64';
    }
    if (typeof raw['pattern'] === 'string' && isUnicodeRegExp(raw['pattern']))
      out['pattern'] = raw['pattern'];
    for (const k of ['exclusiveMinimum', 'exclusiveMaximum'] as const) {
      const v = raw[k];
      if (typeof v === 'number') out[k] = v;
      else if (v === true) {
        const bound = raw[k === 'exclusiveMinimum' ? 'minimum' : 'maximum'];
        if (typeof bound === 'number') {
          out[k] = bound;
          delete out[k === 'exclusiveMinimum' ? 'minimum' : 'maximum'];
        }
      }
    }
    if (raw['example'] !== undefined && isSmall(raw['example'])) out['examples'] = [raw['example']];
    if (Array.isArray(raw['examples']) && raw['examples'].every(isSmall)) out['examples'] = raw['examples'];
    if (isObject(raw['properties'])) {
      const props: Record<string, JsonSchema> = {};
      const dropped = new Set<string>();
      for (const [name, sub] of Object.entries(raw['properties'])) {
        if (name === '__proto__') continue; // would set the prototype of the properties object, not a property
        if (isObject(sub) && sub[this.mode === 'input' ? 'readOnly' : 'writeOnly'] === true) {
          dropped.add(name);
          continue;
        }
        props[name] = this.node(sub, depth + 1);
      }
      out['properties'] = props;
      if (Array.isArray(raw['required'])) {
        const req = raw['required'].filter((r): r is string => typeof r === 'string' && !dropped.has(r));
        if (req.length > 0) out['required'] = [...new Set(req)];
      }
    } else if (Array.isArray(raw['required']) && raw['required'].length > 0) {
      out['required'] = [...new Set(raw['required'].filter((r) => typeof r === 'string'))];
    }
    if (raw['items'] !== undefined) {
      if (Array.isArray(raw['items'])) out['prefixItems'] = raw['items'].map((s) => this.node(s, depth + 1));
      else out['items'] = this.node(raw['items'], depth + 1);
    }
    const ap = raw['additionalProperties'];
    if (typeof ap === 'boolean') out['additionalProperties'] = ap;
    else if (isObject(ap)) out['additionalProperties'] = this.node(ap, depth + 1);
    for (const k of SUBSCHEMA_KEYWORDS) if (raw[k] !== undefined) out[k] = this.node(raw[k], depth + 1);
    for (const k of SUBSCHEMA_LIST_KEYWORDS) {
      const list = raw[k];
      if (Array.isArray(list) && list.length > 0) out[k] = list.map((s) => this.node(s, depth + 1));
    }
    for (const k of SUBSCHEMA_MAP_KEYWORDS) {
      const map = raw[k];
      if (isObject(map)) {
        out[k] = Object.fromEntries(Object.entries(map).map(([n, s]) => [n, this.node(s, depth + 1)]));
      }
    }
    if (out['type'] === 'array' && out['items'] === undefined && out['prefixItems'] === undefined) {
      out['items'] = {};
    }
    if (isObject(raw['discriminator'])) this.discriminator(raw, out);
    if (raw['nullable'] === true || raw['x-nullable'] === true) return nullable(out);
    return out;
  }

  /**
   * A discriminator is not JSON Schema: each `oneOf`/`anyOf` branch gets the discriminating property as a
   * `const`, so a model (and a validator) can tell the variants apart, and the description names the values.
   */
  private discriminator(raw: Record<string, unknown>, out: JsonSchema): void {
    const disc = raw['discriminator'] as Record<string, unknown>;
    const prop = disc['propertyName'];
    if (typeof prop !== 'string') return;
    const mapping = isObject(disc['mapping']) ? (disc['mapping'] as Record<string, unknown>) : {};
    const values: string[] = [];
    for (const k of ['oneOf', 'anyOf'] as const) {
      const rawList = raw[k];
      const list = out[k];
      if (!Array.isArray(rawList) || !Array.isArray(list)) continue;
      out[k] = list.map((branch, i) => {
        const ref = isObject(rawList[i]) ? rawList[i]['$ref'] : undefined;
        if (typeof ref !== 'string') return branch;
        const value =
          Object.entries(mapping).find(([, target]) => target === ref)?.[0] ??
          ref.slice(ref.lastIndexOf('/') + 1);
        values.push(value);
        return {
          allOf: [branch, { type: 'object', properties: { [prop]: { const: value } }, required: [prop] }],
        };
      });
    }
    if (values.length === 0) values.push(...Object.keys(mapping));
    if (values.length > 0) {
      const hint = `The "${prop}" property selects the variant: ${values.map((v) => JSON.stringify(v)).join(', ')}.`;
      out['description'] = out['description'] ? `${out['description']}\n\n${hint}` : hint;
    }
  }

  private refName(ref: string): string {
    const known = this.cache.nameByRef.get(ref);
    if (known) return `#/$defs/${known}`;
    const target = resolvePointer(this.doc, ref);
    if (target === undefined) throw new RefError(ref);
    const name = defName(ref);
    this.cache.nameByRef.set(ref, name);
    this.cache.defs.set(name, {}); // placeholder: a reference back to it while converting it is a cycle
    try {
      this.cache.defs.set(name, this.node(target, 0));
    } catch (err) {
      // Leave no half-converted placeholder for the next tool to reuse.
      this.cache.nameByRef.delete(ref);
      this.cache.defs.delete(name);
      throw err;
    }
    return `#/$defs/${name}`;
  }
}

/**
 * The `$defs` name of a reference: the component name for `#/components/schemas/<Name>` and
 * `#/definitions/<Name>`, else the last segment plus a short hash of the whole pointer.
 */
export function defName(ref: string): string {
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  const base = (last.replace(/[^A-Za-z0-9_.-]/g, '_') || 'schema').slice(0, 60);
  const plain = /^#\/(components\/schemas|definitions)\/[^/]+$/.test(ref) && base === last;
  return plain ? base : `${base}_${sha256Hex(ref).slice(0, 6)}`;
}

/** A schema that also accepts null: type arrays when there is a type, else `anyOf` with `{type: null}`. */
export function nullable(schema: JsonSchema): JsonSchema {
  const type = schema['type'];
  if (typeof type === 'string') {
    const out: JsonSchema = { ...schema, type: [type, 'null'] };
    if (Array.isArray(schema['enum']) && !schema['enum'].includes(null))
      out['enum'] = [...schema['enum'], null];
    return out;
  }
  if (Array.isArray(type)) return type.includes('null') ? schema : { ...schema, type: [...type, 'null'] };
  const { description, ...rest } = schema;
  const out: JsonSchema = { anyOf: [rest, { type: 'null' }] };
  if (description !== undefined) out['description'] = description;
  return out;
}

function cut(text: string): string {
  const t = text.trim();
  return t.length <= MAX_SCHEMA_DESCRIPTION ? t : `${t.slice(0, MAX_SCHEMA_DESCRIPTION - 1)}…`;
}

function isSmall(v: unknown): boolean {
  return v === null || typeof v !== 'object' ? String(v).length <= 200 : JSON.stringify(v).length <= 200;
}

/** Ajv compiles patterns with the 'u' flag; a pattern that is not valid there is dropped, not guessed. */
function isUnicodeRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}
