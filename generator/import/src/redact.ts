import type { Pack } from '@raku/config';
import { findSecret } from '@raku/config';

const EXAMPLE_KEYS = new Set(['examples', 'default', 'const', 'enum']);

/**
 * Documents often carry sample credentials in descriptions and examples. The pack must never hold anything
 * that looks like a secret (the validator's no-secret-values rule), so such text is removed here, with the
 * same detector, and each removal is reported. Mutates the pack; returns the warnings.
 */
export function redactSecrets(pack: Pack): string[] {
  const warnings: string[] = [];
  // Tools share converted schemas (see SchemaCache): each object is checked once, and reported where first seen.
  const seen = new WeakSet<object>();
  // The path of a node is spelled out only for a warning: building it for every value of a large pack
  // cost more than the search.
  const walk = (node: unknown, path: () => string): void => {
    if (node !== null && typeof node === 'object') {
      if (seen.has(node)) return;
      seen.add(node);
    }
    if (Array.isArray(node)) {
      for (const [i, v] of node.entries()) walk(v, () => `${path()}[${i}]`);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(obj)) {
      const at = () => {
        const p = path();
        return p ? `${p}.${key}` : key;
      };
      if (key === 'upstream') continue; // holds secret references, built by the importer
      if (typeof value === 'string') {
        const what = findSecret(key, value);
        if (!what) continue;
        obj[key] =
          key === 'description' || key === 'title'
            ? '(text removed: it contained what looks like a credential)'
            : '';
        if (key !== 'description' && key !== 'title') delete obj[key];
        warnings.push(`${at()}: removed text that looks like a secret (${what})`);
      } else if (EXAMPLE_KEYS.has(key) && key !== 'enum' && containsSecret(value)) {
        delete obj[key];
        warnings.push(`${at()}: removed an example that looks like a secret`);
      } else walk(value, at);
    }
  };
  walk(pack, () => '');
  return warnings;
}

function containsSecret(value: unknown, key: string | number = ''): boolean {
  if (typeof value === 'string') return findSecret(key, value) !== undefined;
  if (Array.isArray(value)) return value.some((v, i) => containsSecret(v, i));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => containsSecret(v, k));
  }
  return false;
}
