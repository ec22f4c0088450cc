import { describe, expect, it } from 'vitest';
import { SCHEMAS, schemaValidators } from '../config/src/load/schemas.ts';

type Json = Record<string, unknown>;

/** Every subschema of a schema with its JSON pointer. */
function* walk(node: unknown, pointer = '#'): Generator<[string, Json]> {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  const obj = node as Json;
  yield [pointer, obj];
  for (const key of ['properties', '$defs']) {
    const map = obj[key] as Json | undefined;
    for (const [k, v] of Object.entries(map ?? {})) yield* walk(v, `${pointer}/${key}/${k}`);
  }
  for (const key of ['items', 'additionalProperties', 'propertyNames'])
    yield* walk(obj[key], `${pointer}/${key}`);
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const list = (obj[key] as unknown[] | undefined) ?? [];
    for (let i = 0; i < list.length; i++) yield* walk(list[i], `${pointer}/${key}/${i}`);
  }
}

function resolve(root: Json, node: Json): Json {
  const ref = node['$ref'];
  if (typeof ref !== 'string') return node;
  let cur: unknown = root;
  for (const seg of ref.replace(/^#\//, '').split('/')) cur = (cur as Json)[seg];
  return { ...(cur as Json), ...node };
}

describe.each(Object.entries(SCHEMAS))('schema/%s.schema.json', (kind, schema) => {
  it('is JSON Schema 2020-12 with an $id', () => {
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['$id']).toBe(`https://raku.dev/schema/${kind}.schema.json`);
  });

  it('describes every property (editor help)', () => {
    const missing: string[] = [];
    for (const [pointer, node] of walk(schema)) {
      for (const [name, prop] of Object.entries((node['properties'] as Json | undefined) ?? {})) {
        const full = resolve(schema, prop as Json);
        if (typeof full['description'] !== 'string') missing.push(`${pointer}/properties/${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('closes every object and bounds every string and array', () => {
    const problems: string[] = [];
    for (const [pointer, node] of walk(schema)) {
      const types = ([] as unknown[]).concat(node['type'] ?? []);
      const isFreeSchema = pointer.endsWith('/jsonSchema');
      if (types.includes('object') && !isFreeSchema && node['additionalProperties'] === undefined) {
        problems.push(`${pointer}: object without additionalProperties`);
      }
      if (types.includes('object') && isFreeSchema && node['maxProperties'] === undefined)
        problems.push(`${pointer}: unbounded`);
      const bounded =
        node['maxLength'] !== undefined || node['enum'] !== undefined || node['const'] !== undefined;
      if (types.includes('string') && !bounded) problems.push(`${pointer}: string without maxLength`);
      if (types.includes('array') && node['maxItems'] === undefined)
        problems.push(`${pointer}: array without maxItems`);
      if (
        node['additionalProperties'] &&
        typeof node['additionalProperties'] === 'object' &&
        node['maxProperties'] === undefined
      ) {
        problems.push(`${pointer}: map without maxProperties`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('compiles in ajv strict mode', () => {
    expect(typeof schemaValidators()[kind as 'pack']).toBe('function');
  });
});

describe('shared definitions', () => {
  it.each(['dnsLabel', 'secretRef', 'quantity', 'resources', 'autoscaling', 'url'])(
    '%s is identical wherever it is defined',
    (name) => {
      const defs = Object.values(SCHEMAS)
        .map((s) => (s['$defs'] as Json)[name])
        .filter((d) => d !== undefined);
      expect(defs.length).toBeGreaterThanOrEqual(2);
      for (const d of defs) expect(d).toEqual(defs[0]);
    },
  );
});
