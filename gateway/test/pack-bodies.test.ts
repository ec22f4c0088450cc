/**
 * Request bodies that are not a JSON object (form, multipart with files, a raw text or file body), fixed
 * query parameters and headers, and upstream answers that are not JSON (PDF, image, audio, CSV) returned as
 * MCP content — through the real pack server and the official MCP client of both protocol revisions.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Pack } from '../../generator/config/src/model/types.ts';
import {
  BodyEncodingError,
  DEFAULT_MAX_FILE_BYTES,
  decodeBase64File,
  encodeMultipart,
  maxFileBytes,
} from '../pack-runtime/src/body-encoding.ts';
import { PackExecutor } from '../pack-runtime/src/pack-executor.ts';
import { binaryContent, contentKind } from '../pack-runtime/src/response-content.ts';
import { type RunningServer, startPackServer } from '../src/server/pack-server.ts';
import { connectClient, ERAS, textOf } from './helpers/mcp-client.ts';
import { parseMultipart, type RawUpstream, send, startRawUpstream } from './helpers/raw-upstream.ts';

/** Bytes no text decoding survives: a PDF header and every byte value. */
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const MP3 = Buffer.from('494433030000000000', 'hex');

const FILE_SCHEMA = {
  type: 'string',
  contentEncoding: 'base64',
  contentMediaType: 'application/pdf',
  maxLength: 4096,
};

function filesPack(baseUrl: string): Pack {
  return {
    name: 'files',
    version: '1.0.0',
    description: 'Bodies and answers that are not JSON.',
    owner: 'test',
    upstream: { baseUrls: { dev: `${baseUrl}/v1` }, maxResponseBytes: 2048 },
    tools: [
      {
        name: 'send_sms',
        description: 'Form body.',
        inputSchema: {
          type: 'object',
          required: ['to', 'text'],
          properties: {
            to: { type: 'string' },
            text: { type: 'string' },
            tags: { type: 'array', items: { type: 'string' } },
            meta: { type: 'object' },
            retries: { type: 'integer' },
          },
        },
        http: { method: 'POST', path: '/sms', body: 'form' },
      },
      {
        name: 'upload',
        description: 'Multipart body with a file.',
        inputSchema: {
          type: 'object',
          required: ['document'],
          properties: {
            document: FILE_SCHEMA,
            title: { type: 'string' },
            raw: { type: 'string', contentEncoding: 'base64' },
            labels: { type: 'array', items: { type: 'string' } },
          },
        },
        http: {
          method: 'POST',
          path: '/documents',
          body: 'multipart',
          args: { title: { in: 'body', name: 'document-title' } },
        },
      },
      {
        name: 'put_note',
        description: 'An XML body given as a string.',
        inputSchema: { type: 'object', required: ['note'], properties: { note: { type: 'string' } } },
        http: { method: 'POST', path: '/notes', body: 'arg:note', contentType: 'application/xml' },
      },
      {
        name: 'put_blob',
        description: 'A file as the whole body.',
        inputSchema: {
          type: 'object',
          required: ['key', 'data'],
          properties: { key: { type: 'string' }, data: { ...FILE_SCHEMA, contentMediaType: 'image/png' } },
        },
        http: { method: 'PUT', path: '/blobs/{key}', body: 'arg:data', contentType: 'image/png' },
      },
      {
        name: 'describe_queue',
        description: 'AWS query-protocol style: fixed Action and Version, fixed target header.',
        inputSchema: {
          type: 'object',
          properties: { QueueName: { type: 'string' }, Action: { type: 'string' } },
        },
        http: {
          method: 'GET',
          path: '/',
          args: { Action: 'query' },
          fixed: {
            query: { Action: 'GetQueueUrl', Version: '2012-11-05' },
            headers: { 'X-Amz-Target': 'AmazonSQS.GetQueueUrl' },
          },
        },
      },
      {
        name: 'get_document',
        description: 'Answers of many media types.',
        inputSchema: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' } } },
        http: { method: 'GET', path: '/answers/{kind}' },
      },
    ],
  };
}

let upstream: RawUpstream;
let server: RunningServer;
let executor: PackExecutor;
const clients: Client[] = [];

beforeAll(async () => {
  upstream = await startRawUpstream();
  for (const route of [
    'POST /v1/sms',
    'POST /v1/documents',
    'POST /v1/notes',
    'PUT /v1/blobs/k1',
    'GET /v1/',
  ])
    upstream.routes.set(route, (_req, res) => send(res, 200, 'application/json', '{"ok":true}'));
  const answers: Record<string, [number, string, Buffer | string]> = {
    pdf: [200, 'application/pdf', PDF],
    png: [200, 'image/png', PNG],
    mp3: [200, 'audio/mpeg', MP3],
    csv: [200, 'text/csv; charset=utf-8', 'a,b\n1,2\n'],
    xml: [200, 'application/soap+xml', '<ok/>'],
    huge: [200, 'application/pdf', Buffer.alloc(4096, 1)],
    missing: [404, 'application/pdf', PDF],
  };
  for (const [kind, [status, type, body]] of Object.entries(answers))
    upstream.routes.set(`GET /v1/answers/${kind}`, (_req, res) => send(res, status, type, body));
  const pack = filesPack(upstream.url);
  server = await startPackServer({
    packs: [pack],
    environment: 'dev',
    secrets: () => undefined,
    allowPrivateNetworks: true,
    port: 0,
  });
  executor = new PackExecutor([pack], {
    environment: 'dev',
    secrets: () => undefined,
    allowPrivateNetworks: true,
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  upstream.requests.length = 0;
});

afterAll(async () => {
  await server.close();
  await upstream.close();
});

describe('request bodies', () => {
  it('sends a form body: scalars as text, arrays as repeated keys, objects as JSON text', async () => {
    const outcome = await executor.execute('files.send_sms', {
      to: '+44 7700 900000',
      text: 'hi & bye=ok',
      tags: ['a', 'b'],
      meta: { x: 1 },
      retries: 2,
    });
    expect(outcome.status).toBe('ok');
    const [req] = upstream.requests;
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req?.body.toString('utf8'));
    expect(form.get('to')).toBe('+44 7700 900000');
    expect(form.get('text')).toBe('hi & bye=ok');
    expect(form.getAll('tags')).toEqual(['a', 'b']);
    expect(form.get('meta')).toBe('{"x":1}');
    expect(form.get('retries')).toBe('2');
  });

  it('uploads a file as a multipart part of its decoded bytes, typed by contentMediaType', async () => {
    const outcome = await executor.execute('files.upload', {
      document: PDF.toString('base64'),
      title: 'Annual "report"',
      raw: Buffer.from([0, 1, 2]).toString('base64'),
      labels: ['x', 'y'],
    });
    expect(outcome.status).toBe('ok');
    const [req] = upstream.requests;
    expect(String(req?.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    const form = await parseMultipart(req!);
    const file = form.get('document') as File;
    expect(file.type).toBe('application/pdf');
    expect(file.name).toBe('document');
    expect(Buffer.from(await file.arrayBuffer()).equals(PDF)).toBe(true);
    const raw = form.get('raw') as File;
    expect(raw.type).toBe('application/octet-stream');
    expect([...new Uint8Array(await raw.arrayBuffer())]).toEqual([0, 1, 2]);
    expect(form.get('document-title')).toBe('Annual "report"');
    expect(form.getAll('labels')).toEqual(['x', 'y']);
  });

  it('refuses a file argument that is not base64 as the caller’s error, sending nothing', async () => {
    const outcome = await executor.execute('files.upload', { document: 'not base64!' });
    expect(outcome.status).toBe('invalid');
    expect(outcome.result.isError).toBe(true);
    expect(textOf(outcome.result)).toContain('argument "document" is not valid base64');
    expect(upstream.requests).toHaveLength(0);
  });

  it('sends an arg body of a non-JSON contentType as it is', async () => {
    const outcome = await executor.execute('files.put_note', { note: '<note>hi</note>' });
    expect(outcome.status).toBe('ok');
    const [req] = upstream.requests;
    expect(req?.headers['content-type']).toBe('application/xml');
    expect(req?.body.toString('utf8')).toBe('<note>hi</note>');
  });

  it('sends a base64 argument as the whole body in its decoded bytes', async () => {
    const outcome = await executor.execute('files.put_blob', { key: 'k1', data: PNG.toString('base64') });
    expect(outcome.status).toBe('ok');
    const [req] = upstream.requests;
    expect(req?.headers['content-type']).toBe('image/png');
    expect(req?.body.equals(PNG)).toBe(true);
  });

  it('sends the fixed query parameters and headers, which an argument of the same name cannot change', async () => {
    const outcome = await executor.execute('files.describe_queue', {
      QueueName: 'q1',
      Action: 'DeleteQueue',
    });
    expect(outcome.status).toBe('ok');
    const [req] = upstream.requests;
    const query = new URL(req!.url, 'http://x').searchParams;
    expect(query.getAll('Action')).toEqual(['GetQueueUrl']);
    expect(query.get('Version')).toBe('2012-11-05');
    expect(query.get('QueueName')).toBe('q1');
    expect(req?.headers['x-amz-target']).toBe('AmazonSQS.GetQueueUrl');
  });
});

describe('file arguments', () => {
  it('caps a file by the decoded size its schema’s maxLength allows, else 10 MiB', () => {
    const tool = { inputSchema: { type: 'object', properties: { f: FILE_SCHEMA, g: { type: 'string' } } } };
    expect(maxFileBytes(tool, 'f')).toBe(3072);
    expect(maxFileBytes(tool, 'g')).toBe(DEFAULT_MAX_FILE_BYTES);
  });

  it('refuses a file whose decoded bytes pass the cap, before decoding it', () => {
    expect(() => decodeBase64File('f', Buffer.alloc(10).toString('base64'), 9)).toThrow(
      /argument "f" is 10 bytes decoded; the limit is 9 bytes/,
    );
    expect(decodeBase64File('f', Buffer.alloc(9).toString('base64'), 9)).toHaveLength(9);
  });

  it.each([
    ['unpadded', 'AAE'],
    ['URL-safe alphabet', 'A-_A'],
    ['a stray character', 'AA*A'],
    ['not a string', 42],
  ])('refuses base64 that is %s', (_what, value) => {
    expect(() => decodeBase64File('f', value, 100)).toThrow(BodyEncodingError);
  });

  it('accepts base64 broken into MIME lines', () => {
    expect(decodeBase64File('f', 'AAEC\r\nAwQF', 100)).toEqual(Buffer.from([0, 1, 2, 3, 4, 5]));
  });

  it('keeps quotes and line breaks of part names from breaking the part headers', () => {
    const { body } = encodeMultipart(
      { inputSchema: {} },
      [{ arg: 'a', name: 'x"\r\nContent-Type: evil', value: 'v' }],
      'B',
    );
    expect(body.toString()).toContain('name="x%22%0D%0AContent-Type: evil"');
  });
});

describe.each(ERAS)('answers by Content-Type (%s client)', (era) => {
  async function call(kind: string) {
    const client = await connectClient(server.url, era);
    clients.push(client);
    return client.callTool({ name: 'files.get_document', arguments: { kind } });
  }

  it('returns a PDF as an embedded resource with its MIME type and a base64 blob', async () => {
    const result = await call('pdf');
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([
      {
        type: 'resource',
        resource: {
          uri: 'raku://files/get_document/response',
          mimeType: 'application/pdf',
          blob: PDF.toString('base64'),
        },
      },
    ]);
  });

  it('returns an image as image content and audio as audio content', async () => {
    expect((await call('png')).content).toEqual([
      { type: 'image', mimeType: 'image/png', data: PNG.toString('base64') },
    ]);
    expect((await call('mp3')).content).toEqual([
      { type: 'audio', mimeType: 'audio/mpeg', data: MP3.toString('base64') },
    ]);
  });

  it('returns text and XML types as text', async () => {
    expect(textOf(await call('csv'))).toBe('a,b\n1,2\n');
    expect(textOf(await call('xml'))).toBe('<ok/>');
  });

  it('fails a binary answer larger than upstream.maxResponseBytes with a tool error', async () => {
    const result = await call('huge');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('larger than the 2048-byte limit');
  });

  it('names a binary error body by its size and type rather than printing its bytes', async () => {
    const result = await call('missing');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(`upstream answered 404`);
    expect(textOf(result)).toContain(`(${PDF.length} bytes of application/pdf)`);
  });
});

describe('empty answers', () => {
  it('returns an empty body as empty text whatever its Content-Type', () => {
    expect(binaryContent(Buffer.alloc(0), 'application/pdf', 'raku://p/t/response')).toBeUndefined();
  });
});

describe('content kinds', () => {
  it.each([
    ['application/json; charset=utf-8', 'json'],
    ['application/vnd.api+json', 'json'],
    ['text/html', 'text'],
    ['application/atom+xml', 'text'],
    ['application/x-ndjson', 'text'],
    ['image/svg+xml', 'image'],
    ['audio/ogg', 'audio'],
    ['application/zip', 'resource'],
    ['application/octet-stream', 'resource'],
    [undefined, 'text'],
    ['nonsense', 'text'],
  ])('%s is returned as %s', (type, kind) => {
    expect(contentKind(type)).toBe(kind);
  });
});
