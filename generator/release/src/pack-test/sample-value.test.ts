import type { JsonSchema } from '@raku/config';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineAllOf, sampleValue } from './sample-value.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

const note = { description: 'An annotation only, as AWS descriptions wrap every member.' };

/** Satisfiable schemas built from scalar, object, array and map shapes wrapped in allOf/anyOf/oneOf/$ref. */
function schemas(): fc.Arbitrary<{ schema: JsonSchema; defs: Record<string, JsonSchema> }> {
  const defs: Record<string, JsonSchema> = {};
  let next = 0;
  const named = (s: JsonSchema): JsonSchema => {
    const name = `Def${next++}`;
    defs[name] = s;
    return { $ref: `#/$defs/${name}` };
  };
  const { shape } = fc.letrec<{ shape: JsonSchema; scalar: JsonSchema }>((tie) => ({
    scalar: fc.oneof(
      fc
        .tuple(fc.nat(5), fc.nat(20))
        .map(([min, more]) => ({ type: 'string', minLength: min, maxLength: min + more })),
      fc.constantFrom<JsonSchema>(
        { type: 'string', format: 'date-time' },
        { type: 'string', pattern: '^[A-Z]{3}-\\d+$' },
        { type: 'boolean' },
        { enum: ['SIZE', 'NONE'] },
        { type: 'string', enum: ['INDEXES', 'TOTAL'] },
      ),
      fc
        .tuple(fc.integer({ min: -50, max: 50 }), fc.nat(100))
        .map(([min, more]) => ({ type: 'integer', minimum: min, maximum: min + more })),
    ),
    shape: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('scalar'),
      fc
        .tuple(
          fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 3 }),
          fc.array(tie('shape'), { minLength: 3, maxLength: 3 }),
          fc.nat(3),
        )
        .map(([names, subs, req]) => ({
          type: 'object',
          properties: Object.fromEntries(names.map((n, i) => [n, subs[i]])),
          required: names.slice(0, req),
          additionalProperties: false,
        })),
      fc
        .tuple(tie('shape'), fc.nat(3))
        .map(([items, min]) => ({ type: 'array', items, minItems: min, maxItems: min + 2 })),
      fc
        .tuple(tie('shape'), fc.integer({ min: 1, max: 3 }))
        .map(([value, min]) => ({ type: 'object', additionalProperties: value, minProperties: min })),
      // AWS-style: a member is allOf [its shape, an annotation]; the shape often a reference.
      tie('shape').map((s) => ({ allOf: [s, note] })),
      tie('shape').map((s) => ({ allOf: [named(s), note] })),
      tie('shape').map((s) => ({ ...named(s), ...note })),
      tie('shape').map((s) => named(s)),
      // Two objects, each with its own properties, that together make one.
      fc.tuple(tie('shape'), tie('shape')).map(([x, y]) => ({
        allOf: [
          named({ type: 'object', properties: { left: x }, required: ['left'] }),
          { type: 'object', properties: { right: y }, required: ['right'] },
        ],
      })),
      tie('shape').map((s) => ({ anyOf: [{ type: 'null' }, s] })),
      tie('shape').map((s) => ({ oneOf: [s, { type: 'null' }] })),
      fc.tuple(tie('shape'), tie('shape')).map(([x, y]) => ({
        oneOf: [
          { type: 'object', properties: { kind: { const: 'x' }, x }, required: ['kind'] },
          { type: 'object', properties: { kind: { const: 'y' }, y }, required: ['kind'] },
        ],
      })),
    ),
  }));
  return shape.map((schema) => ({ schema, defs: { ...defs } }));
}

describe('sampleValue', () => {
  it('builds a value every generated allOf/anyOf/oneOf/$ref-wrapped schema accepts', () => {
    fc.assert(
      fc.property(schemas(), ({ schema, defs }) => {
        const root: JsonSchema = {
          type: 'object',
          properties: { value: schema },
          required: ['value'],
          $defs: defs,
        };
        const value = sampleValue(root, root, { all: true });
        const ok = ajv.validate(root, value);
        if (!ok) throw new Error(`${JSON.stringify(value)}: ${ajv.errorsText(ajv.errors)}`);
      }),
      { numRuns: 200, seed: 19 },
    );
  });

  it('samples an AWS member wrapped as allOf [$ref, description] as the referenced shape', () => {
    const root: JsonSchema = {
      type: 'object',
      properties: {
        RequestItems: { allOf: [{ $ref: '#/$defs/RequestMap' }, note] },
        Metrics: { allOf: [{ type: 'string', enum: ['SIZE', 'NONE'] }, note] },
      },
      required: ['RequestItems'],
      $defs: {
        RequestMap: {
          type: 'object',
          minProperties: 1,
          maxProperties: 25,
          additionalProperties: { type: 'array', items: { type: 'string' }, minItems: 1 },
        },
      },
    };
    expect(sampleValue(root, root, { all: true })).toEqual({
      RequestItems: { key1: ['sample'] },
      Metrics: 'SIZE',
    });
  });

  it('samples an anyOf of required-only branches with the properties around it, and pads a pattern with its own characters', () => {
    const root: JsonSchema = {
      type: 'object',
      properties: {
        reviewers: { type: 'array', items: { type: 'string' } },
        team_reviewers: { type: 'array', items: { type: 'string' } },
        commit_sha: { type: 'string', pattern: '^[0-9a-fA-F]+$', minLength: 40, maxLength: 40 },
      },
      required: ['commit_sha'],
      anyOf: [{ required: ['reviewers'] }, { required: ['team_reviewers'] }],
    };
    const value = sampleValue(root, root) as Record<string, unknown>;
    expect(value['reviewers']).toEqual(['sample']);
    expect(value['commit_sha']).toBe('0'.repeat(40));
    expect(ajv.validate(root, value)).toBe(true);
  });

  it('passes over a document example that breaks its own length, pattern or uri format', () => {
    const root: JsonSchema = {
      type: 'object',
      properties: {
        digest: {
          type: 'string',
          minLength: 71,
          maxLength: 71,
          pattern: '^sha256:[a-f0-9]{64}$',
          examples: ['sha256:0ecbaa601dba...'],
        },
        path: { type: 'string', format: 'uri', examples: ['com/github/bar/libfoo-1.2.3'] },
        name: { type: 'string', examples: ['libfoo'] },
      },
      required: ['digest', 'path', 'name'],
    };
    const value = sampleValue(root, root) as Record<string, unknown>;
    expect(value['digest']).toBe(`sha256:${'a'.repeat(64)}`);
    expect(value['name']).toBe('libfoo');
    expect(ajv.validate(root, value)).toBe(true);
  });

  it('joins the properties and required names of allOf parts and intersects their enums', () => {
    const root: JsonSchema = {
      $defs: { Base: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
    };
    expect(
      combineAllOf(
        {
          allOf: [
            { $ref: '#/$defs/Base' },
            { properties: { size: { enum: ['S', 'M', 'L'] } }, required: ['size'] },
            { properties: { size: { enum: ['M', 'L'] } } },
          ],
        },
        root,
      ),
    ).toEqual({
      type: 'object',
      properties: {
        id: { type: 'string' },
        size: { allOf: [{ enum: ['S', 'M', 'L'] }, { enum: ['M', 'L'] }] },
      },
      required: ['id', 'size'],
    });
  });
});
