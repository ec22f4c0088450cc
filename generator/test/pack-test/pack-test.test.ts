import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pack } from '../../config/src/model/types.ts';
import { importOpenApi } from '../../import/src/build-pack.ts';
import { parseDocument } from '../../import/src/openapi-document.ts';
import { expectedRequest } from '../../release/src/pack-test/expected-request.ts';
import { runPackTest } from '../../release/src/pack-test/run-pack-test.ts';
import { sampleFromPattern, sampleValue } from '../../release/src/pack-test/sample-value.ts';
import { copyExampleRepo, runRaku } from '../repo-fixture.ts';

const require = createRequire(import.meta.url);
const fixtures = path.join(import.meta.dirname, '..', 'import', 'fixtures');

const run = (args: string[], cwd: string) => runRaku(args, cwd);

const shopDoc = () => parseDocument(readFileSync(path.join(fixtures, 'shop-v1.yaml')), 'shop-v1.yaml');
const shopPack = (): Pack =>
  importOpenApi(shopDoc(), {
    name: 'shop',
    owner: 'o',
    sourceDocument: 'openapi.yaml',
    sha256: 'c'.repeat(64),
  }).pack;

describe('expectedRequest', () => {
  it('places arguments by the mapping: path (encoded), query (repeated for lists), header, body', () => {
    const tool = {
      http: {
        method: 'POST' as const,
        path: '/repos/{owner}/{repo}/labels',
        args: {
          q: 'query' as const,
          trace: { in: 'header' as const, name: 'X-Trace' },
          tags: 'query' as const,
        },
      },
    };
    expect(
      expectedRequest(tool, { owner: 'a b', repo: 'r/1', q: 'x', tags: ['t1', 't2'], trace: 7, name: 'bug' }),
    ).toEqual({
      method: 'POST',
      path: '/repos/a%20b/r%2F1/labels',
      query: [
        ['q', 'x'],
        ['tags', 't1'],
        ['tags', 't2'],
      ],
      headers: { 'x-trace': '7' },
      body: { name: 'bug' },
    });
  });

  it('sends a whole-body argument as the body', () => {
    const tool = { http: { method: 'PUT' as const, path: '/x', body: 'arg:body' } };
    expect(expectedRequest(tool, { body: [1, 2] }).body).toEqual([1, 2]);
  });
});

describe('sampleValue', () => {
  it('builds values within bounds, formats, enums and required properties, through $defs', () => {
    const schema = {
      type: 'object',
      required: ['n', 'when', 'kind', 'node'],
      properties: {
        n: { type: 'integer', minimum: 5, multipleOf: 5 },
        when: { type: 'string', format: 'date-time' },
        kind: { type: 'string', enum: ['a', 'b'] },
        name: { type: 'string', minLength: 10 },
        node: { $ref: '#/$defs/Node' },
      },
      $defs: {
        Node: {
          type: 'object',
          required: ['children'],
          properties: { children: { type: 'array', items: { $ref: '#/$defs/Node' } } },
        },
      },
    };
    const v = sampleValue(schema, schema, { all: true }) as Record<string, unknown>;
    expect(v['n']).toBe(5);
    expect(v['when']).toBe('2024-01-02T03:04:05Z');
    expect(v['kind']).toBe('a');
    expect((v['name'] as string).length).toBe(10);
    expect(JSON.stringify(v['node'])).toMatch(/^\{"children":\[/);
  });
});

describe('runPackTest', () => {
  it('passes every tool of an imported pack, answering with the document example when there is one', async () => {
    const results = await runPackTest({ pack: shopPack(), document: shopDoc() });
    expect(results.map((r) => [r.tool, r.outcome, r.responseFrom])).toEqual([
      ['listOrders', 'pass', 'document example'],
      ['createOrder', 'pass', 'output schema'],
      ['getOrder', 'pass', 'output schema'],
      ['deleteOrder', 'pass', 'none'],
      // A PDF answer: imported since issue 19 (binary answers become MCP resources).
      ['getReceipt', 'pass', 'document media type'],
    ]);
  });

  it('fails a tool whose answer does not match its output schema, and one whose upstream fails', async () => {
    const examples = new Map([
      ['getOrder', { arguments: { id: 'o1' }, response: { body: { id: 5, item: 'tea' } } }],
      ['listOrders', { response: { status: 500, body: { message: 'down' } } }],
    ]);
    const results = await runPackTest({ pack: shopPack(), examples });
    const byTool = new Map(results.map((r) => [r.tool, r]));
    expect(byTool.get('getOrder')?.outcome).toBe('fail');
    expect(byTool.get('getOrder')?.problems.join()).toMatch(
      /recorded example does not match outputSchema: data\/id must be string/,
    );
    expect(byTool.get('listOrders')?.problems.join()).toMatch(
      /the call failed \(error\): upstream answered 500/,
    );
  });

  it('skips a tool whose recorded arguments do not fit its input schema, saying how to fix it', async () => {
    const results = await runPackTest({
      pack: shopPack(),
      examples: new Map([['getOrder', { arguments: { nope: 1 } }]]),
    });
    const r = results.find((x) => x.tool === 'getOrder');
    expect(r?.outcome).toBe('skip');
    expect(r?.problems[0]).toMatch(/could not build valid arguments.*examples\/getOrder\.json/);
  });

  it('passes the GitHub issues tools imported from the real GitHub document, with its examples', async () => {
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    const doc = parseDocument(readFileSync(file), file);
    const { pack } = importOpenApi(doc, {
      name: 'gh',
      owner: 'o',
      sourceDocument: 'x',
      sha256: 'd'.repeat(64),
      include: ['tag:issues'],
    });
    const results = await runPackTest({ pack, document: doc });
    expect(results.filter((r) => r.outcome === 'fail')).toEqual([]);
    expect(results.filter((r) => r.responseFrom === 'document example').length).toBeGreaterThan(20);
    expect(results.filter((r) => r.outcome === 'pass').length).toBeGreaterThan(50);
  }, 60_000);
});

describe('raku pack test', () => {
  let repo: string;
  beforeAll(() => {
    repo = copyExampleRepo('raku-pack-test-');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('passes on every example pack of the repository', async () => {
    for (const name of ['petstore', 'open-meteo', 'github-issues']) {
      const r = await run(['pack', 'test', name], repo);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`${name}: \\d+ passed, 0 failed, 0 skipped`));
    }
  });

  it('uses recorded examples from the pack folder and exits 1 with a clear report when a tool fails', async () => {
    mkdirSync(path.join(repo, 'packs/petstore/examples'), { recursive: true });
    writeFileSync(
      path.join(repo, 'packs/petstore/examples/get_pet.json'),
      JSON.stringify({ arguments: { petId: 7 }, response: { body: { id: 'seven', name: 'Rex' } } }),
    );
    const r = await run(['pack', 'test', 'petstore'], repo);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL petstore.get_pet (answer: recorded example)');
    expect(r.out).toContain('recorded example does not match outputSchema: data/id must be integer');
    expect(r.err).toContain('error: 1 tool of petstore failed');
    const all = await run(['pack', 'test'], repo);
    expect(all.code).toBe(1);
    expect(all.out).toContain('github-issues: 5 passed, 0 failed, 0 skipped');
    expect(all.out).toContain('open-meteo: 1 passed, 0 failed, 0 skipped');
    expect(all.out).toContain('petstore: 3 passed, 1 failed, 0 skipped');
    expect(all.err).toContain('error: 1 tool of petstore failed');
  });

  it('prints one JSON report with --format json, and still exits 1 when a tool failed', async () => {
    const r = await run(['pack', 'test', 'petstore', 'open-meteo', '--format', 'json'], repo);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: 1 tool of petstore failed\n');
    const report = JSON.parse(r.out) as {
      ok: boolean;
      passed: number;
      failed: number;
      skipped: number;
      packs: { pack: string; version: string; failed: number; tools: Record<string, unknown>[] }[];
    };
    expect(report).toMatchObject({ ok: false, passed: 4, failed: 1, skipped: 0 });
    expect(report.packs.map((p) => [p.pack, p.failed])).toEqual([
      ['petstore', 1],
      ['open-meteo', 0],
    ]);
    expect(report.packs[0]?.tools.find((t) => t['outcome'] === 'fail')).toEqual({
      tool: 'petstore.get_pet',
      outcome: 'fail',
      answer: 'recorded example',
      problems: [expect.stringContaining('recorded example does not match outputSchema')],
    });
    expect((await run(['pack', 'test', '--format', 'xml'], repo)).code).toBe(1);
  });

  it('reports a missing pack and a broken examples file as user errors', async () => {
    expect((await run(['pack', 'test', 'nope'], repo)).err).toContain('packs/nope/pack.yaml: no such pack');
    writeFileSync(path.join(repo, 'packs/petstore/examples/get_pet.json'), '{nope');
    const r = await run(['pack', 'test', 'petstore'], repo);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/examples\/get_pet\.json: not JSON/);
  });
});

describe('sampleFromPattern', () => {
  it('builds strings for common patterns and gives up on ones it cannot honour', () => {
    expect(sampleFromPattern('^sha256:[a-f0-9]{64}$')).toBe(`sha256:${'a'.repeat(64)}`);
    expect(sampleFromPattern('^\\d+\\.\\d+\\.\\d+$')).toBe('0.0.0');
    expect(sampleFromPattern('^(?:v|ver)-[A-Z]{2,3}$')).toBe('v-AA');
    expect(sampleFromPattern('^[^a]+$')).toBeUndefined();
    expect(sampleFromPattern('^(?=x)y$')).toBeUndefined();
  });
});
