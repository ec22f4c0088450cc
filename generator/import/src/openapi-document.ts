import { UserError } from '@raku/config';
import { parse as parseYaml } from 'yaml';
import { nestsDeeperThan, textNestingProblem } from './document-nesting.ts';

/** An OpenAPI or Swagger document as parsed JSON. Only the fields the importer reads are typed. */
export type OpenApiDocument = Record<string, unknown>;
export type DocumentFormat = 'swagger-2.0' | 'openapi-3.0' | 'openapi-3.1';

/** Hostile-input bounds for a document. Defaults: 32 MiB, 100 YAML aliases, 256 levels of nesting. */
export interface DocumentLimits {
  maxBytes: number;
  maxAliases: number;
  /**
   * Deepest nesting of objects and arrays. Default 256 (GitHub's REST description nests 21 deep): parsers
   * and the importer recurse per level, so deeper documents are refused before parsing.
   */
  maxDepth?: number;
}
export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = {
  maxBytes: 32 * 1024 * 1024,
  maxAliases: 100,
  maxDepth: 256,
};

/** Which specification a document follows, or a UserError naming the field that says otherwise. */
export function documentFormat(doc: OpenApiDocument, name: string): DocumentFormat {
  const swagger = doc['swagger'];
  const openapi = doc['openapi'];
  if (typeof swagger === 'string' && swagger.startsWith('2.')) return 'swagger-2.0';
  if (typeof openapi === 'string' && /^3\.0\./.test(openapi)) return 'openapi-3.0';
  if (typeof openapi === 'string' && /^3\.1\./.test(openapi)) return 'openapi-3.1';
  if (typeof openapi === 'string' && /^3\.\d+\./.test(openapi)) return 'openapi-3.1';
  throw new UserError(
    `${name}: not a Swagger 2.0 or OpenAPI 3.x document (no "swagger: 2.0" or "openapi: 3.x" field)`,
  );
}

/**
 * Parses a document's bytes: JSON when it starts with '{', else YAML (aliases bounded, duplicate keys
 * rejected). Pure; the caller reads the bytes.
 */
export function parseDocument(
  bytes: Uint8Array,
  name: string,
  limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS,
): OpenApiDocument {
  if (bytes.byteLength > limits.maxBytes) {
    throw new UserError(`${name}: ${bytes.byteLength} bytes is over the ${limits.maxBytes}-byte limit`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${name}: not valid UTF-8`);
  }
  const value = parseBounded(text, name, limits, /^\s*\{/.test(text));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`${name}: the document is not an object`);
  }
  documentFormat(value as OpenApiDocument, name);
  return value as OpenApiDocument;
}

/**
 * Parses JSON or YAML text within the limits: nesting measured before and after parsing, YAML aliases
 * bounded, duplicate keys rejected. Every failure is a UserError naming the file.
 */
export function parseBounded(text: string, name: string, limits: DocumentLimits, isJson: boolean): unknown {
  const maxDepth = limits.maxDepth ?? DEFAULT_DOCUMENT_LIMITS.maxDepth ?? 256;
  const deep = textNestingProblem(text, maxDepth, isJson);
  if (deep) throw new UserError(`${name}: ${deep}; documents are refused past this limit`);
  let value: unknown;
  try {
    value = isJson
      ? JSON.parse(text)
      : parseYaml(text, { maxAliasCount: limits.maxAliases, uniqueKeys: true, prettyErrors: true });
  } catch (err) {
    if (err instanceof RangeError) throw new UserError(`${name}: nested too deeply to parse`);
    throw new UserError(`${name}: cannot parse: ${(err as Error).message.split('\n')[0]}`);
  }
  // JSON nests exactly as deep as its text, measured above; YAML block nesting is only known now.
  if (!isJson && nestsDeeperThan(value, maxDepth)) {
    throw new UserError(
      `${name}: nested deeper than ${maxDepth} levels; documents are refused past this limit`,
    );
  }
  return value;
}

/** Follows a local JSON pointer ('#/components/schemas/Pet'); undefined when it does not resolve. */
export function resolvePointer(doc: unknown, ref: string): unknown {
  if (ref === '#') return doc;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    if (!Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Resolves a `$ref` chain of a non-schema object (parameter, request body, response), at most 16 hops.
 * Throws a RefError for a reference that does not resolve locally.
 */
export function derefObject(doc: OpenApiDocument, value: unknown): Record<string, unknown> | undefined {
  let node = value;
  for (let hops = 0; hops < 16; hops++) {
    if (!isObject(node)) return undefined;
    const ref = node['$ref'];
    if (typeof ref !== 'string') return node;
    const target = resolvePointer(doc, ref);
    if (target === undefined) throw new RefError(ref);
    node = target;
  }
  throw new RefError(String((value as Record<string, unknown>)['$ref']), 'reference chain longer than 16');
}

/** A `$ref` the importer cannot resolve: the operation using it is skipped with this reason. */
export class RefError extends Error {
  override readonly name = 'RefError';
  constructor(
    readonly ref: string,
    why = ref.startsWith('#') ? 'does not resolve' : 'is not a local reference (bundle the document first)',
  ) {
    super(`$ref "${ref}" ${why}`);
  }
}
