import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../config/src/errors.ts';
import { type ImportOptions, importOpenApi } from '../../import/src/build-pack.ts';
import { checkPack } from '../../import/src/import-pack.ts';
import { parseDocument } from '../../import/src/openapi-document.ts';
import { readOpenApiDocument } from '../../import/src/read-document.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const shop = () => parseDocument(readFileSync(path.join(fixtures, 'shop-v1.yaml')), 'shop-v1.yaml');
const opts: ImportOptions = {
  name: 'shop',
  owner: 'shop-team',
  sourceDocument: 'openapi.yaml',
  sha256: 'b'.repeat(64),
};

describe('importOpenApi', () => {
  const { pack, report } = importOpenApi(shop(), opts);
  const tool = (name: string) => {
    const t = pack.tools.find((x) => x.name === name);
    if (!t) throw new Error(`no tool ${name}`);
    return t;
  };

  it('resolves the server URL with its variables and maps the api key scheme to a secret reference', () => {
    expect(pack.upstream.baseUrls?.prod).toBe('https://eu.shop.example.com/api');
    expect(pack.upstream.auth).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'X-Api-Key',
      key: { secretRef: { name: 'shop-api', key: 'api-key' } },
    });
    // The auth header is filled by the pack server, never a tool argument.
    expect(Object.keys(tool('listOrders').inputSchema['properties'] as object)).toEqual(['limit']);
  });

  it('reports every operation not imported with its reason', () => {
    expect(report.skipped.map((s) => [s.operationId, s.code, s.reason])).toEqual([
      ['legacyReport', 'deprecated', 'deprecated (add --include-deprecated to import it)'],
      ['getSession', 'cookie', 'required cookie parameter "sid": packs do not send cookies'],
    ]);
    expect(report.imported.length + report.skipped.length).toBe(report.operationCount);
  });

  it('spreads an object body into arguments, without the readOnly id, and maps them to the body', () => {
    const create = tool('createOrder');
    expect(create.inputSchema['required']).toEqual(['item']);
    expect(Object.keys(create.inputSchema['properties'] as object)).toEqual(['item', 'quantity', 'note']);
    expect(create.http).toEqual({ method: 'POST', path: '/orders' });
    expect(create.annotations).toEqual({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    });
  });

  it('keeps a path and a query parameter of the same name apart, with the location in the mapping', () => {
    const get = tool('getOrder');
    expect(Object.keys(get.inputSchema['properties'] as object)).toEqual(['id', 'id_query']);
    expect(get.http?.args).toEqual({ id_query: { in: 'query', name: 'id' } });
    expect(get.inputSchema['required']).toEqual(['id']);
  });

  it('marks DELETE destructive and idempotent, GET read-only', () => {
    expect(tool('deleteOrder').annotations).toMatchObject({
      destructiveHint: true,
      idempotentHint: true,
      readOnlyHint: false,
    });
    expect(tool('listOrders').annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
  });

  it('removes text that looks like a credential and says so', () => {
    expect(JSON.stringify(pack)).not.toContain('sk_live_');
    expect(report.warnings.some((w) => /looks like a secret \(Stripe key\)/.test(w))).toBe(true);
  });

  it('records its source: the document, its hash and the operations', () => {
    expect(pack.source).toMatchObject({
      document: 'openapi.yaml',
      sha256: 'b'.repeat(64),
      format: 'openapi-3.0',
    });
    expect(pack.source?.operations?.[0]).toEqual({
      operationId: 'listOrders',
      method: 'GET',
      path: '/orders',
      tool: 'listOrders',
    });
  });

  it('writes a pack that validates', () => {
    const checked = checkPack(pack, 'packs/shop/pack.yaml', []);
    expect(checked.diagnostics).toEqual([]);
    expect(
      checked.yaml.startsWith('# yaml-language-server: $schema=../../schema/pack.schema.json\nname: shop\n'),
    ).toBe(true);
  });
});

describe('importOpenApi selection and limits', () => {
  it('selects by tag, method, path glob and operationId, and reports why others were left out', () => {
    const byTag = importOpenApi(shop(), { ...opts, include: ['tag:orders'], exclude: ['method:DELETE'] });
    expect(byTag.pack.tools.map((t) => t.name)).toEqual([
      'listOrders',
      'createOrder',
      'getOrder',
      'getReceipt',
    ]);
    expect(byTag.report.skipped.find((s) => s.operationId === 'deleteOrder')?.reason).toBe(
      'excluded by --exclude method:DELETE',
    );
    expect(byTag.report.skipped.find((s) => s.operationId === 'getSession')?.reason).toBe(
      'not matched by --include tag:orders',
    );
    const byPath = importOpenApi(shop(), { ...opts, include: ['path:/orders/*'] });
    expect(byPath.pack.tools.map((t) => t.name)).toEqual(['getOrder', 'deleteOrder']);
    const byId = importOpenApi(shop(), { ...opts, include: ['*Order'] });
    expect(byId.pack.tools.map((t) => t.name)).toEqual(['createOrder', 'getOrder', 'deleteOrder']);
  });

  it('caps the number of tools and says how to select more', () => {
    const { pack, report } = importOpenApi(shop(), { ...opts, maxTools: 2 });
    expect(pack.tools).toHaveLength(2);
    // 7 operations, 1 deprecated: 6 selected, 4 over the cap.
    expect(
      report.skipped.filter((s) => s.reason.startsWith('over the cap of 2 tools (6 operations selected)'))
        .length,
    ).toBe(4);
    expect(report.skipped.find((s) => s.reason.startsWith('over the cap'))?.reason).toMatch(
      /--include tag:<tag>.*raise --max-tools/,
    );
  });

  it('imports deprecated operations when asked', () => {
    const { pack } = importOpenApi(shop(), { ...opts, includeDeprecated: true });
    expect(pack.tools.map((t) => t.name)).toContain('legacyReport');
  });

  it('leaves the base URL of a relative server to the zones; rejects a bad --max-tools and a document with no operations', () => {
    const relative = {
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      servers: [{ url: '/v1' }],
      paths: { '/a': { get: { responses: { '200': { description: 'ok' } } } } },
    };
    const left = importOpenApi(relative, opts);
    expect(left.pack.upstream.baseUrls).toBeUndefined();
    expect(left.report.warnings).toContain(
      'servers[0].url "/v1" is not an absolute URL: the pack leaves its base URL to each zone (packs[].baseUrl), or pass --base-url',
    );
    expect(checkPack(left.pack, 'packs/shop/pack.yaml', []).diagnostics).toEqual([]);
    expect(() => importOpenApi(shop(), { ...opts, maxTools: 0 })).toThrow(UserError);
    const empty = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} };
    expect(() => importOpenApi(empty, { ...opts, baseUrl: 'https://x.example.com' })).toThrow(
      /no operation could be imported \(0 in the document\)/,
    );
    expect(() => importOpenApi({ swagger: '1.2' }, opts)).toThrow(
      /not a Swagger 2.0 or OpenAPI 3.x document/,
    );
  });

  it('resolves a relative server URL against the document URL', () => {
    const relative = {
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      servers: [{ url: '/v1' }],
      paths: { '/a': { get: { responses: { '200': { description: 'ok' } } } } },
    };
    const { pack } = importOpenApi(relative, {
      ...opts,
      documentUrl: 'https://docs.example.com/spec/openapi.json',
    });
    expect(pack.upstream.baseUrls?.dev).toBe('https://docs.example.com/v1');
    expect(pack.tools[0]?.name).toBe('get_a');
  });

  it('imports a path placeholder the document forgot to declare as a required string, with a warning', () => {
    const sloppy = {
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      servers: [{ url: 'https://x.example.com' }],
      paths: {
        '/items/{id}': { get: { operationId: 'getItem', responses: { '200': { description: 'ok' } } } },
      },
    };
    const { pack, report } = importOpenApi(sloppy, opts);
    expect(pack.tools[0]?.inputSchema).toEqual({
      type: 'object',
      properties: { id: { type: 'string' } },
      additionalProperties: false,
      required: ['id'],
    });
    expect(report.warnings).toContain(
      'GET /items/{id}: path parameter {id} is not declared; imported as a string',
    );
    expect(sloppy.paths['/items/{id}'].get).not.toHaveProperty('parameters');
  });

  it('shortens tool names so the exposed name fits 64 characters with a long pack name', () => {
    const long = {
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      servers: [{ url: 'https://x.example.com' }],
      paths: { '/a': { get: { operationId: 'x'.repeat(80), responses: { '200': { description: 'ok' } } } } },
    };
    const { pack } = importOpenApi(long, { ...opts, name: 'a-very-long-pack-name-for-a-test' });
    const exposed = `${pack.toolPrefix ?? pack.name}.${pack.tools[0]?.name}`;
    expect(exposed.length).toBeLessThanOrEqual(64);
    expect(checkPack(pack, `packs/${pack.name}/pack.yaml`, []).diagnostics).toEqual([]);
  });
});

describe('readOpenApiDocument', () => {
  it('bundles local external $refs (a recursive schema file included) into one document', async () => {
    const read = await readOpenApiDocument(path.join(fixtures, 'multi', 'openapi.yaml'));
    expect(read.bundled).toBe(true);
    const { pack } = importOpenApi(read.doc, { ...opts, name: 'split' });
    const get = pack.tools[0];
    expect(get?.inputSchema['properties']).toEqual({ id: { type: 'string', pattern: '^[a-z0-9-]+$' } });
    expect(JSON.stringify(get?.outputSchema)).toContain('"$ref":"#/$defs/');
    expect(checkPack(pack, 'packs/split/pack.yaml', []).diagnostics).toEqual([]);
  });

  it("refuses a $ref that leaves the document's folder", async () => {
    await expect(readOpenApiDocument(path.join(fixtures, 'escape', 'openapi.yaml'))).rejects.toThrow(
      /leaves the document's folder/,
    );
  });

  it('does not follow a remote $ref in a local document unless remote reading is allowed', async () => {
    await expect(readOpenApiDocument(path.join(fixtures, 'remote-ref', 'openapi.yaml'))).rejects.toThrow(
      /cannot resolve external \$ref/,
    );
  });

  it('refuses URLs unless remote reading is allowed, and oversized or missing files', async () => {
    await expect(readOpenApiDocument('https://example.com/openapi.json')).rejects.toThrow(/--allow-remote/);
    await expect(readOpenApiDocument(path.join(fixtures, 'nope.yaml'))).rejects.toThrow(/no such file/);
    await expect(
      readOpenApiDocument(path.join(fixtures, 'shop-v1.yaml'), { limits: { maxBytes: 100, maxAliases: 10 } }),
    ).rejects.toThrow(/over the 100-byte limit/);
  });

  it('rejects documents that are not OpenAPI, not UTF-8 or YAML alias bombs', () => {
    expect(() => parseDocument(Buffer.from('{"hello": 1}'), 'x.json')).toThrow(
      /not a Swagger 2.0 or OpenAPI 3.x/,
    );
    expect(() => parseDocument(Buffer.from([0xff, 0xfe, 0x00]), 'x.yaml')).toThrow(/not valid UTF-8/);
    const bomb = `openapi: 3.0.0\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [${Array(20).fill('*a').join(', ')}]\nc: [${Array(20).fill('*b').join(', ')}]\n`;
    expect(() => parseDocument(Buffer.from(bomb), 'bomb.yaml', { maxBytes: 1e6, maxAliases: 10 })).toThrow(
      /cannot parse/,
    );
  });
});

describe('readOpenApiDocument over http (--allow-remote)', () => {
  const relativeDoc = JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'Remote', version: '1' },
    servers: [{ url: '/api' }],
    paths: { '/ping': { get: { operationId: 'ping', responses: { '204': { description: 'ok' } } } } },
  });
  const splitDoc = JSON.stringify({
    openapi: '3.1.0',
    info: { title: 'Split remote', version: '1' },
    servers: [{ url: 'https://split.example.com' }],
    paths: {
      '/things': {
        get: {
          operationId: 'listThings',
          responses: {
            '200': { description: 'ok', content: { 'application/json': { schema: { $ref: 'thing.json' } } } },
          },
        },
      },
    },
  });
  let server: import('node:http').Server;
  let url: string;
  beforeAll(async () => {
    const { createServer } = await import('node:http');
    server = createServer((req, res) => {
      if (req.url === '/openapi.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(relativeDoc);
      } else if (req.url === '/split.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(splitDoc);
      } else if (req.url === '/thing.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'object', properties: { name: { type: 'string' } } }));
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/openapi.json' });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('fetches a document and resolves its relative server URL against the document URL', async () => {
    const read = await readOpenApiDocument(`${url}/openapi.json`, { allowRemote: true });
    expect(read.url).toBe(`${url}/openapi.json`);
    const { pack, report } = importOpenApi(read.doc, { ...opts, documentUrl: `${url}/openapi.json` });
    expect(pack.upstream.baseUrls).toEqual({ dev: `${url}/api` });
    expect(report.warnings.join()).toMatch(/plain http/);
  });

  it('bundles remote $refs only when remote reading is allowed', async () => {
    const read = await readOpenApiDocument(`${url}/split.json`, { allowRemote: true });
    expect(read.bundled).toBe(true);
    const { pack } = importOpenApi(read.doc, { ...opts, name: 'split' });
    expect(pack.tools[0]?.outputSchema).toEqual({ type: 'object', properties: { name: { type: 'string' } } });
  });

  it('refuses redirects, error statuses and documents over the size limit', async () => {
    await expect(readOpenApiDocument(`${url}/moved`, { allowRemote: true })).rejects.toThrow(/cannot fetch/);
    await expect(readOpenApiDocument(`${url}/missing`, { allowRemote: true })).rejects.toThrow(/HTTP 404/);
    await expect(
      readOpenApiDocument(`${url}/openapi.json`, {
        allowRemote: true,
        limits: { maxBytes: 50, maxAliases: 10 },
      }),
    ).rejects.toThrow(/larger than 50 bytes/);
  });
});
