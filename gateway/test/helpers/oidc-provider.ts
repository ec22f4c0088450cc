/**
 * A real OpenID provider (oidc-provider 9) on 127.0.0.1 for tests of the console's OIDC sign-in.
 *
 *   const idp = await startOidcProvider({ audience: AUDIENCE, redirectUris: [`${gatewayBase}/console/callback`] });
 *   // the gateway: jwtAuthenticator({ issuer: idp.issuer, audience: AUDIENCE, jwks: idp.jwksUrl }) and the
 *   // console's OIDC client { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret }
 *   const back = await idp.signIn(authorizationUrl, 'alice');   // fetch-only: login form submitted, no browser
 *   // GET `back` on the gateway (with its raku_login cookie) finishes the sign-in
 *   await idp.close();
 *
 * What it is: one confidential client (`raku-console`, client_secret_basic, authorization code + PKCE S256
 * required, refresh tokens), access tokens as JWTs (RS256, the provider's JWKS at `jwksUrl`) for the
 * gateway's audience through resource indicators (RFC 8707), carrying the user's `groups`. Users are any login
 * (devInteractions' login form takes any name and password); `users` gives chosen ones their groups (default:
 * alice in raku-admins, bob in none). Consent is implied for this first-party client, so a sign-in is the login
 * form only: a browser test (playwright) fills `input[name=login]` and `input[name=password]` and clicks
 * `button[type=submit]` on the page the gateway's /console/login redirects to.
 *
 * The redirect URIs are asked for at each authorization request, not fixed at start: a gateway listens on
 * port 0 and names its callback once it listens (a port found free and closed beforehand could be taken by
 * another test file's server or connection before the gateway bound it).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface OidcProviderOptions {
  /** The gateway's audience: access tokens requested with this resource indicator are JWTs for it. */
  audience: string;
  /** The console's callback URLs (`<gateway>/console/callback`), read at each authorization request. */
  redirectUris: () => string[];
  /** Login name → groups. Default { alice: ['raku-admins'], bob: [] }; any other login has no groups. */
  users?: Record<string, string[]>;
  /** Access token lifetime. Default 600 s. */
  accessTokenTtlSeconds?: number;
}

export interface TestOidcProvider {
  issuer: string;
  jwksUrl: string;
  clientId: string;
  clientSecret: string;
  /**
   * Signs `user` in non-interactively: follows `authorizationUrl` (the Location of the gateway's
   * /console/login) through the provider, submits its login form, and returns the URL the provider sends the
   * browser back to (the redirect URI with `code` and `state`, or `error`).
   */
  signIn(authorizationUrl: string, user: string): Promise<string>;
  close(): Promise<void>;
}

export const RESOURCE_SCOPE = 'raku';

export async function startOidcProvider(options: OidcProviderOptions): Promise<TestOidcProvider> {
  const users = options.users ?? { alice: ['raku-admins'], bob: [] };
  const clientId = 'raku-console';
  const clientSecret = 'raku-console-test-secret';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-idp', alg: 'RS256', use: 'sig' };

  // The port first: the issuer URL is part of the provider's configuration.
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        // Registered for the metadata only: redirectUriAllowed below decides, from options.redirectUris.
        redirect_uris: ['http://127.0.0.1/console/callback', 'http://localhost/console/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['raku-test-idp-cookie-key'] },
    pkce: { required: () => true },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      IdToken: 600,
      AccessToken: options.accessTokenTtlSeconds ?? 600,
      RefreshToken: 86_400,
    },
    findAccount: async (_ctx: KoaContextWithOIDC, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, groups: users[id] ?? [] }),
    }),
    claims: { openid: ['sub'], groups: ['groups'] },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => options.audience,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: KoaContextWithOIDC, resource: string) => {
          if (resource !== options.audience) throw new Error(`unknown resource ${resource}`);
          return {
            scope: RESOURCE_SCOPE,
            audience: options.audience,
            accessTokenTTL: options.accessTokenTtlSeconds ?? 600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // The gateway reads groups from its access token, as from any bearer token.
    extraTokenClaims: async (_ctx: KoaContextWithOIDC, token: { accountId?: string }) =>
      token.accountId ? { groups: users[token.accountId] ?? [] } : undefined,
    issueRefreshToken: async () => true,
    // First-party client: consent is implied (what the console asks for is granted at login).
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId;
      const client = ctx.oidc.client;
      if (!accountId || !client) return undefined;
      const existing = ctx.oidc.session?.grantIdFor(client.clientId);
      if (existing) {
        const found = await ctx.oidc.provider.Grant.find(existing);
        if (found) return found;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId });
      grant.addOIDCScope('openid offline_access groups');
      grant.addOIDCClaims(['sub', 'groups']);
      grant.addResourceScope(options.audience, RESOURCE_SCOPE);
      await grant.save();
      return grant;
    },
  });
  // A 500 of the provider would otherwise only show as a failed sign-in.
  provider.on('server_error', (_ctx, err) => {
    process.stderr.write(`oidc-provider: ${err.stack ?? err.message}\n`);
  });
  // The one check of a redirect URI against the client's (authorization request and its errors).
  provider.Client.prototype.redirectUriAllowed = (uri: string) => options.redirectUris().includes(uri);
  handler = provider.callback();

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    clientId,
    clientSecret,
    signIn: (authorizationUrl, user) => signIn(issuer, authorizationUrl, user),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Follows redirects inside the provider with a cookie jar, posting the login form when it is shown. */
async function signIn(issuer: string, authorizationUrl: string, user: string): Promise<string> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let url = authorizationUrl;
  let init: RequestInit = {};
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader() },
    });
    for (const set of res.headers.getSetCookie()) {
      const pair = set.slice(0, set.indexOf(';'));
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url).href;
      if (!next.startsWith(`${issuer}/`)) return next;
      url = next;
      init = {};
      continue;
    }
    const page = await res.text();
    const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/.exec(page)?.[1];
    if (res.status !== 200 || !action || !page.includes('name="login"')) {
      throw new Error(
        `the provider answered ${res.status} at ${url} without a login form: ${page.slice(0, 300)}`,
      );
    }
    url = new URL(action.replaceAll('&amp;', '&'), url).href;
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login: user, password: 'any' }).toString(),
    };
  }
  throw new Error(`sign-in of ${user} did not come back from ${issuer} within 10 redirects`);
}
