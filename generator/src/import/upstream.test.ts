import { describe, expect, it } from 'vitest';
import type { Operation } from './operations.ts';
import { authFor, baseUrlOf, serverUrl } from './upstream.ts';

const op = (security: string[][]): Operation => ({
  method: 'GET',
  path: '/x',
  tags: [],
  deprecated: false,
  parameters: [],
  responses: [],
  security,
});

describe('authFor', () => {
  const schemes = {
    basicAuth: { type: 'http', scheme: 'basic' },
    cc: {
      type: 'oauth2',
      flows: {
        clientCredentials: { tokenUrl: 'https://auth.example.com/token', scopes: { write: 'w', read: 'r' } },
      },
    },
    oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://auth.example.com/.well-known' },
    cookie: { type: 'apiKey', in: 'cookie', name: 'sid' },
  };
  const doc = { openapi: '3.0.0', components: { securitySchemes: schemes } };

  it('picks the scheme most operations use and maps it to secret references', () => {
    const choice = authFor(doc, 'openapi-3.0', [op([['cc']]), op([['cc']]), op([['basicAuth']])], 'shop');
    expect(choice.auth).toEqual({
      type: 'oauth2ClientCredentials',
      tokenUrl: 'https://auth.example.com/token',
      clientId: { secretRef: { name: 'shop-api', key: 'client-id' } },
      clientSecret: { secretRef: { name: 'shop-api', key: 'client-secret' } },
      scopes: ['read', 'write'],
    });
    expect(choice.notes).toEqual(['security schemes not used (one auth per pack): basicAuth']);
  });

  it('maps basic auth, and OpenID Connect to a pre-issued bearer token with a note', () => {
    expect(authFor(doc, 'openapi-3.0', [op([['basicAuth']])], 'p').auth).toEqual({
      type: 'basic',
      username: { secretRef: { name: 'p-api', key: 'username' } },
      password: { secretRef: { name: 'p-api', key: 'password' } },
    });
    const oidc = authFor(doc, 'openapi-3.0', [op([['oidc']])], 'p');
    expect(oidc.auth?.type).toBe('bearer');
    expect(oidc.notes[0]).toMatch(/OpenID Connect: a pre-issued bearer token is used/);
  });

  it('says so when the only scheme is not supported (an api key in a cookie)', () => {
    const choice = authFor(doc, 'openapi-3.0', [op([['cookie']])], 'p');
    expect(choice.auth).toBeUndefined();
    expect(choice.notes).toEqual(['security scheme "cookie" (apiKey) is not supported']);
  });

  it('reads Swagger 2.0 securityDefinitions (application flow = client credentials)', () => {
    const swagger = {
      swagger: '2.0',
      securityDefinitions: {
        app: { type: 'oauth2', flow: 'application', tokenUrl: 'https://a.example.com/t', scopes: {} },
      },
    };
    expect(authFor(swagger, 'swagger-2.0', [op([['app']])], 'p').auth?.type).toBe('oauth2ClientCredentials');
  });
});

describe('baseUrlOf', () => {
  it('takes a Swagger 2.0 host from the document URL when the document has none, preferring https', () => {
    const doc = { swagger: '2.0', basePath: '/v1', schemes: ['http', 'https'] };
    expect(baseUrlOf(doc, 'swagger-2.0', { documentUrl: 'https://docs.example.com/swagger.json' })).toBe(
      'https://docs.example.com/v1',
    );
  });

  it('refuses credentials in a server URL and non-http schemes', () => {
    const creds = { openapi: '3.0.0', servers: [{ url: 'https://user:pw@api.example.com' }] };
    expect(() => baseUrlOf(creds, 'openapi-3.0', {})).toThrow(/must not carry credentials/);
    expect(() => baseUrlOf({ openapi: '3.0.0' }, 'openapi-3.0', { baseUrl: 'ftp://x.example.com' })).toThrow(
      /must be an http\(s\) URL/,
    );
  });

  it('normalises server URLs with variables for comparison', () => {
    expect(
      serverUrl({ url: 'https://{env}.example.com:443/api/', variables: { env: { default: 'prod' } } }),
    ).toBe('https://prod.example.com/api');
    expect(serverUrl({ url: '/relative' })).toBeUndefined();
  });
});
