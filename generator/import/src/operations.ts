import { type DocumentFormat, derefObject, isObject, type OpenApiDocument } from './openapi-document.ts';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

/** A parameter as both specifications describe it, its schema still in OpenAPI form. */
export interface OperationParameter {
  name: string;
  in: ParameterLocation;
  required: boolean;
  description?: string;
  deprecated?: boolean;
  schema: unknown;
}

/** A request or response body: its media types and the schema of each. */
export interface OperationBody {
  required: boolean;
  description?: string;
  content: {
    mediaType: string;
    schema: unknown;
    example?: unknown;
    /** OpenAPI 3 `encoding`: per multipart field, its content type (`image/png`). */
    partTypes?: Record<string, string>;
  }[];
}

/** One operation of a document, normalised across Swagger 2.0 and OpenAPI 3.x. */
export interface Operation {
  method: string;
  path: string;
  operationId?: string;
  summary?: string;
  description?: string;
  tags: string[];
  deprecated: boolean;
  parameters: OperationParameter[];
  body?: OperationBody;
  /** Responses by status code ('200', '2XX', 'default'), in document order. */
  responses: { status: string; body?: OperationBody }[];
  /** Security requirement names (operation-level, else the document's); undefined when none apply. */
  security?: string[][];
  /** Servers declared on the path or operation (OpenAPI 3), when they override the document's. */
  servers?: unknown[];
  /** Set when the operation cannot be read (e.g. a parameter `$ref` does not resolve). */
  error?: string;
}

/**
 * Every operation of a document, sorted by path then method so output never depends on key order.
 * Pure: the `$ref`s of parameters, bodies and responses are followed inside the document only.
 */
export function listOperations(doc: OpenApiDocument, format: DocumentFormat): Operation[] {
  const paths = isObject(doc['paths']) ? doc['paths'] : {};
  const out: Operation[] = [];
  for (const path of Object.keys(paths).sort()) {
    let item: Record<string, unknown> | undefined;
    try {
      item = derefObject(doc, paths[path]);
    } catch {
      item = undefined;
    }
    if (!item) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      out.push(readOperation(doc, format, path, method, item, op));
    }
  }
  return out;
}

function readOperation(
  doc: OpenApiDocument,
  format: DocumentFormat,
  path: string,
  method: string,
  item: Record<string, unknown>,
  op: Record<string, unknown>,
): Operation {
  const base: Operation = {
    method: method.toUpperCase(),
    path,
    tags: Array.isArray(op['tags']) ? op['tags'].filter((t): t is string => typeof t === 'string') : [],
    deprecated: op['deprecated'] === true,
    parameters: [],
    responses: [],
  };
  if (typeof op['operationId'] === 'string' && op['operationId'].trim()) base.operationId = op['operationId'];
  if (typeof op['summary'] === 'string' && op['summary'].trim()) base.summary = op['summary'].trim();
  if (typeof op['description'] === 'string' && op['description'].trim()) {
    base.description = op['description'].trim();
  }
  const security = Array.isArray(op['security']) ? op['security'] : doc['security'];
  if (Array.isArray(security)) {
    base.security = security.filter(isObject).map((req) => Object.keys(req).sort());
  }
  const servers = Array.isArray(op['servers']) ? op['servers'] : item['servers'];
  if (format !== 'swagger-2.0' && Array.isArray(servers) && servers.length > 0) base.servers = servers;
  try {
    const swagger = format === 'swagger-2.0';
    const consumes = mediaTypes(op['consumes'] ?? doc['consumes'], 'application/json');
    const produces = mediaTypes(op['produces'] ?? doc['produces'], 'application/json');
    // Operation-level parameters override path-level ones with the same name and location.
    const byKey = new Map<string, Record<string, unknown>>();
    for (const list of [item['parameters'], op['parameters']]) {
      if (!Array.isArray(list)) continue;
      for (const p of list) {
        const param = derefObject(doc, p);
        if (!param || typeof param['name'] !== 'string' || typeof param['in'] !== 'string') continue;
        byKey.set(`${param['in']}:${param['name']}`, param);
      }
    }
    const formFields: Record<string, unknown> = {};
    const formRequired: string[] = [];
    for (const param of byKey.values()) {
      const where = param['in'] as string;
      const name = param['name'] as string;
      if (swagger && where === 'body') {
        base.body = {
          required: param['required'] === true,
          content: consumes.map((mediaType) => ({ mediaType, schema: param['schema'] })),
        };
        if (typeof param['description'] === 'string') base.body.description = param['description'];
        continue;
      }
      if (swagger && where === 'formData') {
        formFields[name] = swaggerParamSchema(param);
        if (param['required'] === true) formRequired.push(name);
        continue;
      }
      if (!['path', 'query', 'header', 'cookie'].includes(where)) continue;
      const parameter: OperationParameter = {
        name,
        in: where as ParameterLocation,
        required: where === 'path' || param['required'] === true,
        schema: swagger ? swaggerParamSchema(param) : parameterSchema(param),
      };
      if (typeof param['description'] === 'string' && param['description'].trim()) {
        parameter.description = param['description'].trim();
      }
      if (param['deprecated'] === true) parameter.deprecated = true;
      base.parameters.push(parameter);
    }
    if (Object.keys(formFields).length > 0) {
      const formTypes = consumes.filter((t) => t.includes('form'));
      base.body = {
        required: formRequired.length > 0,
        content: (formTypes.length > 0 ? formTypes : ['application/x-www-form-urlencoded']).map(
          (mediaType) => ({
            mediaType,
            schema: { type: 'object', properties: formFields, required: formRequired },
          }),
        ),
      };
    }
    if (!swagger && op['requestBody'] !== undefined) {
      const rb = derefObject(doc, op['requestBody']);
      if (rb) base.body = readContent(doc, rb, rb['required'] === true);
    }
    const responses = isObject(op['responses']) ? op['responses'] : {};
    for (const status of Object.keys(responses)) {
      const res = derefObject(doc, responses[status]);
      if (!res) continue;
      if (swagger) {
        const body =
          res['schema'] !== undefined
            ? { required: true, content: produces.map((mediaType) => ({ mediaType, schema: res['schema'] })) }
            : undefined;
        base.responses.push(body ? { status, body } : { status });
      } else {
        const body = isObject(res['content']) ? readContent(doc, res, true) : undefined;
        base.responses.push(body ? { status, body } : { status });
      }
    }
  } catch (err) {
    base.error = (err as Error).message;
  }
  return base;
}

function readContent(
  doc: OpenApiDocument,
  holder: Record<string, unknown>,
  required: boolean,
): OperationBody {
  const content = isObject(holder['content']) ? holder['content'] : {};
  const body: OperationBody = { required, content: [] };
  if (typeof holder['description'] === 'string') body.description = holder['description'];
  for (const [mediaType, media] of Object.entries(content)) {
    const m = derefObject(doc, media) ?? {};
    const entry: OperationBody['content'][number] = {
      mediaType: mediaType.toLowerCase(),
      schema: m['schema'],
    };
    const example = m['example'] ?? firstExample(doc, m['examples']);
    if (example !== undefined) entry.example = example;
    if (isObject(m['encoding'])) {
      const partTypes: Record<string, string> = {};
      for (const [field, enc] of Object.entries(m['encoding'])) {
        if (isObject(enc) && typeof enc['contentType'] === 'string') partTypes[field] = enc['contentType'];
      }
      if (Object.keys(partTypes).length > 0) entry.partTypes = partTypes;
    }
    body.content.push(entry);
  }
  return body;
}

function firstExample(doc: OpenApiDocument, examples: unknown): unknown {
  if (!isObject(examples)) return undefined;
  for (const ex of Object.values(examples)) {
    try {
      const e = derefObject(doc, ex);
      // `value: null` stands for "no example" in practice (GitHub uses it for empty bodies).
      if (e && e['value'] !== undefined && e['value'] !== null) {
        // Some documents (GitHub's) put a reference to an Example object inside `value`.
        const v = e['value'];
        if (isObject(v) && typeof v['$ref'] === 'string' && Object.keys(v).length === 1) {
          const target = derefObject(doc, v);
          return target && 'value' in target ? target['value'] : target;
        }
        return v;
      }
    } catch {
      // an unresolvable example is just not used
    }
  }
  return undefined;
}

function mediaTypes(value: unknown, fallback: string): string[] {
  return Array.isArray(value) && value.length > 0
    ? value.filter((v): v is string => typeof v === 'string').map((v) => v.toLowerCase())
    : [fallback];
}

/** OpenAPI 3 parameters carry `schema` or `content: {<type>: {schema}}`. */
function parameterSchema(param: Record<string, unknown>): unknown {
  if (param['schema'] !== undefined) return param['schema'];
  if (isObject(param['content'])) {
    const first = Object.values(param['content'])[0];
    if (isObject(first)) return first['schema'];
  }
  return {};
}

const SWAGGER_PARAM_SCHEMA_KEYS = [
  'type',
  'format',
  'items',
  'enum',
  'default',
  'maximum',
  'minimum',
  'exclusiveMaximum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'x-nullable',
];

/** Swagger 2.0 non-body parameters carry their schema keywords inline. */
function swaggerParamSchema(param: Record<string, unknown>): Record<string, unknown> {
  const schema: Record<string, unknown> = {};
  for (const k of SWAGGER_PARAM_SCHEMA_KEYS) if (param[k] !== undefined) schema[k] = param[k];
  if (typeof param['description'] === 'string') schema['description'] = param['description'];
  return schema;
}
