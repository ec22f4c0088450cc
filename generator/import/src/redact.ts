import type { Pack } from '@raku/config';
import { findSecret } from '@raku/config';

const EXAMPLE_KEYS = new Set(['examples', 'default', 'const', 'enum']);

/**
 * Documents often carry sample credentials in descriptions and examples. The pack must never hold anything
 * that looks like a secret (the validator's no-secret-values rule), so such text is removed here, with the
 * same detector, and each removal is reported. Mutates the pack; returns the warnings. `seen`: objects
 * already searched (and cleaned), skipped — the packs of a split share their schema objects.
 */
export function redactSecrets(pack: Pack, seen: WeakSet<object> = new WeakSet()): string[] {
  const warnings: string[] = [];
  // Tools share converted schemas (see SchemaCache): each object is checked once, and reported where first seen.
  // The path of a node is spelled out only for a warning: building it for every value of a large pack
  // cost more than the search.
  const walk = (node: object, path: () => string): void => {
    seen.add(node);
    if (Array.isArray(node)) {
      // Strings in lists are examples or enums, left as they are; objects in them are searched.
      for (const [i, v] of node.entries()) {
        if (v !== null && typeof v === 'object' && !seen.has(v)) walk(v, () => `${path()}[${i}]`);
      }
      return;
    }
    const obj = node as Record<string, unknown>;
    const at = (key: string) => {
      const p = path();
      return p ? `${p}.${key}` : key;
    };
    for (const key in obj) {
      if (!Object.hasOwn(obj, key) || key === 'upstream') continue; // upstream: secret references, built here
      const value = obj[key];
      if (typeof value === 'string') {
        const what = findSecret(key, value);
        if (!what) continue;
        obj[key] =
          key === 'description' || key === 'title'
            ? '(text removed: it contained what looks like a credential)'
            : '';
        if (key !== 'description' && key !== 'title') delete obj[key];
        warnings.push(`${at(key)}: removed text that looks like a secret (${what})`);
      } else if (EXAMPLE_KEYS.has(key) && key !== 'enum' && containsSecret(value)) {
        delete obj[key];
        warnings.push(`${at(key)}: removed an example that looks like a secret`);
      } else if (value !== null && typeof value === 'object' && !seen.has(value)) {
        walk(value, () => at(key));
      }
    }
  };
  if (!seen.has(pack)) walk(pack, () => '');
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
