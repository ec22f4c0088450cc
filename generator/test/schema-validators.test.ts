import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AJV_OPTIONS,
  GENERATED_MODULE,
  generatedFiles,
  META_AJV_OPTIONS,
  REGENERATE_COMMAND,
  schemaValidatorsSource,
} from '../../scripts/schema-validators.ts';
import { jsonSchema } from '../config/src/load/json-schema-validator.generated.js';
import { SCHEMAS, schemaValidators } from '../config/src/load/schemas.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

/** Imports generated validator source as a module next to the repository's node_modules. */
async function importGenerated(source: string): Promise<Record<string, ValidateFunction>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'raku-schema-validators-'));
  temp.push(dir);
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  writeFileSync(path.join(dir, 'validators.js'), source);
  return import(pathToFileURL(path.join(dir, 'validators.js')).href);
}

describe('precompiled schema validators', () => {
  it.each(Object.entries(generatedFiles()))(
    '%s is what the generator writes from the schemas',
    (file, want) => {
      const committed = readFileSync(path.join(root, file), 'utf8');
      expect(
        committed === want,
        `${file} is stale (a schema changed without regenerating): run \`${REGENERATE_COMMAND}\``,
      ).toBe(true);
    },
  );

  it('the generated module is the one validation uses', () => {
    expect(GENERATED_MODULE).toBe('generator/config/src/load/schema-validators.generated.js');
    expect(Object.keys(schemaValidators()).sort()).toEqual(['pack', 'policy', 'tenant', 'zone']);
  });

  it('report the same errors as the schemas compiled by Ajv at run time', () => {
    const ajv = new Ajv2020(AJV_OPTIONS);
    const documents: Record<string, unknown[]> = {
      pack: [
        {},
        { name: 'Bad_Name', version: '1', tools: [{ name: 'x', http: { method: 'TRACE' } }], extra: 1 },
        {
          name: 'p',
          version: '1.0.0',
          description: 'd',
          owner: 'o',
          upstream: { auth: { type: 'sigv4' }, baseUrls: { dev: 'ftp://x' } },
          tools: [{ name: 't', description: 'd', inputSchema: {}, http: { method: 'GET', path: 'x' } }],
          runtime: { env: [{ name: 'A', value: 'v', secretRef: { name: 's', key: 'k' } }] },
        },
      ],
      zone: [{}, { name: 'dev', environment: 'qa', cluster: 3 }],
      policy: [{}, { name: 'p', rules: [{ effect: 'maybe', tools: 'all' }] }],
    };
    for (const [kind, docs] of Object.entries(documents)) {
      const runtime = ajv.compile(SCHEMAS[kind as 'pack']);
      const generated = schemaValidators()[kind as 'pack'];
      for (const doc of docs) {
        expect(generated(doc)).toBe(runtime(doc));
        expect(generated.errors?.length).toBeGreaterThan(0);
        expect(generated.errors).toEqual(runtime.errors);
      }
    }
  });

  it("check tools' schemas against the meta-schema as Ajv's validateSchema does", () => {
    const ajv = new Ajv2020(META_AJV_OPTIONS);
    const schemas: unknown[] = [
      {
        type: 'object',
        properties: { id: { type: 'string', format: 'uuid', maxLength: 36 } },
        required: ['id'],
      },
      { type: 'object', $defs: { n: { type: 'integer' } }, properties: { n: { $ref: '#/$defs/n' } } },
      { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: {} }] } },
      { type: 'object', properties: { a: { type: 'strin' } } },
      { type: 'object', properties: { a: { minLength: -1 } } },
      { type: 'object', required: 'a' },
      { type: 'object', properties: { a: { items: { $dynamicRef: 3 } } } },
      { type: 'object', properties: [] },
      true,
      'object',
    ];
    let invalid = 0;
    for (const schema of schemas) {
      const want = ajv.validateSchema(schema as object);
      expect(jsonSchema(schema)).toBe(want);
      // Only the errors of a failed check are read (Ajv leaves stale ones after a boolean schema).
      if (want) continue;
      expect(jsonSchema.errors).toEqual(ajv.errors);
      invalid++;
    }
    expect(invalid).toBe(6);
  });

  it('check format keywords (ajv-formats) in the generated code', async () => {
    const source = schemaValidatorsSource({
      pack: { type: 'object', properties: { contact: { type: 'string', format: 'email' } } },
      zone: { type: 'string', format: 'date-time' },
      policy: { type: 'string', maxLength: 2 },
      tenant: { type: 'object' },
    });
    expect(source).not.toMatch(/\brequire\(/);
    const validators = await importGenerated(source);
    expect(validators['pack']?.({ contact: 'team@example.com' })).toBe(true);
    expect(validators['pack']?.({ contact: 'not an address' })).toBe(false);
    expect(validators['pack']?.errors?.[0]).toMatchObject({ keyword: 'format', params: { format: 'email' } });
    expect(validators['zone']?.('2026-12-04T13:00:00Z')).toBe(true);
    expect(validators['zone']?.('yesterday')).toBe(false);
    // maxLength counts code points (Ajv's ucs2length helper, imported by the generated code).
    expect(validators['policy']?.('😀😀')).toBe(true);
    expect(validators['policy']?.('😀😀😀')).toBe(false);
  });
});
