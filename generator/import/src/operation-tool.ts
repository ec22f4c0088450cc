import type { ArgMapping, HttpMethod, JsonSchema, Tool, ToolAnnotations } from '@raku/config';
import { pathParams } from '@raku/config';
import type { DocumentFormat, OpenApiDocument } from './openapi-document.ts';
import { isFixed, splitOperationPath } from './operation-path.ts';
import type { Operation } from './operations.ts';
import type { SchemaCache } from './schema-cache.ts';
import { SchemaConverter } from './schema-convert.ts';
import { collectRefs } from './schema-transform.ts';
import { serverUrl } from './upstream.ts';

/** Longest tool description generated; the document's full text stays in the document. */
const MAX_TOOL_DESCRIPTION = 1500;
/** Output schemas larger than this (JSON characters) are reduced to their top-level properties. */
const MAX_OUTPUT_SCHEMA_CHARS = 12_000;
/**
 * Input schemas larger than this (JSON characters) keep their small arguments whole and reduce the large ones
 * (or those using references) to their type and description: a schema of hundreds of kilobytes (DocuSign's
 * envelopes) helps no model and fills a pack file with a handful of tools. Required stays required; the
 * upstream still validates what it receives.
 */
const MAX_INPUT_SCHEMA_CHARS = 60_000;
/** An input schema with more values than a whole pack file may hold (the loader's 200,000) cannot be a tool. */
const MAX_INPUT_SCHEMA_VALUES = 200_000;
/** Largest file a multipart upload argument carries (decoded bytes); the argument's maxLength is its base64. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const UPLOAD_MAX_LENGTH = Math.ceil(MAX_UPLOAD_BYTES / 3) * 4;
/** The pack schema's patterns for fixed values and content types. */
const FIXED_HEADER = /^[A-Za-z0-9-]{1,64}$/;
const FIXED_QUERY = /^[A-Za-z0-9_.~-]{1,128}$/;
const CONTENT_TYPE =
  /^[A-Za-z0-9!#$&^_.+-]{1,64}\/[A-Za-z0-9!#$&^_.+-]{1,64}( *;[ A-Za-z0-9!#$&^_.+=-]{1,128})?$/;
const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const BODYLESS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE']);

/** One operation as a tool, or the reason it cannot be one. Pure. */
export function operationTool(
  doc: OpenApiDocument,
  format: DocumentFormat,
  op: Operation,
  name: string,
  baseUrl: string | undefined,
  documentUrl: string | undefined,
  authParams: { in: string; name: string }[],
  warnings: string[],
  caches: { input: SchemaCache; output: SchemaCache },
): Tool | string {
  if (op.error) return op.error;
  if (!METHODS.has(op.method)) return `method ${op.method} is not supported by packs`;
  if (baseUrl !== undefined && op.servers && !op.servers.some((s) => serverUrl(s, documentUrl) === baseUrl)) {
    const own = serverUrl(op.servers[0], documentUrl) ?? 'another server';
    return `the operation is served from ${own}, not ${baseUrl}: import it into its own pack with --base-url`;
  }
  const split = splitOperationPath(op.path, op.parameters);
  const pathProblem = pathTemplateProblem(split.path);
  if (pathProblem) return pathProblem;
  const control = /[\u0000-\u001f\u007f]/;
  const badFixed = [
    ...Object.entries(split.fixed.headers)
      .filter(([h, v]) => !FIXED_HEADER.test(h) || control.test(v) || v.length > 1024)
      .map(([h]) => h),
    ...Object.entries(split.fixed.query)
      .filter(([q, v]) => !FIXED_QUERY.test(q) || v.length > 1024)
      .map(([q]) => q),
  ];
  if (badFixed.length > 0)
    return `path "${op.path}" names a constant packs cannot send: ${badFixed.join(', ')}`;
  const opPath = split.path;
  const at = `${op.method} ${op.path}`;
  const input = new SchemaConverter(doc, format, 'input', caches.input);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const args: Record<string, ArgMapping> = {};
  let path = opPath;
  const defaultLocation = BODYLESS.has(op.method) ? 'query' : 'body';

  const addArg = (
    wire: string,
    where: 'path' | 'query' | 'header' | 'body',
    schema: JsonSchema,
    isRequired: boolean,
  ): string => {
    let arg = wire.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'arg';
    if (arg in properties) arg = `${arg.slice(0, 57)}_${where}`;
    for (let n = 2; arg in properties; n++) arg = `${arg.slice(0, 60)}_${n}`;
    properties[arg] = schema;
    if (isRequired) required.push(arg);
    if (where === 'path') {
      if (arg !== wire) path = path.split(`{${wire}}`).join(`{${arg}}`);
      if (arg !== wire || args[arg] !== undefined) args[arg] = 'path';
      return arg;
    }
    if (arg !== wire) args[arg] = { in: where, name: wire };
    else if (where !== defaultLocation || pathParams(path).includes(arg)) args[arg] = where;
    return arg;
  };

  const parameters = [...op.parameters];
  const declared = new Set(parameters.filter((p) => p.in === 'path').map((p) => p.name));
  for (const placeholder of pathParams(opPath)) {
    if (!declared.has(placeholder)) {
      parameters.push({ name: placeholder, in: 'path', required: true, schema: { type: 'string' } });
      warnings.push(`${at}: path parameter {${placeholder}} is not declared; imported as a string`);
    }
  }
  const order = { path: 0, query: 1, header: 2, cookie: 3 };
  const params = parameters.sort((a, b) => order[a.in] - order[b.in]);
  for (const p of params) {
    if (p.in === 'path' && !pathParams(opPath).includes(p.name)) continue;
    if (isFixed(p, split.fixed)) continue;
    if (authParams.some((a) => a.in === p.in && a.name.toLowerCase() === p.name.toLowerCase())) continue;
    if (p.in === 'header' && /^(authorization|content-type|content-length|host|cookie)$/i.test(p.name))
      continue;
    if (!p.name.trim() || p.name.length > 128) {
      const what = `${p.in} parameter ${p.name.trim() ? `"${p.name.slice(0, 40)}…" (over 128 characters)` : 'without a name'}`;
      if (p.required) return `required ${what}: a pack cannot map it`;
      warnings.push(`${at}: optional ${what} left out`);
      continue;
    }
    if (p.in === 'cookie') {
      if (p.required) return `required cookie parameter "${p.name}": packs do not send cookies`;
      warnings.push(`${at}: optional cookie parameter "${p.name}" left out`);
      continue;
    }
    const schema = input.convert(p.schema);
    if (p.description && schema['description'] === undefined) schema['description'] = cut(p.description, 600);
    addArg(p.name, p.in, schema, p.required);
  }

  let bodyArg: string | undefined;
  let bodyMode: 'form' | 'multipart' | undefined;
  let contentType: string | undefined;
  if (op.body && op.body.content.length > 0) {
    const chosen = chooseBody(op.body.content);
    const types = op.body.content.map((c) => c.mediaType).join(', ');
    if (!chosen) {
      // Even an optional binary body is the point of its operation (an upload): leave it out whole.
      return `request body is binary or of an unknown type (${types}); packs send JSON, form, multipart or text bodies`;
    } else if (BODYLESS.has(op.method)) {
      if (op.body.required)
        return `${op.method} with a required request body: packs send no body with ${op.method}`;
      warnings.push(`${at}: optional request body of a ${op.method} left out`);
    } else if (chosen.kind === 'text') {
      bodyArg = 'body' in properties ? 'request_body' : 'body';
      contentType = CONTENT_TYPE.test(chosen.media.mediaType) ? chosen.media.mediaType : 'text/plain';
      properties[bodyArg] = {
        type: 'string',
        description: cut(op.body.description ?? `The request body (${contentType}), sent as it is.`, 600),
      };
      if (op.body.required) required.push(bodyArg);
    } else {
      const media = chosen.media;
      const schema = input.convert(media.schema);
      const view = objectView(schema, input);
      if (chosen.kind !== 'json') {
        if (!view)
          return `request body is ${media.mediaType} but not an object of fields; packs send form fields by name`;
        bodyMode = chosen.kind;
      }
      if (view && (Object.keys(view.properties).length > 0 || chosen.kind !== 'json')) {
        const req = new Set(op.body.required ? view.required : []);
        for (const [prop, raw] of Object.entries(view.properties)) {
          const sub = bodyMode === 'multipart' ? filePart(raw, media.partTypes?.[prop]) : raw;
          const arg = addArg(prop, 'body', sub, req.has(prop));
          if (arg !== prop && args[arg] === undefined) args[arg] = { in: 'body', name: prop };
        }
        if (bodyMode && Object.keys(view.properties).length === 0)
          warnings.push(`${at}: the ${media.mediaType} body declares no fields`);
      } else {
        bodyArg = 'body' in properties ? 'request_body' : 'body';
        const desc = op.body.description ?? 'The request body (JSON).';
        properties[bodyArg] =
          schema['description'] === undefined ? { ...schema, description: cut(desc, 600) } : schema;
        if (op.body.required) required.push(bodyArg);
      }
      if (chosen.kind === 'json' && chosen.contentType)
        split.fixed.headers['Content-Type'] = chosen.contentType;
    }
  }

  const response = firstSuccess(op);
  let outputSchema: JsonSchema | undefined;
  if (response?.body && response.body.content.length > 0) {
    const media = response.body.content.find((c) => isJson(c.mediaType));
    if (media) {
      if (media.schema !== undefined) {
        const output = new SchemaConverter(doc, format, 'output', caches.output);
        const schema = output.finish(output.convert(media.schema));
        if (
          schema['type'] === 'object' ||
          (schema['type'] === undefined && schema['properties'] !== undefined)
        ) {
          outputSchema = { ...schema, type: 'object' };
          // Nodes counted before the length: expanded references can make a schema far larger than the document.
          const size = caches.output.measure(outputSchema, MAX_OUTPUT_SCHEMA_CHARS);
          if (size.nodes > MAX_OUTPUT_SCHEMA_CHARS || size.chars > MAX_OUTPUT_SCHEMA_CHARS) {
            outputSchema = shallow(outputSchema);
            warnings.push(`${at}: output schema reduced to its top-level properties (it is large)`);
          }
        }
      }
    }
    // Text and binary answers need no output schema: the pack server returns them as text, image, audio
    // or an embedded resource by their Content-Type.
  }

  let inputSchema: JsonSchema = { type: 'object', properties, additionalProperties: false };
  if (required.length > 0) inputSchema['required'] = [...new Set(required)];
  inputSchema = input.finish(inputSchema);
  const size = caches.input.measure(inputSchema, MAX_INPUT_SCHEMA_VALUES);
  if (size.nodes > MAX_INPUT_SCHEMA_VALUES) {
    return `input schema has more than ${MAX_INPUT_SCHEMA_VALUES} values with its references expanded: too large for a pack`;
  }
  if (size.chars > MAX_INPUT_SCHEMA_CHARS) {
    const reduced = reduceInput(inputSchema);
    if (reduced !== inputSchema) {
      inputSchema = reduced;
      warnings.push(
        `${at}: input schema reduced (it is large): its large arguments accept any value of their type`,
      );
    }
  }

  const description = op.deprecated ? cut(`Deprecated: ${describe(op)}`, MAX_TOOL_DESCRIPTION) : describe(op);
  const fixed = {
    ...(Object.keys(split.fixed.query).length > 0 ? { query: sortKeys(split.fixed.query) } : {}),
    ...(Object.keys(split.fixed.headers).length > 0 ? { headers: sortKeys(split.fixed.headers) } : {}),
  };
  const tool: Tool = {
    name,
    ...(op.summary ? { title: cut(op.summary, 200) } : {}),
    description,
    inputSchema,
    ...(outputSchema ? { outputSchema } : {}),
    http: {
      method: op.method as HttpMethod,
      path,
      ...(Object.keys(args).length > 0 ? { args: sortKeys(args) } : {}),
      ...(bodyArg ? { body: `arg:${bodyArg}` } : bodyMode ? { body: bodyMode } : {}),
      ...(contentType ? { contentType } : {}),
      ...(Object.keys(fixed).length > 0 ? { fixed } : {}),
    },
    annotations: annotationsFor(op.method),
  };
  return tool;
}

/** MCP annotations from the method: GET/HEAD read-only, DELETE destructive, PUT and DELETE idempotent. */
export function annotationsFor(method: string): ToolAnnotations {
  const readOnly = method === 'GET' || method === 'HEAD';
  return {
    readOnlyHint: readOnly,
    destructiveHint: method === 'DELETE',
    idempotentHint: readOnly || method === 'PUT' || method === 'DELETE',
    openWorldHint: true,
  };
}

function describe(op: Operation): string {
  const parts = [op.summary, op.description].filter((p): p is string => !!p);
  if (parts.length === 2 && parts[1]?.startsWith(parts[0] as string)) parts.shift();
  const text = parts.join('\n\n') || `${op.method} ${op.path}`;
  return cut(text, MAX_TOOL_DESCRIPTION);
}

function firstSuccess(op: Operation): Operation['responses'][number] | undefined {
  const ok = op.responses.filter((r) => /^2(\d\d|XX)$/i.test(r.status));
  return ok.sort((a, b) => (a.status < b.status ? -1 : 1))[0];
}

/** The properties of a body schema that is a plain object (through `$ref`s and `allOf`), else undefined. */
function objectView(
  schema: JsonSchema,
  conv: SchemaConverter,
  depth = 0,
): { properties: Record<string, JsonSchema>; required: string[] } | undefined {
  if (depth > 10) return undefined;
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const target = conv.def(ref);
    return target && Object.keys(schema).length === 1 ? objectView(target, conv, depth + 1) : undefined;
  }
  if (['oneOf', 'anyOf', 'not', 'if', 'patternProperties'].some((k) => k in schema)) return undefined;
  if (schema['type'] !== undefined && schema['type'] !== 'object') return undefined;
  if (schema['additionalProperties'] !== undefined && schema['additionalProperties'] !== false)
    return undefined;
  const properties: Record<string, JsonSchema> = {
    ...((schema['properties'] as Record<string, JsonSchema>) ?? {}),
  };
  const required = [...((schema['required'] as string[]) ?? [])];
  for (const member of (schema['allOf'] as JsonSchema[] | undefined) ?? []) {
    const view = objectView(member, conv, depth + 1);
    if (!view) return undefined;
    for (const [k, v] of Object.entries(view.properties))
      properties[k] = k in properties ? { allOf: [properties[k], v] } : v;
    required.push(...view.required);
  }
  return { properties, required };
}

function shallow(schema: JsonSchema): JsonSchema {
  const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, JsonSchema> = {};
  for (const [k, v] of Object.entries(props)) {
    const t = v['type'];
    out[k] = typeof t === 'string' || Array.isArray(t) ? { type: t } : {};
    if (typeof v['description'] === 'string') out[k]['description'] = cut(v['description'], 200);
  }
  const result: JsonSchema = { type: 'object', properties: out };
  if (Array.isArray(schema['required'])) result['required'] = schema['required'];
  return result;
}

/**
 * A large input schema with its large arguments reduced to `{type, description}` (a reference followed to
 * its definition's type), and only the `$defs` the rest still reaches; the same schema when nothing would
 * change.
 */
function reduceInput(schema: JsonSchema): JsonSchema {
  const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const defs = (schema['$defs'] ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, JsonSchema> = {};
  let changed = false;
  for (const [k, v] of Object.entries(props)) {
    const ref = typeof v['$ref'] === 'string' ? defs[(v['$ref'] as string).slice(8)] : undefined;
    const t = v['type'] ?? ref?.['type'];
    if (JSON.stringify(v).length <= 2000 && collectRefs(v).length === 0) {
      out[k] = v;
      continue;
    }
    changed = true;
    out[k] = typeof t === 'string' || Array.isArray(t) ? { type: t } : {};
    const text = v['description'] ?? ref?.['description'];
    if (typeof text === 'string') out[k]['description'] = cut(text, 200);
  }
  if (!changed) return schema;
  const { $defs: _defs, properties: _props, ...rest } = schema;
  const result: JsonSchema = { ...rest, properties: out };
  const kept: Record<string, JsonSchema> = {};
  const queue = collectRefs(out);
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (name in kept || !defs[name]) continue;
    kept[name] = defs[name];
    queue.push(...collectRefs(defs[name]));
  }
  if (Object.keys(kept).length > 0) {
    result['$defs'] = Object.fromEntries(
      Object.keys(kept)
        .sort()
        .map((k) => [k, kept[k] as JsonSchema]),
    );
  }
  return result;
}

/** The validator's path-template rules (validate/rules/tools.ts), checked first so the operation is skipped with a reason. */
function pathTemplateProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `path "${path}" does not start with "/"`;
  if (/[{}]/.test(path.replace(/\{[^{}]*\}/g, ''))) return `path "${path}" has a malformed placeholder`;
  if (/(^|\/)\.\.?(\/|$)|[?#\s]/.test(path)) {
    return `path "${path}" contains ".", "..", "?", "#" or a space, which a pack's path template cannot`;
  }
  if (path.length > 1024) return 'path is longer than 1024 characters';
  return undefined;
}

export function isJson(mediaType: string): boolean {
  const t = mediaType.split(';')[0]?.trim() ?? '';
  return t === 'application/json' || t === '*/*' || t === 'text/json' || /^application\/[^/]*\+json$/.test(t);
}

type BodyChoice =
  | { kind: 'json'; media: MediaEntry; contentType?: string }
  | { kind: 'form' | 'multipart' | 'text'; media: MediaEntry };
type MediaEntry = NonNullable<Operation['body']>['content'][number];

/**
 * The request body a pack sends, by preference: JSON; a form (urlencoded unless it carries files, then
 * multipart); text (sent as a string with its type). Binary bodies: undefined. A JSON media type other
 * than application/json (`application/vnd.api+json`) without a plain alternative is kept as a fixed
 * Content-Type header.
 */
function chooseBody(content: readonly MediaEntry[]): BodyChoice | undefined {
  const type = (c: MediaEntry) => c.mediaType.split(';')[0]?.trim() ?? '';
  const json = content.filter((c) => isJson(c.mediaType));
  if (json.length > 0) {
    const plain = json.find((c) => ['application/json', '*/*', 'text/json'].includes(type(c)));
    if (plain) return { kind: 'json', media: plain };
    const first = json[0] as MediaEntry;
    return CONTENT_TYPE.test(type(first))
      ? { kind: 'json', media: first, contentType: type(first) }
      : { kind: 'json', media: first };
  }
  const urlencoded = content.find((c) => type(c) === 'application/x-www-form-urlencoded');
  const multipart = content.find((c) => type(c).startsWith('multipart/'));
  if (urlencoded && !(multipart && hasFileField(multipart.schema)))
    return { kind: 'form', media: urlencoded };
  if (multipart) return { kind: 'multipart', media: multipart };
  const text = content.find((c) => isText(type(c)));
  return text ? { kind: 'text', media: text } : undefined;
}

/** Raw OpenAPI: a property that is a file (`format: binary`, Swagger's `type: file`). */
function hasFileField(schema: unknown): boolean {
  const props = (schema as { properties?: Record<string, { format?: unknown; type?: unknown }> } | undefined)
    ?.properties;
  return Object.values(props ?? {}).some((p) => p?.format === 'binary' || p?.type === 'file');
}

/** A multipart field that is a file gets its media type and the upload cap (contract: base64, maxLength). */
function filePart(schema: JsonSchema, partType: string | undefined): JsonSchema {
  if (schema['contentEncoding'] !== 'base64') return schema;
  const out: JsonSchema = { ...schema, type: 'string' };
  const media = partType?.split(',')[0]?.trim();
  if (media && !media.includes('*') && CONTENT_TYPE.test(media)) out['contentMediaType'] = media;
  if (typeof out['maxLength'] !== 'number' || out['maxLength'] > UPLOAD_MAX_LENGTH)
    out['maxLength'] = UPLOAD_MAX_LENGTH;
  if (out['description'] === undefined)
    out['description'] = `A file, base64-encoded (at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB decoded).`;
  return out;
}

/** Text request bodies a pack can send as a string. */
function isText(type: string): boolean {
  return (
    type.startsWith('text/') ||
    /[/+]xml$/.test(type) ||
    /^application\/(x-)?(yaml|ndjson|graphql|javascript|sql|csv)$/.test(type) ||
    type === 'application/jsonl'
  );
}

function cut(text: string, max: number): string {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, record[k] as T]),
  );
}
