import type { Environment, Upstream, UpstreamAuth } from '@raku/config';
import { UserError } from '@raku/config';
import { type DocumentFormat, isObject, type OpenApiDocument } from './openapi-document.ts';
import type { Operation } from './operations.ts';

/** The API's base URL, or why the pack leaves it to the zones. */
export interface BaseUrlChoice {
  url?: string;
  /** Set when there is no absolute URL: what the document said, for the import report. */
  note?: string;
}

/**
 * The base URL of the API: `--base-url` when given (an invalid one is a UserError), else the document's:
 * OpenAPI 3's first https server (else its first server; variables at their defaults), Swagger 2's scheme +
 * host + basePath. A scheme-relative URL (`//host/path`) means https; a relative one (`/api/v1`, or no
 * server at all, which OpenAPI reads as `/`) is resolved against the document's URL when it was fetched,
 * else there is none: the pack leaves its base URL to each zone (`packs[].baseUrl`), and `note` says why.
 */
export function baseUrlOf(
  doc: OpenApiDocument,
  format: DocumentFormat,
  opts: { baseUrl?: string; documentUrl?: string },
): BaseUrlChoice {
  if (opts.baseUrl !== undefined) {
    const url = absoluteUrl(opts.baseUrl, undefined);
    if (typeof url !== 'string') throw new UserError(`--base-url "${opts.baseUrl}" ${url.problem}`);
    return { url };
  }
  let raw: string | undefined;
  let from: string;
  if (format === 'swagger-2.0') {
    const schemes = Array.isArray(doc['schemes']) ? (doc['schemes'] as unknown[]) : [];
    const scheme = schemes.includes('https') ? 'https' : schemes.includes('http') ? 'http' : 'https';
    const basePath = typeof doc['basePath'] === 'string' ? doc['basePath'] : '';
    const docHost = opts.documentUrl ? new URL(opts.documentUrl).host : undefined;
    const host = typeof doc['host'] === 'string' && doc['host'].trim() ? doc['host'] : docHost;
    raw = host ? `${scheme}://${host}${basePath}` : basePath || undefined;
    from = 'host/basePath';
  } else {
    const servers = Array.isArray(doc['servers']) ? doc['servers'].filter(isObject) : [];
    const urls = servers
      .filter((s) => typeof s['url'] === 'string')
      .map((s) => substituteVariables(s['url'] as string, s['variables']));
    raw = urls.find((u) => /^https:\/\//i.test(u)) ?? urls[0] ?? (opts.documentUrl ? '/' : undefined);
    from = urls.length > 0 ? 'servers[0].url' : 'servers';
  }
  const leave = 'the pack leaves its base URL to each zone (packs[].baseUrl), or pass --base-url';
  if (raw === undefined) return { note: `the document names no server: ${leave}` };
  const url = absoluteUrl(raw, opts.documentUrl);
  if (typeof url !== 'string') return { note: `${from} "${raw}" ${url.problem}: ${leave}` };
  return { url };
}

function absoluteUrl(raw: string, documentUrl: string | undefined): string | { problem: string } {
  const text = raw.trim().startsWith('//') ? `https:${raw.trim()}` : raw.trim();
  let url: URL;
  try {
    url = documentUrl ? new URL(text, documentUrl) : new URL(text);
  } catch {
    return {
      problem: /\{[^}]*\}/.test(text) ? 'has a variable without a default' : 'is not an absolute URL',
    };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'is not an http(s) URL' };
  if (url.username || url.password) return { problem: 'carries credentials' };
  if (/[{}]/.test(decodeURIComponent(url.href))) return { problem: 'has a variable without a default' };
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
export function baseUrls(url: string): NonNullable<Upstream['baseUrls']> {
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
  baseUrl?: string,
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
  const info = isObject(doc['info']) ? doc['info'] : {};
  const aws = info['x-providerName'] === 'amazonaws.com';
  const sigv4 = (): UpstreamAuth => ({
    type: 'sigv4',
    ...awsScope(info, baseUrl),
    accessKeyId: secret('access-key-id'),
    secretAccessKey: secret('secret-access-key'),
  });
  // The signer fills these headers (the AWS descriptions declare them on every operation): no arguments.
  const signed = (): AuthChoice['consumes'] =>
    [...SIGV4_HEADERS, 'Authorization'].map((name) => ({ in: 'header' as const, name }));
  if (aws && ranked.length === 0) return { auth: sigv4(), consumes: [...consumes, ...signed()], notes };
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
    if (/sigv4/i.test(String(def['x-amazon-apigateway-authtype'] ?? '')) || (aws && name === 'hmac')) {
      consumes.push(...signed());
      return chosen(sigv4());
    }
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

/** Headers SigV4 signing sets (or that carry a presigned request's signature): never tool arguments. */
const SIGV4_HEADERS = [
  'X-Amz-Date',
  'X-Amz-Security-Token',
  'X-Amz-Content-Sha256',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-SignedHeaders',
];

/**
 * SigV4 scope of an AWS description: the service's signing name from `info.x-serviceName` (else the first
 * label of the host, `sqs` in sqs.us-east-1.amazonaws.com), the region from the host (the server's
 * `{region}` variable at its default), else us-east-1.
 */
function awsScope(
  info: Record<string, unknown>,
  baseUrl: string | undefined,
): { region: string; service: string } {
  const host = baseUrl ? new URL(baseUrl).hostname : '';
  const named = typeof info['x-serviceName'] === 'string' ? info['x-serviceName'].toLowerCase() : '';
  const service = /^[a-z0-9.-]{1,64}$/.test(named) ? named : (/^[a-z0-9-]+/.exec(host)?.[0] ?? 'execute-api');
  const region = /(?:^|\.)([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d)\./.exec(host)?.[1] ?? 'us-east-1';
  return { region, service };
}
