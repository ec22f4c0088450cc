/**
 * The fast pack writer (pack-yaml.ts) against the `yaml` package's writing of the same pack
 * (serializePackWithYaml): the same bytes for awkward strings, numbers, nesting and flow leaves, and for the
 * packs of real documents; undefined (the caller falls back) for what it does not cover.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Pack } from '@raku/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { importOpenApi } from './build-pack.ts';
import { parseDocument } from './openapi-document.ts';
import { emitPackYaml } from './pack-yaml.ts';
import { PACK_SCHEMA_HEADER, serializePack, serializePackWithYaml } from './serialize-pack.ts';

const require = createRequire(import.meta.url);

const STRINGS = [
  '',
  ' ',
  'plain',
  'two words',
  'true',
  'False',
  'null',
  '~',
  '42',
  '0x1F',
  '1e3',
  '.inf',
  '-',
  '- item',
  '? key',
  'a: b',
  'ends with colon:',
  'ends with space ',
  ' starts with space',
  '#hash',
  'not # a comment',
  'x #comment',
  '[flow]',
  '{flow}',
  'a, b',
  '@at',
  '`tick',
  '%percent',
  '---',
  '--- marker',
  '...',
  "it's",
  'say "hi"',
  'both \' and "',
  'line one\nline two',
  'trailing newline\n',
  'two trailing\n\n',
  '\nleading newline',
  '  indented\nblock',
  'space before newline \nnext',
  'tab\there',
  'carriage\rreturn',
  'bell\u0007',
  'nel\u0085',
  'unicode é ✓ 𝄞',
  'line\u2028separator',
  'lone \ud800 surrogate',
  '---\ndocument marker line',
  'x\n---\ny',
  'a'.repeat(300),
  `${'long words '.repeat(30)}\nand a second line`,
  'only whitespace after\n  ',
];

/** A pack-shaped value that puts every string as a key and as a value in each kind of place. */
function tricky(): Record<string, unknown> {
  const asKeys = Object.fromEntries(STRINGS.map((s, i) => [s || `empty${i}`, s]));
  return {
    name: 'tricky',
    version: '1.0.0',
    description: 'multi\nline\n',
    numbers: [0, -0, 1, -1, 1.5, 1e21, 1e-7, 123456789012, 0.1],
    flags: { yes: true, no: false, none: null },
    emptyMap: {},
    emptyList: [],
    skipped: undefined,
    byKey: asKeys,
    ...Object.fromEntries(STRINGS.map((s, i) => [`root${i}`, s])),
    [STRINGS[25] as string]: 'a root key with a document marker',
    '---': 'root key marker',
    tools: STRINGS.map((s, i) => ({
      name: `tool-${i}`,
      title: s,
      tags: [s, 'b'],
      leaf: { type: 'string', value: s },
      nested: [[s], [[s, 1]], { deep: [{ deeper: s }] }],
      bigLeaf: { a: 1, b: 2, c: 3, d: 4, e: 5 },
      longLeaf: ['x'.repeat(60), 'y'.repeat(60)],
      items: [s, [s, s], { k: s, m: [s] }],
    })),
  };
}

describe('emitPackYaml', () => {
  it('writes the same bytes as the yaml package for awkward strings, numbers, nesting and flow leaves', () => {
    const value = tricky();
    const fast = emitPackYaml(value, PACK_SCHEMA_HEADER);
    const reference = serializePackWithYaml(value as unknown as Pack);
    expect(fast).toBe(reference);
    // And it reads back as the data (undefined values left out).
    expect(parse(fast as string)).toEqual(value);
  });

  it('writes the same bytes as the yaml package for packs of real documents', () => {
    for (const file of [
      'petstore.json',
      'petstore-expanded.json',
      'complex-nesting.json',
      'schema-types.json',
    ]) {
      const path = require.resolve(`@readme/oas-examples/3.0/json/${file}`);
      const { pack } = importOpenApi(parseDocument(readFileSync(path), path), {
        name: 'real',
        owner: 'team',
        sourceDocument: 'openapi.json',
        sha256: '0'.repeat(64),
        baseUrl: 'https://api.example.com',
      });
      expect(emitPackYaml(pack as unknown as Record<string, unknown>, PACK_SCHEMA_HEADER)).toBe(
        serializePackWithYaml(pack),
      );
    }
  });

  it('declines what it does not cover, and serializePack then writes with the yaml package', () => {
    const longKey = { name: 'p', map: { ['k'.repeat(1100)]: 'v' } };
    const notPlain = { name: 'p', when: new Date(0) };
    const hole = { name: 'p', list: [1, undefined, 2] };
    const infinite = { name: 'p', n: Number.POSITIVE_INFINITY };
    for (const value of [longKey, notPlain, hole, infinite]) {
      expect(emitPackYaml(value, PACK_SCHEMA_HEADER)).toBeUndefined();
      expect(serializePack(value as unknown as Pack)).toBe(serializePackWithYaml(value as unknown as Pack));
    }
  });
});
