import { describe, expect, it } from 'vitest';
import { inputSchemaBreaks } from './schema-compat.ts';

// biome-ignore lint/suspicious/noExplicitAny: test schemas are edited freely by path
type Loose = any;

const base = {
  type: 'object',
  required: ['owner'],
  properties: {
    owner: { type: 'string', maxLength: 100 },
    state: { type: 'string', enum: ['open', 'closed', 'all'] },
    limit: { type: 'number', minimum: 1 },
    labels: { type: 'array', items: { type: 'string' } },
  },
};

describe('inputSchemaBreaks', () => {
  it('finds nothing between equal schemas or when a schema only widens', () => {
    expect(inputSchemaBreaks(base, structuredClone(base))).toEqual([]);
    const wider = structuredClone(base) as Loose;
    wider.required = [];
    wider.properties.state.enum.push('draft');
    wider.properties.owner.maxLength = 200;
    wider.properties.extra = { type: 'string' };
    expect(inputSchemaBreaks(base, wider)).toEqual([]);
  });

  it('flags a new required argument, a removed property and a narrowed type', () => {
    const after = structuredClone(base) as Loose;
    after.required.push('repo');
    after.properties.repo = { type: 'string' };
    delete after.properties.labels;
    after.properties.limit.type = 'integer';
    expect(inputSchemaBreaks(base, after).map((b) => b.message)).toEqual([
      'argument "repo" is now required',
      'type of "limit" narrowed from number to integer',
      'argument "labels" was removed',
    ]);
  });

  it('flags removed enum values, tighter bounds, new patterns and nested items', () => {
    const after = structuredClone(base) as Loose;
    after.properties.state.enum = ['open'];
    after.properties.owner.maxLength = 10;
    after.properties.owner.pattern = '^[a-z]+$';
    after.properties.labels.items.type = 'integer';
    after.additionalProperties = false;
    expect(inputSchemaBreaks(base, after).map((b) => `${b.at}: ${b.message}`)).toEqual([
      ': the arguments no longer accept extra properties',
      'owner: maxLength of "owner" lowered from 100 to 10',
      'owner: pattern of "owner" added: ^[a-z]+$',
      'state: "state" no longer accepts "closed", "all"',
      'labels[]: type of "labels[]" narrowed from string to integer',
    ]);
  });
});
