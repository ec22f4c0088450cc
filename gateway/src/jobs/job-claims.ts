/**
 * What of a caller's token a job keeps, so that a call run later (POST /v1/jobs, or a call parked for
 * approval) is decided by the policy exactly as the same call made now. The policy reads claims only through
 * conditions on `claims.<name>` (generator/policy/src/conditions.ts), so a job keeps those claims and nothing
 * else: not the token (it must never be stored or forwarded), not `sub`/`iat`/`email` the policy ignores.
 *
 * Pure: the caller passes the compiled policy and the verified claims.
 */
import type { CompiledPolicy } from '@raku/policy';

/**
 * Most a job keeps of claims, as JSON bytes. Conditions compare scalars (a tier, a team, a flag), and tokens
 * arrive in one HTTP header (Node caps headers at 16 KiB), so real values fit many times over; the bound only
 * stops one caller from making every job row large. Submissions over it are refused, never cut: a cut
 * string would compare differently.
 */
export const MAX_JOB_CLAIMS_BYTES = 4096;

const CLAIM_FIELD = 'claims.';

/** The claim names the policy's allow and deny conditions read, sorted; none without a policy. */
export function claimsReadBy(policy: CompiledPolicy | null): string[] {
  if (!policy) return [];
  const names = new Set<string>();
  for (const rule of [...policy.allows, ...policy.denies]) {
    for (const condition of rule.when) {
      if (condition.field.startsWith(CLAIM_FIELD)) names.add(condition.field.slice(CLAIM_FIELD.length));
    }
  }
  return [...names].sort();
}

/**
 * The claims among `names` that the caller has, as the policy will see them. Scalars are kept as they are.
 * An object or array value is kept as `{}`: a condition on a non-scalar is `exists` (true either way) or an
 * operator that cannot compare it (unknown either way), so `{}` decides the same while storing nothing of
 * it. Missing and null claims (both "missing" to the policy) are left out. Only own properties are read,
 * as the policy does.
 */
export function pickClaims(
  claims: Readonly<Record<string, unknown>>,
  names: readonly string[],
): Record<string, unknown> {
  const kept: [string, unknown][] = [];
  for (const name of names) {
    if (!Object.hasOwn(claims, name)) continue;
    const value = claims[name];
    if (value === undefined || value === null) continue;
    kept.push([name, typeof value === 'object' ? {} : value]);
  }
  // fromEntries defines own properties, so a claim named `__proto__` stays data and never a prototype.
  return Object.fromEntries(kept);
}

/** Why a job cannot keep these claims (too large), or null when it can. */
export function checkJobClaims(claims: Readonly<Record<string, unknown>>): string | null {
  const bytes = Buffer.byteLength(JSON.stringify(claims), 'utf8');
  if (bytes <= MAX_JOB_CLAIMS_BYTES) return null;
  const names = Object.keys(claims).sort().join(', ');
  return `the token claims the policy reads (${names}) take ${bytes} bytes as JSON; a job keeps at most ${MAX_JOB_CLAIMS_BYTES}, so this call cannot run asynchronously`;
}
