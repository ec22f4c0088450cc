import type { OperationParameter } from './operations.ts';

/** A document path as a pack's path template plus the constant query parameters and headers it implies. */
export interface OperationPath {
  path: string;
  fixed: { query: Record<string, string>; headers: Record<string, string> };
  /** True when the document's path carried a `#fragment` or `?query` (AWS-style operation naming). */
  encoded: boolean;
}

/**
 * Reads operation names encoded in a path, as every AWS description does: `/#X-Amz-Target=Service.Op` (the
 * JSON protocol: a header), `/#Action=Name` (the query protocol: a query parameter), S3's `/{Bucket}#acl` or
 * `/{Bucket}?uploads` (a value-less query flag) and `#uploadId` (a marker for a parameter the operation
 * declares anyway). The path becomes the part before `#`/`?`; `name=value` pairs become fixed values
 * (`x-amz-*` names are headers, others query parameters); a bare name is a fixed empty query flag unless
 * the operation declares a parameter of that name. Greedy placeholders (`{Key+}`) become plain ones. For such
 * operations, a required query or header parameter with exactly one allowed value (`Version: 2012-11-05`)
 * is fixed too. Pure.
 */
export function splitOperationPath(raw: string, parameters: readonly OperationParameter[]): OperationPath {
  const fixed: OperationPath['fixed'] = { query: {}, headers: {} };
  const cut = raw.search(/[#?]/);
  const path = (cut < 0 ? raw : raw.slice(0, cut)).replace(/\{([^{}+]+)\+\}/g, '{$1}') || '/';
  if (cut < 0) return { path, fixed, encoded: false };
  const declared = new Set(parameters.map((p) => p.name.toLowerCase()));
  for (const pair of raw.slice(cut + 1).split(/[#?&]/)) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(pair.slice(eq + 1));
    if (!name) continue;
    if (/^x-amz-/i.test(name)) {
      if (eq >= 0) fixed.headers[name] = value;
    } else if (eq >= 0 || !declared.has(name.toLowerCase())) {
      fixed.query[name] = value;
    }
  }
  for (const p of parameters) {
    if (!p.required || (p.in !== 'query' && p.in !== 'header')) continue;
    const only = singleValue(p.schema);
    if (only === undefined) continue;
    const into = p.in === 'query' ? fixed.query : fixed.headers;
    if (!Object.keys(into).some((k) => k.toLowerCase() === p.name.toLowerCase())) into[p.name] = only;
  }
  return { path, fixed, encoded: true };
}

/** True when a parameter is filled by a fixed value (so it is not a tool argument). */
export function isFixed(p: Pick<OperationParameter, 'in' | 'name'>, fixed: OperationPath['fixed']): boolean {
  const into = p.in === 'query' ? fixed.query : p.in === 'header' ? fixed.headers : undefined;
  return into !== undefined && Object.keys(into).some((k) => k.toLowerCase() === p.name.toLowerCase());
}

function singleValue(schema: unknown): string | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  const s = schema as Record<string, unknown>;
  const values = Array.isArray(s['enum']) ? s['enum'] : 'const' in s ? [s['const']] : [];
  return values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
