/**
 * Fetches an OpenAPI document for an import from a URL, under the rules pack calls run under
 * (@raku/pack-runtime's SSRF guard): the addresses DNS returns are checked and are the ones connected to, IP
 * literals are checked up front, private, loopback and link-local addresses are refused unless private
 * networks are allowed. No redirects (a redirect could lead past the check to another host), a size cap and a
 * deadline.
 */
import http from 'node:http';
import https from 'node:https';
import { checkLiteralHost, guardedLookup, SsrfBlockedError } from '@raku/pack-runtime';

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  allowPrivateNetworks: boolean;
}

/** A URL the gateway will not fetch, or a fetch that failed: the message says which and why (a 400). */
export class DocumentFetchError extends Error {
  override readonly name = 'DocumentFetchError';
}

export async function fetchDocument(raw: string, limits: FetchLimits): Promise<Uint8Array> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DocumentFetchError(`url: "${raw}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DocumentFetchError(`url: only http and https URLs are fetched, not ${url.protocol}`);
  }
  if (url.username || url.password)
    throw new DocumentFetchError('url: must not hold a user name or password');
  try {
    checkLiteralHost(url.hostname, limits.allowPrivateNetworks);
  } catch (err) {
    throw new DocumentFetchError(`url: ${(err as Error).message}; private networks are not allowed`);
  }
  const get = url.protocol === 'https:' ? https.get : http.get;
  return new Promise<Uint8Array>((resolve, reject) => {
    const fail = (message: string) => {
      req.destroy();
      reject(new DocumentFetchError(`url: ${url.href}: ${message}`));
    };
    const req = get(
      url,
      {
        lookup: guardedLookup(limits.allowPrivateNetworks),
        // A fresh connection: a pooled socket to the same host may have been opened without the guard.
        agent: false,
        timeout: limits.timeoutMs,
        headers: { accept: 'application/json, application/yaml, text/yaml, */*' },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.resume();
          return fail(
            `answered ${status} (a redirect to ${res.headers.location ?? '?'}): give the final URL`,
          );
        }
        if (status < 200 || status >= 300) {
          res.resume();
          return fail(`answered HTTP ${status}`);
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > limits.maxBytes) {
          res.resume();
          return fail(`is ${declared} bytes, over the ${limits.maxBytes}-byte limit`);
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > limits.maxBytes) return fail(`is over the ${limits.maxBytes}-byte limit`);
          chunks.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', (err) => fail(err.message));
      },
    );
    // Whole deadline, not only idle time: a server trickling bytes cannot hold the request open.
    const deadline = setTimeout(() => fail(`no answer within ${limits.timeoutMs} ms`), limits.timeoutMs);
    deadline.unref();
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => fail(`no answer within ${limits.timeoutMs} ms`));
    req.on('error', (err) => {
      const why =
        err instanceof SsrfBlockedError ? `${err.message}; private networks are not allowed` : err.message;
      reject(new DocumentFetchError(`url: ${url.href}: cannot fetch: ${why}`));
    });
  });
}
