/**
 * A tool's input schema as a form (the catalog's try-it): pure functions from a JSON Schema to a field model,
 * from the model to the form's first values, and from what the user typed back to the tool's arguments.
 *
 * Covered: strings, numbers, integers, booleans, enums (and const), arrays of strings/numbers/integers (one
 * item per line) and of enums (checkboxes), nested objects (to a depth of 4). Anything else — $ref, oneOf,
 * anyOf, allOf, arrays of objects, several types — is a JSON text field for that property, and a schema that is
 * not an object with properties is one JSON text field for all the arguments. Never throws on a schema: a
 * schema is data from a pack, possibly hostile.
 *
 * A small generator rather than a library (@rjsf/core): rjsf validates with ajv, which compiles validators with
 * `new Function` (refused by the console's `script-src 'self'` CSP), and adds well over 100 KB to the chunk.
 */

export type Scalar = string | number | boolean | null;

interface FieldBase {
  /** Property name (the last step of `path`). */
  name: string;
  /** Property names from the root of the arguments. */
  path: string[];
  /** Stable id for the input (and its label): derived from the path. */
  id: string;
  /** The schema's title, else the property name. */
  label: string;
  /** The schema's description: shown as help text. */
  description: string | null;
  required: boolean;
}

export type Field =
  | (FieldBase & {
      kind: 'string';
      format: string | null;
      minLength: number | null;
      maxLength: number | null;
      pattern: string | null;
      /** Long text (maxLength over 200 or no bound with a multiline hint): a text area. */
      multiline: boolean;
    })
  | (FieldBase & { kind: 'number' | 'integer'; minimum: number | null; maximum: number | null })
  | (FieldBase & { kind: 'boolean' })
  | (FieldBase & { kind: 'enum'; options: Scalar[] })
  | (FieldBase & { kind: 'array'; items: 'string' | 'number' | 'integer'; maxItems: number | null })
  | (FieldBase & { kind: 'enum-array'; options: Scalar[] })
  | (FieldBase & { kind: 'object'; fields: Field[] })
  | (FieldBase & { kind: 'json'; reason: string });

/** The whole form: fields for an object schema's properties, or one JSON text field for all the arguments. */
export type FormModel = { kind: 'fields'; fields: Field[] } | { kind: 'json'; reason: string };

/**
 * What the user has typed, by field id: text for strings, numbers, arrays (one item per line) and JSON fields;
 * 'true' / 'false' / '' for booleans and the option index ('' for none) for enums; chosen option indexes for
 * enum arrays. `ROOT_JSON` holds the text of a whole-form JSON field.
 */
export type FormValues = Record<string, string | string[]>;
export const ROOT_JSON = '$json';

const MAX_DEPTH = 4;
const MAX_FIELDS = 200;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v));
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const COMPOSITE_KEYS = ['$ref', 'oneOf', 'anyOf', 'allOf', 'not', 'if', 'patternProperties'] as const;

export function fieldId(path: readonly string[]): string {
  // Ids must be valid and unique in the page: encode every property name (any text) to a safe token.
  return `arg-${path.map((p) => encodeURIComponent(p).replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)).join('.')}`;
}

/** The single type a schema names, ignoring 'null' beside one other type; null when none or several. */
function singleType(schema: Json): string | null {
  const t = schema['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const others = t.filter((x) => x !== 'null');
    return others.length === 1 && typeof others[0] === 'string' ? others[0] : null;
  }
  return null;
}

function enumOptions(schema: Json): Scalar[] | null {
  if ('const' in schema && isScalar(schema['const'])) return [schema['const']];
  const values = schema['enum'];
  if (!Array.isArray(values) || values.length === 0 || !values.every(isScalar)) return null;
  return values;
}

/** The form for a tool's input schema. */
export function formModel(schema: unknown): FormModel {
  try {
    if (!isObject(schema)) return { kind: 'json', reason: 'the input schema is not an object' };
    const composite = COMPOSITE_KEYS.find((k) => k in schema);
    if (composite) return { kind: 'json', reason: `the input schema uses ${composite}` };
    const type = singleType(schema);
    if (type !== null && type !== 'object')
      return { kind: 'json', reason: `the input schema is of type ${type}` };
    if (!isObject(schema['properties'])) {
      // An object that takes anything: only JSON can say what.
      return schema['additionalProperties'] === false
        ? { kind: 'fields', fields: [] }
        : { kind: 'json', reason: 'the input schema names no properties' };
    }
    const counter = { fields: 0 };
    return { kind: 'fields', fields: objectFields(schema, [], 0, counter) };
  } catch (error) {
    return { kind: 'json', reason: `the input schema could not be read (${String(error)})` };
  }
}

function objectFields(schema: Json, path: string[], depth: number, counter: { fields: number }): Field[] {
  const properties = schema['properties'] as Json;
  const required = new Set(
    Array.isArray(schema['required']) ? schema['required'].filter((r) => typeof r === 'string') : [],
  );
  const out: Field[] = [];
  for (const name of Object.keys(properties)) {
    counter.fields++;
    const base = baseOf(properties[name], [...path, name], required.has(name));
    if (counter.fields > MAX_FIELDS) {
      out.push({ ...base, kind: 'json', reason: `the form shows at most ${MAX_FIELDS} fields` });
      continue;
    }
    out.push(fieldOf(properties[name], base, depth, counter));
  }
  return out;
}

function baseOf(schema: unknown, path: string[], required: boolean): FieldBase {
  const name = path[path.length - 1]!;
  const s = isObject(schema) ? schema : {};
  return {
    name,
    path,
    id: fieldId(path),
    label: str(s['title'])?.trim() || name,
    description: str(s['description'])?.trim() || null,
    required,
  };
}

function fieldOf(schema: unknown, base: FieldBase, depth: number, counter: { fields: number }): Field {
  if (
    schema === true ||
    (isObject(schema) && Object.keys(schema).every((k) => k === 'description' || k === 'title'))
  ) {
    return { ...base, kind: 'json', reason: 'any JSON value' };
  }
  if (!isObject(schema)) return { ...base, kind: 'json', reason: 'its schema is not an object' };
  const composite = COMPOSITE_KEYS.find((k) => k in schema);
  if (composite) return { ...base, kind: 'json', reason: `its schema uses ${composite}` };
  const options = enumOptions(schema);
  if (options) return { ...base, kind: 'enum', options };
  const type = singleType(schema);
  switch (type) {
    case 'string': {
      const maxLength = num(schema['maxLength']);
      return {
        ...base,
        kind: 'string',
        format: str(schema['format']),
        minLength: num(schema['minLength']),
        maxLength,
        pattern: str(schema['pattern']),
        multiline: maxLength === null ? false : maxLength > 200,
      };
    }
    case 'number':
    case 'integer':
      return { ...base, kind: type, minimum: num(schema['minimum']), maximum: num(schema['maximum']) };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'array': {
      const items = schema['items'];
      if (!isObject(items)) return { ...base, kind: 'json', reason: 'an array of any items' };
      const itemOptions = enumOptions(items);
      if (itemOptions) return { ...base, kind: 'enum-array', options: itemOptions };
      const itemType = COMPOSITE_KEYS.some((k) => k in items) ? null : singleType(items);
      if (itemType === 'string' || itemType === 'number' || itemType === 'integer') {
        return { ...base, kind: 'array', items: itemType, maxItems: num(schema['maxItems']) };
      }
      return { ...base, kind: 'json', reason: `an array of ${itemType ?? 'mixed'} items` };
    }
    case 'object': {
      if (depth + 1 >= MAX_DEPTH) return { ...base, kind: 'json', reason: 'nested too deep for the form' };
      if (!isObject(schema['properties'])) return { ...base, kind: 'json', reason: 'an object of any keys' };
      return { ...base, kind: 'object', fields: objectFields(schema, base.path, depth + 1, counter) };
    }
    default:
      return { ...base, kind: 'json', reason: type ? `of type ${type}` : 'of several types' };
  }
}

/** Every field, nested ones included, depth first. */
export function allFields(fields: readonly Field[]): Field[] {
  return fields.flatMap((f) => (f.kind === 'object' ? [f, ...allFields(f.fields)] : [f]));
}

/** The form's values for `args` (the first values: the schema's defaults, passed by the caller, or {}). */
export function valuesOf(model: FormModel, args: unknown): FormValues {
  if (model.kind === 'json') return { [ROOT_JSON]: JSON.stringify(isObject(args) ? args : {}, null, 2) };
  const out: FormValues = {};
  const fill = (fields: readonly Field[], value: unknown) => {
    const obj = isObject(value) ? value : {};
    for (const f of fields) {
      const v = Object.hasOwn(obj, f.name) ? obj[f.name] : undefined;
      if (f.kind === 'object') {
        fill(f.fields, v);
        continue;
      }
      out[f.id] = rawOf(f, v);
    }
  };
  fill(model.fields, args);
  return out;
}

function rawOf(field: Field, v: unknown): string | string[] {
  if (v === undefined) return field.kind === 'enum-array' ? [] : '';
  switch (field.kind) {
    case 'string':
      return typeof v === 'string' ? v : JSON.stringify(v);
    case 'number':
    case 'integer':
      return typeof v === 'number' ? String(v) : '';
    case 'boolean':
      return v === true ? 'true' : v === false ? 'false' : '';
    case 'enum': {
      const i = field.options.findIndex((o) => o === v);
      return i < 0 ? '' : String(i);
    }
    case 'array':
      return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : String(x))).join('\n') : '';
    case 'enum-array':
      return Array.isArray(v)
        ? field.options.flatMap((o, i) => (v.some((x) => x === o) ? [String(i)] : []))
        : [];
    default:
      return JSON.stringify(v, null, 2);
  }
}

/** The first values of a form: each property's schema `default`, where it has one. */
export function defaultsOf(schema: unknown): Record<string, unknown> {
  const walk = (s: unknown, depth: number): Record<string, unknown> => {
    if (!isObject(s) || !isObject(s['properties']) || depth > MAX_DEPTH) return {};
    const out: Record<string, unknown> = {};
    for (const [name, prop] of Object.entries(s['properties'] as Json)) {
      if (!isObject(prop)) continue;
      if ('default' in prop) out[name] = prop['default'];
      else if (isObject(prop['properties'])) {
        const nested = walk(prop, depth + 1);
        if (Object.keys(nested).length > 0) out[name] = nested;
      }
    }
    return out;
  };
  try {
    return walk(schema, 0);
  } catch {
    return {};
  }
}

export interface FieldError {
  id: string;
  message: string;
}

export type Built = { ok: true; arguments: Record<string, unknown> } | { ok: false; errors: FieldError[] };

/**
 * The tool's arguments from the form's values. Empty optional fields are left out; what cannot be read (a
 * number that is not one, JSON that does not parse, an empty required field) is an error naming the field.
 * Constraints beyond types (minimum, pattern…) are left to the tool, whose error the call shows.
 */
export function buildArguments(model: FormModel, values: FormValues): Built {
  const errors: FieldError[] = [];
  if (model.kind === 'json') {
    const text = String(values[ROOT_JSON] ?? '').trim();
    if (text === '') return { ok: true, arguments: {} };
    const parsed = parseJson(text);
    if (!parsed.ok || !isObject(parsed.value)) {
      return { ok: false, errors: [{ id: ROOT_JSON, message: 'Arguments: give a JSON object' }] };
    }
    return { ok: true, arguments: parsed.value };
  }
  const build = (fields: readonly Field[], parentRequired: boolean): Record<string, unknown> | undefined => {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      if (f.kind === 'object') {
        const nested = build(f.fields, f.required && parentRequired);
        if (nested !== undefined && (Object.keys(nested).length > 0 || f.required)) out[f.name] = nested;
        continue;
      }
      const read = readField(f, values[f.id]);
      if ('error' in read) {
        errors.push({ id: f.id, message: `${f.label}: ${read.error}` });
        continue;
      }
      if (read.value === undefined) {
        // A required field of an optional object that was left empty altogether is not an error.
        if (f.required && parentRequired) errors.push({ id: f.id, message: `${f.label}: required` });
        continue;
      }
      out[f.name] = read.value;
    }
    return out;
  };
  const args = build(model.fields, true) ?? {};
  return errors.length > 0 ? { ok: false, errors } : { ok: true, arguments: args };
}

function readField(f: Field, raw: string | string[] | undefined): { value: unknown } | { error: string } {
  if (f.kind === 'enum-array') {
    const picked = Array.isArray(raw) ? raw : [];
    if (picked.length === 0) return { value: f.required ? [] : undefined };
    return { value: f.options.filter((_o, i) => picked.includes(String(i))) };
  }
  const text = typeof raw === 'string' ? raw : '';
  switch (f.kind) {
    case 'string':
      return { value: text === '' ? undefined : text };
    case 'number':
    case 'integer': {
      const t = text.trim();
      if (t === '') return { value: undefined };
      const n = Number(t);
      if (!Number.isFinite(n)) return { error: `"${t}" is not a number` };
      if (f.kind === 'integer' && !Number.isInteger(n)) return { error: `"${t}" is not a whole number` };
      return { value: n };
    }
    case 'boolean':
      return { value: text === 'true' ? true : text === 'false' ? false : undefined };
    case 'enum': {
      if (text === '') return { value: undefined };
      const i = Number(text);
      return Number.isInteger(i) && i >= 0 && i < f.options.length
        ? { value: f.options[i] }
        : { error: 'pick one of the options' };
    }
    case 'array': {
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      if (lines.length === 0) return { value: undefined };
      if (f.items === 'string') return { value: lines };
      const out: number[] = [];
      for (const line of lines) {
        const n = Number(line.trim());
        if (!Number.isFinite(n)) return { error: `"${line.trim()}" is not a number` };
        if (f.items === 'integer' && !Number.isInteger(n))
          return { error: `"${line.trim()}" is not a whole number` };
        out.push(n);
      }
      return { value: out };
    }
    case 'json': {
      if (text.trim() === '') return { value: undefined };
      const parsed = parseJson(text);
      return parsed.ok ? { value: parsed.value } : { error: 'not valid JSON' };
    }
    default:
      return { value: undefined };
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
