/**
 * AWS Signature Version 4 for upstream requests (`upstream.auth.type: sigv4`), signed in the Authorization
 * header by the `aws4` package (no dependencies, a few KiB in the pack-server bundle). The request is signed
 * as it will be sent: every header it carries (but the ones aws4 leaves out, such as user-agent) and the
 * SHA-256 of its body.
 */
import aws4 from 'aws4';
import type { UpstreamRequest } from './build-request.ts';

export interface SigV4Scope {
  /** e.g. 'eu-west-1'. */
  region: string;
  /** The service's signing name, e.g. 'sqs', 'execute-api'. */
  service: string;
}

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials: sent (and signed) as X-Amz-Security-Token. */
  sessionToken?: string;
}

/** '2015-08-30T12:36:00.000Z' → '20150830T123600Z', the form X-Amz-Date takes. */
export function amzDate(time: Date): string {
  return time.toISOString().replace(/[:-]|\.\d{3}/g, '');
}

/**
 * Signs `request` in place: sets host, x-amz-date (from `time`), x-amz-security-token when there is a
 * session token, and authorization; the URL takes the path and query encoding the signature covers (AWS's
 * RFC 3986 form, so what is sent is what was signed). Header names end up lower case, as the rest of the
 * pack runtime keeps them.
 */
export function signSigV4(
  request: UpstreamRequest,
  scope: SigV4Scope,
  credentials: SigV4Credentials,
  time: Date,
): void {
  const { url } = request;
  const headers: Record<string, string | number> = { ...request.headers, 'x-amz-date': amzDate(time) };
  delete headers['authorization'];
  delete headers['host'];
  const options = {
    method: request.method,
    host: url.host,
    path: `${url.pathname}${url.search}`,
    headers,
    service: scope.service,
    region: scope.region,
    ...(request.body !== undefined ? { body: request.body } : {}),
  };
  const signed = aws4.sign(options, {
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
  });
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers ?? {})) {
    if (value !== undefined) out[name.toLowerCase()] = String(value);
  }
  // aws4 adds (and signs) content-length for a body: the same byte count the transport sends.
  request.headers = out;
  request.url = new URL(`${url.origin}${signed.path ?? '/'}`);
}
