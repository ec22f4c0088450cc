/**
 * How the mock upstream of `raku pack test` checks an AWS Signature Version 4 request, as AWS does: it signs
 * again what it received (method, path and query as sent, the headers the request says it signed, the body)
 * with the secret it knows and compares the Authorization headers. Pure.
 */

import type { UpstreamAuth } from '@raku/config';
import aws4 from 'aws4';
import type { RecordedRequest } from './mock-upstream.ts';

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/;

/** Undefined when the request carries a valid signature by these credentials for the pack's scope; else why not. */
export function verifySigV4(
  call: RecordedRequest,
  auth: UpstreamAuth,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
): string | undefined {
  const given = call.headers['authorization'] ?? '';
  const m = AUTHORIZATION.exec(given);
  if (!m) return `no SigV4 Authorization header (got ${JSON.stringify(given.slice(0, 80))})`;
  const [, keyId, , region, service, signed] = m;
  if (keyId !== credentials.accessKeyId) return `signed with access key ${keyId}, not the configured one`;
  if (region !== auth.region || service !== auth.service)
    return `signed for ${region}/${service}, expected ${auth.region}/${auth.service}`;
  if (credentials.sessionToken && call.headers['x-amz-security-token'] !== credentials.sessionToken)
    return 'the session token was not sent as X-Amz-Security-Token';
  const headers: Record<string, string> = {};
  for (const name of signed?.split(';') ?? []) {
    const value = call.headers[name];
    if (value === undefined) return `signed header ${name} was not sent`;
    headers[name] = value;
  }
  for (const name of ['host', 'x-amz-date'])
    if (!(name in headers)) return `the signature does not cover ${name}`;
  const again = aws4.sign(
    {
      method: call.method,
      host: headers['host'],
      path: call.url,
      headers,
      service,
      region,
      ...(call.raw.length > 0 ? { body: call.raw } : {}),
    },
    credentials,
  );
  return again.headers?.['Authorization'] === given ? undefined : 'the SigV4 signature does not match';
}
