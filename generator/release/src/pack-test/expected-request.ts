import type { HttpTool, JsonSchema, Tool } from '@raku/config';
import { argLocation } from '@raku/config';

/** One part of an expected multipart/form-data body. */
export interface ExpectedPart {
  name: string;
  /** File parts only: the argument name. */
  filename?: string;
  /** File parts only: the argument's contentMediaType, else application/octet-stream. */
  contentType?: string;
  bytes: Buffer;
}

/** What the upstream must receive for a call, derived from the tool's mapping (not from the executor). */
export interface ExpectedRequest {
  method: string;
  /** Path relative to the base URL, placeholders filled and percent-encoded. */
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  /** A JSON body (parsed), or a text body without a contentType; undefined for none or another kind. */
  body?: unknown;
  /** `body: form`: the key/value pairs, in order. */
  form?: [string, string][];
  /** `body: multipart`: the parts, in order. */
  parts?: ExpectedPart[];
  /** `body: arg:<name>` with a non-JSON contentType: the bytes and their type. */
  raw?: { contentType: string; bytes: Buffer };
}

/** Like the pack executor, a scalar goes on the wire as its text, anything else as JSON. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function pairs(name: string, value: unknown): [string, string][] {
  return (Array.isArray(value) ? value : [value]).map((v) => [name, text(v)]);
}

function property(tool: Partial<Pick<Tool, 'inputSchema'>>, arg: string): JsonSchema | undefined {
  const props = tool.inputSchema?.['properties'] as Record<string, JsonSchema> | undefined;
  return props?.[arg];
}

const isFile = (schema: JsonSchema | undefined) => schema?.['contentEncoding'] === 'base64';
const isJsonType = (type: string) => /^application\/([\w.-]+\+)?json\b/i.test(type);

/**
 * The request a call with `args` must produce, by the mapping rules of the pack schema (`http.args`,
 * `http.body`, `http.contentType`, `http.fixed`, argLocation's defaults). An independent reading of the
 * mapping, so `raku pack test` checks the executor against the pack rather than against itself. Pure.
 */
export function expectedRequest(
  tool: Pick<HttpTool, 'http'> & Partial<Pick<Tool, 'inputSchema'>>,
  args: Record<string, unknown>,
): ExpectedRequest {
  const bodyArg = tool.http.body?.startsWith('arg:') ? tool.http.body.slice(4) : undefined;
  const out: ExpectedRequest = { method: tool.http.method, path: tool.http.path, query: [], headers: {} };
  const fields: { arg: string; name: string; value: unknown }[] = [];
  for (const [arg, value] of Object.entries(args)) {
    if (value === undefined) continue;
    if (arg === bodyArg) {
      const type = tool.http.contentType;
      if (type === undefined) out.body = value;
      else {
        // With a contentType the body is exactly: JSON text for a JSON type, else the value as it is.
        const bytes = isJsonType(type)
          ? Buffer.from(JSON.stringify(value))
          : isFile(property(tool, arg))
            ? Buffer.from(String(value), 'base64')
            : Buffer.from(text(value), 'utf8');
        out.raw = { contentType: type, bytes };
      }
      continue;
    }
    const loc = argLocation(tool, arg);
    if (loc.in === 'path') out.path = out.path.split(`{${loc.name}}`).join(encodeURIComponent(text(value)));
    else if (loc.in === 'query') out.query.push(...pairs(loc.name, value));
    else if (loc.in === 'header') out.headers[loc.name.toLowerCase()] = text(value);
    else fields.push({ arg, name: loc.name, value });
  }
  const fixedQuery = tool.http.fixed?.query ?? {};
  out.query = out.query.filter(([k]) => !Object.hasOwn(fixedQuery, k));
  out.query.push(...Object.entries(fixedQuery));
  for (const [k, v] of Object.entries(tool.http.fixed?.headers ?? {})) out.headers[k.toLowerCase()] = v;
  if (fields.length === 0 || out.body !== undefined || out.raw !== undefined) return out;
  if (tool.http.body === 'form') out.form = fields.flatMap((f) => pairs(f.name, f.value));
  else if (tool.http.body === 'multipart') {
    out.parts = fields.flatMap((f): ExpectedPart[] => {
      const schema = property(tool, f.arg);
      if (!isFile(schema))
        return pairs(f.name, f.value).map(([name, v]) => ({ name, bytes: Buffer.from(v) }));
      const type = schema?.['contentMediaType'];
      return [
        {
          name: f.name,
          filename: f.arg,
          contentType: typeof type === 'string' ? type : 'application/octet-stream',
          bytes: Buffer.from(String(f.value), 'base64'),
        },
      ];
    });
  } else out.body = Object.fromEntries(fields.map((f) => [f.name, f.value]));
  return out;
}
