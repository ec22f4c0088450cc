/**
 * Import coverage (issue 19): each class of real documents that used to be refused, as a minimal document.
 * Every pack produced here passes the repository validator.
 */
import { describe, expect, it } from 'vitest';
import type { Pack, Tool } from '../../config/src/model/types.ts';
import { type ImportOptions, importOpenApi } from '../../import/src/build-pack.ts';
import { fitsInOneFile } from '../../import/src/fit-limits.ts';
import { checkPack, checkPacks } from '../../import/src/import-pack.ts';
import { formatReport, formatWarnings } from '../../import/src/import-report.ts';
import type { OpenApiDocument } from '../../import/src/openapi-document.ts';
import { importOpenApiSplit } from '../../import/src/split-by-tag.ts';
import { documentForPack } from '../../import/src/split-document.ts';

const opts: ImportOptions = {
  name: 'api',
  owner: 'team',
  sourceDocument: 'openapi.json',
  sha256: '0'.repeat(64),
};

function doc(paths: Record<string, unknown>, extra: Record<string, unknown> = {}): OpenApiDocument {
  return {
    openapi: '3.0.3',
    info: { title: 'T', version: '1' },
    servers: [{ url: 'https://api.example.com' }],
    paths,
    ...extra,
  };
}
const ok = { '200': { description: 'ok' } };

function valid(pack: Pack): void {
  const errors = checkPack(pack, `packs/${pack.name}/pack.yaml`, []).diagnostics.filter(
    (d) => d.severity === 'error',
  );
  expect(errors).toEqual([]);
}
function only(pack: Pack): Tool {
  expect(pack.tools).toHaveLength(1);
  return pack.tools[0] as Tool;
}

describe('request bodies that are not JSON', () => {
  it('sends a form-encoded body as form fields', () => {
    const { pack } = importOpenApi(
      doc({
        '/sms': {
          post: {
            operationId: 'sendSms',
            requestBody: {
              required: true,
              content: {
                'application/x-www-form-urlencoded': {
                  schema: {
                    type: 'object',
                    required: ['to'],
                    properties: { to: { type: 'string' }, text: { type: 'string' } },
                  },
                },
              },
            },
            responses: ok,
          },
        },
      }),
      opts,
    );
    const tool = only(pack);
    expect(tool.http).toEqual({ method: 'POST', path: '/sms', body: 'form' });
    expect(tool.inputSchema['required']).toEqual(['to']);
    valid(pack);
  });

  it('sends a multipart upload with the file as a base64 argument typed by the encoding and capped', () => {
    const { pack } = importOpenApi(
      doc({
        '/files': {
          post: {
            operationId: 'upload',
            requestBody: {
              content: {
                'multipart/form-data': {
                  schema: {
                    type: 'object',
                    properties: { file: { type: 'string', format: 'binary' }, title: { type: 'string' } },
                  },
                  encoding: { file: { contentType: 'image/png' } },
                },
              },
            },
            responses: ok,
          },
        },
      }),
      opts,
    );
    const tool = only(pack);
    expect(tool.http?.body).toBe('multipart');
    expect((tool.inputSchema['properties'] as Record<string, unknown>)['file']).toEqual({
      type: 'string',
      contentEncoding: 'base64',
      contentMediaType: 'image/png',
      maxLength: Math.ceil((10 * 1024 * 1024) / 3) * 4,
      description: 'A file, base64-encoded (at most 10 MiB decoded).',
    });
    valid(pack);
  });

  it('prefers multipart over urlencoded when the form carries a file (Swagger 2.0 formData)', () => {
    const swagger = {
      swagger: '2.0',
      info: { title: 'T', version: '1' },
      host: 'api.example.com',
      schemes: ['https'],
      consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
      paths: {
        '/upload': {
          post: {
            operationId: 'up',
            parameters: [{ name: 'data', in: 'formData', type: 'file', required: true }],
            responses: ok,
          },
        },
      },
    };
    const tool = only(importOpenApi(swagger, opts).pack);
    expect(tool.http?.body).toBe('multipart');
    expect(tool.inputSchema['required']).toEqual(['data']);
  });

  it('sends a text or XML body as a string with its content type', () => {
    const { pack } = importOpenApi(
      doc({
        '/xml': {
          put: {
            operationId: 'putXml',
            requestBody: { required: true, content: { 'application/xml': { schema: { type: 'object' } } } },
            responses: ok,
          },
        },
        '/text': {
          post: {
            operationId: 'postText',
            requestBody: { content: { 'text/*': { schema: { type: 'string' } } } },
            responses: ok,
          },
        },
      }),
      opts,
    );
    const [text, xml] = pack.tools as [Tool, Tool];
    expect(xml.http).toEqual({
      method: 'PUT',
      path: '/xml',
      body: 'arg:body',
      contentType: 'application/xml',
    });
    expect(xml.inputSchema['required']).toEqual(['body']);
    expect(text.http?.contentType).toBe('text/plain');
    valid(pack);
  });

  it('leaves out a raw binary request body, naming its type', () => {
    const { report } = importOpenApi(
      doc({
        '/raw': { put: { requestBody: { content: { 'application/octet-stream': {} } }, responses: ok } },
        '/a': { get: { responses: ok } },
      }),
      opts,
    );
    expect(report.skipped).toEqual([
      {
        method: 'PUT',
        path: '/raw',
        code: 'body',
        reason:
          'request body is binary or of an unknown type (application/octet-stream); packs send JSON, form, multipart or text bodies',
      },
    ]);
  });

  it('keeps a JSON media type other than application/json as a fixed Content-Type', () => {
    const { pack } = importOpenApi(
      doc({
        '/items': {
          post: {
            requestBody: {
              content: {
                'application/vnd.api+json': {
                  schema: { type: 'object', properties: { a: { type: 'string' } } },
                },
              },
            },
            responses: ok,
          },
        },
      }),
      opts,
    );
    expect(only(pack).http?.fixed).toEqual({ headers: { 'Content-Type': 'application/vnd.api+json' } });
  });
});

describe('documents real APIs publish', () => {
  it('writes multi-line text in a small map as valid YAML (a line starting with "- ")', () => {
    const { pack } = importOpenApi(
      doc({
        '/a': {
          get: {
            parameters: [
              {
                name: 'kind',
                in: 'query',
                schema: { type: 'string', description: 'Valid values:\n\n- `a`\n\n- `b`' },
              },
            ],
            responses: ok,
          },
        },
      }),
      opts,
    );
    valid(pack);
  });

  it('reduces the large arguments of a very large input schema to their type, keeping them required', () => {
    const huge = {
      type: 'object',
      description: 'An envelope',
      properties: Object.fromEntries(
        Array.from({ length: 3000 }, (_, i) => [`f${i}`, { type: 'string', description: `field ${i}` }]),
      ),
    };
    const { pack, report } = importOpenApi(
      doc(
        {
          '/envelopes': {
            post: {
              requestBody: {
                required: true,
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      required: ['envelope'],
                      properties: {
                        envelope: { $ref: '#/components/schemas/Envelope' },
                        note: { type: 'string' },
                      },
                    },
                  },
                },
              },
              responses: ok,
            },
          },
        },
        { components: { schemas: { Envelope: huge } } },
      ),
      opts,
    );
    const tool = only(pack);
    expect(tool.inputSchema).toEqual({
      type: 'object',
      properties: { envelope: { type: 'object', description: 'An envelope' }, note: { type: 'string' } },
      additionalProperties: false,
      required: ['envelope'],
    });
    expect(report.warnings, JSON.stringify(report.warnings)).toContain(
      'POST /envelopes: input schema reduced (it is large): its large arguments accept any value of their type',
    );
    valid(pack);
  });

  it('leaves out an optional parameter without a name, with a warning', () => {
    const { pack, report } = importOpenApi(
      doc({
        '/a': {
          get: { parameters: [{ name: '', in: 'header', schema: { type: 'string' } }], responses: ok },
        },
      }),
      opts,
    );
    expect(only(pack).inputSchema['properties']).toEqual({});
    expect(report.warnings).toContain('GET /a: optional header parameter without a name left out');
    valid(pack);
  });
});

describe('binary responses', () => {
  it('imports an operation answering a PDF (the pack server returns it as an embedded resource)', () => {
    const { pack, report } = importOpenApi(
      doc({
        '/doc/{id}': {
          get: {
            operationId: 'getPdf',
            responses: {
              '200': {
                description: 'PDF',
                content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
              },
            },
          },
        },
      }),
      opts,
    );
    expect(report.skipped).toEqual([]);
    expect(only(pack).outputSchema).toBeUndefined();
    valid(pack);
  });
});

describe('base URLs the document does not give', () => {
  it('leaves the base URL to the zones when there is no server, and says so', () => {
    const noServer = doc({ '/a': { get: { responses: ok } } });
    delete noServer['servers'];
    const { pack, report } = importOpenApi(noServer, opts);
    expect(pack.upstream).toEqual({});
    expect(report.warnings).toContain(
      'the document names no server: the pack leaves its base URL to each zone (packs[].baseUrl), or pass --base-url',
    );
    valid(pack);
  });

  it('reads a scheme-relative server as https; --base-url still wins', () => {
    const d = doc(
      { '/a': { get: { responses: ok } } },
      { servers: [{ url: '//www.ebi.ac.uk/Tools/crossbar' }] },
    );
    expect(importOpenApi(d, opts).pack.upstream.baseUrls?.prod).toBe('https://www.ebi.ac.uk/Tools/crossbar');
    expect(
      importOpenApi(d, { ...opts, baseUrl: 'https://mirror.example.com' }).pack.upstream.baseUrls?.prod,
    ).toBe('https://mirror.example.com');
  });
});

describe('AWS-style operations', () => {
  const aws = (paths: Record<string, unknown>) =>
    doc(paths, {
      info: {
        title: 'Amazon',
        version: '2012-11-05',
        'x-providerName': 'amazonaws.com',
        'x-serviceName': 'sqs',
      },
      servers: [
        { url: 'http://sqs.{region}.amazonaws.com', variables: { region: { default: 'us-east-1' } } },
        { url: 'https://sqs.{region}.amazonaws.com', variables: { region: { default: 'eu-west-1' } } },
      ],
      security: [{ hmac: [] }],
      components: {
        securitySchemes: {
          hmac: {
            type: 'apiKey',
            name: 'Authorization',
            in: 'header',
            'x-amazon-apigateway-authtype': 'awsSigv4',
          },
        },
      },
    });

  it('turns #X-Amz-Target into a fixed header on path "/" and signs with SigV4', () => {
    const { pack } = importOpenApi(
      aws({
        '/#X-Amz-Target=AmazonSQS.SendMessage': {
          post: {
            operationId: 'SendMessage',
            parameters: [
              {
                name: 'X-Amz-Target',
                in: 'header',
                required: true,
                schema: { type: 'string', enum: ['AmazonSQS.SendMessage'] },
              },
            ],
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: { type: 'object', properties: { QueueUrl: { type: 'string' } } },
                },
              },
            },
            responses: ok,
          },
        },
      }),
      opts,
    );
    const tool = only(pack);
    expect(tool.http).toEqual({
      method: 'POST',
      path: '/',
      fixed: { headers: { 'X-Amz-Target': 'AmazonSQS.SendMessage' } },
    });
    expect(Object.keys(tool.inputSchema['properties'] as object)).toEqual(['QueueUrl']);
    expect(pack.upstream.baseUrls?.prod).toBe('https://sqs.eu-west-1.amazonaws.com');
    expect(pack.upstream.auth).toEqual({
      type: 'sigv4',
      region: 'eu-west-1',
      service: 'sqs',
      accessKeyId: { secretRef: { name: 'api-api', key: 'access-key-id' } },
      secretAccessKey: { secretRef: { name: 'api-api', key: 'secret-access-key' } },
    });
    expect(pack.source?.operations?.[0]?.path).toBe('/#X-Amz-Target=AmazonSQS.SendMessage');
    valid(pack);
  });

  it('turns #Action=Name and the one-valued Version into fixed query parameters', () => {
    const { pack } = importOpenApi(
      aws({
        '/{AccountNumber}/{QueueName}/#Action=DeleteQueue': {
          get: {
            operationId: 'GET_DeleteQueue',
            parameters: [
              { name: 'AccountNumber', in: 'path', required: true, schema: { type: 'integer' } },
              { name: 'QueueName', in: 'path', required: true, schema: { type: 'string' } },
              {
                name: 'Action',
                in: 'query',
                required: true,
                schema: { type: 'string', enum: ['DeleteQueue'] },
              },
              {
                name: 'Version',
                in: 'query',
                required: true,
                schema: { type: 'string', enum: ['2012-11-05'] },
              },
            ],
            responses: ok,
          },
        },
      }),
      opts,
    );
    const tool = only(pack);
    expect(tool.http?.path).toBe('/{AccountNumber}/{QueueName}/');
    expect(tool.http?.fixed).toEqual({ query: { Action: 'DeleteQueue', Version: '2012-11-05' } });
    expect(Object.keys(tool.inputSchema['properties'] as object)).toEqual(['AccountNumber', 'QueueName']);
    valid(pack);
  });

  it('reads S3 flags (#acl) as empty query values, a declared marker (#uploadId) as its argument, {Key+} as {Key}', () => {
    const { pack } = importOpenApi(
      aws({
        '/{Bucket}#acl': {
          get: {
            operationId: 'GetBucketAcl',
            parameters: [{ name: 'Bucket', in: 'path', required: true, schema: { type: 'string' } }],
            responses: ok,
          },
        },
        '/{Bucket}/{Key+}#uploadId': {
          delete: {
            operationId: 'AbortMultipartUpload',
            parameters: [
              { name: 'Bucket', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'Key', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'uploadId', in: 'query', required: true, schema: { type: 'string' } },
            ],
            responses: ok,
          },
        },
      }),
      opts,
    );
    const byName = new Map(pack.tools.map((t) => [t.name, t]));
    expect(byName.get('GetBucketAcl')?.http).toEqual({
      method: 'GET',
      path: '/{Bucket}',
      fixed: { query: { acl: '' } },
    });
    const abort = byName.get('AbortMultipartUpload') as Tool;
    expect(abort.http?.path).toBe('/{Bucket}/{Key}');
    expect(abort.http?.fixed).toBeUndefined();
    expect(abort.inputSchema['required']).toEqual(['Bucket', 'Key', 'uploadId']);
    valid(pack);
  });
});

describe('AWS-style paths packs cannot carry', () => {
  it('skips an operation whose fixed header value would hold a line break', () => {
    const { report } = importOpenApi(
      doc({ '/#X-Amz-Target=A%0D%0AB': { post: { responses: ok } }, '/ok': { get: { responses: ok } } }),
      opts,
    );
    expect(report.skipped.map((s) => [s.code, s.reason])).toEqual([
      ['path', 'path "/#X-Amz-Target=A%0D%0AB" names a constant packs cannot send: X-Amz-Target'],
    ]);
  });
});

describe('deprecated-only selections', () => {
  it('imports them when nothing else would be, marked in the description and warned', () => {
    const { pack, report } = importOpenApi(
      doc({ '/old': { get: { operationId: 'old', summary: 'Old thing', deprecated: true, responses: ok } } }),
      opts,
    );
    expect(only(pack).description).toBe('Deprecated: Old thing');
    expect(report.warnings).toContain(
      'every selected operation is deprecated (1): imported them anyway, each description starts with "Deprecated:"',
    );
  });
});

/** A document of `n` operations spread over the given tags (round robin). */
function large(n: number, tags: string[]): OpenApiDocument {
  const paths: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const tag = tags[i % tags.length] as string;
    paths[`/r${i}`] = {
      get: {
        operationId: `op${i}`,
        ...(tag ? { tags: [tag] } : {}),
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
        },
      },
    };
  }
  return doc(paths, {
    components: {
      schemas: {
        Thing: { type: 'object', properties: { id: { type: 'string' } } },
        Unused: { type: 'object', properties: { x: { type: 'string' } } },
      },
    },
  });
}

describe('--split-by tag', () => {
  it('makes one pack per tag, cuts a tag over the cap into parts, and every pack validates', () => {
    const { packs, report } = importOpenApiSplit(large(130, ['Issues', 'pulls', 'issues', 'Issues', '']), {
      ...opts,
      name: 'gh',
      maxTools: 40,
    });
    // 'Issues' (52) is over the cap: two parts; 'issues' is another tag with a distinct name.
    expect(packs.map((p) => [p.pack.name, p.group, p.pack.tools.length])).toEqual([
      ['gh-issues-1', 'Issues (part 1)', 40],
      ['gh-issues-2', 'Issues (part 2)', 12],
      ['gh-issues', 'issues', 26],
      ['gh-pulls', 'pulls', 26],
      ['gh-untagged', 'untagged', 26],
    ]);
    expect(report.imported).toHaveLength(130);
    // Tool names are assigned across the document: exposed names are those of one big pack.
    expect(new Set(packs.flatMap((p) => p.pack.tools.map((t) => t.name))).size).toBe(130);
    for (const { pack } of packs) {
      expect(pack.toolPrefix).toBe('gh');
      valid(pack);
    }
  });

  it('cuts a group over the cap into numbered parts', () => {
    const { packs } = importOpenApiSplit(large(90, ['a']), { ...opts, maxTools: 40 });
    expect(packs.map((p) => [p.pack.name, p.pack.tools.length])).toEqual([
      ['api-a-1', 40],
      ['api-a-2', 40],
      ['api-a-3', 10],
    ]);
  });

  it('cuts a group whose pack would not fit in one file in two', () => {
    // 4 tools of 60,000 values each are over the 180,000 values a pack file may hold; 2 are not.
    const wide = {
      type: 'object',
      properties: Object.fromEntries(
        Array.from({ length: 67 }, (_, i) => [`p${i}`, { enum: Array(900).fill(0) }]),
      ),
    };
    const paths: Record<string, unknown> = {};
    for (let i = 0; i < 4; i++) {
      paths[`/w${i}`] = {
        post: {
          tags: ['big'],
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Wide' } } } },
          responses: ok,
        },
      };
    }
    const { packs } = importOpenApiSplit(doc(paths, { components: { schemas: { Wide: wide } } }), opts);
    expect(packs.map((p) => [p.pack.name, p.pack.tools.length])).toEqual([
      ['api-big-1', 2],
      ['api-big-2', 2],
    ]);
    for (const { pack } of packs) expect(fitsInOneFile(pack)).toBe(true);
  });

  it('puts small tags together, whole and in tag order, up to the cap, names the packs by their range and says so', () => {
    // 70 operations: big 40, c 10, a 10, b 10 (round robin over the list).
    const { packs, report } = importOpenApiSplit(large(70, ['big', 'big', 'big', 'big', 'c', 'a', 'b']), {
      ...opts,
      maxTools: 25,
    });
    expect(packs.map((p) => [p.pack.name, p.group, p.pack.tools.length])).toEqual([
      ['api-a-to-b', 'a, b', 20],
      ['api-big-1', 'big (part 1)', 25],
      ['api-big-2', 'big (part 2)', 15],
      ['api-c', 'c', 10],
    ]);
    expect(report.warnings).toContain(
      'tags with fewer than 20 operations share packs, in tag order, up to 25 tools each: api-a-to-b (2 tags: a, b)',
    );
    for (const { pack } of packs) valid(pack);
  });

  it('gives a tag of 20 operations its own pack and groups the same way whatever the order of the paths', () => {
    const document = large(59, ['twenty', 'x', 'y']); // twenty 20, x 20, y 19
    const paths = Object.entries(document['paths'] as object).reverse();
    const reversed = { ...document, paths: Object.fromEntries(paths) };
    const shape = (d: OpenApiDocument) =>
      importOpenApiSplit(d, opts).packs.map((p) => [p.pack.name, p.group, p.pack.tools.length]);
    expect(shape(document)).toEqual([
      ['api-twenty', 'twenty', 20],
      ['api-x', 'x', 20],
      ['api-y', 'y', 19],
    ]);
    expect(shape(reversed)).toEqual(shape(document));
    expect(importOpenApiSplit(large(6, ['q', 'p', 'r']), opts).packs.map((p) => p.pack.name)).toEqual([
      'api-p-to-r',
    ]);
  });

  it('checks the packs of a split in one validation, each diagnostic on its own pack', () => {
    const { packs } = importOpenApiSplit(large(60, ['a', 'b']), { ...opts, maxTools: 20 });
    const units = packs.map(({ pack }) => ({ pack, packPath: `packs/${pack.name}/pack.yaml` }));
    const checked = checkPacks(units, []);
    expect(checked.map((c) => c.diagnostics)).toEqual(units.map(() => []));
    expect(checked.map((c) => c.yaml)).toEqual(units.map((u) => checkPack(u.pack, u.packPath, []).yaml));
    const broken = units.map((u, i) =>
      i === 1
        ? { ...u, pack: { ...u.pack, tools: [{ ...u.pack.tools[0], name: 'Not A Name!' }] } as Pack }
        : u,
    );
    const again = checkPacks(broken, []);
    expect(again[0]?.diagnostics).toEqual([]);
    expect(again[1]?.diagnostics.some((d) => d.severity === 'error' && d.file === units[1]?.packPath)).toBe(
      true,
    );
  });

  it("keeps in each pack's snapshot only its operations and the schemas they reach", () => {
    const { packs } = importOpenApiSplit(large(4, ['a', 'b']), { ...opts, maxTools: 2 });
    const part = documentForPack(large(4, ['a', 'b']), (packs[0] as { pack: Pack }).pack);
    expect(Object.keys(part['paths'] as object)).toEqual(['/r0', '/r2']);
    expect(Object.keys((part['components'] as { schemas: object }).schemas)).toEqual(['Thing']);
    expect(part['servers']).toEqual([{ url: 'https://api.example.com' }]);
  });
});

describe('reports that stay readable', () => {
  it('summarises a 10,000-operation document by reason in a few lines', () => {
    const { report } = importOpenApi(large(10_000, ['a']), { ...opts, maxTools: 10, include: ['op:op1*'] });
    const text = formatReport(report, false);
    expect(text.split('\n').length).toBeLessThan(10);
    expect(text).toContain('openapi-3.0 document: 10000 operations, 10 imported, 9990 not imported');
    expect(text).toContain('not imported (8889): not matched by --include op:op1*');
    expect(text).toContain('every operation and its reason: --format json, or --report <file>');
    const warnings = Array.from({ length: 500 }, (_, i) => `w${i}`);
    expect(formatWarnings(warnings).split('\n').filter(Boolean)).toHaveLength(21);
  });
});
