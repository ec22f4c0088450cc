import type { Tool } from '../model/types.ts';
import { argLocation } from '../validate/rules/tools.ts';

/** What the upstream must receive for a call, derived from the tool's mapping (not from the executor). */
export interface ExpectedRequest {
  method: string;
  /** Path relative to the base URL, placeholders filled and percent-encoded. */
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  /** Parsed JSON body, or undefined for none. */
  body?: unknown;
}

/** Like the pack executor, a scalar goes on the wire as its text, anything else as JSON. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The request a call with `args` must produce, by the mapping rules of the pack schema (`http.args`,
 * `http.body`, argLocation's defaults). An independent reading of the mapping, so `raku pack test` checks
 * the executor against the pack rather than against itself. Pure.
 */
export function expectedRequest(tool: Pick<Tool, 'http'>, args: Record<string, unknown>): ExpectedRequest {
  const bodyArg = tool.http.body?.startsWith('arg:') ? tool.http.body.slice(4) : undefined;
  const out: ExpectedRequest = { method: tool.http.method, path: tool.http.path, query: [], headers: {} };
  const body: Record<string, unknown> = {};
  let hasBody = false;
  for (const [arg, value] of Object.entries(args)) {
    if (value === undefined) continue;
    if (arg === bodyArg) {
      out.body = value;
      continue;
    }
    const loc = argLocation(tool, arg);
    if (loc.in === 'path') out.path = out.path.split(`{${loc.name}}`).join(encodeURIComponent(text(value)));
    else if (loc.in === 'query') {
      for (const v of Array.isArray(value) ? value : [value]) out.query.push([loc.name, text(v)]);
    } else if (loc.in === 'header') out.headers[loc.name.toLowerCase()] = text(value);
    else {
      body[loc.name] = value;
      hasBody = true;
    }
  }
  if (out.body === undefined && hasBody) out.body = body;
  return out;
}
