/**
 * The hash an approval is bound to: sha256 of the canonical JSON of the exact arguments (RFC 8785 ordering:
 * object keys sorted by UTF-16 code units, no whitespace, numbers and strings as JSON.stringify writes them;
 * a lone surrogate is written as its `\udXXX` escape rather than refused). The gateway computes it when it
 * parks a call and again before the approved call runs, and refuses the call when they differ. Pure.
 */
import { createHash } from 'node:crypto';

/** Canonical JSON of a JSON value. Throws on values JSON cannot hold (cycles, BigInt, non-finite numbers). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${value} is not a JSON number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  throw new TypeError(`a ${typeof value} is not a JSON value`);
}

/** `sha256:<hex>` of the canonical JSON of `args` (absent arguments count as `{}`). */
export function argsHash(args: unknown): string {
  return `sha256:${createHash('sha256')
    .update(canonicalJson(args ?? {}), 'utf8')
    .digest('hex')}`;
}
