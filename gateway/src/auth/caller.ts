/** Who is calling, as authentication established it. Policy decides on this; it never carries the token. */
export interface Caller {
  /** 'user:alice', 'agent:triage-bot', 'service:ci'; 'anonymous' when the endpoint needs no token. */
  subject: string;
  kind: 'user' | 'agent' | 'service' | 'anonymous';
  /** Group names from the token (without the 'group:' prefix). */
  groups: string[];
  /** The verified claims, for ABAC conditions ('claims.<name>'). */
  claims: Record<string, unknown>;
  /**
   * The tenant this request acts in, once chosen (../tenancy/membership.ts: chooseTenant). Absent before that,
   * and read as IMPLICIT_TENANT.
   */
  tenant?: string;
}

const KINDS: readonly Caller['kind'][] = ['user', 'agent', 'service', 'anonymous'];

/**
 * A kind read back from storage (a job row). Anything unknown becomes 'anonymous', which no policy grant
 * names: a damaged row can only lose access, never gain it (mapping it to 'user' would grant user rules).
 */
export function callerKindOf(stored: string): Caller['kind'] {
  return (KINDS as readonly string[]).includes(stored) ? (stored as Caller['kind']) : 'anonymous';
}

export const ANONYMOUS: Caller = { subject: 'anonymous', kind: 'anonymous', groups: [], claims: {} };

/** Every principal string the caller is: its subject and 'group:<name>' per group (matched by patterns). */
export function principalsOf(caller: Caller): string[] {
  return [caller.subject, ...caller.groups.map((g) => `group:${g}`)];
}

/**
 * The person or program behind a caller, whatever kind its token claims: the issuer of its identity and its
 * subject there (`sub`), as canonical JSON (`["https://auth.example","alice"]`). Four-eyes compares this, so
 * the same `sub` with an `agent` claim, another group or another kind is still the same principal. A caller
 * without an `iss` claim (local mode's static tokens) has the empty issuer.
 */
export function principalOf(caller: Pick<Caller, 'subject' | 'claims'>): string {
  const iss = caller.claims['iss'];
  const sub = caller.claims['sub'];
  const colon = caller.subject.indexOf(':');
  return JSON.stringify([
    typeof iss === 'string' ? iss : '',
    typeof sub === 'string' ? sub : colon < 0 ? caller.subject : caller.subject.slice(colon + 1),
  ]);
}
