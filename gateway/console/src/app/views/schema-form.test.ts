import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allFields,
  buildArguments,
  defaultsOf,
  type Field,
  fieldId,
  formModel,
  ROOT_JSON,
  valuesOf,
} from './schema-form.ts';

const PETSTORE_ADD_PET = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'photoUrls'],
  properties: {
    id: { type: 'integer', minimum: 1 },
    name: { type: 'string', minLength: 1, maxLength: 200, description: 'What the pet is called.' },
    photoUrls: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 2048 } },
    status: { type: 'string', enum: ['available', 'pending', 'sold'] },
  },
};

function fieldsOf(schema: unknown): Field[] {
  const model = formModel(schema);
  if (model.kind !== 'fields') throw new Error(`expected fields, got JSON (${model.reason})`);
  return model.fields;
}

describe('formModel', () => {
  it('turns an object schema into typed fields with required marks and help text', () => {
    const fields = fieldsOf(PETSTORE_ADD_PET);
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['id', 'integer', false],
      ['name', 'string', true],
      ['photoUrls', 'array', true],
      ['status', 'enum', false],
    ]);
    expect(fields[1]!.description).toBe('What the pet is called.');
    expect(fields[3]).toMatchObject({ options: ['available', 'pending', 'sold'] });
  });

  it('nests objects, takes enum arrays as choices and falls back to JSON for what a form cannot say', () => {
    const fields = fieldsOf({
      type: 'object',
      properties: {
        owner: {
          type: 'object',
          title: 'Owner',
          required: ['email'],
          properties: { email: { type: 'string', format: 'email' }, vip: { type: 'boolean' } },
        },
        tags: { type: 'array', items: { enum: ['a', 'b'] } },
        shape: { oneOf: [{ type: 'string' }, { type: 'number' }] },
        items: { type: 'array', items: { type: 'object' } },
        anything: {},
        nullable: { type: ['integer', 'null'] },
        mixed: { type: ['string', 'number'] },
      },
    });
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(byName['owner']).toMatchObject({ kind: 'object', label: 'Owner' });
    expect(allFields(fields).map((f) => f.path.join('.'))).toContain('owner.email');
    expect(byName['tags']).toMatchObject({ kind: 'enum-array', options: ['a', 'b'] });
    expect(byName['shape']).toMatchObject({ kind: 'json', reason: 'its schema uses oneOf' });
    expect(byName['items']).toMatchObject({ kind: 'json' });
    expect(byName['anything']).toMatchObject({ kind: 'json' });
    expect(byName['nullable']).toMatchObject({ kind: 'integer' });
    expect(byName['mixed']).toMatchObject({ kind: 'json' });
  });

  it('is one JSON field for a schema that is not an object with properties', () => {
    expect(formModel({ type: 'object' })).toMatchObject({ kind: 'json' });
    expect(formModel({ $ref: '#/x' })).toMatchObject({ kind: 'json' });
    expect(formModel('nope')).toMatchObject({ kind: 'json' });
    expect(formModel({ type: 'object', additionalProperties: false })).toEqual({
      kind: 'fields',
      fields: [],
    });
  });

  it('gives every field a distinct id, whatever its property names', () => {
    const fields = allFields(
      fieldsOf({
        type: 'object',
        properties: {
          'a b': { type: 'string' },
          a_20b: { type: 'string' },
          'a.b': { type: 'object', properties: { c: { type: 'string' } } },
          a: { type: 'object', properties: { 'b.c': { type: 'string' } } },
        },
      }),
    );
    const ids = fields.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(fieldId(['x'])).toBe('arg-x');
  });

  it('never throws: any JSON as a schema yields fields or a JSON fallback, and its form builds', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.jsonValue({ maxDepth: 3 }), (schema, args) => {
        const model = formModel(schema);
        expect(['fields', 'json']).toContain(model.kind);
        const built = buildArguments(model, valuesOf(model, args));
        expect(typeof built.ok).toBe('boolean');
        defaultsOf(schema);
      }),
      { numRuns: 500 },
    );
  });
});

describe('buildArguments', () => {
  it('reads typed values, leaves empty optional fields out and names the field of each error', () => {
    const model = formModel(PETSTORE_ADD_PET);
    const fields = Object.fromEntries(
      allFields(model.kind === 'fields' ? model.fields : []).map((f) => [f.name, f.id]),
    );
    expect(
      buildArguments(model, {
        [fields['id']!]: '7',
        [fields['name']!]: 'Rex',
        [fields['photoUrls']!]: 'https://a.example/1.png\n\nhttps://a.example/2.png\n',
        [fields['status']!]: '2',
      }),
    ).toEqual({
      ok: true,
      arguments: {
        id: 7,
        name: 'Rex',
        photoUrls: ['https://a.example/1.png', 'https://a.example/2.png'],
        status: 'sold',
      },
    });
    expect(buildArguments(model, { [fields['id']!]: '7.5', [fields['photoUrls']!]: 'x' })).toEqual({
      ok: false,
      errors: [
        { id: fields['id'], message: 'id: "7.5" is not a whole number' },
        { id: fields['name'], message: 'name: required' },
      ],
    });
  });

  it('does not ask for the required fields of an optional object left empty', () => {
    const model = formModel({
      type: 'object',
      properties: {
        owner: { type: 'object', required: ['email'], properties: { email: { type: 'string' } } },
      },
    });
    expect(buildArguments(model, {})).toEqual({ ok: true, arguments: {} });
  });

  it('reads a whole-form JSON field as the arguments object', () => {
    const model = formModel({ type: 'object' });
    expect(buildArguments(model, { [ROOT_JSON]: '{"a": [1]}' })).toEqual({ ok: true, arguments: { a: [1] } });
    expect(buildArguments(model, { [ROOT_JSON]: '[1]' })).toMatchObject({ ok: false });
    expect(buildArguments(model, { [ROOT_JSON]: '' })).toEqual({ ok: true, arguments: {} });
  });

  it('takes schema defaults as the first values', () => {
    const schema = {
      type: 'object',
      properties: {
        limit: { type: 'integer', default: 30 },
        state: { type: 'string', enum: ['open', 'closed'], default: 'open' },
      },
    };
    const model = formModel(schema);
    expect(buildArguments(model, valuesOf(model, defaultsOf(schema)))).toEqual({
      ok: true,
      arguments: { limit: 30, state: 'open' },
    });
  });

  // Schemas the form covers, with arguments valid for them: the form shows the arguments and gives them back
  // unchanged, and they validate against the schema.
  const scalarSchema = fc.oneof(
    fc.constant({
      schema: { type: 'string' },
      value: fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
    }),
    fc.constant({ schema: { type: 'integer' }, value: fc.integer().map((n) => n || 0) }),
    fc.constant({
      schema: { type: 'number' },
      value: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    }),
    fc.constant({ schema: { type: 'boolean' }, value: fc.boolean() }),
    fc
      .uniqueArray(fc.oneof(fc.string(), fc.integer(), fc.boolean()), { minLength: 1, maxLength: 5 })
      .map((options) => ({ schema: { enum: options }, value: fc.constantFrom(...options) })),
    fc.constant({
      schema: { type: 'array', items: { type: 'string' } },
      value: fc.array(
        fc.string({ minLength: 1 }).filter((s) => !s.includes('\n') && s.trim() !== ''),
        { minLength: 1, maxLength: 4 },
      ),
    }),
    fc.constant({
      schema: { type: 'array', items: { type: 'integer' } },
      value: fc.array(
        fc.integer().map((n) => n || 0),
        { minLength: 1, maxLength: 4 },
      ),
    }),
    fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 4 }).map((options) => ({
      schema: { type: 'array', items: { type: 'string', enum: options } },
      value: fc.subarray(options, { minLength: 1 }),
    })),
  );
  const objectSchema = (depth: number): fc.Arbitrary<{ schema: object; value: fc.Arbitrary<unknown> }> =>
    fc
      .uniqueArray(
        fc.tuple(
          fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__'),
          depth > 0
            ? fc.oneof(
                { weight: 4, arbitrary: scalarSchema },
                { weight: 1, arbitrary: objectSchema(depth - 1) },
              )
            : scalarSchema,
          fc.boolean(),
        ),
        { minLength: 1, maxLength: 5, selector: ([k]) => k },
      )
      .map((props) => ({
        schema: {
          type: 'object',
          properties: Object.fromEntries(props.map(([k, p]) => [k, p.schema])),
          required: props.filter(([, , r]) => r).map(([k]) => k),
        },
        value: fc.record(Object.fromEntries(props.map(([k, p]) => [k, p.value]))),
      }));

  it('gives back the arguments it was shown, and they validate against the schema', () => {
    const ajv = new Ajv2020({ strict: false });
    fc.assert(
      fc.property(
        objectSchema(2).chain(({ schema, value }) => fc.tuple(fc.constant(schema), value)),
        ([schema, args]) => {
          const model = formModel(schema);
          expect(model.kind).toBe('fields');
          const built = buildArguments(model, valuesOf(model, args));
          expect(built).toEqual({ ok: true, arguments: args });
          expect(ajv.validate(schema, args)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
