/**
 * The importer on real public OpenAPI documents that no one here wrote, shipped in npm packages:
 * @readme/oas-examples (Swagger 2.0, OpenAPI 3.0 and 3.1 examples: circular schemas, discriminators, file
 * uploads, server variables…) and @octokit/openapi (GitHub's REST API: 13 MB, over 1,000 operations).
 * Every converted pack must validate and every tool schema must compile with Ajv (draft 2020-12).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { exposedToolName, MCP_TOOL_NAME } from '../../config/src/model/names.ts';
import type { Pack } from '../../config/src/model/types.ts';
import { type ImportOptions, importOpenApi } from '../../import/src/build-pack.ts';
import { checkPack } from '../../import/src/import-pack.ts';
import { parseDocument } from '../../import/src/openapi-document.ts';
import { serializePack } from '../../import/src/serialize-pack.ts';

const require = createRequire(import.meta.url);
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

function exampleDocument(version: '2.0' | '3.0' | '3.1', file: string) {
  const path = require.resolve(`@readme/oas-examples/${version}/json/${file}`);
  return parseDocument(readFileSync(path), path);
}

const base: ImportOptions = {
  name: 'api',
  owner: 'platform-team',
  sourceDocument: 'openapi.json',
  sha256: 'a'.repeat(64),
};

/** Import, fit, validate: the pack must have no error diagnostics. */
function importAndCheck(doc: Record<string, unknown>, opts: Partial<ImportOptions> = {}) {
  const result = importOpenApi(doc, { ...base, ...opts });
  const checked = checkPack(result.pack, `packs/${result.pack.name}/pack.yaml`, []);
  expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { ...result, checked };
}

/** Compiles every tool schema in a fresh strict Ajv (unknown keywords and formats are errors). */
function compileAll(pack: Pack): number {
  let compiled = 0;
  const ajv = addFormats(
    new Ajv2020({
      strict: true,
      strictTypes: false,
      strictTuples: false,
      strictRequired: false,
      logger: false,
    }),
  );
  for (const tool of pack.tools) {
    for (const schema of [tool.inputSchema, tool.outputSchema]) {
      if (!schema) continue;
      expect(() => ajv.compile(schema), `${tool.name}`).not.toThrow();
      compiled++;
    }
  }
  return compiled;
}

describe('import of real OpenAPI documents', () => {
  it('converts the Swagger 2.0 petstore, with host + basePath as the base URL', () => {
    const { pack, report } = importAndCheck(exampleDocument('2.0', 'petstore.json'));
    expect(report.format).toBe('swagger-2.0');
    // The document offers only http: a plain-http API is allowed in dev only (the validator's rule).
    expect(pack.upstream.baseUrls).toEqual({ dev: 'http://petstore.swagger.io/v2' });
    expect(report.warnings.join('\n')).toMatch(/plain http/);
    expect(pack.tools.map((t) => t.name)).toContain('addPet');
    const add = pack.tools.find((t) => t.name === 'addPet');
    expect(add?.http).toEqual({ method: 'POST', path: '/pet' });
    expect(add?.inputSchema['required']).toEqual(['name', 'photoUrls']);
    // uploadFile is multipart/form-data: the file is a base64 argument, capped, sent as a file part.
    const upload = pack.tools.find((t) => t.name === 'uploadFile');
    expect(upload?.http).toEqual({ method: 'POST', path: '/pet/{petId}/uploadImage', body: 'multipart' });
    const uploadArgs = (upload as NonNullable<typeof upload>).inputSchema['properties'] as Record<
      string,
      object
    >;
    expect(uploadArgs['file']).toMatchObject({
      type: 'string',
      contentEncoding: 'base64',
      maxLength: 13_981_016,
    });
    // updatePetWithForm is form-encoded.
    expect(pack.tools.find((t) => t.name === 'updatePetWithForm')?.http?.body).toBe('form');
    expect(compileAll(pack)).toBeGreaterThan(10);
  });

  it('keeps Swagger 2.0 circular definitions finite with $defs and $ref', () => {
    const { pack } = importAndCheck(exampleDocument('2.0', 'schema-circular.json'));
    const json = JSON.stringify(pack.tools);
    expect(json).toContain('"$ref":"#/$defs/');
    compileAll(pack);
  });

  it('converts OpenAPI 3.0 circular schemas into recursive $defs that validate nested data', () => {
    const { pack } = importAndCheck(exampleDocument('3.0', 'schema-circular.json'));
    const recursive = pack.tools.flatMap((t) => [t.inputSchema, t.outputSchema]).filter((s) => s?.['$defs']);
    expect(recursive.length).toBeGreaterThan(0);
    for (const schema of recursive) {
      const defs = schema?.['$defs'] as Record<string, unknown>;
      // Each kept definition refers back into $defs: recursion kept by reference, not expanded.
      expect(Object.values(defs).some((d) => JSON.stringify(d).includes('"$ref":"#/$defs/'))).toBe(true);
    }
    compileAll(pack);
  });

  it('makes discriminators usable: each variant carries the discriminating property as a const', () => {
    const { pack } = importAndCheck(exampleDocument('3.0', 'discriminators.json'));
    const tool = pack.tools.find((t) => t.name === 'oneOfWithTopLevelDiscriminatorAndMapping');
    const body = (tool?.inputSchema['properties'] as Record<string, Record<string, unknown>> | undefined)?.[
      'body'
    ];
    expect(JSON.stringify(body)).toContain('"discrim":{"type":"string","const":"Option One"}');
    expect(String(body?.['description'])).toContain('"discrim" property selects the variant');
    const ajv = addFormats(new Ajv2020({ strict: false }));
    const validate = ajv.compile(tool?.inputSchema as object);
    expect(validate({ body: { discrim: 'Option One', optionone: 1 } })).toBe(true);
    expect(validate({ body: { discrim: 'Option Three', optionone: 1 } })).toBe(false);
    compileAll(pack);
  });

  it('imports multipart uploads with typed file parts, and leaves a raw binary body out naming its type', () => {
    const { pack, report } = importAndCheck(exampleDocument('3.0', 'file-uploads.json'), {
      baseUrl: 'https://api.example.com',
    });
    expect(pack.tools.every((t) => t.http?.body === 'multipart')).toBe(true);
    expect(report.skipped.map((s) => [s.code, s.reason])).toEqual([
      [
        'body',
        'request body is binary or of an unknown type (image/png); packs send JSON, form, multipart or text bodies',
      ],
    ]);
    const { report: legacy } = importAndCheck(exampleDocument('3.0', 'readme-legacy.json'), {
      baseUrl: 'https://api.example.com',
    });
    expect(legacy.skipped.filter((s) => s.code === 'body')).toEqual([]);
  });

  it('resolves server variables to their defaults and skips operations served elsewhere', () => {
    const { pack, report } = importAndCheck(exampleDocument('3.0', 'server-variables.json'));
    expect(pack.upstream.baseUrls).toEqual({
      dev: 'https://demo.example.com/v2',
      staging: 'https://demo.example.com/v2',
      prod: 'https://demo.example.com/v2',
    });
    expect(
      report.skipped.some((s) => s.reason.includes('served from https://httpbin.com/anything/demo')),
    ).toBe(true);
  });

  it('converts OpenAPI 3.1 documents (type arrays, const, examples)', () => {
    for (const file of ['petstore.json', 'train-travel.json', 'schema-types.json', 'readme.json']) {
      const { pack, report } = importAndCheck(exampleDocument('3.1', file), {
        baseUrl: 'https://api.example.com',
      });
      expect(report.format).toBe('openapi-3.1');
      compileAll(pack);
    }
  });

  it('converts every document of @readme/oas-examples (Swagger 2.0, OpenAPI 3.0, 3.1) into a pack that validates', () => {
    let packs = 0;
    for (const version of ['2.0', '3.0', '3.1'] as const) {
      const dir = path.dirname(require.resolve(`@readme/oas-examples/${version}/json/petstore.json`));
      for (const file of readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()) {
        const doc = exampleDocument(version, file);
        // Documents with nothing a pack can call: the error names why.
        const nothing: Record<string, RegExp> = {
          'webhooks.json': /no operation could be imported \(0 in the document\)/,
        };
        const expected = nothing[file];
        if (expected) {
          expect(() => importOpenApi(doc, { ...base, baseUrl: 'https://api.example.com' })).toThrow(expected);
          continue;
        }
        const { pack, report } = importAndCheck(doc, {
          baseUrl: 'https://api.example.com',
          maxTools: 2000,
          includeDeprecated: true,
        });
        expect(report.imported.length + report.skipped.length, file).toBe(report.operationCount);
        compileAll(pack);
        packs++;
      }
    }
    expect(packs).toBeGreaterThan(50);
  }, 120_000);

  it('drops readOnly properties from inputs and writeOnly ones from outputs', () => {
    const { pack } = importAndCheck(exampleDocument('3.0', 'schema-visibility.json'), {
      baseUrl: 'https://api.example.com',
    });
    const json = JSON.stringify(pack.tools.map((t) => t.inputSchema));
    const doc = exampleDocument('3.0', 'schema-visibility.json');
    expect(JSON.stringify(doc)).toContain('readOnly');
    expect(json).not.toContain('"readOnly":true');
  });

  it('is deterministic: the same document gives byte-identical YAML', () => {
    const a = serializePack(importOpenApi(exampleDocument('3.0', 'star-trek.json'), base).pack);
    const b = serializePack(importOpenApi(exampleDocument('3.0', 'star-trek.json'), base).pack);
    expect(a).toBe(b);
  });

  it('imports the whole GitHub REST API (13 MB, over 1,000 operations) into a pack that validates', () => {
    const path = require.resolve('@octokit/openapi/generated/api.github.com.json');
    const bytes = readFileSync(path);
    expect(bytes.byteLength).toBeGreaterThan(12_000_000);
    const doc = parseDocument(bytes, path);
    const { pack, report, checked } = importAndCheck(doc, { name: 'github', maxTools: 2000 });
    expect(report.operationCount).toBeGreaterThan(1000);
    expect(pack.tools.length).toBeGreaterThan(1000);
    expect(report.imported.length + report.skipped.length).toBe(report.operationCount);
    expect(new Set(pack.tools.map((t) => t.name)).size).toBe(pack.tools.length);
    for (const t of pack.tools) expect(MCP_TOOL_NAME.test(exposedToolName(pack, t))).toBe(true);
    expect(pack.tools.find((t) => t.name === 'issues_create')?.http).toEqual({
      method: 'POST',
      path: '/repos/{owner}/{repo}/issues',
    });
    // 1,000+ tools do not fit one file with full texts: the fitting steps are reported.
    expect(checked.warnings.join('\n')).toMatch(/output schemas left out/);
    expect(compileAll(pack)).toBeGreaterThan(1000);
  }, 120_000);

  it('imports a tag of the GitHub API with output schemas kept', () => {
    const path = require.resolve('@octokit/openapi/generated/api.github.com.json');
    const doc = parseDocument(readFileSync(path), path);
    const { pack, report, checked } = importAndCheck(doc, { name: 'github-issues', include: ['tag:issues'] });
    expect(pack.tools.length).toBeGreaterThan(40);
    expect(
      report.skipped.filter((s) => s.reason.startsWith('not matched by --include')).length,
    ).toBeGreaterThan(900);
    expect(checked.warnings).toEqual([]);
    expect(pack.tools.some((t) => t.outputSchema)).toBe(true);
    compileAll(pack);
  }, 60_000);
});
