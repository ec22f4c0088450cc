/**
 * Upstream credentials. They come only from the pack server's environment (secrets injected by
 * `secretKeyRef` under `secretEnvName(ref)`), never from the caller: an agent's token is never forwarded.
 */

import type { SecretRef, UpstreamAuth } from '@raku/config';
import { secretEnvName } from '@raku/config';
import type { UpstreamRequest } from './build-request.ts';
import { signSigV4 } from './sigv4.ts';
import { sendUpstream, type UpstreamLimits } from './upstream-http.ts';

/** Reads a secret by its environment variable name. */
export type SecretSource = (envName: string) => string | undefined;

/**
 * A credential the pack needs is not configured, or cannot be sent as configured: the call fails without
 * reaching the upstream. A configuration fault, never the caller's.
 */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';
}

/** What Node's HTTP client (and RFC 9110's field-value) refuses in a header value. */
const NOT_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * `value` if a header can carry it. Checked here so a bad secret (a trailing newline from `echo` is the usual
 * one) is reported by name, not as the HTTP client's exception; the value itself is never shown.
 */
function forHeader(value: string, what: string): string {
  const bad = NOT_IN_HEADER.exec(value);
  if (bad) {
    const code = `U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new MissingSecretError(
      `${what} holds ${code} at index ${bad.index}, which an HTTP header cannot carry (a trailing newline in the secret?)`,
    );
  }
  return value;
}

/** The secret `ref` names; with `header`, refused unless a header can carry it. */
function secret(
  source: SecretSource,
  ref: SecretRef | undefined,
  what: string,
  options: { header?: boolean } = {},
): string {
  if (!ref) throw new MissingSecretError(`upstream auth needs ${what}, and the pack names no secret for it`);
  const env = secretEnvName(ref);
  const value = source(env);
  const name = `secret ${ref.secretRef.name}/${ref.secretRef.key} (${what})`;
  if (value === undefined || value === '') {
    throw new MissingSecretError(`${name} is not set: expected in environment variable ${env}`);
  }
  return options.header ? forHeader(value, `${name}, from environment variable ${env},`) : value;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Adds upstream credentials to requests; caches OAuth2 client-credentials tokens until shortly before expiry. */
export class UpstreamAuthenticator {
  private cached: CachedToken | undefined;
  private pending: Promise<CachedToken> | undefined;

  constructor(
    private readonly auth: UpstreamAuth | undefined,
    private readonly secrets: SecretSource,
    private readonly now: () => number = Date.now,
  ) {}

  /** Origins the authenticator itself talks to (the OAuth2 token endpoint), for the pack's allow-list. */
  origins(): string[] {
    return this.auth?.type === 'oauth2ClientCredentials' && this.auth.tokenUrl
      ? [new URL(this.auth.tokenUrl).origin]
      : [];
  }

  async apply(request: UpstreamRequest, limits: UpstreamLimits): Promise<void> {
    const auth = this.auth;
    if (!auth || auth.type === 'none') return;
    switch (auth.type) {
      case 'apiKey': {
        const inQuery = auth.in === 'query';
        const key = secret(this.secrets, auth.key, 'the API key', { header: !inQuery });
        const name = auth.name ?? 'X-API-Key';
        if (inQuery) request.url.searchParams.set(name, key);
        else request.headers[name.toLowerCase()] = key;
        return;
      }
      case 'bearer':
        request.headers['authorization'] =
          `Bearer ${secret(this.secrets, auth.token, 'the bearer token', { header: true })}`;
        return;
      case 'basic': {
        const user = secret(this.secrets, auth.username, 'the user name');
        const pass = secret(this.secrets, auth.password, 'the password');
        request.headers['authorization'] = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
        return;
      }
      case 'oauth2ClientCredentials': {
        const token = await this.clientCredentialsToken(auth, limits);
        request.headers['authorization'] =
          `Bearer ${forHeader(token, `the access token from ${auth.tokenUrl}`)}`;
        return;
      }
      case 'sigv4': {
        // Last step before sending: the signature covers the final headers, path, query and body.
        const sessionToken = auth.sessionToken
          ? secret(this.secrets, auth.sessionToken, 'the AWS session token')
          : undefined;
        signSigV4(
          request,
          { region: auth.region ?? '', service: auth.service ?? '' },
          {
            accessKeyId: secret(this.secrets, auth.accessKeyId, 'the AWS access key id'),
            secretAccessKey: secret(this.secrets, auth.secretAccessKey, 'the AWS secret access key'),
            ...(sessionToken ? { sessionToken } : {}),
          },
          new Date(this.now()),
        );
        return;
      }
    }
  }

  private async clientCredentialsToken(auth: UpstreamAuth, limits: UpstreamLimits): Promise<string> {
    if (this.cached && this.cached.expiresAt > this.now()) return this.cached.token;
    this.pending ??= this.fetchToken(auth, limits).finally(() => {
      this.pending = undefined;
    });
    this.cached = await this.pending;
    return this.cached.token;
  }

  private async fetchToken(auth: UpstreamAuth, limits: UpstreamLimits): Promise<CachedToken> {
    if (!auth.tokenUrl) throw new MissingSecretError('oauth2ClientCredentials needs upstream.auth.tokenUrl');
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: secret(this.secrets, auth.clientId, 'the OAuth2 client id'),
      client_secret: secret(this.secrets, auth.clientSecret, 'the OAuth2 client secret'),
    });
    if (auth.scopes?.length) form.set('scope', auth.scopes.join(' '));
    const res = await sendUpstream(
      {
        method: 'POST',
        url: new URL(auth.tokenUrl),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
      },
      limits,
    );
    let parsed: { access_token?: unknown; expires_in?: unknown } = {};
    try {
      parsed = JSON.parse(res.body.toString('utf8')) as typeof parsed;
    } catch {
      // handled below
    }
    if (res.status !== 200 || typeof parsed.access_token !== 'string') {
      throw new MissingSecretError(
        `token endpoint ${auth.tokenUrl} answered ${res.status} without an access_token`,
      );
    }
    const lifetime = typeof parsed.expires_in === 'number' ? parsed.expires_in : 300;
    return { token: parsed.access_token, expiresAt: this.now() + Math.max(0, lifetime - 30) * 1000 };
  }
}
