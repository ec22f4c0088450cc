/**
 * Validates request bodies and query parameters against the OpenAPI document's schemas (one source for the
 * docs and the checks). Pure: returns `{ ok: false, message }` naming the field and the reason.
 */

import { illFormedEscape, jsonBounds, tooDeep } from '@raku/pack-runtime';
import type { ErrorObject } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { OPENAPI_DOCUMENT } from './openapi.ts';

const ajv = new Ajv2020({ allErrors: false, strict: false });
ajv.addSchema({ $id: 'raku-api', components: OPENAPI_DOCUMENT.components });

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const validators = new Map<string, ReturnType<typeof ajv.compile>>();
function validatorFor(schemaName: string) {
  let validate = validators.get(schemaName);
  if (!validate) {
    validate = ajv.compile({ $ref: `raku-api#/components/schemas/${schemaName}` });
    validators.set(schemaName, validate);
  }
  return validate;
}

function describe(error: ErrorObject): string {
  const path = error.instancePath ? error.instancePath.slice(1).replaceAll('/', '.') : '';
  if (error.keyword === 'additionalProperties') {
    return `${path ? `${path}.` : ''}${String(error.params['additionalProperty'])}: unknown field`;
  }
  if (error.keyword === 'const') return `${path}: must be ${JSON.stringify(error.params['allowedValue'])}`;
  if (error.keyword === 'enum') {
    return `${path}: one of ${(error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (error.keyword === 'required')
    return `${path ? `${path}.` : ''}${String(error.params['missingProperty'])}: required`;
  return `${path || '(body)'}: ${error.message ?? 'invalid'}`;
}

/** Checks a JSON body against `components.schemas[schemaName]`. */
export function checkBody<T>(schemaName: string, body: unknown): Checked<T> {
  const validate = validatorFor(schemaName);
  if (validate(body)) return { ok: true, value: body as T };
  return { ok: false, message: `request body: ${describe(validate.errors![0]!)}` };
}

/**
 * What is wrong with a JSON body before it is parsed, or undefined: nesting past the JSON bounds (parsing and
 * storing it would cost or fail far from here), or a string the database cannot store (NUL, a lone
 * surrogate; admin bodies are stored as they are, so they are refused rather than altered).
 */
export function jsonBodyProblem(bytes: Uint8Array): string | undefined {
  const { maxDepth } = jsonBounds();
  const depth = tooDeep(bytes, maxDepth);
  if (depth !== undefined) {
    return `nests ${depth} levels deep; the limit is ${maxDepth} levels (RAKU_JSON_MAX_DEPTH)`;
  }
  const bad = illFormedEscape(bytes);
  if (bad) {
    return `the string escape ${bad.escape} at byte ${bad.offset} is ${bad.escape.toLowerCase() === '\\u0000' ? 'NUL' : 'a lone surrogate'}, which cannot be stored; send well-formed Unicode text`;
  }
  return undefined;
}

/** `verify` hook of express.json(): refuses (400) a body `jsonBodyProblem` finds fault with, unparsed. */
export function verifyJsonBody(_req: unknown, _res: unknown, bytes: Buffer): void {
  const problem = jsonBodyProblem(bytes);
  if (problem) throw Object.assign(new Error(problem), { status: 400, type: 'entity.verify.failed' });
}

type Query = Record<string, unknown>;

/** One optional string query parameter (repeated parameters are an error, not silently merged). */
export function queryString(query: Query, name: string, maxLength = 200): Checked<string | undefined> {
  const value = query[name];
  if (value === undefined) return { ok: true, value: undefined };
  if (typeof value !== 'string')
    return { ok: false, message: `query parameter ${name}: give it once, as a string` };
  if (value.length > maxLength)
    return { ok: false, message: `query parameter ${name}: longer than ${maxLength}` };
  // The database refuses these in a text parameter, and no stored value holds them (traces store U+FFFD).
  if (value.includes('\u0000') || !(value as string & { isWellFormed(): boolean }).isWellFormed()) {
    return {
      ok: false,
      message: `query parameter ${name}: holds NUL or a lone surrogate, which no stored value can; send well-formed Unicode text`,
    };
  }
  return { ok: true, value };
}

export function queryEnum<T extends string>(
  query: Query,
  name: string,
  allowed: readonly T[],
): Checked<T | undefined> {
  const s = queryString(query, name);
  if (!s.ok || s.value === undefined) return s as Checked<T | undefined>;
  if (!(allowed as readonly string[]).includes(s.value)) {
    return { ok: false, message: `query parameter ${name}: one of ${allowed.join(', ')}` };
  }
  return { ok: true, value: s.value as T };
}

export function queryDate(query: Query, name: string): Checked<Date | undefined> {
  const s = queryString(query, name);
  if (!s.ok || s.value === undefined) return s as Checked<Date | undefined>;
  const date = new Date(s.value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s.value) || Number.isNaN(date.getTime())) {
    return { ok: false, message: `query parameter ${name}: not an ISO 8601 date-time` };
  }
  return { ok: true, value: date };
}

/** One optional whole-number query parameter in 1..max (e.g. the stats `bucket`, in seconds). */
export function queryInteger(query: Query, name: string, max: number): Checked<number | undefined> {
  const s = queryString(query, name);
  if (!s.ok || s.value === undefined) return s as Checked<number | undefined>;
  if (!/^\d{1,15}$/.test(s.value) || Number(s.value) < 1 || Number(s.value) > max) {
    return { ok: false, message: `query parameter ${name}: a whole number from 1 to ${max}` };
  }
  return { ok: true, value: Number(s.value) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path parameter that must be a UUID (a trace id). */
export function pathUuid(value: unknown, name: string): Checked<string> {
  if (typeof value === 'string' && UUID.test(value)) return { ok: true, value: value.toLowerCase() };
  return { ok: false, message: `path parameter ${name}: not a UUID` };
}

export function queryLimit(query: Query): Checked<number | undefined> {
  const s = queryString(query, 'limit');
  if (!s.ok || s.value === undefined) return s as Checked<number | undefined>;
  if (!/^\d{1,6}$/.test(s.value) || Number(s.value) < 1) {
    return { ok: false, message: 'query parameter limit: a positive integer' };
  }
  return { ok: true, value: Number(s.value) };
}
