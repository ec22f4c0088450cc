import type { Pack } from '@raku/config';
import { isObject, type OpenApiDocument, resolvePointer } from './openapi-document.ts';

/** Top-level members kept whole in every part (small, and needed by any operation). */
const KEEP_WHOLE = ['securityDefinitions'];

/**
 * The part of a document a split pack comes from: its operations' paths (other methods of those paths
 * dropped) and only the components, definitions, parameters and responses they reach through `$ref`s; all
 * else (info, servers, security) as it is. It is the pack's snapshot, so a re-import or `raku pack test`
 * reads the pack's own operations without a copy of the whole document in every pack folder. Pure.
 */
export function documentForPack(doc: OpenApiDocument, pack: Pack): OpenApiDocument {
  const ops = pack.source?.operations ?? [];
  const paths = isObject(doc['paths']) ? doc['paths'] : {};
  const keptPaths: Record<string, Record<string, unknown>> = {};
  for (const o of ops) {
    const item = paths[o.path];
    if (!isObject(item)) continue;
    const kept = keptPaths[o.path] ?? Object.fromEntries(Object.entries(item).filter(([k]) => !isMethod(k)));
    kept[o.method.toLowerCase()] = item[o.method.toLowerCase()];
    keptPaths[o.path] = kept;
  }
  const out: OpenApiDocument = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k !== 'paths' && k !== 'components' && !['definitions', 'parameters', 'responses'].includes(k))
      out[k] = v;
  }
  out['paths'] = keptPaths;
  // Reachable units: components/<kind>/<name>, definitions|parameters|responses/<name>, paths/<path>.
  const kept = new Map<string, string[]>();
  const stack: unknown[] = [keptPaths, doc['security'], ...KEEP_WHOLE.map((k) => doc[k])];
  if (isObject(doc['components']) && isObject(doc['components']['securitySchemes'])) {
    for (const name of Object.keys(doc['components']['securitySchemes'])) {
      kept.set(`components/securitySchemes/${name}`, ['components', 'securitySchemes', name]);
    }
  }
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) {
          const unit = unitOf(v);
          if (unit && !kept.has(unit.join('/'))) {
            kept.set(unit.join('/'), unit);
            stack.push(resolvePointer(doc, `#/${unit.map(escapePointer).join('/')}`));
          }
        } else if (typeof v === 'object') stack.push(v);
      }
    }
  }
  for (const unit of [...kept.values()].sort((a, b) => (a.join('/') < b.join('/') ? -1 : 1))) {
    if (unit[0] === 'paths' && keptPaths[unit[1] as string]) continue; // already there
    const value = resolvePointer(doc, `#/${unit.map(escapePointer).join('/')}`);
    if (value === undefined) continue;
    let into = out;
    for (const seg of unit.slice(0, -1)) {
      if (!isObject(into[seg])) into[seg] = {};
      into = into[seg] as Record<string, unknown>;
    }
    into[unit[unit.length - 1] as string] = value;
  }
  return out;
}

function unitOf(ref: string): string[] | undefined {
  const segs = ref
    .slice(2)
    .split('/')
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
  if (segs[0] === 'components' && segs.length >= 3) return segs.slice(0, 3);
  if (['definitions', 'parameters', 'responses', 'paths'].includes(segs[0] ?? '') && segs.length >= 2)
    return segs.slice(0, 2);
  return undefined;
}

function escapePointer(seg: string): string {
  return seg.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isMethod(key: string): boolean {
  return ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(key);
}
