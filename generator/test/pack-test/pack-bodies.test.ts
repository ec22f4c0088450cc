/**
 * `raku pack test` over issue 19's kinds of call: a form body, a multipart upload, a PDF answer and a
 * SigV4-signed call (fixture packs in generator/test/fixtures/pack-bodies), and the checks behind them.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { signSigV4 } from '../../../gateway/pack-runtime/src/sigv4.ts';
import type { UpstreamAuth } from '../../config/src/model/types.ts';
import { expectedRequest } from '../../release/src/pack-test/expected-request.ts';
import type { RecordedRequest } from '../../release/src/pack-test/mock-upstream.ts';
import { sampleValue } from '../../release/src/pack-test/sample-value.ts';
import { verifySigV4 } from '../../release/src/pack-test/verify-sigv4.ts';
import { runRaku } from '../repo-fixture.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'pack-bodies');
const packDir = (name: string) => path.join(FIXTURES, 'packs', name);

describe('raku pack test end to end', () => {
  it('passes a form body sent by a pack that leaves its base URL to the zones', async () => {
    const r = await runRaku(['pack', 'test', packDir('sms')], FIXTURES);
    expect(r.err).toBe('');
    expect(r.out).toContain('ok   sms.send_sms');
    expect(r.code).toBe(0);
  });

  it('passes a multipart upload, a text body and PDF answers (from the document and recorded)', async () => {
    const r = await runRaku(['pack', 'test', packDir('documents')], FIXTURES);
    expect(r.out).toContain('ok   documents.upload_document');
    expect(r.out).toContain('ok   documents.get_document (answer: document media type)');
    expect(r.out).toContain('ok   documents.get_scan (answer: recorded example)');
    expect(r.out).toContain('ok   documents.put_note');
    expect(r.code).toBe(0);
  });

  it('passes SigV4-signed calls that the mock upstream verifies, with fixed query parameters and headers', async () => {
    const r = await runRaku(['pack', 'test', packDir('sqs')], FIXTURES);
    expect(r.out).toContain('sqs: 3 passed, 0 failed, 0 skipped');
    expect(r.code).toBe(0);
  });
});

describe('expectedRequest for non-JSON bodies', () => {
  const schema = {
    type: 'object',
    properties: {
      file: { type: 'string', contentEncoding: 'base64', contentMediaType: 'application/pdf' },
      blob: { type: 'string', contentEncoding: 'base64' },
    },
  };

  it('expects form pairs: arrays repeated, objects as JSON text', () => {
    const tool = { http: { method: 'POST' as const, path: '/f', body: 'form' } };
    expect(expectedRequest(tool, { a: 'x y', n: 2, list: [1, 'b'], o: { k: true } }).form).toEqual([
      ['a', 'x y'],
      ['n', '2'],
      ['list', '1'],
      ['list', 'b'],
      ['o', '{"k":true}'],
    ]);
  });

  it('expects file parts of the decoded bytes with their media type, and text parts', () => {
    const tool = { inputSchema: schema, http: { method: 'POST' as const, path: '/u', body: 'multipart' } };
    expect(expectedRequest(tool, { file: 'JVBERg==', blob: 'AAE=', title: 't' }).parts).toEqual([
      { name: 'file', filename: 'file', contentType: 'application/pdf', bytes: Buffer.from('%PDF') },
      { name: 'blob', filename: 'blob', contentType: 'application/octet-stream', bytes: Buffer.from([0, 1]) },
      { name: 'title', bytes: Buffer.from('t') },
    ]);
  });

  it('expects a non-JSON arg body as it is, or decoded when the argument is base64', () => {
    const text = {
      http: { method: 'PUT' as const, path: '/n', body: 'arg:note', contentType: 'text/plain' },
    };
    expect(expectedRequest(text, { note: 'hi' }).raw).toEqual({
      contentType: 'text/plain',
      bytes: Buffer.from('hi'),
    });
    const file = {
      inputSchema: schema,
      http: { method: 'PUT' as const, path: '/b', body: 'arg:blob', contentType: 'application/zip' },
    };
    expect(expectedRequest(file, { blob: 'AAE=' }).raw?.bytes).toEqual(Buffer.from([0, 1]));
  });

  it('expects JSON text for an arg body whose contentType is a JSON type, even for a string', () => {
    const tool = {
      http: {
        method: 'PUT' as const,
        path: '/j',
        body: 'arg:doc',
        contentType: 'application/merge-patch+json',
      },
    };
    expect(expectedRequest(tool, { doc: 'x' }).raw).toEqual({
      contentType: 'application/merge-patch+json',
      bytes: Buffer.from('"x"'),
    });
  });

  it('expects fixed query parameters and headers over arguments of the same name', () => {
    const tool = {
      http: {
        method: 'GET' as const,
        path: '/',
        fixed: { query: { Action: 'List' }, headers: { 'X-Amz-Target': 'S.List' } },
      },
    };
    const want = expectedRequest(tool, { Action: 'Delete', Max: 3 });
    expect(want.query).toEqual([
      ['Max', '3'],
      ['Action', 'List'],
    ]);
    expect(want.headers).toEqual({ 'x-amz-target': 'S.List' });
  });
});

describe('verifySigV4', () => {
  const auth: UpstreamAuth = { type: 'sigv4', region: 'eu-west-1', service: 'sqs' };
  const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'right-secret' };

  function signed(secretAccessKey: string): RecordedRequest {
    const body = 'Action=TagQueue&Tag=a%20b';
    const request = {
      method: 'POST',
      url: new URL('http://127.0.0.1:9/q/1?Action=TagQueue&Name=a+b'),
      headers: { 'content-type': 'application/x-www-form-urlencoded' } as Record<string, string>,
      body,
    };
    signSigV4(request, { region: 'eu-west-1', service: 'sqs' }, { ...creds, secretAccessKey }, new Date());
    return {
      method: 'POST',
      url: `${request.url.pathname}${request.url.search}`,
      headers: request.headers,
      body,
      raw: Buffer.from(body),
    };
  }

  it('accepts a request signed with the known secret', () => {
    expect(verifySigV4(signed('right-secret'), auth, creds)).toBeUndefined();
  });

  it('refuses one signed with another secret, or changed after signing', () => {
    expect(verifySigV4(signed('wrong-secret'), auth, creds)).toBe('the SigV4 signature does not match');
    const tampered = signed('right-secret');
    tampered.raw = Buffer.from('Action=DeleteQueue');
    expect(verifySigV4(tampered, auth, creds)).toBe('the SigV4 signature does not match');
  });

  it('names what is missing: the header, the scope, the session token', () => {
    const unsigned = { ...signed('right-secret'), headers: {} };
    expect(verifySigV4(unsigned, auth, creds)).toMatch(/^no SigV4 Authorization header/);
    expect(verifySigV4(signed('right-secret'), { ...auth, region: 'us-east-1' }, creds)).toBe(
      'signed for eu-west-1/sqs, expected us-east-1/sqs',
    );
    expect(verifySigV4(signed('right-secret'), auth, { ...creds, sessionToken: 't' })).toBe(
      'the session token was not sent as X-Amz-Security-Token',
    );
  });
});

describe('sample file arguments', () => {
  it('builds valid base64 within maxLength, shaped like the media type', () => {
    const pdf = sampleValue(
      { type: 'string', contentEncoding: 'base64', contentMediaType: 'application/pdf' },
      {},
    );
    expect(Buffer.from(String(pdf), 'base64').toString('latin1')).toMatch(/^%PDF-/);
    const short = String(sampleValue({ type: 'string', contentEncoding: 'base64', maxLength: 6 }, {}));
    expect(short).toMatch(/^(?:[A-Za-z0-9+/]{4})*$/);
    expect(short.length).toBeLessThanOrEqual(6);
  });
});
