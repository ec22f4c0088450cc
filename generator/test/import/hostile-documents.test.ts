/**
 * Documents written to hurt the importer (issue 11 item 7): `$ref`s that leave the document's folder through
 * symlinks, `$ref` graphs whose expansion grows exponentially, and documents nested deeper than any parser
 * should recurse. Each is either imported within a bounded amount of work or refused with a UserError.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../config/src/errors.ts';
import { type ImportOptions, importOpenApi } from '../../import/src/build-pack.ts';
import { fitToLimits } from '../../import/src/fit-limits.ts';
import { checkPack } from '../../import/src/import-pack.ts';
import { parseDocument } from '../../import/src/openapi-document.ts';
import { readOpenApiDocument } from '../../import/src/read-document.ts';
import { SchemaWorkLimitError } from '../../import/src/schema-cache.ts';

const opts: ImportOptions = {
  name: 'hostile',
  owner: 'o',
  sourceDocument: 'openapi.json',
  sha256: '0'.repeat(64),
};
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'raku-hostile-'));
  dirs.push(d);
  return d;
}

const docWithRef = (ref: string) => `openapi: 3.0.3
info: { title: S, version: "1" }
servers: [{ url: https://s.example.com }]
paths:
  /x:
    get:
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: { $ref: "${ref}" }
`;

describe('external $refs and symlinks', () => {
  it("refuses a $ref through a symlink that leads out of the document's folder", async () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'doc'));
    writeFileSync(path.join(root, 'secret.yaml'), 'password: hunter2\n');
    symlinkSync('../secret.yaml', path.join(root, 'doc', 'pw.yaml'));
    writeFileSync(path.join(root, 'doc', 'openapi.yaml'), docWithRef('./pw.yaml'));
    const read = readOpenApiDocument(path.join(root, 'doc', 'openapi.yaml'));
    await expect(read).rejects.toThrow(UserError);
    await expect(read).rejects.toThrow(
      /pw\.yaml leaves the document's folder \(it resolves to .*secret\.yaml\)/,
    );
  });

  it('refuses a symlink to /etc/passwd and a symlinked folder that leads outside', async () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'doc'));
    symlinkSync('/etc/passwd', path.join(root, 'doc', 'pw.yaml'));
    symlinkSync('/etc', path.join(root, 'doc', 'conf'));
    writeFileSync(path.join(root, 'doc', 'a.yaml'), docWithRef('./pw.yaml'));
    writeFileSync(path.join(root, 'doc', 'b.yaml'), docWithRef('./conf/passwd'));
    await expect(readOpenApiDocument(path.join(root, 'doc', 'a.yaml'))).rejects.toThrow(
      /leaves the document's folder/,
    );
    await expect(readOpenApiDocument(path.join(root, 'doc', 'b.yaml'))).rejects.toThrow(
      /leaves the document's folder/,
    );
  });

  it('follows a symlink that stays inside the folder, and a document whose folder is itself a symlink', async () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'real', 'schemas'), { recursive: true });
    writeFileSync(
      path.join(root, 'real', 'schemas', 'thing.yaml'),
      'type: object\nproperties: { id: { type: string } }\n',
    );
    symlinkSync('schemas/thing.yaml', path.join(root, 'real', 'thing.yaml'));
    writeFileSync(path.join(root, 'real', 'openapi.yaml'), docWithRef('./thing.yaml'));
    symlinkSync('real', path.join(root, 'linked'));
    for (const dir of ['real', 'linked']) {
      const read = await readOpenApiDocument(path.join(root, dir, 'openapi.yaml'));
      const { pack } = importOpenApi(read.doc, opts);
      expect(pack.tools[0]?.outputSchema).toEqual({ type: 'object', properties: { id: { type: 'string' } } });
    }
  });

  it('refuses a referenced file nested deeper than the limit', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'deep.json'), `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`);
    writeFileSync(path.join(root, 'openapi.yaml'), docWithRef('./deep.json'));
    await expect(readOpenApiDocument(path.join(root, 'openapi.yaml'))).rejects.toThrow(
      /nested deeper than 256 levels/,
    );
  });
});

/** A document whose schema L0 has `width` properties each referencing L1, and so on `levels` deep. */
function ladder(levels: number, width: number): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) {
    const properties: Record<string, unknown> = {};
    for (let p = 0; p < width; p++) properties[`p${p}`] = { $ref: `#/components/schemas/L${i + 1}` };
    schemas[`L${i}`] = { type: 'object', properties };
  }
  schemas[`L${levels}`] = { type: 'string' };
  const body = { content: { 'application/json': { schema: { $ref: '#/components/schemas/L0' } } } };
  return {
    openapi: '3.0.3',
    info: { title: 'Ladder', version: '1' },
    servers: [{ url: 'https://ladder.example.com' }],
    components: { schemas },
    paths: {
      '/x': { post: { requestBody: body, responses: { '200': { description: 'ok', ...body } } } },
      '/y': { get: { responses: { '200': { description: 'ok', ...body } } } },
    },
  };
}

describe('$ref fan-out', () => {
  it('imports 3 properties × 20 levels of $ref (3^20 nodes if expanded) into a pack that validates', () => {
    const { pack } = importOpenApi(ladder(20, 3), opts);
    expect(pack.tools).toHaveLength(2);
    // Shared subschemas stay shared: each level once in $defs, not 3^20 copies.
    expect(JSON.stringify(pack).length).toBeLessThan(100_000);
    expect(
      checkPack(pack, 'packs/hostile/pack.yaml', []).diagnostics.filter((d) => d.severity === 'error'),
    ).toEqual([]);
  });

  it('imports a reference chain far longer than any inlining (300 levels)', () => {
    const { pack } = importOpenApi(ladder(300, 2), opts);
    expect(pack.tools).toHaveLength(2);
  });

  it('refuses the document with a clear error once the conversion budget is spent', () => {
    expect(() => importOpenApi(ladder(40, 4), { ...opts, maxSchemaWork: 2_000 })).toThrow(
      SchemaWorkLimitError,
    );
    expect(() => importOpenApi(ladder(40, 4), { ...opts, maxSchemaWork: 2_000 })).toThrow(
      /more than 2000 conversion steps .*refused/,
    );
  });

  it('skips an operation whose $ref chain nests deeper than the converter recurses, and says why', () => {
    const schemas: Record<string, unknown> = {};
    for (let i = 0; i < 600; i++)
      schemas[`C${i}`] = { type: 'array', items: { $ref: `#/components/schemas/C${i + 1}` } };
    schemas.C600 = { type: 'string' };
    const doc = ladder(2, 1);
    (doc.components as { schemas: object }).schemas = { ...schemas, L0: { $ref: '#/components/schemas/C0' } };
    expect(() => importOpenApi(doc, opts)).toThrow(
      /is reached through schemas nested more than 1000 levels deep/,
    );
  });

  /**
   * Arbitrary `$ref` graphs: definitions whose properties, items, allOf/oneOf members reference any
   * definition (itself included: cycles), and operations using any of them as body or result.
   */
  const refGraph = fc
    .integer({ min: 1, max: 24 })
    .chain((n) => {
      const target = fc.integer({ min: 0, max: n - 1 }).map((i) => ({ $ref: `#/components/schemas/D${i}` }));
      const leaf = fc.constantFrom({ type: 'string' }, { type: 'integer' }, { type: 'boolean' });
      const member = fc.oneof(target, target, leaf);
      const def = fc.oneof(
        fc
          .array(member, { maxLength: 6 })
          .map((ms) => ({ type: 'object', properties: Object.fromEntries(ms.map((m, i) => [`p${i}`, m])) })),
        member.map((m) => ({ type: 'array', items: m })),
        fc.array(member, { minLength: 1, maxLength: 4 }).map((ms) => ({ allOf: ms })),
        fc.array(member, { minLength: 1, maxLength: 4 }).map((ms) => ({ oneOf: ms })),
        target,
      );
      return fc.record({
        defs: fc.array(def, { minLength: n, maxLength: n }),
        ops: fc.array(fc.tuple(target, target), { minLength: 1, maxLength: 4 }),
      });
    })
    .map(({ defs, ops }) => ({
      openapi: '3.0.3',
      info: { title: 'Graph', version: '1' },
      servers: [{ url: 'https://graph.example.com' }],
      components: { schemas: Object.fromEntries(defs.map((d, i) => [`D${i}`, d])) },
      paths: Object.fromEntries(
        ops.map(([input, output], i) => [
          `/op${i}`,
          {
            post: {
              requestBody: { content: { 'application/json': { schema: input } } },
              responses: {
                '200': { description: 'ok', content: { 'application/json': { schema: output } } },
              },
            },
          },
        ]),
      ),
    }));

  it('imports any $ref graph (cycles, wide fan-out) within the work budget, or refuses it with a UserError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          refGraph,
          fc
            .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 6 }))
            .map(([l, w]) => ladder(l, w)),
        ),
        (doc) => {
          try {
            const { pack } = importOpenApi(doc, { ...opts, maxSchemaWork: 200_000 });
            // Whatever was imported serialises within the pack's limits, or the fit step says to select fewer.
            try {
              fitToLimits(pack);
            } catch (err) {
              expect(err).toBeInstanceOf(UserError);
            }
          } catch (err) {
            expect(err).toBeInstanceOf(UserError);
            expect((err as Error).message).toMatch(/conversion steps|no operation could be imported/);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('deeply nested documents', () => {
  const header = '{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"x":';
  const nested = fc.record({
    depth: fc.integer({ min: 257, max: 3000 }),
    form: fc.constantFrom(
      'json-object',
      'json-array',
      'yaml-flow',
      'yaml-block-map',
      'yaml-block-seq',
      'yaml-mixed',
    ),
  });
  const text = ({ depth, form }: { depth: number; form: string }): string => {
    switch (form) {
      case 'json-object':
        return `${header}${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      case 'json-array':
        return `${header}${'['.repeat(depth)}${']'.repeat(depth)}}`;
      case 'yaml-flow':
        return `openapi: 3.0.3\npaths: {}\nx: ${'[{a: '.repeat(depth)}1${'}]'.repeat(depth)}\n`;
      case 'yaml-block-map':
        return `openapi: 3.0.3\npaths: {}\nx:\n${Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} 1\n`;
      case 'yaml-block-seq':
        return `openapi: 3.0.3\npaths: {}\nx: ${'- '.repeat(depth)}1\n`;
      default:
        return `openapi: 3.0.3\npaths: {}\nx:\n${Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 1)}a: ${i % 2 ? '[' : ''}`).join('\n')}\n`;
    }
  };

  it('refuses documents nested past the limit, JSON and YAML, with a UserError naming the file', () => {
    fc.assert(
      fc.property(nested, (input) => {
        const bytes = Buffer.from(text(input));
        expect(() => parseDocument(bytes, 'deep.yaml')).toThrow(UserError);
        expect(() => parseDocument(bytes, 'deep.yaml')).toThrow(/^deep\.yaml: /);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses megabytes of brackets without recursing into them', () => {
    expect(() => parseDocument(Buffer.from(`${header}${'['.repeat(4_000_000)}`), 'brackets.json')).toThrow(
      /nested deeper than 256 levels/,
    );
    expect(() => parseDocument(Buffer.from(`x: ${'['.repeat(4_000_000)}`), 'brackets.yaml')).toThrow(
      /flow collections nested deeper than 256 levels/,
    );
  });

  it('still reads a document nested up to the limit, and braces inside strings do not count', () => {
    const ok = `${header}${'{"a":'.repeat(200)}"${'{'.repeat(1000)}"${'}'.repeat(200)}}`;
    expect(parseDocument(Buffer.from(ok), 'ok.json')['openapi']).toBe('3.0.3');
    const yaml = `openapi: 3.0.3\npaths: {}\ninfo:\n  description: "${'{['.repeat(600)}"\n`;
    expect(parseDocument(Buffer.from(yaml), 'ok.yaml')['openapi']).toBe('3.0.3');
  });
});
