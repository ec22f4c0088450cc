/**
 * The key of a cached answer. An answer may be served again only to a call that would get the same answer
 * and that its caller may see: the same tool, at the same pack version, with the same arguments (canonical
 * JSON, so key order does not matter), from the same subject acting in the same tenant. Hashed, so neither
 * arguments nor subjects appear in Redis key names.
 *
 * Why per subject (docs/gateway.md, "Cache"): the policy decides every call before the cache is read, so a
 * denied subject never reaches an entry; but a shared entry would still tell one subject what another asked
 * (a hit is faster) and would be wrong the day a pack answers by caller. The subject is named with its kind
 * and its token's issuer, as the policy and four-eyes tell callers apart, and with its tenant: a subject in two
 * tenants (or two issuers' namesakes, whose jobs keep no issuer) never shares an entry across them.
 */
import { canonicalJson, IMPLICIT_TENANT, sha256Hex } from '@raku/config';
import type { Caller } from '../auth/caller.ts';

/** Changes when the stored shape changes, so replicas of two versions never read each other's entries. */
const KEY_VERSION = 'raku-tool-cache/2';

export interface CacheKeyParts {
  /** Exposed tool name. */
  tool: string;
  pack: string;
  version: string;
  args: Record<string, unknown>;
  caller: Pick<Caller, 'subject' | 'kind' | 'claims' | 'tenant'>;
}

/** sha256 hex of the canonical JSON of the parts. */
export function cacheKey(parts: CacheKeyParts): string {
  const { caller } = parts;
  const issuer = typeof caller.claims['iss'] === 'string' ? caller.claims['iss'] : '';
  return sha256Hex(
    canonicalJson([
      KEY_VERSION,
      parts.tool,
      parts.pack,
      parts.version,
      [caller.kind, caller.subject, issuer, caller.tenant ?? IMPLICIT_TENANT],
      parts.args,
    ]),
  );
}
