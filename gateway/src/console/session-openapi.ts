/**
 * The console's part of the OpenAPI document (spread into ../admin/openapi.ts): GET/POST/DELETE /v1/session,
 * the Session schemas and the cookie security scheme. Served by the console's router (../console/
 * console-server.ts), not the admin router, hence `x-served-by: server`.
 */
import { LOGIN_PATH } from './console-server.ts';
import { SESSION_COOKIE } from './session.ts';

const sessionBody = {
  description: 'The session',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Session' } } },
};

const signIn = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/SessionError' } } },
});

export const SESSION_PATHS = {
  '/v1/session': {
    get: {
      'x-served-by': 'server',
      security: [{ cookieAuth: [] }],
      summary:
        'The console session of this browser: who, admin or not, its tenants, and the CSRF token for changes',
      parameters: [
        {
          name: 'X-Raku-Tenant',
          in: 'header',
          schema: { type: 'string' },
          description:
            'The tenant the console acts in, for a caller in several (`tenancy.tenant` then names it, or `tenancy.problem` says why it may not).',
        },
      ],
      responses: {
        '200': sessionBody,
        '401': signIn('No valid session; `login` says where to sign in'),
        '403': signIn('Sent from another origin (code `csrf`)'),
      },
    },
    post: {
      'x-served-by': 'server',
      security: [],
      summary: 'Local mode: exchange the one-time login token of the banner’s link for a session cookie',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/SessionLogin' } } },
      },
      responses: {
        '200': { ...sessionBody, headers: { 'Set-Cookie': { schema: { type: 'string' } } } },
        '400': signIn('No token in the body, or the gateway signs in with OIDC (see `login`)'),
        '401': signIn(
          'The token was used already, has expired or was never issued (code `invalid_login_token`)',
        ),
        '403': signIn('Sent from another origin (code `csrf`)'),
      },
    },
    delete: {
      'x-served-by': 'server',
      security: [{ cookieAuth: [] }],
      summary: 'Sign out: the session cookie is cleared (needs X-Raku-CSRF)',
      parameters: [
        {
          name: 'X-Raku-CSRF',
          in: 'header',
          schema: { type: 'string' },
          description: 'The csrfToken of GET /v1/session.',
        },
      ],
      responses: {
        '204': { description: 'Signed out' },
        '403': signIn('No or wrong X-Raku-CSRF (code `csrf`)'),
      },
    },
  },
};

export const SESSION_SECURITY_SCHEMES = {
  cookieAuth: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: `The console's session (HttpOnly, SameSite=Strict), from the banner's link in local mode or ${LOGIN_PATH} (OIDC) in the gateway role. Every POST, PUT, PATCH and DELETE sent with it needs the header X-Raku-CSRF set to the session's csrfToken, and a request naming an Origin must come from the gateway's own; otherwise 403 with code \`csrf\`. /mcp never accepts it.`,
  },
};

export const SESSION_SCHEMAS = {
  Session: {
    type: 'object',
    required: ['subject', 'admin', 'csrfToken', 'mode', 'expiresAt'],
    properties: {
      subject: { type: 'string', examples: ['user:alice'] },
      admin: {
        type: 'boolean',
        description: 'Holds the admin role (every /v1 endpoint but own jobs needs it).',
      },
      csrfToken: { type: 'string', description: 'Send as X-Raku-CSRF on every POST, PUT, PATCH and DELETE.' },
      mode: { type: 'string', enum: ['local', 'oidc'] },
      expiresAt: { type: 'string', format: 'date-time' },
      tracingUrl: {
        type: 'string',
        description:
          'RAKU_TRACING_URL: the link to a trace in the tracing backend, with `{traceId}` standing for its W3C trace id (Trace.traceId). Absent when not configured.',
        examples: ['https://jaeger.example.com/trace/{traceId}'],
      },
      tenancy: { $ref: '#/components/schemas/SessionTenancy' },
    },
  },
  SessionTenancy: {
    type: 'object',
    description:
      'The caller’s tenants (docs/tenancy.md). Absent when the gateway has no tenants. Send X-Raku-Tenant with GET /v1/session to see the tenant a request naming it acts in.',
    required: ['memberOf', 'allTenants', 'reads', 'administers'],
    properties: {
      tenant: {
        type: 'string',
        description:
          'The tenant requests act in (catalog, try-it, submitted jobs): the caller’s only tenant, the one X-Raku-Tenant names, or `default` for a caller in none. Absent when none could be chosen (see `problem`).',
        examples: ['payments'],
      },
      problem: {
        type: 'string',
        description:
          'Why no tenant could be chosen: several tenants and no X-Raku-Tenant, or a header naming one the caller may not act in.',
      },
      memberOf: {
        type: 'array',
        items: { type: 'string' },
        description: 'The tenants whose members include the caller; with several, X-Raku-Tenant picks one.',
      },
      allTenants: {
        type: 'boolean',
        description: 'An organisation admin (the admin role): reads and administers every tenant.',
      },
      reads: {
        type: 'array',
        items: { type: 'string' },
        description:
          'The tenants whose traces, approvals and jobs the admin API reads for this caller (the `tenant` filter’s choices).',
      },
      administers: {
        type: 'array',
        items: { type: 'string' },
        description:
          'The tenants the caller administers: it reads all their traces, approvals and jobs (GET /v1/traces needs one).',
      },
    },
  },
  SessionLogin: {
    type: 'object',
    required: ['loginToken'],
    properties: { loginToken: { type: 'string', description: 'From the banner’s link: `#login=<token>`.' } },
  },
  SessionError: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' } },
      },
      login: { type: 'string', description: 'Where to start signing in (a path of this gateway).' },
      mode: {
        type: 'string',
        enum: ['local', 'oidc'],
        description:
          'How this gateway signs people in: `local`, the one-time link `npm start` prints; `oidc`, the zone’s identity provider from `login`.',
      },
    },
  },
};
