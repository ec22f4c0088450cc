/**
 * Turns a validated tool call into the upstream HTTP request its mapping describes. Pure: no I/O, no env.
 * Path arguments are percent-encoded as one segment each, so no argument can add a segment, climb out of
 * the base path ('..') or start a query.
 */
import { pathParams } from '../../../generator/src/model/names.ts';
import type { Tool } from '../../../generator/src/model/types.ts';
import { argLocation } from '../../../generator/src/validate/rules/tools.ts';

export interface UpstreamRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
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
  tool: Pick<Tool, 'name' | 'http'>,
  args: Record<string, unknown>,
  baseUrl: string,
  staticHeaders: Record<string, string> = {},
): UpstreamRequest {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(staticHeaders)) headers[k.toLowerCase()] = v;
  const query: [string, string][] = [];
  const body: Record<string, unknown> = {};
  let hasBody = false;
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
        body[loc.name] = value;
        hasBody = true;
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
  for (const [k, v] of query) url.searchParams.append(k, v);

  const request: UpstreamRequest = { method: tool.http.method, url, headers };
  if (bodyArg !== undefined && args[bodyArg] !== undefined) {
    const v = args[bodyArg];
    request.body = typeof v === 'string' ? v : JSON.stringify(v);
    headers['content-type'] ??= typeof v === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  } else if (hasBody) {
    request.body = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  headers['accept'] ??= 'application/json';
  return request;
}
