/**
 * @raku/client: the typed client of the Raku gateway's HTTP API, for the console and for users' scripts and
 * agents. The types (`paths`, `components`) are generated from the gateway's own OpenAPI document into
 * schema.generated.ts (`npm run client`); requests go through openapi-fetch, so every path, parameter, body and
 * response is checked against that document at compile time.
 *
 * ```ts
 * const raku = createRakuClient({ baseUrl: 'https://gateway.example', token: process.env.RAKU_TOKEN });
 * const { data, error } = await raku.GET('/v1/traces', { params: { query: { limit: 50 } } });
 * ```
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.generated.ts';

/** The document's enums as runtime lists (generated with them): every value the gateway takes, in its order. */
export {
  approvalStatusValues,
  eventTypeValues,
  jobStatusValues,
  traceDecisionValues,
  traceStatusValues,
} from './schema.generated.ts';
export type { components, Middleware, paths };

/** A schema of the document by name: `Schema<'StoredTrace'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

/** The client: `GET`/`POST`/`PUT`/`DELETE`… over the documented paths, and `use(middleware)`. */
export type RakuClient = Client<paths>;

export interface RakuClientOptions {
  /** The gateway's URL (`https://gateway.example`); '' or omitted: the page's own origin (the console). */
  baseUrl?: string;
  /**
   * A bearer token (`Authorization: Bearer <token>`), for scripts and agents. The console leaves it out: its
   * browser sends the HttpOnly session cookie instead.
   */
  token?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** The fetch to use; default globalThis.fetch. */
  fetch?: (input: Request) => Promise<Response>;
  /**
   * Whether the browser sends cookies. The console passes 'same-origin' (the session cookie); default is the
   * fetch default, 'same-origin' as well.
   */
  credentials?: RequestInit['credentials'];
}

/** A client of the gateway at `options.baseUrl`. */
export function createRakuClient(options: RakuClientOptions = {}): RakuClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  return createClient<paths>({
    baseUrl: (options.baseUrl ?? '').replace(/\/+$/, ''),
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}
