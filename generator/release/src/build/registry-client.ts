import { sha256Hex } from '@raku/config';
import { registryApiHost } from './image-reference.ts';
import { MANIFEST_ACCEPT } from './oci-image.ts';
import { ANONYMOUS, type AuthChallenge, parseChallenge, type RegistryCredentials } from './registry-auth.ts';

/** Options of a {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** Registry host as in image references ('ghcr.io', '127.0.0.1:5000', 'docker.io'). */
  registry: string;
  /** Talk plain HTTP. Default false. Only for local test registries: credentials would travel in clear. */
  insecure?: boolean;
  /** Default anonymous. */
  credentials?: RegistryCredentials;
  /** Attempts per request on 5xx, 429, network errors and timeouts. Default 4. */
  attempts?: number;
  /** Time limit of one attempt, in ms. Default 60000. */
  timeoutMs?: number;
  /** First retry delay in ms, doubled on each retry (with ±20% jitter). Default 250. */
  backoffMs?: number;
  /** Blobs larger than this are uploaded in chunks of this size (PATCH), smaller ones in one PUT. Default 32 MiB. */
  chunkSize?: number;
  /** For tests: the fetch to use and how to wait. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** A registry request that failed for good: the method, URL, status and the registry's error text. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    message: string,
    readonly status?: number,
    /** The registry host, when the error is about one; {@link explainRegistryError} names it. */
    readonly registry?: string,
    /** True when no answer came at all (DNS, connection, TLS, timeout) after every attempt. */
    readonly unreachable = false,
  ) {
    super(message);
  }
}

/**
 * What a registry failure means for the person running the build, in one line: which registry, what went
 * wrong, and what to do. Every registry failure is about a registry the user named (the zone's registry, its
 * base images), so none of them is an internal fault of raku.
 */
export function explainRegistryError(err: RegistryError): string {
  const host = err.registry;
  if (host === undefined) return err.message;
  if (err.unreachable) {
    return `cannot reach registry ${host} (${err.message}). raku build needs network access to the registry of each base image — also without --push, to read the base's manifest and config, unless an earlier build on this machine cached them (a base pinned by digest, with the layer cache on) — and, with --push, to the zone's registry. Offline or behind a firewall, point the zone's baseImages at a mirror you can reach (docs/release.md, "Base images offline and mirrors")`;
  }
  if (err.status === 401 || err.status === 403) {
    return `registry ${host} refused the credentials: ${err.message}. Set the zone's registry.credentials secret, RAKU_REGISTRY_USERNAME and RAKU_REGISTRY_PASSWORD, or an auths entry in the docker config.json (raku build --help)`;
  }
  if (err.status === 404) {
    return `not found on registry ${host}: ${err.message}. Check the zone's baseImages (image, tag, digest) and registry.repository`;
  }
  if (err.status !== undefined && (err.status === 429 || err.status >= 500)) {
    return `registry ${host} kept failing: ${err.message}. Try again later`;
  }
  return `registry ${host}: ${err.message}`;
}

/** Outcome of {@link RegistryClient.pushBlob}: the registry had it, mounted it from another repository, or took an upload. */
export type BlobPush = 'exists' | 'mounted' | 'uploaded';

type Scope = { repository: string; actions: ('pull' | 'push')[] };

/**
 * A client of the OCI distribution API v2 (the API of Docker Hub, GHCR, ECR, ACR, distribution): blobs,
 * uploads (monolithic and chunked), cross-repository mounts and manifests, with anonymous, basic and bearer
 * token authentication and retries. An adapter: everything it does is a network request.
 */
export class RegistryClient {
  readonly registry: string;
  private readonly base: string;
  private readonly credentials: RegistryCredentials;
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  readonly chunkSize: number;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Authorization header per scope key; 'basic' once the registry asked for basic auth. */
  private readonly authByScope = new Map<string, string>();
  private basic = false;
  /** Request counts by method, for reports and benchmarks. */
  readonly stats = { requests: 0, retries: 0, bytesUploaded: 0 };

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.base = `${options.insecure ? 'http' : 'https'}://${registryApiHost(options.registry)}`;
    this.credentials = options.credentials ?? ANONYMOUS;
    this.attempts = options.attempts ?? 4;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.backoffMs = options.backoffMs ?? 250;
    this.chunkSize = options.chunkSize ?? 32 * 1024 * 1024;
    this.fetchFn = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** True when the repository holds the blob. */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`, [pull(repository)], {
      ok: [200, 404],
    });
    return res.status === 200;
  }

  /** Downloads a blob and checks it hashes to `digest`. */
  async getBlob(repository: string, digest: string): Promise<Uint8Array> {
    const res = await this.request('GET', `/v2/${repository}/blobs/${digest}`, [pull(repository)]);
    const bytes = new Uint8Array(await res.arrayBuffer());
    checkDigest(bytes, digest, `blob ${repository}@${digest}`);
    return bytes;
  }

  /**
   * Makes sure `repository` holds the blob: nothing when it already does; a cross-repository mount when one of
   * `mountFrom` (repositories of the same registry) has it and the registry allows it; otherwise an upload of
   * `data` (a function so callers fetch the bytes only when needed).
   */
  async pushBlob(
    repository: string,
    digest: string,
    data: Uint8Array | (() => Promise<Uint8Array>),
    mountFrom: readonly string[] = [],
  ): Promise<BlobPush> {
    if (await this.hasBlob(repository, digest)) return 'exists';
    let location: string | undefined;
    for (const from of mountFrom) {
      if (from === repository) continue;
      const res = await this.request(
        'POST',
        `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
        [push(repository), pull(from)],
        { ok: [201, 202] },
      );
      if (res.status === 201) return 'mounted';
      // 202: the registry started an ordinary upload instead; use it.
      location = this.location(res);
      break;
    }
    const bytes = typeof data === 'function' ? await data() : data;
    checkDigest(bytes, digest, `blob to upload to ${repository}`);
    if (!location) {
      const res = await this.request('POST', `/v2/${repository}/blobs/uploads/`, [push(repository)], {
        ok: [202],
      });
      location = this.location(res);
    }
    if (bytes.length > this.chunkSize) {
      for (let offset = 0; offset < bytes.length; offset += this.chunkSize) {
        const chunk = bytes.subarray(offset, Math.min(offset + this.chunkSize, bytes.length));
        const res = await this.request('PATCH', location, [push(repository)], {
          ok: [202],
          body: chunk,
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${offset}-${offset + chunk.length - 1}`,
          },
        });
        location = this.location(res);
      }
      await this.request('PUT', withQuery(location, 'digest', digest), [push(repository)], {
        ok: [201],
        headers: { 'content-length': '0' },
      });
    } else {
      await this.request('PUT', withQuery(location, 'digest', digest), [push(repository)], {
        ok: [201],
        body: bytes,
        headers: { 'content-type': 'application/octet-stream' },
      });
    }
    this.stats.bytesUploaded += bytes.length;
    return 'uploaded';
  }

  /** Fetches a manifest or index by tag or digest, checking the digest when `reference` is one. */
  async getManifest(
    repository: string,
    reference: string,
  ): Promise<{ bytes: Uint8Array; contentType: string | null; digest: string }> {
    const res = await this.request('GET', `/v2/${repository}/manifests/${reference}`, [pull(repository)], {
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = `sha256:${sha256Hex(bytes)}`;
    if (reference.startsWith('sha256:')) checkDigest(bytes, reference, `manifest ${repository}@${reference}`);
    return { bytes, contentType: res.headers.get('content-type'), digest };
  }

  /** True when the repository has a manifest with this digest (or tag). */
  async hasManifest(repository: string, reference: string): Promise<boolean> {
    const res = await this.request('HEAD', `/v2/${repository}/manifests/${reference}`, [pull(repository)], {
      ok: [200, 404],
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
    });
    return res.status === 200;
  }

  /** Uploads a manifest under a tag or its digest; returns the digest of the bytes. */
  async putManifest(
    repository: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<string> {
    const digest = `sha256:${sha256Hex(bytes)}`;
    const res = await this.request('PUT', `/v2/${repository}/manifests/${reference}`, [push(repository)], {
      ok: [201],
      body: bytes,
      headers: { 'content-type': mediaType },
    });
    const returned = res.headers.get('docker-content-digest');
    if (returned && returned !== digest) {
      throw new RegistryError(
        `${this.registry}/${repository}: registry stored manifest as ${returned}, expected ${digest}`,
      );
    }
    return digest;
  }

  private location(res: Response): string {
    const loc = res.headers.get('location');
    if (!loc)
      throw new RegistryError(
        `${this.registry}: upload response without a Location header`,
        undefined,
        this.registry,
      );
    return new URL(loc, this.base).toString();
  }

  /**
   * One API request with authentication and retries. On 401 it answers the challenge (Basic: the configured
   * credentials; Bearer: a token from the realm for the scopes this request needs) and tries again once.
   */
  private async request(
    method: string,
    pathOrUrl: string,
    scopes: Scope[],
    opts: { ok?: number[]; body?: Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const ok = opts.ok ?? [200];
    const key = scopeKey(scopes);
    let challenged = false;
    for (;;) {
      const headers: Record<string, string> = { ...opts.headers };
      const auth = this.basic ? basicHeader(this.credentials) : this.authByScope.get(key);
      if (auth) headers['authorization'] = auth;
      const res = await this.send(method, url, headers, opts.body);
      if (res.status === 401 && !challenged) {
        challenged = true;
        await drain(res);
        await this.answerChallenge(parseChallenge(res.headers.get('www-authenticate')), scopes, key, url);
        continue;
      }
      if (ok.includes(res.status)) return res;
      const text = await res.text().catch(() => '');
      throw new RegistryError(
        `${method} ${redact(url)}: ${res.status} ${res.statusText}${text ? ` — ${summarise(text)}` : ''}`,
        res.status,
        this.registry,
      );
    }
  }

  private async answerChallenge(
    challenge: AuthChallenge | undefined,
    scopes: Scope[],
    key: string,
    url: string,
  ): Promise<void> {
    if (!challenge)
      throw new RegistryError(`${redact(url)}: 401 without a Basic or Bearer challenge`, 401, this.registry);
    if (challenge.scheme === 'basic') {
      if ('anonymous' in this.credentials) {
        throw new RegistryError(
          `${this.registry}: authentication required and no credentials configured`,
          401,
          this.registry,
        );
      }
      this.basic = true;
      return;
    }
    const realm = challenge.params['realm'];
    if (!realm)
      throw new RegistryError(`${redact(url)}: Bearer challenge without a realm`, 401, this.registry);
    const tokenUrl = new URL(realm);
    if (challenge.params['service']) tokenUrl.searchParams.set('service', challenge.params['service']);
    for (const s of scopes)
      tokenUrl.searchParams.append('scope', `repository:${s.repository}:${s.actions.join(',')}`);
    const headers: Record<string, string> = {};
    const basic = basicHeader(this.credentials);
    if (basic) headers['authorization'] = basic;
    const res = await this.send('GET', tokenUrl.toString(), headers);
    if (res.status !== 200) {
      const text = await res.text().catch(() => '');
      throw new RegistryError(
        `token request to ${tokenUrl.origin}${tokenUrl.pathname} for ${key}: ${res.status}${text ? ` — ${summarise(text)}` : ''}`,
        res.status,
        this.registry,
      );
    }
    const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token)
      throw new RegistryError(
        `token response from ${tokenUrl.origin} has no token`,
        undefined,
        this.registry,
      );
    this.authByScope.set(key, `Bearer ${token}`);
  }

  /** fetch with a time limit per attempt, retried with backoff on network errors, timeouts, 429 and 5xx. */
  private async send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: Uint8Array,
  ): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      this.stats.requests++;
      let res: Response | undefined;
      let failure: unknown;
      try {
        res = await this.fetchFn(url, {
          method,
          headers,
          body: body as RequestInit['body'],
          redirect: 'follow',
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        failure = err;
      }
      const retryable = res === undefined || res.status === 429 || res.status >= 500;
      if (!retryable) return res!;
      if (attempt >= this.attempts) {
        if (res) return res;
        throw new RegistryError(
          `${method} ${redact(url)}: ${networkFailure(failure)} (after ${attempt} attempts)`,
          undefined,
          this.registry,
          true,
        );
      }
      if (res) await drain(res);
      this.stats.retries++;
      const delay = retryAfterMs(res) ?? this.backoffMs * 2 ** (attempt - 1);
      await this.sleep(Math.round(delay * (0.8 + Math.random() * 0.4)));
    }
  }
}

/**
 * Why a fetch got no answer. Node's fetch says only "fetch failed" and keeps the reason (ENOTFOUND,
 * ECONNREFUSED, a certificate error) in `cause`; a timeout is an AbortSignal's TimeoutError.
 */
function networkFailure(failure: unknown): string {
  const err = failure as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'no answer within the time limit';
  const cause = err?.cause;
  const reason = cause?.code ?? cause?.message;
  const message = err?.message ?? String(failure);
  return reason && !message.includes(reason) ? `${message}: ${reason}` : message;
}

function pull(repository: string): Scope {
  return { repository, actions: ['pull'] };
}

function push(repository: string): Scope {
  return { repository, actions: ['pull', 'push'] };
}

function scopeKey(scopes: Scope[]): string {
  return scopes.map((s) => `repository:${s.repository}:${s.actions.join(',')}`).join(' ');
}

function basicHeader(credentials: RegistryCredentials): string | undefined {
  if ('anonymous' in credentials) return undefined;
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

function withQuery(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

function checkDigest(bytes: Uint8Array, digest: string, what: string): void {
  const actual = `sha256:${sha256Hex(bytes)}`;
  if (actual !== digest) throw new RegistryError(`${what}: content hashes to ${actual}, expected ${digest}`);
}

function retryAfterMs(res: Response | undefined): number | undefined {
  const value = res?.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? Math.min(seconds * 1000, 60_000) : undefined;
}

async function drain(res: Response): Promise<void> {
  await res.arrayBuffer().catch(() => undefined);
}

/** Upload URLs carry opaque state; keep messages to the path. */
function redact(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

function summarise(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine;
}
