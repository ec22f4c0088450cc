import { describe, expect, it } from 'vitest';
import { RefError } from './openapi-document.ts';
import { SchemaConverter } from './schema-convert.ts';

const doc = (schemas: Record<string, unknown>) => ({ openapi: '3.0.3', components: { schemas } });
const finish = (c: SchemaConverter, raw: unknown) => c.finish(c.convert(raw));

describe('SchemaConverter', () => {
  it('turns OpenAPI 3.0 nullable into a type array, and adds null to an enum', () => {
    const c = new SchemaConverter(doc({}), 'openapi-3.0', 'input');
    expect(finish(c, { type: 'string', enum: ['a'], nullable: true })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    });
  });

  it('turns a nullable $ref into anyOf with null', () => {
    const d = doc({
      Big: {
        type: 'object',
        properties: Object.fromEntries(
          [...Array(300)].map((_, i) => [`p${i}`, { type: 'string', description: 'x'.repeat(20) }]),
        ),
      },
    });
    const c = new SchemaConverter(d, 'openapi-3.0', 'output');
    const out = finish(c, { $ref: '#/components/schemas/Big', nullable: true });
    expect(out['anyOf']).toEqual([{ $ref: '#/$defs/Big' }, { type: 'null' }]);
    expect(Object.keys(out['$defs'] as object)).toEqual(['Big']);
  });

  it('translates boolean exclusiveMinimum and drops OpenAPI-only keywords and unknown formats', () => {
    const c = new SchemaConverter(doc({}), 'openapi-3.0', 'input');
    expect(
      finish(c, {
        type: 'integer',
        format: 'int64',
        minimum: 0,
        exclusiveMinimum: true,
        xml: { name: 'n' },
        externalDocs: { url: 'x' },
        'x-internal': true,
        example: 5,
      }),
    ).toEqual({ type: 'integer', exclusiveMinimum: 0, examples: [5] });
  });

  it('keeps a recursive schema finite: the cycle stays in $defs', () => {
    const d = doc({
      Node: {
        type: 'object',
        properties: {
          value: { type: 'string' },
          children: { type: 'array', items: { $ref: '#/components/schemas/Node' } },
        },
      },
    });
    const c = new SchemaConverter(d, 'openapi-3.0', 'output');
    const out = finish(c, { $ref: '#/components/schemas/Node' });
    expect(out['type']).toBe('object');
    expect(out['$defs']).toEqual({
      Node: {
        type: 'object',
        properties: {
          value: { type: 'string' },
          children: { type: 'array', items: { $ref: '#/$defs/Node' } },
        },
      },
    });
  });

  it('inlines small acyclic references and merges allOf of plain objects', () => {
    const d = doc({
      Base: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } },
      Named: {
        allOf: [
          { $ref: '#/components/schemas/Base' },
          { type: 'object', properties: { name: { type: 'string' } } },
        ],
      },
    });
    const c = new SchemaConverter(d, 'openapi-3.0', 'output');
    expect(finish(c, { $ref: '#/components/schemas/Named' })).toEqual({
      type: 'object',
      properties: { id: { type: 'integer' }, name: { type: 'string' } },
      required: ['id'],
    });
  });

  it('drops readOnly properties from inputs and writeOnly ones from outputs', () => {
    const schema = {
      type: 'object',
      required: ['id', 'password'],
      properties: { id: { type: 'integer', readOnly: true }, password: { type: 'string', writeOnly: true } },
    };
    const input = new SchemaConverter(doc({}), 'openapi-3.0', 'input');
    expect(finish(input, schema)).toEqual({
      type: 'object',
      required: ['password'],
      properties: { password: { type: 'string', writeOnly: true } },
    });
    const output = new SchemaConverter(doc({}), 'openapi-3.0', 'output');
    expect(finish(output, schema)['properties']).toEqual({ id: { type: 'integer', readOnly: true } });
  });

  it('drops a pattern that is not a valid unicode regular expression instead of failing compilation', () => {
    const c = new SchemaConverter(doc({}), 'openapi-3.0', 'input');
    expect(finish(c, { type: 'string', pattern: '^[\\w-\\.]+$' })).toEqual({ type: 'string' });
    expect(finish(c, { type: 'string', pattern: '^[a-z]+$' })).toEqual({
      type: 'string',
      pattern: '^[a-z]+$',
    });
  });

  it('throws a RefError for a reference that does not resolve, or that is external', () => {
    const c = new SchemaConverter(doc({}), 'openapi-3.0', 'input');
    expect(() => c.convert({ $ref: '#/components/schemas/Missing' })).toThrow(RefError);
    expect(() => c.convert({ $ref: 'other.yaml#/Pet' })).toThrow(/not a local reference/);
  });

  it('keeps OpenAPI 3.1 $ref siblings and type arrays', () => {
    const d = { openapi: '3.1.0', components: { schemas: { Id: { type: ['string', 'integer'] } } } };
    const c = new SchemaConverter(d, 'openapi-3.1', 'input');
    expect(finish(c, { $ref: '#/components/schemas/Id', description: 'the id' })).toEqual({
      type: ['string', 'integer'],
      description: 'the id',
    });
  });
});

describe('SchemaConverter on hostile schemas', () => {
  it('drops a "__proto__" property instead of setting a prototype, and stops at absurd nesting', () => {
    const raw = JSON.parse(
      '{"type":"object","properties":{"__proto__":{"type":"string"},"ok":{"type":"string"}}}',
    );
    const c = new SchemaConverter(doc({}), 'openapi-3.0', 'input');
    const out = finish(c, raw);
    expect(Object.getPrototypeOf(out['properties'])).toBe(Object.prototype);
    expect(Object.keys(out['properties'] as object)).toEqual(['ok']);
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 500; i++) deep = { type: 'array', items: deep };
    const converted = finish(new SchemaConverter(doc({}), 'openapi-3.0', 'input'), deep);
    expect(JSON.stringify(converted).length).toBeLessThan(2000);
  });
});
