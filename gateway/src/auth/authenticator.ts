/**
 * Gateway authentication: bearer JWTs verified against the zone's JWKS (issuer, audience = this gateway,
 * expiry), or, in local mode, static tokens (or, opted into with RAKU_AUTH=none on loopback, none at all). Framework-neutral: returns `{ ok, caller }` or
 * `{ ok: false, code, message }`; the HTTP layer turns failures into 401 with a WWW-Authenticate challenge.
 * The token itself stays here: nothing downstream receives it, so it can never be forwarded upstream.
 */
import { timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Caller } from './caller.ts';

export type AuthResult =
  | { ok: true; caller: Caller }
  | { ok: false; code: 'missing_token' | 'invalid_token'; message: string };

export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<AuthResult>;
}

export interface JwtAuthOptions {
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud`: this gateway's resource identifier. Tokens minted for another service are refused. */
  audience: string;
  /** JWKS URL, or a key resolver (tests, or a JWKS held locally). */
  jwks: string | JWTVerifyGetKey;
  /** Claim listing the caller's groups (array of strings, or a space-separated string). Default 'groups'. */
  groupsClaim?: string;
  /** Claim that marks the caller as an agent when it is `true`. Default 'agent'. */
  agentClaim?: string;
  /** Allowed clock skew in seconds. Default 30. */
  clockToleranceSeconds?: number;
}

function bearer(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const m = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization);
  return m?.[1];
}

/** The caller a verified claim set describes. */
export function callerFromClaims(
  claims: JWTPayload,
  options: Pick<JwtAuthOptions, 'groupsClaim' | 'agentClaim'> = {},
): Caller {
  const raw = claims[options.groupsClaim ?? 'groups'];
  const groups = Array.isArray(raw)
    ? raw.filter((g): g is string => typeof g === 'string')
    : typeof raw === 'string'
      ? raw.split(/\s+/).filter(Boolean)
      : [];
  const agent = claims[options.agentClaim ?? 'agent'] === true;
  const sub = String(claims.sub);
  return {
    subject: `${agent ? 'agent' : 'user'}:${sub}`,
    kind: agent ? 'agent' : 'user',
    groups: [...new Set(groups)].sort(),
    claims: { ...claims },
  };
}

export function jwtAuthenticator(options: JwtAuthOptions): Authenticator {
  const keys = typeof options.jwks === 'string' ? createRemoteJWKSet(new URL(options.jwks)) : options.jwks;
  return {
    async authenticate(authorization) {
      const token = bearer(authorization);
      if (!token) return { ok: false, code: 'missing_token', message: 'a bearer token is required' };
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: options.clockToleranceSeconds ?? 30,
          requiredClaims: ['sub', 'exp'],
        });
        return { ok: true, caller: callerFromClaims(payload, options) };
      } catch (err) {
        return { ok: false, code: 'invalid_token', message: describeJoseError(err) };
      }
    },
  };
}

function describeJoseError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'the token was not issued for this gateway (audience mismatch)';
    if (err.claim === 'iss') return 'the token was issued by an unexpected issuer';
    return `the token's "${err.claim}" claim is not acceptable: ${err.reason}`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key of the issuer matches the token';
  if (err instanceof errors.JOSEError) return `the token is invalid (${err.code})`;
  return 'the token could not be verified';
}

/**
 * Static tokens for local mode: each token maps to a fixed caller. Compared in constant time. Never for a
 * shared deployment: static tokens do not expire.
 */
export function staticTokenAuthenticator(tokens: ReadonlyMap<string, Caller>): Authenticator {
  const entries = [...tokens].map(([token, caller]) => ({ token: Buffer.from(token), caller }));
  return {
    async authenticate(authorization) {
      const token = bearer(authorization);
      if (!token) return { ok: false, code: 'missing_token', message: 'a bearer token is required' };
      const given = Buffer.from(token);
      const match = entries.find((e) => e.token.length === given.length && timingSafeEqual(e.token, given));
      return match
        ? { ok: true, caller: match.caller }
        : { ok: false, code: 'invalid_token', message: 'unknown token' };
    },
  };
}

/** RFC 9728 protected-resource metadata for this gateway, as the MCP authorization spec asks. */
export function protectedResourceMetadata(
  resource: string,
  issuer: string | undefined,
): Record<string, unknown> {
  return {
    resource,
    ...(issuer ? { authorization_servers: [issuer] } : {}),
    bearer_methods_supported: ['header'],
    resource_name: 'Raku MCP gateway',
  };
}

/**
 * The WWW-Authenticate challenge of a 401 (RFC 6750 + the resource_metadata parameter of RFC 9728). Without
 * a metadata URL (no metadata is published) the challenge names only the scheme and the error.
 */
export function wwwAuthenticate(
  metadataUrl: string | undefined,
  failure?: { code: string; message: string },
): string {
  const quote = (s: string) => s.replace(/["\\]/g, '');
  const parts = metadataUrl ? [`resource_metadata="${quote(metadataUrl)}"`] : [];
  if (failure?.code === 'invalid_token') {
    parts.push('error="invalid_token"', `error_description="${quote(failure.message)}"`);
  }
  return parts.length > 0 ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

/**
 * Local mode with RAKU_AUTH=none: every request is `caller`, whatever it sends. Only for a listener on a
 * loopback address (options.ts refuses anything else), where the Host and Origin guards keep other machines
 * and web pages out.
 */
export function noAuthenticator(caller: Caller): Authenticator {
  const result: AuthResult = { ok: true, caller };
  return { authenticate: async () => result };
}
