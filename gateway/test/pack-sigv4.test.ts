/**
 * `upstream.auth.type: sigv4`: requests signed with AWS Signature Version 4, checked by a local upstream that
 * verifies each signature the way AWS does — it re-signs the request it received (method, path, query, the
 * signed headers, the body) with the secret it knows and compares. A wrong secret must fail.
 */
import type { ServerResponse } from 'node:http';
import aws4 from 'aws4';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { secretEnvName } from '../../generator/config/src/model/names.ts';
import type { Pack, SecretRef } from '../../generator/config/src/model/types.ts';
import { PackExecutor } from '../pack-runtime/src/pack-executor.ts';
import { signSigV4 } from '../pack-runtime/src/sigv4.ts';
import { textOf } from './helpers/mcp-client.ts';
import { type RawRequest, type RawUpstream, send, startRawUpstream } from './helpers/raw-upstream.ts';

const ACCESS_KEY = 'AKIDEXAMPLE';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const ref = (key: string): SecretRef => ({ secretRef: { name: 'aws', key } });

describe('signSigV4', () => {
  it('produces the signature of AWS’s documented example (IAM ListUsers)', () => {
    const request = {
      method: 'GET',
      url: new URL('https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08'),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    };
    signSigV4(
      request,
      { region: 'us-east-1', service: 'iam' },
      { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      new Date('2015-08-30T12:36:00Z'),
    );
    expect(request.headers).toEqual({
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      host: 'iam.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    });
  });
});

/** What the fake AWS says about a request: undefined when its signature is right, else why not. */
function verify(req: RawRequest): string | undefined {
  const auth = String(req.headers['authorization'] ?? '');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return `malformed authorization ${auth}`;
  const [, keyId, , region, service, signedHeaders] = m;
  if (keyId !== ACCESS_KEY) return 'unknown access key';
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) {
    const value = req.headers[name];
    if (value === undefined) return `signed header ${name} missing`;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const resigned = aws4.sign(
    {
      method: req.method,
      host: headers['host'],
      path: req.url,
      headers,
      service,
      region,
      ...(req.body.length > 0 ? { body: req.body } : {}),
    },
    {
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET_KEY,
      ...(req.headers['x-amz-security-token']
        ? { sessionToken: String(req.headers['x-amz-security-token']) }
        : {}),
    },
  );
  return resigned.headers?.['Authorization'] === auth ? undefined : 'SignatureDoesNotMatch';
}

function awsPack(baseUrl: string, withSessionToken: boolean): Pack {
  return {
    name: 'sqs',
    version: '1.0.0',
    description: 'An AWS-style API.',
    owner: 'test',
    upstream: {
      baseUrls: { dev: baseUrl },
      auth: {
        type: 'sigv4',
        region: 'eu-west-1',
        service: 'sqs',
        accessKeyId: ref('access-key-id'),
        secretAccessKey: ref('secret-access-key'),
        ...(withSessionToken ? { sessionToken: ref('session-token') } : {}),
      },
      headers: { 'User-Agent': 'raku-test' },
    },
    tools: [
      {
        name: 'get_queue_url',
        description: 'Query protocol: Action in the query.',
        inputSchema: { type: 'object', properties: { QueueName: { type: 'string' } } },
        http: {
          method: 'GET',
          path: '/',
          fixed: { query: { Action: 'GetQueueUrl', Version: '2012-11-05' } },
        },
      },
      {
        name: 'send_message',
        description: 'JSON protocol: target in a header.',
        inputSchema: {
          type: 'object',
          properties: { QueueUrl: { type: 'string' }, MessageBody: { type: 'string' } },
        },
        http: {
          method: 'POST',
          path: '/',
          fixed: {
            headers: {
              'X-Amz-Target': 'AmazonSQS.SendMessage',
              'Content-Type': 'application/x-amz-json-1.0',
            },
          },
        },
      },
      {
        name: 'tag_queue',
        description: 'Query protocol with a form body and a path segment.',
        inputSchema: {
          type: 'object',
          required: ['account', 'queue'],
          properties: {
            account: { type: 'string' },
            queue: { type: 'string' },
            Tags: { type: 'array', items: { type: 'string' } },
          },
        },
        http: {
          method: 'POST',
          path: '/{account}/{queue}',
          body: 'form',
          fixed: { query: { Action: 'TagQueue' } },
        },
      },
    ],
  };
}

let upstream: RawUpstream;
const verdicts: (string | undefined)[] = [];

function awsRoute(req: RawRequest, res: ServerResponse): void {
  const problem = verify(req);
  verdicts.push(problem);
  if (problem)
    send(res, 403, 'application/json', JSON.stringify({ __type: 'SignatureDoesNotMatch', problem }));
  else send(res, 200, 'application/json', '{"ok":true}');
}

beforeAll(async () => {
  upstream = await startRawUpstream();
  for (const route of ['GET /', 'POST /', 'POST /123456789012/my%20queue%2Bx'])
    upstream.routes.set(route, awsRoute);
});

afterEach(() => {
  upstream.requests.length = 0;
  verdicts.length = 0;
});

afterAll(() => upstream.close());

function executor(secretKey: string, withSessionToken = false): PackExecutor {
  const env = new Map([
    [secretEnvName(ref('access-key-id')), ACCESS_KEY],
    [secretEnvName(ref('secret-access-key')), secretKey],
    [secretEnvName(ref('session-token')), 'FQoGZXIvYXdzEXAMPLE//token=='],
  ]);
  return new PackExecutor([awsPack(upstream.url, withSessionToken)], {
    environment: 'dev',
    secrets: (name) => env.get(name),
    allowPrivateNetworks: true,
  });
}

describe('sigv4 upstream auth against an upstream that verifies signatures', () => {
  it.each([
    [
      'a query-protocol call (Action in the query, spaces and + in values)',
      'sqs.get_queue_url',
      { QueueName: 'my queue+x/y' },
    ],
    [
      'a JSON-protocol call (X-Amz-Target header, JSON body)',
      'sqs.send_message',
      { QueueUrl: 'q', MessageBody: 'héllo ✓' },
    ],
    [
      'a form body with repeated keys and encoded path segments',
      'sqs.tag_queue',
      { account: '123456789012', queue: 'my queue+x', Tags: ['a=b', 'c d'] },
    ],
  ])('signs %s so the upstream accepts it', async (_what, tool, args) => {
    const outcome = await executor(SECRET_KEY).execute(tool, args);
    expect(verdicts).toEqual([undefined]);
    expect(outcome.status).toBe('ok');
  });

  it('sends the fixed target header and content type as signed headers', async () => {
    await executor(SECRET_KEY).execute('sqs.send_message', { MessageBody: 'x' });
    const [req] = upstream.requests;
    expect(req?.headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
    expect(req?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(String(req?.headers['authorization'])).toMatch(
      /SignedHeaders=accept;content-length;content-type;host;x-amz-date;x-amz-target,/,
    );
  });

  it('signs and sends the session token of temporary credentials', async () => {
    const outcome = await executor(SECRET_KEY, true).execute('sqs.get_queue_url', { QueueName: 'q' });
    expect(verdicts).toEqual([undefined]);
    expect(outcome.status).toBe('ok');
    expect(upstream.requests[0]?.headers['x-amz-security-token']).toBe('FQoGZXIvYXdzEXAMPLE//token==');
    expect(String(upstream.requests[0]?.headers['authorization'])).toContain('x-amz-security-token');
  });

  it('is refused by the upstream when signed with the wrong secret', async () => {
    const outcome = await executor('not-the-secret').execute('sqs.get_queue_url', { QueueName: 'q' });
    expect(verdicts).toEqual(['SignatureDoesNotMatch']);
    expect(outcome.status).toBe('error');
    expect(outcome.upstreamStatus).toBe(403);
    expect(textOf(outcome.result)).toContain('SignatureDoesNotMatch');
  });

  it('fails without reaching the upstream when a credential is not configured', async () => {
    const outcome = await new PackExecutor([awsPack(upstream.url, false)], {
      environment: 'dev',
      secrets: () => undefined,
      allowPrivateNetworks: true,
    }).execute('sqs.get_queue_url', {});
    expect(outcome.status).toBe('error');
    expect(textOf(outcome.result)).toContain('secret aws/access-key-id (the AWS access key id) is not set');
    expect(upstream.requests).toHaveLength(0);
  });
});
