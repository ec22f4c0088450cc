/**
 * OIDC sign-in of the console in the gateway role (openid-client 6): `GET /console/login` sends the browser to
 * the zone's issuer with an authorization code request (PKCE S256, state, nonce, and the gateway's audience as
 * resource indicator, RFC 8707, so the access token is one this gateway accepts); `GET /console/callback`
 * exchanges the code. The verifier, state and nonce travel in a short-lived sealed cookie (`raku_login`,
 * SameSite=Lax: it must come back on the issuer's cross-site redirect). Discovery happens at the first login
 * and is retried after a failure.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as client from 'openid-client';
import { cookieHeader, readCookie, type SealKey, seal, unseal } from './sealed-cookie.ts';
import type { OidcTokens } from './session.ts';

export const LOGIN_COOKIE = 'raku_login';
const PURPOSE = 'raku-console-login';
const LOGIN_TTL_SECONDS = 600;

/** The console's OIDC client registration (RAKU_CONSOLE_OIDC_* in docs/gateway.md). */
export interface OidcClientSettings {
  /** The zone's issuer (bundle auth.issuer). */
  issuer: string;
  clientId: string;
  /** Unset: a public client (PKCE only, token endpoint auth `none`). */
  clientSecret?: string;
  /** Default ['openid']; add 'offline_access' where the issuer needs it to hand out refresh tokens. */
  scopes?: string[];
  /** The gateway's audience, sent as `resource`. */
  resource: string;
}

export class LoginError extends Error {}

/** An http issuer only on this machine (tests, a local provider); anywhere else https is required. */
function insecureAllowed(issuer: URL): boolean {
  return issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
}

export class OidcLogin {
  private config: Promise<client.Configuration> | undefined;

  constructor(
    private readonly settings: OidcClientSettings,
    private readonly key: SealKey,
  ) {}

  private configuration(): Promise<client.Configuration> {
    if (!this.config) {
      const issuer = new URL(this.settings.issuer);
      const { clientSecret } = this.settings;
      this.config = client
        .discovery(
          issuer,
          this.settings.clientId,
          clientSecret,
          clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
          insecureAllowed(issuer) ? { execute: [client.allowInsecureRequests] } : {},
        )
        .catch((err: unknown) => {
          this.config = undefined;
          throw new LoginError(
            `OIDC discovery at ${issuer.href} failed: ${(err as Error).message} (check the zone's gateway.auth.issuer)`,
          );
        });
    }
    return this.config;
  }

  /** Redirects the browser to the issuer; the callback must come back to `redirectUri`. */
  async start(res: ServerResponse, redirectUri: string, secure: boolean): Promise<void> {
    const config = await this.configuration();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: (this.settings.scopes ?? ['openid']).join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      resource: this.settings.resource,
    });
    const sealed = await seal({ v: verifier, st: state, n: nonce }, this.key, PURPOSE, LOGIN_TTL_SECONDS);
    res.appendHeader('set-cookie', loginCookie(sealed, LOGIN_TTL_SECONDS, secure));
    res.writeHead(302, { location: url.href, 'cache-control': 'no-store' });
    res.end();
  }

  /** Exchanges the code of the callback request (`currentUrl` as the browser sent it) for tokens. */
  async finish(
    req: IncomingMessage,
    res: ServerResponse,
    currentUrl: URL,
    secure: boolean,
  ): Promise<OidcTokens> {
    res.appendHeader('set-cookie', loginCookie('', 0, secure));
    const sealed = readCookie(req, LOGIN_COOKIE);
    const login = sealed ? await unseal(sealed, this.key, PURPOSE) : undefined;
    if (!login) {
      throw new LoginError('the sign-in took too long or was started in another browser: start it again');
    }
    const config = await this.configuration();
    try {
      const tokens = await client.authorizationCodeGrant(
        config,
        currentUrl,
        {
          pkceCodeVerifier: String(login['v']),
          expectedState: String(login['st']),
          expectedNonce: String(login['n']),
          idTokenExpected: true,
        },
        { resource: this.settings.resource },
      );
      return {
        accessToken: tokens.access_token,
        ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
      };
    } catch (err) {
      throw new LoginError(`the issuer's answer was refused: ${(err as Error).message}`);
    }
  }

  /** New tokens for a refresh token, for the gateway's audience. */
  async refresh(refreshToken: string): Promise<OidcTokens | undefined> {
    const config = await this.configuration();
    const tokens = await client.refreshTokenGrant(config, refreshToken, { resource: this.settings.resource });
    return {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? refreshToken,
    };
  }
}

function loginCookie(value: string, maxAge: number, secure: boolean): string {
  return cookieHeader(LOGIN_COOKIE, value, { maxAge, secure, sameSite: 'Lax', path: '/console/' });
}
