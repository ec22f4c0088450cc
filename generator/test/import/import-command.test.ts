import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Pack } from '../../config/src/model/types.ts';
import { serializePack } from '../../import/src/serialize-pack.ts';
import { copyExampleRepo, runRaku } from '../repo-fixture.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures');

const run = (args: string[], cwd: string, env: Record<string, string> = {}) => runRaku(args, cwd, env);

let repo: string;
beforeAll(() => {
  repo = copyExampleRepo('raku-import-');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const packFile = () => path.join(repo, 'packs/shop/pack.yaml');
const readPack = () => parse(readFileSync(packFile(), 'utf8')) as Pack;

describe('raku import openapi', () => {
  it('writes a pack that validates, a snapshot of the document, and reports what it left out', async () => {
    const r = await run(
      ['import', 'openapi', path.join(fixtures, 'shop-v1.yaml'), '--name', 'shop', '--owner', 'shop-team'],
      repo,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('openapi-3.0 document: 7 operations, 5 imported, 2 not imported');
    expect(r.out).toContain(
      'not imported (1): required cookie parameter "sid": packs do not send cookies\n  GET /session (getSession)',
    );
    expect(r.out).toContain('wrote packs/shop/pack.yaml (5 tools) and packs/shop/openapi.yaml');
    expect(readFileSync(path.join(repo, 'packs/shop/openapi.yaml'))).toEqual(
      readFileSync(path.join(fixtures, 'shop-v1.yaml')),
    );
    const pack = readPack();
    expect(pack.source?.document).toBe('openapi.yaml');
    expect(pack.version).toBe('0.1.0');
    const v = await run(['validate'], repo);
    expect(v.code).toBe(0);
  });

  it('re-imports a newer document: keeps hand edits, takes upstream changes, shows the contract diff', async () => {
    const edited = readPack();
    const list = edited.tools.find((t) => t.name === 'listOrders') as Pack['tools'][number];
    list.description = 'Lists orders, newest first. Use limit to page.';
    const create = edited.tools.find((t) => t.name === 'createOrder') as Pack['tools'][number];
    create.sensitive = true;
    edited.owner = 'orders-team';
    writeFileSync(packFile(), serializePack(edited));

    const r = await run(['import', 'openapi', path.join(fixtures, 'shop-v2.yaml'), '--name', 'shop'], repo);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('tool contract diff against the committed pack (0.1.0 → 1.0.0):');
    expect(r.out).toContain('+ updateOrder (new tool)');
    expect(r.out).toContain('! createOrder: argument "customer" is now required (breaking)');
    expect(r.out).toContain('~ listOrders: title changed');
    expect(r.out).toContain('! deleteOrder: tool removed (breaking)');
    expect(r.out).toContain('hand edits kept: listOrders.description, createOrder.sensitive');
    const pack = readPack();
    expect(pack.version).toBe('1.0.0');
    expect(pack.owner).toBe('orders-team');
    const tools = new Map(pack.tools.map((t) => [t.name, t]));
    expect(tools.get('listOrders')?.description).toBe('Lists orders, newest first. Use limit to page.');
    // Not edited by hand: the title follows the document's new summary.
    expect(tools.get('listOrders')?.title).toBe('List the orders of the shop');
    expect(tools.get('createOrder')?.sensitive).toBe(true);
    expect(tools.has('deleteOrder')).toBe(false);
    expect(readFileSync(path.join(repo, 'packs/shop/openapi.yaml'), 'utf8')).toContain('"2.0"');
  });

  it('changes nothing on disk with --dry-run', async () => {
    const before = readFileSync(packFile(), 'utf8');
    const r = await run(
      ['import', 'openapi', path.join(fixtures, 'shop-v1.yaml'), '--name', 'shop', '--dry-run'],
      repo,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('dry run: nothing written');
    expect(readFileSync(packFile(), 'utf8')).toBe(before);
  });

  it('replaces the snapshot when the document changes format', async () => {
    const json = path.join(repo, 'shop-v2.json');
    writeFileSync(json, JSON.stringify(parse(readFileSync(path.join(fixtures, 'shop-v2.yaml'), 'utf8'))));
    const r = await run(['import', 'openapi', json, '--name', 'shop'], repo);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(repo, 'packs/shop/openapi.json'))).toBe(true);
    expect(existsSync(path.join(repo, 'packs/shop/openapi.yaml'))).toBe(false);
    expect(readPack().source?.document).toBe('openapi.json');
    // Same API, same hand edits: nothing in the contract changed.
    expect(r.out).toContain('no change to the tool contract');
  });

  it('fails without --owner for a new pack, and writes nothing', async () => {
    const r = await run(['import', 'openapi', path.join(fixtures, 'shop-v1.yaml'), '--name', 'fresh'], repo);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--owner <team> is required for a new pack');
    expect(existsSync(path.join(repo, 'packs/fresh'))).toBe(false);
  });

  it('validates before writing: an invalid pack name is reported and nothing is written', async () => {
    const r = await run(
      ['import', 'openapi', path.join(fixtures, 'shop-v1.yaml'), '--name', 'Bad_Name', '--owner', 'x'],
      repo,
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/packs\/Bad_Name\/pack\.yaml:\d+:\d+: error name:/);
    expect(existsSync(path.join(repo, 'packs/Bad_Name'))).toBe(false);
  });

  it('refuses a $ref through a symlink to /etc/passwd: exit 1, one line, nothing written', async () => {
    const dir = path.join(repo, 'leak');
    mkdirSync(dir);
    symlinkSync('/etc/passwd', path.join(dir, 'pw.yaml'));
    writeFileSync(
      path.join(dir, 'openapi.yaml'),
      'openapi: 3.0.3\ninfo: {title: L, version: "1"}\nservers: [{url: "https://l.example.com"}]\npaths:\n  /x:\n    get:\n      responses:\n        "200": {description: ok, content: {application/json: {schema: {$ref: "./pw.yaml"}}}}\n',
    );
    const r = await run(
      ['import', 'openapi', path.join(dir, 'openapi.yaml'), '--name', 'leak', '--owner', 'x'],
      repo,
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/pw\.yaml leaves the document's folder \(it resolves to \/etc\/passwd\)/);
    expect(r.err).not.toContain('root:');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(repo, 'packs/leak'))).toBe(false);
  });

  it('refuses a document nested thousands of levels deep: exit 1, no stack', async () => {
    const deep = path.join(repo, 'deep.json');
    writeFileSync(deep, `{"openapi":"3.0.3","paths":{},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const r = await run(['import', 'openapi', deep, '--name', 'deep', '--owner', 'x'], repo);
    expect(r.code).toBe(1);
    expect(r.err).toContain('deep.json: nested deeper than 256 levels');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('splits a document over the cap by tag when nothing was selected, says so, and every pack validates', async () => {
    const paths: Record<string, unknown> = {};
    for (let i = 0; i < 130; i++) {
      paths[`/things/${i}`] = {
        get: {
          operationId: `get${i}`,
          tags: [i % 2 ? 'odd' : 'even'],
          responses: { '200': { description: 'ok' } },
        },
      };
    }
    const big = path.join(repo, 'big.json');
    writeFileSync(big, JSON.stringify({ openapi: '3.0.3', info: { title: 'Big', version: '1' }, paths }));
    const r = await run(['import', 'openapi', big, '--name', 'big', '--owner', 'team'], repo);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      'split by tag: the 130 operations selected are over the cap of 100 tools for one pack, so they were split by tag, tags of fewer than 20 operations sharing packs',
    );
    expect(r.out).toContain(
      'warning: the document names no server: the pack leaves its base URL to each zone',
    );
    expect(r.out).toContain('wrote packs/big-even/pack.yaml (65 tools) and packs/big-even/openapi.json');
    expect(r.out).toContain('wrote packs/big-odd/pack.yaml (65 tools) and packs/big-odd/openapi.json');
    const odd = parse(readFileSync(path.join(repo, 'packs/big-odd/pack.yaml'), 'utf8')) as Pack;
    expect(odd.toolPrefix).toBe('big');
    expect(odd.upstream.baseUrls).toBeUndefined();
    expect((await run(['validate'], repo)).code).toBe(0);
  });

  it('prints a stable JSON report with --format json, and writes it with --report', async () => {
    const r = await run(
      [
        'import',
        'openapi',
        path.join(fixtures, 'shop-v1.yaml'),
        '--name',
        'shop2',
        '--owner',
        'x',
        '--format',
        'json',
        '--dry-run',
        '--report',
        'report.json',
      ],
      repo,
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(Object.keys(report)).toEqual([
      'document',
      'format',
      'operations',
      'imported',
      'notImported',
      'split',
      'packs',
      'byReason',
      'operationsImported',
      'operationsNotImported',
      'warnings',
      'written',
    ]);
    expect(report).toMatchObject({
      format: 'openapi-3.0',
      operations: 7,
      imported: 5,
      notImported: 2,
      split: null,
      packs: [{ name: 'shop2', path: 'packs/shop2/pack.yaml', version: '0.1.0', tools: 5 }],
      written: false,
    });
    expect(report.byReason).toContainEqual({
      code: 'cookie',
      reason: 'required cookie parameter "sid": packs do not send cookies',
      count: 1,
    });
    expect(report.operationsImported[0]).toMatchObject({ pack: 'shop2' });
    expect(JSON.parse(readFileSync(path.join(repo, 'report.json'), 'utf8'))).toEqual(report);
  });

  it('refuses a URL without --allow-remote', async () => {
    const r = await run(
      ['import', 'openapi', 'https://api.example.com/openapi.json', '--name', 'x', '--owner', 'y'],
      repo,
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain('pass --allow-remote to fetch it (off by default: SSRF)');
  });
});
