import { pathParams } from './names.ts';
import type { ArgLocation, ArgMapping, HttpMapping } from './types.ts';

// Where each argument of a tool call goes. The validator checks mappings with it and the pack runtime builds
// requests with it, so both read a mapping the same way.

/** Methods that carry no request body: their unmapped arguments go to the query string. */
export const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE']);

/** Where an argument goes when the mapping does not say: query for body-less methods, else the JSON body. */
export function argLocation(tool: { http: HttpMapping }, arg: string): { in: ArgLocation; name: string } {
  const m: ArgMapping | undefined = tool.http.args?.[arg];
  if (m === undefined) {
    if (pathParams(tool.http.path).includes(arg)) return { in: 'path', name: arg };
    return { in: BODYLESS_METHODS.has(tool.http.method) ? 'query' : 'body', name: arg };
  }
  return typeof m === 'string' ? { in: m, name: arg } : { in: m.in, name: m.name ?? arg };
}
