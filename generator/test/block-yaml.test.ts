import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { blockParse } from '../config/src/load/block-yaml.ts';
import { resolvePlain } from '../config/src/load/fast-yaml.ts';
import { DEFAULT_YAML_LIMITS, parseYamlSource } from '../config/src/load/yaml-source.ts';
import { exampleFiles } from './repo-fixture.ts';

/** What the positioned parser (`yaml`) reads, or undefined when it reports a problem. */
const reference = (text: string) => {
  const r = parseYamlSource(
    { path: 'a.yaml', bytes: Buffer.from(text) },
    { ...DEFAULT_YAML_LIMITS, fastPath: false },
  );
  return r.diagnostics.length > 0 ? { problems: r.diagnostics.map((d) => d.rule) } : { value: r.value };
};

const read = (text: string) => blockParse(text, resolvePlain, DEFAULT_YAML_LIMITS);

/** The block reader either declines or reads exactly what the positioned parser reads (and that parser is happy). */
function agrees(text: string): boolean {
  const got = read(text);
  if (got) expect({ text, ...reference(text) }).toEqual({ text, value: got.value });
  return got !== undefined;
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return yamlFilesUnder(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

describe('block-style YAML reader', () => {
  it('reads every example pack, zone and policy as the positioned parser does', () => {
    for (const file of exampleFiles()) {
      expect({ file: file.path, read: agrees(Buffer.from(file.bytes).toString('utf8')) }).toEqual({
        file: file.path,
        read: true,
      });
    }
  });

  it('reads every YAML fixture as the positioned parser does, or declines', () => {
    let count = 0;
    for (const f of yamlFilesUnder(path.join(import.meta.dirname, 'fixtures')))
      if (agrees(readFileSync(f, 'utf8'))) count++;
    expect(count).toBeGreaterThanOrEqual(4); // the pack-bodies packs; every hostile file is declined
  });

  it.each([
    [
      'scalars of every core type',
      "a: 1\nb: -2.5\nc: true\nd: ~\ne:\nf: 0x1F\ng: 1.0.0\nh: .inf\ni: 017\nj: 1e3\nk: \"q\"\nl: 'it''s'\n",
    ],
    ['comments everywhere', '# top\na: 1 # one\n# between\nb:\n  # inside\n  - x # item\n\n  - y\n'],
    [
      'a sequence at its key’s indentation',
      'tools:\n- name: a\n  x: [1, "two", {b: c}]\n- name: b\nafter: {}\n',
    ],
    ['nested and empty items', 'a:\n  - - x\n    - y\n  -\n    - z\n  -\nb: []\n'],
    [
      'block scalars',
      'a: |\n  one\n    two\n\n  three\nb: >-\n  folded\n  text\n\n  para\nc: |-\n  x\nd: 1\n',
    ],
    ['keys with colons and spaces', 'a:b: 1\nurl: http://x:80/y\nwith space : 2\n"q k": 3\n'],
    ['an empty flow value', 'a: {b: , c: d}\n'],
    ['CRLF line endings', 'a: 1\r\nb:\r\n  - 2\r\n'],
  ])('%s', (_what, text) => {
    expect(agrees(text)).toBe(true);
  });

  it.each([
    ['multi-line plain scalars', 'a: one\n  two\n'],
    ['multi-line quoted scalars', 'a: "one\n  two"\n'],
    ['escapes', 'a: "\\u0041"\n'],
    ['anchors and aliases', 'a: &x 1\nb: *x\n'],
    ['tags', 'a: !!str 1\n'],
    ['explicit keys', '? a\n: 1\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['forbidden keys', '__proto__: 1\n'],
    ['keys that are not strings', '1: a\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['tab indentation', 'a:\n\t- 1\n'],
    ['keep chomping', 'a: |+\n  x\n\n'],
    ['a trailing flow comma', 'a: [1, 2, ]\n'],
    ['a flow collection over two lines', 'a: [1,\n  2]\n'],
    ['too deep nesting', `${'- '.repeat(70)}x\n`],
  ])('declines %s', (_what, text) => {
    expect(read(text)).toBeUndefined();
  });

  const key = fc.oneof(
    fc.constantFrom('name', 'tools', 'a b', 'x-y', 'url', '#x', 'a:b', 'on', 'null', '1', "it's", 'é', 'k"q'),
    fc.string({ maxLength: 6 }),
  );
  const scalar = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      '',
      'null',
      '~',
      'a: b',
      '- x',
      '# c',
      'line\nbreak',
      'a\n\nb\n',
      '  lead',
      'trail ',
      'x #y',
      '|',
      "'",
      '0x1F',
      '1_000',
      '.5',
      '1.0.0',
      'True',
      'yes',
    ),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const doc = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
    list: fc.array(tie('node'), { maxLength: 4 }),
    map: fc.dictionary(key, tie('node'), { maxKeys: 5 }),
  })).map;

  it('reads generated documents in several layouts as the positioned parser does, or declines', () => {
    let readCount = 0;
    fc.assert(
      fc.property(
        doc,
        fc.record({
          indent: fc.constantFrom(2, 4),
          indentSeq: fc.boolean(),
          lineWidth: fc.constantFrom(0, 20, 80),
          flowLevel: fc.constantFrom(-1, 2),
          jsYaml: fc.boolean(),
          comments: fc.boolean(),
        }),
        (value, o) => {
          let text = o.jsYaml
            ? jsyaml.dump(value, { indent: o.indent, lineWidth: o.lineWidth || -1, flowLevel: o.flowLevel })
            : stringify(value, { indent: o.indent, indentSeq: o.indentSeq, lineWidth: o.lineWidth });
          if (o.comments) text = text.replace(/\n(?=\S)/g, '\n# between\n\n');
          if (agrees(text)) readCount++;
        },
      ),
      { numRuns: 500 },
    );
    // Most generated documents are within the subset: the comparison above is not vacuous.
    expect(readCount).toBeGreaterThan(150);
  });
});
