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

  it('maps AWS Signature Version 4 to sigv4 with region and service from the document', () => {
    const aws = {
      openapi: '3.0.0',
      info: { 'x-providerName': 'amazonaws.com', 'x-serviceName': 'sqs' },
      components: {
        securitySchemes: {
          hmac: {
            type: 'apiKey',
            name: 'Authorization',
            in: 'header',
            'x-amazon-apigateway-authtype': 'awsSigv4',
          },
        },
      },
    };
    const choice = authFor(aws, 'openapi-3.0', [op([['hmac']])], 'q', 'https://sqs.eu-west-1.amazonaws.com');
    expect(choice.auth).toEqual({
      type: 'sigv4',
      region: 'eu-west-1',
      service: 'sqs',
      accessKeyId: { secretRef: { name: 'q-api', key: 'access-key-id' } },
      secretAccessKey: { secretRef: { name: 'q-api', key: 'secret-access-key' } },
    });
    // The Authorization header it fills is no tool argument.
    expect(choice.consumes).toContainEqual({ in: 'header', name: 'Authorization' });
    expect(choice.consumes).toContainEqual({ in: 'header', name: 'X-Amz-Date' });
    // An AWS document without security requirements is signed too; the region defaults to us-east-1.
    const bare = { openapi: '3.0.0', info: { 'x-providerName': 'amazonaws.com' } };
    expect(authFor(bare, 'openapi-3.0', [op([])], 'q', 'https://dynamodb.amazonaws.com').auth).toMatchObject({
      type: 'sigv4',
      region: 'us-east-1',
      service: 'dynamodb',
    });
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
    expect(baseUrlOf(doc, 'swagger-2.0', { documentUrl: 'https://docs.example.com/swagger.json' })).toEqual({
      url: 'https://docs.example.com/v1',
    });
  });

  it('reads a scheme-relative server as https, and prefers the first https server', () => {
    const rel = { openapi: '3.0.0', servers: [{ url: '//www.ebi.ac.uk/Tools/crossbar' }] };
    expect(baseUrlOf(rel, 'openapi-3.0', {}).url).toBe('https://www.ebi.ac.uk/Tools/crossbar');
    const both = {
      openapi: '3.0.0',
      servers: [{ url: 'http://a.example.com' }, { url: 'https://b.example.com' }],
    };
    expect(baseUrlOf(both, 'openapi-3.0', {}).url).toBe('https://b.example.com');
  });

  it('resolves a relative server against the document URL, else leaves the base URL to the zones and says why', () => {
    const rel = { openapi: '3.0.0', servers: [{ url: '/api/v1' }] };
    expect(
      baseUrlOf(rel, 'openapi-3.0', { documentUrl: 'https://x.example.com/spec/openapi.json' }).url,
    ).toBe('https://x.example.com/api/v1');
    const left = baseUrlOf(rel, 'openapi-3.0', {});
    expect(left.url).toBeUndefined();
    expect(left.note).toBe(
      'servers[0].url "/api/v1" is not an absolute URL: the pack leaves its base URL to each zone (packs[].baseUrl), or pass --base-url',
    );
    expect(baseUrlOf({ openapi: '3.0.0' }, 'openapi-3.0', {}).note).toMatch(
      /^the document names no server: /,
    );
    expect(baseUrlOf({ swagger: '2.0' }, 'swagger-2.0', {}).note).toMatch(/^the document names no server: /);
    // OpenAPI reads "no servers" as "/": the document's own address.
    expect(
      baseUrlOf({ openapi: '3.0.0' }, 'openapi-3.0', { documentUrl: 'https://y.example.com/a.json' }).url,
    ).toBe('https://y.example.com');
  });

  it('leaves to the zones a server with credentials or a variable without a default; refuses a bad --base-url', () => {
    const creds = { openapi: '3.0.0', servers: [{ url: 'https://user:pw@api.example.com' }] };
    expect(baseUrlOf(creds, 'openapi-3.0', {}).note).toMatch(/carries credentials/);
    const variable = { openapi: '3.0.0', servers: [{ url: 'https://{tenant}.example.com' }] };
    expect(baseUrlOf(variable, 'openapi-3.0', {}).note).toMatch(/has a variable without a default/);
    expect(() => baseUrlOf({ openapi: '3.0.0' }, 'openapi-3.0', { baseUrl: 'ftp://x.example.com' })).toThrow(
      /--base-url "ftp:\/\/x.example.com" is not an http\(s\) URL/,
    );
    expect(() => baseUrlOf({ openapi: '3.0.0' }, 'openapi-3.0', { baseUrl: '/relative' })).toThrow(
      /is not an absolute URL/,
    );
  });

  it('normalises server URLs with variables for comparison', () => {
    expect(
      serverUrl({ url: 'https://{env}.example.com:443/api/', variables: { env: { default: 'prod' } } }),
    ).toBe('https://prod.example.com/api');
    expect(serverUrl({ url: '/relative' })).toBeUndefined();
  });
});
