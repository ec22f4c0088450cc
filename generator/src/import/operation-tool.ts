import { pathParams } from '../model/names.ts';
import type { ArgMapping, HttpMethod, JsonSchema, Tool, ToolAnnotations } from '../model/types.ts';
import type { DocumentFormat, OpenApiDocument } from './openapi-document.ts';
import type { Operation } from './operations.ts';
import { countNodes, type SchemaCache } from './schema-cache.ts';
import { SchemaConverter } from './schema-convert.ts';
import { serverUrl } from './upstream.ts';

/** Longest tool description generated; the document's full text stays in the document. */
const MAX_TOOL_DESCRIPTION = 1500;
/** Output schemas larger than this (JSON characters) are reduced to their top-level properties. */
const MAX_OUTPUT_SCHEMA_CHARS = 12_000;
/** An input schema with more values than a whole pack file may hold (the loader's 200,000) cannot be a tool. */
const MAX_INPUT_SCHEMA_VALUES = 200_000;
const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const BODYLESS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE']);

/** One operation as a tool, or the reason it cannot be one. Pure. */
export function operationTool(
  doc: OpenApiDocument,
  format: DocumentFormat,
  op: Operation,
  name: string,
  baseUrl: string,
  documentUrl: string | undefined,
  authParams: { in: string; name: string }[],
  warnings: string[],
  caches: { input: SchemaCache; output: SchemaCache },
): Tool | string {
  if (op.error) return op.error;
  if (!METHODS.has(op.method)) return `method ${op.method} is not supported by packs`;
  if (op.servers && !op.servers.some((s) => serverUrl(s, documentUrl) === baseUrl)) {
    const own = serverUrl(op.servers[0], documentUrl) ?? 'another server';
    return `the operation is served from ${own}, not ${baseUrl}: import it into its own pack with --base-url`;
  }
  const pathProblem = pathTemplateProblem(op.path);
  if (pathProblem) return pathProblem;
  const at = `${op.method} ${op.path}`;
  const input = new SchemaConverter(doc, format, 'input', caches.input);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const args: Record<string, ArgMapping> = {};
  let path = op.path;
  const defaultLocation = BODYLESS.has(op.method) ? 'query' : 'body';

  const addArg = (
    wire: string,
    where: 'path' | 'query' | 'header' | 'body',
    schema: JsonSchema,
    isRequired: boolean,
  ) => {
    let arg = wire.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'arg';
    if (arg in properties) arg = `${arg.slice(0, 57)}_${where}`;
    for (let n = 2; arg in properties; n++) arg = `${arg.slice(0, 60)}_${n}`;
    properties[arg] = schema;
    if (isRequired) required.push(arg);
    if (where === 'path') {
      if (arg !== wire) path = path.split(`{${wire}}`).join(`{${arg}}`);
      if (arg !== wire || args[arg] !== undefined) args[arg] = 'path';
      return;
    }
    if (arg !== wire) args[arg] = { in: where, name: wire };
    else if (where !== defaultLocation || pathParams(path).includes(arg)) args[arg] = where;
  };

  const parameters = [...op.parameters];
  const declared = new Set(parameters.filter((p) => p.in === 'path').map((p) => p.name));
  for (const placeholder of pathParams(op.path)) {
    if (!declared.has(placeholder)) {
      parameters.push({ name: placeholder, in: 'path', required: true, schema: { type: 'string' } });
      warnings.push(`${at}: path parameter {${placeholder}} is not declared; imported as a string`);
    }
  }
  const order = { path: 0, query: 1, header: 2, cookie: 3 };
  const params = parameters.sort((a, b) => order[a.in] - order[b.in]);
  for (const p of params) {
    if (p.in === 'path' && !pathParams(op.path).includes(p.name)) continue;
    if (authParams.some((a) => a.in === p.in && a.name.toLowerCase() === p.name.toLowerCase())) continue;
    if (p.in === 'header' && /^(authorization|content-type|content-length|host|cookie)$/i.test(p.name))
      continue;
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
  if (op.body && op.body.content.length > 0) {
    const media = op.body.content.find((c) => isJson(c.mediaType));
    const types = op.body.content.map((c) => c.mediaType).join(', ');
    if (!media) {
      const kind = op.body.content.some((c) => c.mediaType.startsWith('multipart/'))
        ? 'multipart/form-data (file upload)'
        : op.body.content.some((c) => c.mediaType === 'application/x-www-form-urlencoded')
          ? 'form-encoded'
          : 'not JSON';
      // Even an optional non-JSON body is the point of its operation (an upload, a form): leave it out whole.
      return `request body is ${kind} (${types}); packs send JSON bodies only`;
    } else if (BODYLESS.has(op.method)) {
      if (op.body.required)
        return `${op.method} with a required request body: packs send no body with ${op.method}`;
      warnings.push(`${at}: optional request body of a ${op.method} left out`);
    } else {
      const schema = input.convert(media.schema);
      const view = objectView(schema, input);
      if (view && Object.keys(view.properties).length > 0) {
        const req = new Set(op.body.required ? view.required : []);
        for (const [prop, sub] of Object.entries(view.properties)) {
          const before = Object.keys(properties).length;
          addArg(prop, 'body', sub, req.has(prop));
          const arg = Object.keys(properties)[before] as string;
          if (arg !== prop && args[arg] === undefined) args[arg] = { in: 'body', name: prop };
        }
      } else {
        bodyArg = 'body' in properties ? 'request_body' : 'body';
        const desc = op.body.description ?? 'The request body (JSON).';
        properties[bodyArg] =
          schema['description'] === undefined ? { ...schema, description: cut(desc, 600) } : schema;
        if (op.body.required) required.push(bodyArg);
      }
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
          // Count before stringifying: expanded references can make a schema far larger than the document.
          if (
            countNodes(outputSchema, MAX_OUTPUT_SCHEMA_CHARS, caches.output.work) > MAX_OUTPUT_SCHEMA_CHARS ||
            JSON.stringify(outputSchema).length > MAX_OUTPUT_SCHEMA_CHARS
          ) {
            outputSchema = shallow(outputSchema);
            warnings.push(`${at}: output schema reduced to its top-level properties (it is large)`);
          }
        }
      }
    } else {
      const types = response.body.content.map((c) => c.mediaType);
      if (types.every(isBinary)) return `response is binary (${types.join(', ')}); packs return JSON or text`;
    }
  }

  let inputSchema: JsonSchema = { type: 'object', properties, additionalProperties: false };
  if (required.length > 0) inputSchema['required'] = [...new Set(required)];
  inputSchema = input.finish(inputSchema);
  if (countNodes(inputSchema, MAX_INPUT_SCHEMA_VALUES, caches.input.work) > MAX_INPUT_SCHEMA_VALUES) {
    return `input schema has more than ${MAX_INPUT_SCHEMA_VALUES} values with its references expanded: too large for a pack`;
  }

  const description = describe(op);
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
      ...(bodyArg ? { body: `arg:${bodyArg}` } : {}),
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

function isBinary(mediaType: string): boolean {
  return /^(image|audio|video|font)\/|^application\/(octet-stream|pdf|zip|gzip|x-tar|x-gzip)/.test(mediaType);
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
