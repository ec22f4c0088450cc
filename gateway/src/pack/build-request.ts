/**
 * Turns a validated tool call into the upstream HTTP request its mapping describes. Pure: no I/O, no env.
 * Path arguments are percent-encoded as one segment each, so no argument can add a segment, climb out of
 * the base path ('..') or start a query.
 */
import { pathParams } from '../../../generator/src/model/names.ts';
import type { Tool } from '../../../generator/src/model/types.ts';
import { argLocation } from '../../../generator/src/validate/rules/tools.ts';
import { BodyEncodingError, type BodyField, encodeFields, encodeWholeBody } from './body-encoding.ts';

export interface UpstreamRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** Text (JSON, form, plain) or bytes (multipart, a decoded file). */
  body?: string | Buffer;
}

/** A call whose arguments cannot be placed in the request (reported to the agent, nothing sent). */
export class RequestBuildError extends Error {
  override readonly name = 'RequestBuildError';
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One path segment: every reserved character encoded, and the dot segments refused (URLs resolve them). */
export function encodePathSegment(arg: string, value: unknown): string {
  const text = scalarText(value);
  if (text === '' || text === '.' || text === '..') {
    throw new RequestBuildError(`argument "${arg}" must not be empty, "." or ".." (it is a path segment)`);
  }
  // encodeURIComponent leaves !'()* alone; none of them changes the path, so they may stay.
  return encodeURIComponent(text);
}

/**
 * Builds the request for `tool` called with `args` (already validated against the input schema) against
 * `baseUrl`. Auth is added separately by the caller (it depends on secrets).
 */
export function buildUpstreamRequest(
  tool: Pick<Tool, 'name' | 'http'> & Partial<Pick<Tool, 'inputSchema'>>,
  args: Record<string, unknown>,
  baseUrl: string,
  staticHeaders: Record<string, string> = {},
): UpstreamRequest {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(staticHeaders)) headers[k.toLowerCase()] = v;
  const query: [string, string][] = [];
  const bodyFields: BodyField[] = [];
  const pathValues = new Map<string, string>();

  const bodyArg = tool.http.body?.startsWith('arg:') ? tool.http.body.slice(4) : undefined;
  for (const [arg, value] of Object.entries(args)) {
    if (value === undefined) continue;
    if (arg === bodyArg) continue;
    const loc = argLocation(tool, arg);
    switch (loc.in) {
      case 'path':
        pathValues.set(loc.name, encodePathSegment(arg, value));
        break;
      case 'query':
        if (Array.isArray(value)) for (const item of value) query.push([loc.name, scalarText(item)]);
        else query.push([loc.name, scalarText(value)]);
        break;
      case 'header': {
        const text = scalarText(value);
        if (/[\r\n\0]/.test(text)) {
          throw new RequestBuildError(`argument "${arg}" must not contain line breaks (it is a header)`);
        }
        headers[loc.name.toLowerCase()] = text;
        break;
      }
      case 'body':
        bodyFields.push({ arg, name: loc.name, value });
        break;
    }
  }

  const path = tool.http.path.replace(/\{([^{}]*)\}/g, (_, name: string) => {
    const v = pathValues.get(name);
    if (v === undefined) throw new RequestBuildError(`argument "${name}" is required (it is a path segment)`);
    return v;
  });
  for (const name of pathParams(tool.http.path)) pathValues.delete(name);

  const url = new URL(base.origin);
  // Assigned as a string already encoded: the URL parser keeps %2F and %2E%2E as data inside one segment.
  url.pathname = `${basePath}${path}`;
  // Fixed values win over arguments of the same name: they name the operation (AWS Action, X-Amz-Target).
  const fixedQuery = tool.http.fixed?.query ?? {};
  for (const [k, v] of query) if (!Object.hasOwn(fixedQuery, k)) url.searchParams.append(k, v);
  for (const [k, v] of Object.entries(fixedQuery)) url.searchParams.append(k, v);
  for (const [k, v] of Object.entries(tool.http.fixed?.headers ?? {})) headers[k.toLowerCase()] = v;

  const request: UpstreamRequest = { method: tool.http.method, url, headers };
  const schema = { http: tool.http, inputSchema: tool.inputSchema ?? {} };
  let encoded: ReturnType<typeof encodeFields> | undefined;
  try {
    if (bodyArg !== undefined && args[bodyArg] !== undefined)
      encoded = encodeWholeBody(schema, bodyArg, args[bodyArg]);
    else if (bodyFields.length > 0) encoded = encodeFields(schema, bodyFields);
  } catch (err) {
    if (err instanceof BodyEncodingError) throw new RequestBuildError(err.message);
    throw err;
  }
  if (encoded) {
    request.body = encoded.body;
    // A multipart body is only readable with its own boundary, whatever the static headers say.
    if (tool.http.body === 'multipart' && bodyArg === undefined) headers['content-type'] = encoded.contentType;
    else headers['content-type'] ??= encoded.contentType;
  }
  headers['accept'] ??= 'application/json';
  return request;
}
