import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastParse } from '../config/src/load/fast-yaml.ts';
import { DEFAULT_YAML_LIMITS, parseYamlSource } from '../config/src/load/yaml-source.ts';
import { exampleFiles } from './repo-fixture.ts';

const slow = (text: string) =>
  parseYamlSource({ path: 'a.yaml', bytes: Buffer.from(text) }, { ...DEFAULT_YAML_LIMITS, fastPath: false });

const SCALARS = [
  '1_000',
  '0b101',
  '0o17',
  '017',
  '0x1F',
  '+12',
  '-0',
  '.inf',
  '-.Inf',
  '.NaN',
  '1e3',
  '1E+3',
  '1.',
  '.5',
  'yes',
  'No',
  'on',
  'OFF',
  'y',
  'n',
  'true',
  'True',
  'TRUE',
  'null',
  'Null',
  '~',
  '',
  '2024-01-01',
  '2024-01-01T10:00:00Z',
  '12:30',
  '1:20:30',
  '0.1.2',
  '0777',
  '+.inf',
  '0xZZ',
  '1e',
  '"\\u0041"',
  "'it''s'",
  '"\\x41"',
  '3.14_15',
  '00',
  '-0x1',
  '0X1F',
  '1,000',
  '"a: b"',
  '|-\n  multi\n  line',
  '>\n  folded\n  text',
  '[a, "b", 3]',
  '{x: 1, "y": [2]}',
  'a # comment',
];

describe('fast YAML path', () => {
  it.each(SCALARS)('reads %j exactly as the positioned parser does, or declines', (scalar) => {
    const text = `v: ${scalar}\n`;
    const fast = fastParse(text, DEFAULT_YAML_LIMITS);
    const reference = slow(text);
    if (fast) {
      expect(reference.diagnostics).toEqual([]);
      expect(fast.value).toEqual(reference.value);
    }
  });

  it('agrees with the positioned parser on every example and fixture file', () => {
    const fixtures = path.join(import.meta.dirname, 'fixtures/hostile');
    const files = [
      ...exampleFiles().map((f) => Buffer.from(f.bytes).toString('utf8')),
      ...readdirSync(fixtures).map((f) => readFileSync(path.join(fixtures, f), 'latin1')),
    ];
    let fastCount = 0;
    for (const text of files) {
      const fast = fastParse(text, DEFAULT_YAML_LIMITS);
      const reference = slow(text);
      if (fast) {
        fastCount++;
        expect(reference.diagnostics).toEqual([]);
        expect(fast.value).toEqual(reference.value);
      }
    }
    expect(fastCount).toBeGreaterThanOrEqual(exampleFiles().length);
  });

  it.each([
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['aliases', 'a: &x [1]\nb: *x\n'],
    ['a self-referencing alias', 'a: &x [*x]\n'],
    ['explicit keys', '? a\n: 1\n'],
    ['tags', 'a: !!binary aGk=\n'],
    ['forbidden keys', '__proto__: {x: 1}\n'],
    ['constructor keys', 'a: {constructor: 1}\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['tab indentation', 'a:\n\t- 1\n'],
  ])('declines %s so the positioned parser reports them', (_what, text) => {
    expect(fastParse(text, DEFAULT_YAML_LIMITS)).toBeUndefined();
  });

  it('reads a file whose quoted text opens more brackets than the depth limit as the positioned parser does', () => {
    // An API description quoting an unclosed '[' in hundreds of descriptions: the cheap bracket count says
    // "maybe deep", the lexer finds it shallow, and the (fast) result must be the positioned parser's.
    const lines = Array.from({ length: 300 }, (_, i) => `  - description: "list [${i} items, see {docs"\n`);
    const text = `tools:\n${lines.join('')}`;
    const parsed = parseYamlSource({ path: 'a.yaml', bytes: Buffer.from(text) });
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.value).toEqual(slow(text).value);
    expect(parsed.positions.at(['tools', 299, 'description'])).toEqual(
      slow(text).positions.at(['tools', 299, 'description']),
    );
  });

  it('gives positions for files read on the fast path, lazily', () => {
    const [first] = exampleFiles();
    const parsed = parseYamlSource(first!);
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.positions.at(['tools', 1, 'http', 'path'])).toEqual(
      slow(Buffer.from(first!.bytes).toString()).positions.at(['tools', 1, 'http', 'path']),
    );
  });
});

describe('tags', () => {
  it.each([
    '!!str 0x10',
    '!!int "3"',
    '!!float 1',
    '!!null ""',
    '!!bool true',
    'text with [!NOTE] and !bang',
  ])('%j is declined (explicit core tags) or read as the positioned parser does', (scalar) => {
    const text = `v: ${scalar}\n`;
    const fast = fastParse(text, DEFAULT_YAML_LIMITS);
    const reference = slow(text);
    if (scalar.startsWith('!!')) expect(fast).toBeUndefined();
    else expect(fast?.value).toEqual(reference.value);
  });
});
