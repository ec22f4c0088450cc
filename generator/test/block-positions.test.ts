import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { PathSegment } from '../config/src/diagnostic.ts';
import { blockLocator } from '../config/src/load/block-positions.ts';
import { fastParse } from '../config/src/load/fast-yaml.ts';
import { DEFAULT_YAML_LIMITS, type PositionIndex, parseYamlSource } from '../config/src/load/yaml-source.ts';
import { exampleFiles } from './repo-fixture.ts';

const positioned = (text: string): PositionIndex =>
  parseYamlSource({ path: 'a.yaml', bytes: Buffer.from(text) }, { ...DEFAULT_YAML_LIMITS, fastPath: false })
    .positions;

/** Every path of `value`, and beside each collection a path that is not there (a missing key, an index past the end). */
function paths(value: unknown, at: PathSegment[] = [], out: PathSegment[][] = []): PathSegment[][] {
  out.push(at);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      paths(v, [...at, i], out);
    });
    out.push([...at, value.length], [...at, 'x']);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
    out.push([...at, 'no-such-key', 0]);
  } else {
    out.push([...at, 'below-a-scalar']);
  }
  return out;
}

/**
 * Compares the locator with the positioned parser's index on every path of `text` (which must be on the fast
 * path, the only place the locator runs), for values and keys. Returns how many paths the locator answered.
 */
function agree(text: string): { answered: number; total: number } {
  const fast = fastParse(text, DEFAULT_YAML_LIMITS);
  if (!fast) return { answered: 0, total: 0 };
  const locate = blockLocator(text);
  const index = positioned(text);
  let answered = 0;
  const all = paths(fast.value);
  for (const p of all) {
    for (const key of [false, true]) {
      const got = locate?.(p, key);
      if (got === undefined) continue;
      answered++;
      expect({ path: p, key, at: got }).toEqual({ path: p, key, at: key ? index.keyAt(p) : index.at(p) });
    }
  }
  return { answered, total: all.length * 2 };
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return yamlFilesUnder(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

describe('block-style positions without the positioned parser', () => {
  it('answer every path of the example packs, zones and policies as the positioned parser does', () => {
    for (const file of exampleFiles()) {
      const { answered, total } = agree(Buffer.from(file.bytes).toString('utf8'));
      // The examples are block-style except a few one-line flow lists: nearly every path is answered here.
      expect({ file: file.path, share: answered / total > 0.9 }).toEqual({ file: file.path, share: true });
    }
  });

  it('agree with the positioned parser on every YAML fixture, or decline', () => {
    const fixtures = yamlFilesUnder(path.join(import.meta.dirname, 'fixtures'));
    expect(fixtures.length).toBeGreaterThan(5);
    let answered = 0;
    for (const f of fixtures) answered += agree(readFileSync(f, 'utf8')).answered;
    expect(answered).toBeGreaterThan(100);
  });

  it.each([
    ['a null value points at its key', 'a:\n  b:\n  c: ~\n  d: null # none\n'],
    ['a sequence at its key’s indentation', 'tools:\n- name: a\n  x: 1\n- name: b\nafter: 2\n'],
    ['nested compact sequences', 'a:\n  - - x\n    - y\n  -\n    - z\n'],
    ['comments and blank lines between entries', '# head\n---\na: # c\n\n  # c2\n  b: 1\n\nc: [1, 2]\n'],
    ['quoted keys and values', '"a b": \'x\'\n\'c\': "y: z"\nd: "e #f"\n'],
    ['block scalars that look like keys', 'a: |\n  b: 1\n  - c\nb: >-\n  text\n'],
    ['multi-line plain scalars', 'a: one\n  two three\nb:\n  four\n  five\nc: null\n'],
    ['CRLF line endings', 'a:\r\n  - b: 1\r\n    c: 2\r\n'],
    ['keys with colons and spaces', 'a:b: 1\nurl: http://x:80/y\nwith space : 2\n'],
    ['an indented root', '  a: 1\n  b:\n    - 2\n'],
  ])('%s', (_what, text) => {
    expect(agree(text).answered).toBeGreaterThan(0);
  });

  it('declines what it does not follow (the caller then asks the positioned parser)', () => {
    expect(blockLocator('a: 1\n---\nb: 2\n')).toBeUndefined();
    expect(blockLocator('%YAML 1.2\n---\na: 1\n')).toBeUndefined();
    const flow = blockLocator('a: {b: 1,\n  c: 2}\n');
    expect(flow?.(['a', 'c'], false)).toBeUndefined();
    expect(flow?.(['a'], false)).toEqual({ line: 1, column: 4 });
    expect(blockLocator('a: {b: 1, c: 2}\n')?.(['a', 'c'], false)).toEqual({ line: 1, column: 14 });
    expect(blockLocator('a: &x 1\n')?.(['a'], false)).toBeUndefined();
    expect(blockLocator('1: a\nb: 2\n')?.(['b'], false)).toBeUndefined();
  });

  const key = fc.oneof(
    fc.constantFrom('name', 'tools', 'a b', 'x-y', 'url', '#x', 'a:b', 'on', 'null', '1', "it's", 'é'),
    fc.string({ maxLength: 6 }),
  );
  const scalar = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom('', 'null', '~', 'a: b', '- x', '# c', 'line\nbreak', '  lead', 'trail ', 'x #y', '|'),
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

  it('agrees with the positioned parser on generated documents in several layouts', () => {
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
          agree(text);
        },
      ),
      { numRuns: 400 },
    );
  });
});
