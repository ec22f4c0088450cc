/**
 * The import API over real HTTP against a local-mode gateway on a git copy of this repository's config:
 * analysis (the CLI's result, document order, errors as 400s naming what is wrong), drafts whose patch
 * `git apply`s and validates, the body limit, URL imports under the SSRF rules, AI suggestions with OpenAI
 * faked at its HTTP boundary (nock), and random bodies that never get a 500.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sha256Hex, validateConfig } from '@raku/config';
import { analyzeOpenApi, parseDocument, snapshotFileName } from '@raku/import';
import fc from 'fast-check';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, type ImportGateway, startImportGateway } from './import-gateway.ts';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../node_modules/@readme/oas-examples/3.0/json');
const PETSTORE = readFileSync(path.join(EXAMPLES, 'petstore.json'), 'utf8');
const MAX = 2 * 1024 * 1024;

let main: ImportGateway;
let plain: ImportGateway;
let docServer: http.Server;
let docUrl: string;

beforeAll(async () => {
  // main: URL fetch on (private networks off), OpenAI configured (faked by nock), a 2 MiB body limit.
  main = await startImportGateway({
    RAKU_IMPORT_URLS: '1',
    RAKU_IMPORT_MAX_BYTES: String(MAX),
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: 'https://openai.test/v1',
    RAKU_AI_MODEL: 'gpt-test',
  });
  // plain: the defaults (no URL fetch, no AI, 32 MiB).
  plain = await startImportGateway();
  docServer = http.createServer((req, res) => {
    if (req.url === '/petstore.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(PETSTORE);
    } else if (req.url === '/moved') {
      res.writeHead(302, { location: '/petstore.json' });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => docServer.listen(0, '127.0.0.1', resolve));
  docUrl = `http://127.0.0.1:${(docServer.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await main?.close();
  await plain?.close();
  await new Promise((resolve) => docServer?.close(resolve));
  nock.cleanAll();
});

interface Operation {
  id: string;
  selected: boolean;
  tool: { name: string; description: string; inputSchema: unknown; sensitive: boolean } | null;
  skipped: { code: string; reason: string } | null;
}

describe('capabilities', () => {
  it('says what the gateway may do, from its settings', async () => {
    expect((await plain.api('GET', '/v1/imports/capabilities')).json).toEqual({
      fetchUrls: false,
      ai: { enabled: false, provider: null },
      maxDocumentBytes: 32 * 1024 * 1024,
    });
    expect((await main.api('GET', '/v1/imports/capabilities')).json).toEqual({
      fetchUrls: true,
      ai: { enabled: true, provider: 'openai' },
      maxDocumentBytes: MAX,
    });
  });

  it('needs a token', async () => {
    const res = await main.api('GET', '/v1/imports/capabilities', undefined, { token: null });
    expect(res.status).toBe(401);
    const post = await main.api(
      'POST',
      '/v1/imports/openapi/analysis',
      { document: PETSTORE },
      { token: null },
    );
    expect(post.status).toBe(401);
  });
});

describe('POST /v1/imports/openapi/analysis', () => {
  it('answers what raku import openapi computes, in document order, and the committed pack of that name', async () => {
    const res = await main.api('POST', '/v1/imports/openapi/analysis', {
      document: PETSTORE,
      name: 'petstore',
    });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(PETSTORE);
    const cli = analyzeOpenApi(parseDocument(bytes, 'petstore.json'), {
      name: 'petstore',
      sourceDocument: snapshotFileName(bytes),
      sha256: sha256Hex(bytes),
    });
    const ops = res.json['operations'] as Operation[];
    expect(ops.map((o) => o.id)).toEqual(cli.operations.map((o) => o.id));
    // The document's first (the CLI's order, path then method, would put PUT /pet first).
    expect(ops.slice(0, 2).map((o) => o.id)).toEqual(['POST /pet', 'PUT /pet']);
    for (const [i, op] of ops.entries()) {
      const expected = cli.operations[i];
      expect(op.selected).toBe(expected?.selected);
      expect(op.tool?.name).toBe(expected?.tool?.name);
      expect(op.tool?.inputSchema).toEqual(expected?.tool?.inputSchema);
      expect(op.tool?.description).toBe(expected?.tool?.description);
    }
    expect(res.json).toMatchObject({
      documentSha256: sha256Hex(bytes),
      format: 'openapi-3.0',
      pack: { name: 'petstore', version: '0.1.0' },
      counts: { operations: ops.length, selected: ops.filter((o) => o.selected).length },
      existingPack: { name: 'petstore', zones: ['dev', 'prod', 'staging'] },
    });
  });

  it('derives the pack name from the title and says when no pack of that name exists', async () => {
    const res = await main.api('POST', '/v1/imports/openapi/analysis', { document: PETSTORE });
    expect(res.json['pack']).toMatchObject({ name: 'swagger-petstore' });
    expect(res.json['existingPack']).toBeNull();
  });

  it('answers a document with nothing importable with every operation skipped, and why', async () => {
    const doc = {
      openapi: '3.0.3',
      info: { title: 'cookies', version: '1' },
      servers: [{ url: 'https://api.example.com' }],
      paths: {
        '/a': {
          get: {
            parameters: [{ name: 's', in: 'cookie', required: true, schema: { type: 'string' } }],
            responses: { '200': { description: 'ok' } },
          },
        },
      },
    };
    const res = await main.api('POST', '/v1/imports/openapi/analysis', { document: JSON.stringify(doc) });
    expect(res.status).toBe(200);
    expect(res.json['operations']).toEqual([
      expect.objectContaining({
        id: 'GET /a',
        selected: false,
        tool: null,
        skipped: expect.objectContaining({ code: 'cookie' }),
      }),
    ]);
    expect(res.json['counts']).toEqual({ operations: 1, importable: 0, skipped: 1, selected: 0 });
  });

  it.each([
    [
      'JSON that does not parse, with its line and column',
      { document: '{\n  "openapi": "3.0.0"\n  "info": {}\n}' },
      /^document: cannot parse: .*\(line 3, column 3\)$/,
    ],
    [
      'YAML that does not parse, with its line and column',
      { document: 'openapi: 3.0.0\ninfo: a: b\n' },
      /^document: cannot parse: .*line 2, column/,
    ],
    [
      'a document that is not OpenAPI',
      { document: '{"hello": "world"}' },
      /^document: not a Swagger 2.0 or OpenAPI 3.x document/,
    ],
    ['an empty document', { document: '' }, /^document: the document is not an object/],
    [
      'both document and url',
      { document: PETSTORE, url: 'https://example.com/a.json' },
      /exactly one of document .* and url/,
    ],
    ['neither', { name: 'x' }, /exactly one of document/],
    ['an unknown field', { document: PETSTORE, owner: 'x' }, /^request body: owner: unknown field/],
    [
      'a bad pack name',
      { document: PETSTORE, name: 'Not_A_Label' },
      /^name: "Not_A_Label" is not a pack name/,
    ],
    ['a base URL that is not one', { document: PETSTORE, baseUrl: 'not a url' }, /base-url "not a url"/],
  ])('refuses %s with a 400 naming it', async (_what, body, message) => {
    const res = await main.api('POST', '/v1/imports/openapi/analysis', body);
    expect(res.status).toBe(400);
    expect((res.json['error'] as { message: string }).message).toMatch(message);
  });

  it('takes bodies past the 1 MB of other routes, up to its own limit, and answers 413 naming the limit past it', async () => {
    const doc = JSON.parse(PETSTORE) as { info: { description: string } };
    doc.info.description = 'x'.repeat(1_500_000);
    const big = await main.api('POST', '/v1/imports/openapi/analysis', { document: JSON.stringify(doc) });
    expect(big.status).toBe(200);
    doc.info.description = 'x'.repeat(MAX);
    const over = await main.api('POST', '/v1/imports/openapi/analysis', { document: JSON.stringify(doc) });
    expect(over.status).toBe(413);
    expect(over.json['error']).toEqual({
      code: 'payload_too_large',
      message: expect.stringContaining(`over the ${MAX}-byte (2 MiB) limit of the import routes`),
    });
  });
});

describe('POST /v1/imports/openapi/draft', () => {
  it('drafts the pack, the zone entry and a policy whose patch git-applies and validates', async () => {
    const analysis = await main.api('POST', '/v1/imports/openapi/analysis', {
      document: PETSTORE,
      name: 'pets',
    });
    const chosen = (analysis.json['operations'] as Operation[]).filter((o) => o.selected).slice(0, 3);
    const res = await main.api('POST', '/v1/imports/openapi/draft', {
      source: { document: PETSTORE, name: 'pets' },
      operations: [
        { id: chosen[0]?.id, name: 'renamed_tool', description: 'A clearer description.' },
        { id: chosen[1]?.id, sensitive: true },
        { id: chosen[2]?.id },
      ],
      zone: 'dev',
      role: { name: 'pets-users', subjects: ['group:pet-people'] },
    });
    expect(res.status).toBe(200);
    const draft = res.json as {
      pack: unknown;
      files: { path: string; content: string }[];
      contractDiff: string | null;
      preview: {
        valid: boolean;
        patch: string;
        diagnostics: unknown[];
        access: { tool: string; change: string }[];
      };
      warnings: string[];
    };
    expect(draft.pack).toEqual({ name: 'pets', version: '0.1.0', tools: 3 });
    expect(draft.files.map((f) => f.path)).toEqual([
      'packs/pets/pack.yaml',
      'zones/dev.yaml',
      'policies/pets.yaml',
    ]);
    expect(draft.contractDiff).toBeNull();
    expect(draft.preview.valid).toBe(true);
    expect(draft.warnings.join('\n')).toMatch(/packs\/pets\/openapi\.json: the document snapshot/);
    const pack = draft.files[0]?.content ?? '';
    expect(pack).toContain('name: renamed_tool');
    expect(pack).toContain('description: A clearer description.');
    expect(pack).toContain('sensitive: true');
    // The zone file keeps its comments and order: the patch adds one line to it.
    const zonePatch =
      draft.preview.patch.split(/^diff --git /m).find((p) => p.includes('zones/dev.yaml')) ?? '';
    expect(zonePatch.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['+  - name: pets']);
    expect(draft.preview.access).toEqual(
      expect.arrayContaining([expect.objectContaining({ tool: 'pets.renamed_tool', change: 'gained' })]),
    );

    // Applied to the checkout, the change passes raku validate.
    writeFileSync(path.join(main.root, 'draft.patch'), draft.preview.patch);
    git(main.root, 'apply', '--check', 'draft.patch');
    git(main.root, 'apply', 'draft.patch');
    try {
      const validated = await validateConfig({ root: main.root });
      expect(validated.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(readFileSync(path.join(main.root, 'packs/pets/pack.yaml'), 'utf8')).toBe(pack);
    } finally {
      git(main.root, 'apply', '-R', 'draft.patch');
    }
  });

  it('diffs the tool contract against the committed pack of that name', async () => {
    const analysis = await main.api('POST', '/v1/imports/openapi/analysis', {
      document: PETSTORE,
      name: 'petstore',
    });
    const ids = (analysis.json['operations'] as Operation[])
      .filter((o) => o.selected)
      .map((o) => ({ id: o.id }));
    const res = await main.api('POST', '/v1/imports/openapi/draft', {
      source: { document: PETSTORE, name: 'petstore' },
      operations: ids,
    });
    expect(res.status).toBe(200);
    expect(res.json['contractDiff']).toMatch(/suggested version bump: /);
    expect((res.json['files'] as { path: string }[]).map((f) => f.path)).toEqual([
      'packs/petstore/pack.yaml',
    ]);
  });

  it('finds the zone by its name, as GET /v1/zones lists it, whatever its file is called', async () => {
    const from = path.join(main.root, 'zones/dev.yaml');
    const to = path.join(main.root, 'zones/development.yaml');
    renameSync(from, to);
    try {
      const res = await main.api('POST', '/v1/imports/openapi/draft', {
        source: { document: PETSTORE, name: 'pets' },
        operations: [{ id: 'GET /pet/{petId}' }],
        zone: 'dev',
      });
      expect(res.status).toBe(200);
      expect((res.json['files'] as { path: string }[]).map((f) => f.path)).toContain(
        'zones/development.yaml',
      );
    } finally {
      renameSync(to, from);
    }
  });

  it.each([
    [
      'an operation the document does not have',
      { operations: [{ id: 'GET /nowhere' }] },
      'operations[0].id: no operation "GET /nowhere" in the document',
    ],
    [
      'a tool name against the rules',
      { operations: [{ id: 'GET /pet/{petId}', name: 'has.dot' }] },
      'operations[0].name: "has.dot" is not a tool name',
    ],
    [
      'a zone that holds the pack already',
      { source: { document: PETSTORE, name: 'petstore' }, zone: 'dev' },
      'zone: pack "petstore" is already in zone "dev"',
    ],
    ['a zone that does not exist', { zone: 'nowhere' }, 'zone: no zone "nowhere"'],
    ['no operation', { operations: [] }, 'request body: operations: must NOT have fewer than 1 items'],
  ])('refuses %s with a 400 naming it', async (_what, change, message) => {
    const res = await main.api('POST', '/v1/imports/openapi/draft', {
      source: { document: PETSTORE, name: 'pets' },
      operations: [{ id: 'GET /pet/{petId}' }],
      ...change,
    });
    expect(res.status).toBe(400);
    expect((res.json['error'] as { message: string }).message).toContain(message);
  });
});

describe('a draft too large for one change file', () => {
  it('is a 400 saying to choose fewer operations', async () => {
    // 150 operations whose bodies have 20 described fields: a pack file over the 1 MiB a change file holds.
    const field = (j: number) => ({
      type: 'string',
      description: `Field ${j}: ${'words of text '.repeat(20)}`,
    });
    const props = Object.fromEntries(Array.from({ length: 20 }, (_, j) => [`field${j}`, field(j)]));
    const paths = Object.fromEntries(
      Array.from({ length: 150 }, (_, i) => [
        `/things${i}`,
        {
          post: {
            operationId: `make${i}`,
            requestBody: {
              content: { 'application/json': { schema: { type: 'object', properties: props } } },
            },
            responses: { '200': { description: 'ok' } },
          },
        },
      ]),
    );
    const document = JSON.stringify({
      openapi: '3.0.3',
      info: { title: 'Big', version: '1' },
      servers: [{ url: 'https://big.example.com' }],
      paths,
    });
    const res = await main.api('POST', '/v1/imports/openapi/draft', {
      source: { document },
      operations: Object.keys(paths).map((p) => ({ id: `POST ${p}` })),
    });
    expect(res.status).toBe(400);
    expect((res.json['error'] as { message: string }).message).toMatch(
      /^operations: the pack file for these 150 tools is \d+ bytes, over the 1048576 \(1 MiB\) a change file may hold; choose fewer operations/,
    );
  });
});

describe('URL imports', () => {
  it('are refused when the operator has not allowed them', async () => {
    const res = await plain.api('POST', '/v1/imports/openapi/analysis', { url: `${docUrl}/petstore.json` });
    expect(res.status).toBe(400);
    expect((res.json['error'] as { message: string }).message).toMatch(/RAKU_IMPORT_URLS is off/);
  });

  it('refuse private and loopback addresses unless private networks are allowed', async () => {
    for (const url of [`${docUrl}/petstore.json`, 'http://localhost:1/x.json', 'http://10.1.2.3/x.json']) {
      const res = await main.api('POST', '/v1/imports/openapi/analysis', { url });
      expect(res.status).toBe(400);
      expect((res.json['error'] as { message: string }).message).toMatch(
        /private or special address; private networks are not allowed for imports \(RAKU_IMPORT_URLS=private allows them\)$/,
      );
    }
    const metadata = await main.api('POST', '/v1/imports/openapi/analysis', {
      url: 'http://169.254.169.254/latest',
    });
    expect(metadata.status).toBe(400);
    expect((metadata.json['error'] as { message: string }).message).toMatch(/link-local or cloud metadata/);
  });

  it('RAKU_IMPORT_URLS=1 keeps private addresses refused even when packs may reach private networks', async () => {
    const packsPrivate = await startImportGateway({
      RAKU_IMPORT_URLS: '1',
      RAKU_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    try {
      const res = await packsPrivate.api('POST', '/v1/imports/openapi/analysis', {
        url: `${docUrl}/petstore.json`,
      });
      expect(res.status).toBe(400);
      expect((res.json['error'] as { message: string }).message).toBe(
        'url: 127.0.0.1 is a private or special address; private networks are not allowed for imports (RAKU_IMPORT_URLS=private allows them)',
      );
    } finally {
      await packsPrivate.close();
    }
  }, 60_000);

  it('RAKU_IMPORT_URLS=private: fetch from a private server, without following redirects; link-local and metadata addresses refused still', async () => {
    const open = await startImportGateway({ RAKU_IMPORT_URLS: 'private' });
    try {
      const res = await open.api('POST', '/v1/imports/openapi/analysis', { url: `${docUrl}/petstore.json` });
      expect(res.status).toBe(200);
      expect(res.json['documentSha256']).toBe(sha256Hex(Buffer.from(PETSTORE)));
      const moved = await open.api('POST', '/v1/imports/openapi/analysis', { url: `${docUrl}/moved` });
      expect(moved.status).toBe(400);
      expect((moved.json['error'] as { message: string }).message).toMatch(/answered 302 \(a redirect/);
      for (const [url, host] of [
        ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
        ['http://2852039166/latest/meta-data/', '169.254.169.254'],
        ['http://[::ffff:169.254.169.254]/latest', '[::ffff:a9fe:a9fe]'],
        ['http://[64:ff9b::169.254.169.254]/latest', '[64:ff9b::a9fe:a9fe]'],
        ['http://[fd00:ec2::254]/latest', '[fd00:ec2::254]'],
        ['http://[fe80::1]:8080/openapi.json', '[fe80::1]'],
      ] as const) {
        const refused = await open.api('POST', '/v1/imports/openapi/analysis', { url });
        expect(refused.status, url).toBe(400);
        expect((refused.json['error'] as { message: string }).message, url).toBe(
          `url: ${host} is a link-local or cloud metadata address, never fetched`,
        );
      }
    } finally {
      await open.close();
    }
  }, 60_000);
});

describe('POST /v1/imports/openapi/suggestions', () => {
  it('answers 409 ai_unavailable when no model is configured', async () => {
    const res = await plain.api('POST', '/v1/imports/openapi/suggestions', {
      source: { document: PETSTORE },
    });
    expect(res.status).toBe(409);
    expect((res.json['error'] as { code: string }).code).toBe('ai_unavailable');
  });

  it("maps the model's suggestions (asked as raku import openapi --ai asks) to operations", async () => {
    const sent: unknown[] = [];
    const answer = {
      tools: [
        { name: 'deletePet', title: null, description: 'Deletes a pet for good.', sensitive: true },
        { name: 'no_such_tool', title: null, description: 'ignored', sensitive: null },
      ],
      groups: [],
      suggestedSelection: ['getPetById', 'deletePet'],
      approvals: [{ tools: ['deletePet'], reason: 'irreversible' }],
    };
    const scope = nock('https://openai.test')
      .post('/v1/chat/completions', (body) => {
        sent.push(body);
        return true;
      })
      .reply(200, {
        id: 'c1',
        object: 'chat.completion',
        created: 0,
        model: 'gpt-test',
        choices: [
          {
            index: 0,
            finish_reason: 'stop',
            message: { role: 'assistant', content: JSON.stringify(answer), refusal: null },
          },
        ],
      });
    const res = await main.api('POST', '/v1/imports/openapi/suggestions', {
      source: { document: PETSTORE, name: 'petstore' },
      operations: ['GET /pet/{petId}', 'DELETE /pet/{petId}'],
    });
    expect(scope.isDone()).toBe(true);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      model: 'gpt-test',
      operations: [
        { id: 'GET /pet/{petId}', selected: true },
        {
          id: 'DELETE /pet/{petId}',
          selected: true,
          description: 'Deletes a pet for good.',
          sensitive: true,
          reason: 'irreversible',
        },
      ],
      role: null,
    });
    const request = sent[0] as { model: string; messages: { content: string }[] };
    expect(request.model).toBe('gpt-test');
    const payload = JSON.parse(request.messages[1]?.content ?? '{}') as { tools: { name: string }[] };
    expect(payload.tools.map((t) => t.name)).toEqual(['getPetById', 'deletePet']);
    expect(JSON.stringify(payload)).not.toContain('petstore3.swagger.io');
  });
});

describe('random bodies', () => {
  it('never get a 500 from the import routes', async () => {
    // No request leaves the machine for a random public URL (or OpenAI): only this test's own gateway is reached.
    nock.disableNetConnect();
    nock.enableNetConnect((host) => host.startsWith('127.0.0.1'));
    const source = fc.oneof(
      fc.anything(),
      fc.record(
        {
          document: fc.oneof(
            fc.string(),
            fc.json(),
            fc.constant(PETSTORE),
            fc.constant('openapi: 3.1.0\npaths: 7'),
          ),
          url: fc.oneof(fc.webUrl(), fc.string()),
          name: fc.string({ maxLength: 70 }),
          baseUrl: fc.oneof(fc.webUrl(), fc.string()),
          includeDeprecated: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    const operations = fc.array(
      fc.record(
        {
          id: fc.oneof(fc.string(), fc.constantFrom('GET /pet/{petId}', 'DELETE /pet/{petId}', 'PUT /pet')),
          name: fc.string({ maxLength: 70 }),
          description: fc.string(),
          sensitive: fc.anything(),
        },
        { requiredKeys: ['id'] },
      ),
      { maxLength: 4 },
    );
    await fc
      .assert(
        fc.asyncProperty(
          fc.constantFrom('analysis', 'draft', 'suggestions'),
          source,
          operations,
          fc.option(fc.string({ maxLength: 20 })),
          async (route, src, ops, zone) => {
            const body =
              route === 'analysis'
                ? src
                : route === 'draft'
                  ? { source: src, operations: ops, ...(zone === null ? {} : { zone }) }
                  : { source: src, operations: ops.map((o) => o.id) };
            const res = await main.api('POST', `/v1/imports/openapi/${route}`, body);
            // 502 is the model failing (nothing answers for OpenAI here); 500 would be the gateway failing.
            expect(res.status, JSON.stringify(res.json)).not.toBe(500);
            expect(
              res.json['error'] === undefined ||
                typeof (res.json['error'] as { message?: unknown }).message === 'string',
            ).toBe(true);
          },
        ),
        { numRuns: 60 },
      )
      .finally(() => nock.enableNetConnect());
  }, 120_000);
});
