import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../config/src/errors.ts';
import { type ImportOpenApiOptions, importOpenApiPacks } from '../../import/src/import-openapi-packs.ts';
import { writeImport } from '../../import/src/pack-folder.ts';
import { copyExampleRepo } from '../repo-fixture.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures');

let repo: string;
beforeAll(() => {
  repo = copyExampleRepo('raku-import-use-case-');
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
  writeFileSync(
    path.join(repo, 'big.json'),
    JSON.stringify({ openapi: '3.0.3', info: { title: 'Big', version: '1' }, paths }),
  );
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const options = (over: Partial<ImportOpenApiOptions>): ImportOpenApiOptions => ({
  document: path.join(fixtures, 'shop-v1.yaml'),
  root: repo,
  cwd: repo,
  name: 'shop',
  owner: 'shop-team',
  include: [],
  exclude: [],
  maxTools: 100,
  selectedByHand: false,
  ...over,
});

describe('importOpenApiPacks', () => {
  it('makes one pack and writes nothing; writeImport then writes the snapshot byte for byte and the pack', async () => {
    const result = await importOpenApiPacks(options({}));
    expect(result.errors).toBe(0);
    expect(result.split).toBeNull();
    expect(result.packs.map((p) => [p.packPath, p.pack.tools.length])).toEqual([['packs/shop/pack.yaml', 5]]);
    expect(result.json).toMatchObject({
      document: path.relative(repo, path.join(fixtures, 'shop-v1.yaml')),
      imported: 5,
    });
    expect(existsSync(path.join(repo, 'packs/shop'))).toBe(false);

    const written = await writeImport(result, repo);
    expect(written.packs).toEqual([
      {
        packFile: path.join(repo, 'packs/shop/pack.yaml'),
        snapshotFile: path.join(repo, 'packs/shop/openapi.yaml'),
        tools: 5,
      },
    ]);
    expect(readFileSync(path.join(repo, 'packs/shop/openapi.yaml'))).toEqual(
      readFileSync(path.join(fixtures, 'shop-v1.yaml')),
    );
    expect(readFileSync(path.join(repo, 'packs/shop/pack.yaml'), 'utf8')).toBe(result.packs[0]?.write.yaml);
  });

  it('re-imports against the committed pack: the contract diff, its version and the owner kept', async () => {
    const result = await importOpenApiPacks(
      options({ document: path.join(fixtures, 'shop-v2.yaml'), owner: undefined }),
    );
    const [pack] = result.packs;
    expect(pack?.committedVersion).toBe('0.1.0');
    expect(pack?.pack.owner).toBe('shop-team');
    expect(pack?.diff).toBeDefined();
    expect(result.json.packs[0]?.contractDiff).toContain('+ updateOrder (new tool)');
  });

  it('splits by tag over the cap when nothing was selected by hand, and cuts at the cap when it was', async () => {
    const split = await importOpenApiPacks(options({ document: 'big.json', name: 'big' }));
    expect(split.split).toEqual({ by: 'tag', automatic: true });
    expect(split.packs.map((p) => p.packPath)).toEqual([
      'packs/big-even/pack.yaml',
      'packs/big-odd/pack.yaml',
    ]);
    expect(split.packs.every((p) => p.write.snapshot.name === 'openapi.json')).toBe(true);

    const cut = await importOpenApiPacks(
      options({ document: 'big.json', name: 'big', selectedByHand: true }),
    );
    expect(cut.split).toBeNull();
    expect(cut.packs[0]?.pack.tools).toHaveLength(100);
    expect(cut.report.skipped.filter((s) => s.code === 'over-cap')).toHaveLength(30);
  });

  it('counts the errors of a pack that does not validate, and writeImport refuses to write it', async () => {
    const result = await importOpenApiPacks(options({ name: 'Bad_Name' }));
    expect(result.errors).toBeGreaterThan(0);
    expect(result.packs[0]?.diagnostics.some((d) => d.severity === 'error' && d.path === 'name')).toBe(true);
    await expect(writeImport(result, repo)).rejects.toThrow('an import with errors cannot be written');
    expect(existsSync(path.join(repo, 'packs/Bad_Name'))).toBe(false);
  });

  it('refuses a new pack without an owner, and --ai or --out with a split, before asking any model', async () => {
    await expect(importOpenApiPacks(options({ name: 'fresh', owner: undefined }))).rejects.toThrow(
      '--owner <team> is required for a new pack',
    );
    const ai = { provider: 'openai' as const, apiKey: 'k', model: 'm', baseURL: 'http://127.0.0.1:9/v1' };
    await expect(importOpenApiPacks(options({ splitBy: 'tag', ai }))).rejects.toThrow(
      new UserError('--ai works on one pack: select with --include instead of splitting'),
    );
    await expect(importOpenApiPacks(options({ splitBy: 'tag', out: 'x' }))).rejects.toThrow(
      '--out names one pack folder',
    );
  });
});
