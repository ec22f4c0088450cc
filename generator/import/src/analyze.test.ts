/**
 * analyzeOpenApi and draftImport: the console's import computes what `raku import openapi` computes, from
 * the same code (tools, names, skip reasons, default selection, cap), and a draft's pack file is the one the
 * CLI writes for that selection.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sha256Hex } from '@raku/config';
import { describe, expect, it } from 'vitest';
import { analyzeOpenApi } from './analyze.ts';
import { importOpenApi, operationKey } from './build-pack.ts';
import { draftImport, snapshotFileName } from './import-draft.ts';
import { checkPack } from './import-pack.ts';
import { parseDocument } from './openapi-document.ts';
import { packFolderFiles, writeImport } from './pack-folder.ts';

const PETSTORE = path.resolve(
  import.meta.dirname,
  '../../../node_modules/@readme/oas-examples/3.0/json/petstore.json',
);
const bytes = readFileSync(PETSTORE);
const doc = parseDocument(bytes, 'petstore.json');
const base = { name: 'petstore', sourceDocument: snapshotFileName(bytes), sha256: sha256Hex(bytes) };

describe('analyzeOpenApi', () => {
  it('gives every operation, in document order, with the tools raku import openapi builds', () => {
    const analysis = analyzeOpenApi(doc, base);
    const written: string[] = [];
    for (const [p, item] of Object.entries(doc['paths'] as Record<string, Record<string, unknown>>)) {
      for (const m of Object.keys(item)) if (m !== 'parameters') written.push(`${m.toUpperCase()} ${p}`);
    }
    expect(analysis.operations.map((o) => o.id)).toEqual(written);
    const cli = importOpenApi(doc, { ...base, owner: 'team' });
    const selected = analysis.operations.filter((o) => o.selected);
    expect(new Set(selected.map((o) => o.tool))).toEqual(new Set(cli.pack.tools));
    expect(selected).toHaveLength(cli.pack.tools.length);
    expect(analysis.pack).toMatchObject({ name: 'petstore', version: '0.1.0' });
    expect(analysis.authSchemes.map((s) => s.name).sort()).toEqual(['api_key', 'petstore_auth']);
  });

  it('selects the first maxTools importable operations over the cap, as an import cut at the cap does', () => {
    const analysis = analyzeOpenApi(doc, { ...base, maxTools: 3 });
    const cli = importOpenApi(doc, { ...base, owner: 'team', maxTools: 3 });
    const selected = analysis.operations.filter((o) => o.selected).map((o) => o.tool?.name);
    expect(selected.sort()).toEqual(cli.pack.tools.map((t) => t.name).sort());
    expect(analysis.operations.filter((o) => o.tool).length).toBeGreaterThan(3);
    expect(analysis.warnings.join('\n')).toMatch(/over the cap of 3 tools/);
  });

  it('answers a document with nothing importable with every operation skipped and why', () => {
    const cookies = {
      openapi: '3.0.3',
      info: { title: 't', version: '1' },
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
    const analysis = analyzeOpenApi(cookies, { ...base, name: 't' });
    expect(analysis.operations).toEqual([
      expect.objectContaining({
        id: 'GET /a',
        selected: false,
        skipped: expect.objectContaining({ code: 'cookie' }),
      }),
    ]);
    expect(analysis.operations[0]?.tool).toBeUndefined();
  });
});

describe('draftImport', () => {
  const ids = ['GET /pet/{petId}', 'DELETE /pet/{petId}'];

  it("writes the pack file raku import openapi writes for that selection, and writeImport's files", async () => {
    const draft = draftImport({
      doc,
      bytes,
      sha256: base.sha256,
      snapshotName: base.sourceDocument,
      name: 'petstore',
      owner: 'team',
      operations: ids.map((id) => ({ id })),
      repoFiles: [],
    });
    const cli = importOpenApi(doc, {
      ...base,
      owner: 'team',
      include: ['op:getPetById', 'op:deletePet'],
      maxTools: 2,
      includeDeprecated: true,
    });
    const yaml = checkPack(cli.pack, 'packs/petstore/pack.yaml', []).yaml;
    expect(draft.files.map((f) => f.path)).toEqual([
      'packs/petstore/openapi.json',
      'packs/petstore/pack.yaml',
    ]);
    expect(Buffer.from(draft.files[1]?.bytes as Uint8Array).toString()).toBe(yaml);
    expect(draft.pack.source?.operations?.map((o) => operationKey(o)).sort()).toEqual([...ids].sort());

    const root = mkdtempSync(path.join(tmpdir(), 'raku-draft-'));
    try {
      const dir = path.join(root, 'packs', 'petstore');
      const write = { dir, yaml, snapshot: { name: base.sourceDocument, bytes } };
      await writeImport({ errors: 0, packs: [{ pack: cli.pack, write }] }, root);
      for (const f of packFolderFiles(write)) {
        expect(readFileSync(path.join(dir, f.name))).toEqual(Buffer.from(f.bytes as Uint8Array));
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('applies renames, descriptions and sensitive flags, and refuses bad ones naming the field', () => {
    const input = {
      doc,
      bytes,
      sha256: base.sha256,
      snapshotName: base.sourceDocument,
      name: 'petstore',
      owner: 'team',
      repoFiles: [],
    };
    const draft = draftImport({
      ...input,
      operations: [
        { id: ids[0] as string, name: 'fetch_pet', description: 'Reads one pet.' },
        { id: ids[1] as string, sensitive: true },
      ],
    });
    const fetch = draft.pack.tools.find((t) => t.name === 'fetch_pet');
    expect(fetch?.description).toBe('Reads one pet.');
    expect(draft.pack.source?.operations?.find((o) => o.tool === 'fetch_pet')?.path).toBe('/pet/{petId}');
    expect(draft.pack.tools.find((t) => t.name !== 'fetch_pet')?.sensitive).toBe(true);
    expect(() => draftImport({ ...input, operations: [{ id: 'GET /nope' }] })).toThrow(
      'operations[0].id: no operation "GET /nope" in the document',
    );
    expect(() => draftImport({ ...input, operations: [{ id: ids[0] as string, name: 'a.b' }] })).toThrow(
      /operations\[0\]\.name: "a\.b" is not a tool name/,
    );
    expect(() =>
      draftImport({
        ...input,
        operations: [
          { id: ids[0] as string, name: 'same' },
          { id: ids[1] as string, name: 'same' },
        ],
      }),
    ).toThrow(/two tools would be named "same"/);
  });
});
