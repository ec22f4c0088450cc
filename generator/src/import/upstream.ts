import { UserError } from '../errors.ts';
import type { Environment, Upstream, UpstreamAuth } from '../model/types.ts';
import { type DocumentFormat, isObject, type OpenApiDocument } from './openapi-document.ts';
import type { Operation } from './operations.ts';

/**
 * The base URL of the API: `--base-url` when given, else the first server (OpenAPI 3, variables replaced by
 * their defaults, a relative URL resolved against the document's URL) or scheme + host + basePath (Swagger 2).
 */
export function baseUrlOf(
  doc: OpenApiDocument,
  format: DocumentFormat,
  opts: { baseUrl?: string; documentUrl?: string },
): string {
  let raw: string | undefined = opts.baseUrl;
  let from = '--base-url';
  if (raw === undefined && format === 'swagger-2.0') {
    const schemes = Array.isArray(doc['schemes']) ? (doc['schemes'] as unknown[]) : [];
    const scheme = schemes.includes('https') ? 'https' : schemes.includes('http') ? 'http' : 'https';
    const docHost = opts.documentUrl ? new URL(opts.documentUrl).host : undefined;
    const host = typeof doc['host'] === 'string' ? doc['host'] : docHost;
    const basePath = typeof doc['basePath'] === 'string' ? doc['basePath'] : '';
    if (host) raw = `${scheme}://${host}${basePath}`;
    from = 'host/basePath';
  } else if (raw === undefined) {
    const server = Array.isArray(doc['servers']) ? doc['servers'].find(isObject) : undefined;
    if (server && typeof server['url'] === 'string') {
      raw = substituteVariables(server['url'], server['variables']);
      from = 'servers[0].url';
    }
  }
  if (raw === undefined) {
    throw new UserError('the document names no server; pass --base-url https://api.example.com');
  }
  let url: URL;
  try {
    url = opts.documentUrl ? new URL(raw, opts.documentUrl) : new URL(raw);
  } catch {
    throw new UserError(
      `${from} "${raw}" is not an absolute URL${opts.documentUrl ? '' : ' (a relative server URL needs --base-url)'}`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`${from} "${raw}" must be an http(s) URL`);
  }
  if (url.username || url.password) throw new UserError(`${from} must not carry credentials`);
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, '');
}

/** An OpenAPI 3 server object's URL with its variables at their defaults, normalised; undefined if unusable. */
export function serverUrl(server: unknown, documentUrl?: string): string | undefined {
  if (!isObject(server) || typeof server['url'] !== 'string') return undefined;
  try {
    const url = new URL(substituteVariables(server['url'], server['variables']), documentUrl);
    url.search = '';
    url.hash = '';
    return url.href.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

function substituteVariables(template: string, variables: unknown): string {
  return template.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    const v = isObject(variables) ? variables[name] : undefined;
    if (isObject(v) && typeof v['default'] === 'string') return v['default'];
    if (isObject(v) && Array.isArray(v['enum']) && typeof v['enum'][0] === 'string') return v['enum'][0];
    return whole;
  });
}

/** Base URLs per environment: https everywhere; a plain-http API only in dev (the validator's rule). */
export function baseUrls(url: string): Upstream['baseUrls'] {
  const envs: Environment[] = url.startsWith('https:') ? ['dev', 'staging', 'prod'] : ['dev'];
  return Object.fromEntries(envs.map((e) => [e, url]));
}

export interface AuthChoice {
  auth?: UpstreamAuth;
  /** Header or query parameter names the auth fills in: not tool arguments. */
  consumes: { in: 'header' | 'query' | 'cookie'; name: string }[];
  notes: string[];
}

/**
 * The upstream auth entry from the security scheme the selected operations use most. Secrets become
 * references to the Kubernetes Secret `<pack>-api`; no value from the document is ever copied.
 */
export function authFor(
  doc: OpenApiDocument,
  format: DocumentFormat,
  operations: readonly Operation[],
  packName: string,
): AuthChoice {
  const components = isObject(doc['components']) ? doc['components'] : {};
  const schemes =
    (format === 'swagger-2.0' ? doc['securityDefinitions'] : components['securitySchemes']) ?? {};
  const defs = isObject(schemes) ? schemes : {};
  const uses = new Map<string, number>();
  for (const op of operations) {
    for (const req of op.security ?? []) for (const name of req) uses.set(name, (uses.get(name) ?? 0) + 1);
  }
  const ranked = [...uses.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
  const consumes: AuthChoice['consumes'] = [];
  for (const def of Object.values(defs)) {
    if (isObject(def) && def['type'] === 'apiKey' && typeof def['name'] === 'string') {
      const where = def['in'];
      if (where === 'header' || where === 'query' || where === 'cookie')
        consumes.push({ in: where, name: def['name'] });
    }
  }
  const notes: string[] = [];
  const secret = (key: string) => ({ secretRef: { name: `${packName}-api`, key } });
  for (const name of ranked) {
    const def = defs[name];
    if (!isObject(def)) continue;
    const type = def['type'];
    const chosen = (auth: UpstreamAuth): AuthChoice => {
      const others = ranked.filter((n) => n !== name);
      if (others.length > 0)
        notes.push(`security schemes not used (one auth per pack): ${others.join(', ')}`);
      return { auth, consumes, notes };
    };
    if (
      type === 'apiKey' &&
      (def['in'] === 'header' || def['in'] === 'query') &&
      typeof def['name'] === 'string'
    ) {
      if (/^[A-Za-z0-9_.-]{1,64}$/.test(def['name'])) {
        return chosen({ type: 'apiKey', in: def['in'], name: def['name'], key: secret('api-key') });
      }
    }
    const scheme = typeof def['scheme'] === 'string' ? def['scheme'].toLowerCase() : '';
    if ((type === 'http' && scheme === 'basic') || type === 'basic') {
      return chosen({ type: 'basic', username: secret('username'), password: secret('password') });
    }
    if (type === 'http' && scheme === 'bearer') return chosen({ type: 'bearer', token: secret('token') });
    if (type === 'oauth2') {
      const flows = isObject(def['flows']) ? def['flows'] : {};
      const cc = isObject(flows['clientCredentials']) ? flows['clientCredentials'] : undefined;
      const tokenUrl = cc?.['tokenUrl'] ?? (def['flow'] === 'application' ? def['tokenUrl'] : undefined);
      if (typeof tokenUrl === 'string' && /^https?:\/\//.test(tokenUrl)) {
        const scopes = isObject(cc?.['scopes'] ?? def['scopes'])
          ? Object.keys((cc?.['scopes'] ?? def['scopes']) as object)
          : [];
        return chosen({
          type: 'oauth2ClientCredentials',
          tokenUrl,
          clientId: secret('client-id'),
          clientSecret: secret('client-secret'),
          ...(scopes.length > 0 ? { scopes: scopes.sort().slice(0, 50) } : {}),
        });
      }
      notes.push(
        `security scheme "${name}" is OAuth2 without a client-credentials flow: a pre-issued bearer token is used`,
      );
      return chosen({ type: 'bearer', token: secret('token') });
    }
    if (type === 'openIdConnect') {
      notes.push(`security scheme "${name}" is OpenID Connect: a pre-issued bearer token is used`);
      return chosen({ type: 'bearer', token: secret('token') });
    }
    notes.push(`security scheme "${name}" (${String(type)}${scheme ? ` ${scheme}` : ''}) is not supported`);
  }
  return { consumes, notes };
}
