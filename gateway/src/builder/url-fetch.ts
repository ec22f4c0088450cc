/**
 * Fetches an OpenAPI document for an import from a URL, under the address rules of pack calls
 * (@raku/pack-runtime's SSRF guard): the addresses DNS returns are checked and are the ones connected to, IP
 * literals are checked up front, private and loopback addresses are refused unless the operator allowed them
 * for imports (RAKU_IMPORT_URLS=private: a setting of its own, not the packs' allowPrivateNetworks, because an
 * admin-triggered fetch is not a pack the reviewers approved). Link-local and cloud metadata addresses
 * (169.254.0.0/16, fe80::/10, fd00:ec2::254) are refused always: nothing an import needs lives there. No
 * redirects (a redirect could lead past the check to another host), a size cap and a deadline.
 */
import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { checkLiteralHost, isPrivateAddress, SsrfBlockedError } from '@raku/pack-runtime';

// Link-local and cloud metadata, in every form a socket may connect to: plain, IPv4-mapped (::ffff:),
// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embeddings of 169.254.0.0/16.
const NEVER = new BlockList();
NEVER.addSubnet('169.254.0.0', 16, 'ipv4');
NEVER.addSubnet('fe80::', 10, 'ipv6');
NEVER.addAddress('fd00:ec2::254', 'ipv6');
NEVER.addSubnet('::ffff:a9fe:0', 112, 'ipv6');
NEVER.addSubnet('64:ff9b::a9fe:0', 112, 'ipv6');
NEVER.addSubnet('2002:a9fe::', 32, 'ipv6');

/** Whether an import may never fetch from this IP address (link-local, cloud metadata). */
export function isMetadataAddress(address: string): boolean {
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return NEVER.check(bare, 'ipv4');
  return family === 6 && NEVER.check(bare, 'ipv6');
}

const METADATA = 'a link-local or cloud metadata address, never fetched';
const PRIVATE = 'private networks are not allowed for imports (RAKU_IMPORT_URLS=private allows them)';

/** A socket lookup: every address DNS returns is checked, and those are the ones connected to. */
function importLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as { address: string; family: number }[];
      const never = list.find((a) => isMetadataAddress(a.address));
      const bad = never ?? (allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address)));
      if (bad) {
        const why = never ? METADATA : `a private or special address; ${PRIVATE}`;
        return callback(new SsrfBlockedError(`${hostname} resolves to ${bad.address}, ${why}`), '', 0);
      }
      if (list.length === 0) return callback(new Error(`${hostname} did not resolve`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      const first = list[0] as (typeof list)[number];
      return callback(null, first.address, first.family);
    });
  };
}

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  /** RAKU_IMPORT_URLS=private. Link-local and metadata addresses stay refused. */
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
  if (isMetadataAddress(url.hostname)) {
    throw new DocumentFetchError(`url: ${url.hostname} is ${METADATA}`);
  }
  try {
    checkLiteralHost(url.hostname, limits.allowPrivateNetworks);
  } catch (err) {
    throw new DocumentFetchError(`url: ${(err as Error).message}; ${PRIVATE}`);
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
        lookup: importLookup(limits.allowPrivateNetworks),
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
      reject(new DocumentFetchError(`url: ${url.href}: cannot fetch: ${err.message}`));
    });
  });
}
