/**
 * Turns a validated tool call into the upstream HTTP request its mapping describes. Pure: no I/O, no env.
 * Path arguments are percent-encoded as one segment each, so no argument can add a segment, climb out of
 * the base path ('..') or start a query.
 *
 * Arguments are the caller's input, so whatever stops one from being placed is a RequestBuildError naming
 * the argument (the caller's mistake, answered as a tool error), never another exception: strings must be
 * well-formed Unicode (a lone surrogate has no UTF-8 form: encodeURIComponent throws URIError, Buffer and
 * URLSearchParams quietly turn it into U+FFFD), header values must be what HTTP carries, and a value sent as
 * JSON must serialise. A request that builds is one Node's HTTP client accepts.
 */

import type { HttpTool, Tool } from '@raku/config';
import { argLocation, pathParams } from '@raku/config';
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

/** A UTF-16 code unit of a surrogate pair without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** What Node's HTTP client (and RFC 9110's field-value) refuses in a header value. */
const NOT_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]/;

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Refuses text that is not well-formed Unicode, naming the argument, the code unit and where it goes. */
function checkWellFormed(arg: string, text: string, where: string): void {
  const lone = LONE_SURROGATE.exec(text);
  if (lone) {
    throw new RequestBuildError(
      `argument "${arg}" holds a lone surrogate (${codePoint(lone[0])} at index ${lone.index}), which ${where} cannot carry: strings must be well-formed Unicode`,
    );
  }
}

/** `value` as JSON; refuses what does not serialise (nesting too deep) or holds ill-formed strings or keys. */
function jsonText(arg: string, value: unknown, where: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (key, v: unknown) => {
      checkWellFormed(arg, key, where);
      if (typeof v === 'string') checkWellFormed(arg, v, where);
      return v;
    });
  } catch (err) {
    if (err instanceof RequestBuildError) throw err;
    throw new RequestBuildError(
      `argument "${arg}" cannot be written as JSON for ${where}: ${(err as Error)?.message ?? err}`,
    );
  }
  // Only undefined, functions and symbols have no JSON; parsed JSON arguments hold none of them.
  if (text === undefined) throw new RequestBuildError(`argument "${arg}" has no JSON form for ${where}`);
  return text;
}

/** A scalar argument's text (a string as it is, anything else as JSON), checked for `where`. */
function scalarText(arg: string, value: unknown, where: string): string {
  if (typeof value !== 'string') return jsonText(arg, value, where);
  checkWellFormed(arg, value, where);
  return value;
}

/** A body argument, whole or one field: its strings well-formed and, unless raw text, serialisable. */
function checkBodyValue(arg: string, value: unknown): void {
  scalarText(arg, value, 'the request body');
}

/** One path segment: every reserved character encoded, and the dot segments refused (URLs resolve them). */
export function encodePathSegment(arg: string, value: unknown): string {
  const text = scalarText(arg, value, 'a path segment');
  if (text === '' || text === '.' || text === '..') {
    throw new RequestBuildError(`argument "${arg}" must not be empty, "." or ".." (it is a path segment)`);
  }
  // encodeURIComponent leaves !'()* alone; none of them changes the path, so they may stay. Well-formed
  // text is all it needs not to throw.
  return encodeURIComponent(text);
}

/** A header value: well-formed, and only what an HTTP field value allows (no line breaks, no NUL). */
function headerValue(arg: string, value: unknown, header: string): string {
  const where = `the header ${header}`;
  const text = scalarText(arg, value, where);
  const bad = NOT_IN_HEADER.exec(text);
  if (bad) {
    throw new RequestBuildError(
      `argument "${arg}" holds ${codePoint(bad[0])} at index ${bad.index}, which ${where} cannot carry (a header value allows tab, printable ASCII and Latin-1 only: no line breaks, no control characters)`,
    );
  }
  return text;
}

/**
 * Builds the request for `tool` called with `args` (already validated against the input schema) against
 * `baseUrl`. Auth is added separately by the caller (it depends on secrets).
 */
export function buildUpstreamRequest(
  tool: Pick<HttpTool, 'name' | 'http'> & Partial<Pick<Tool, 'inputSchema'>>,
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
    if (arg === bodyArg) {
      checkBodyValue(arg, value);
      continue;
    }
    const loc = argLocation(tool, arg);
    switch (loc.in) {
      case 'path':
        pathValues.set(loc.name, encodePathSegment(arg, value));
        break;
      case 'query': {
        const where = `the query parameter ${loc.name}`;
        if (Array.isArray(value))
          for (const item of value) query.push([loc.name, scalarText(arg, item, where)]);
        else query.push([loc.name, scalarText(arg, value, where)]);
        break;
      }
      case 'header':
        headers[loc.name.toLowerCase()] = headerValue(arg, value, loc.name);
        break;
      case 'body':
        checkBodyValue(arg, value);
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
    if (tool.http.body === 'multipart' && bodyArg === undefined)
      headers['content-type'] = encoded.contentType;
    else headers['content-type'] ??= encoded.contentType;
  }
  headers['accept'] ??= 'application/json';
  return request;
}
