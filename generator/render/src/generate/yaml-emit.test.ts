import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emitYaml, emitYamlDocuments } from './yaml-emit.ts';

/** Values that YAML 1.1 or 1.2 readers would turn into something other than the same string if written plain. */
const HOSTILE = [
  'no',
  'No',
  'NO',
  'n',
  'y',
  'yes',
  'on',
  'off',
  'true',
  'False',
  'null',
  '~',
  '',
  ' ',
  '0x10',
  '0o10',
  '010',
  '1e3',
  '1_000',
  '12:30',
  '.inf',
  '-.inf',
  '.nan',
  '+1',
  '-1',
  '0b11',
  '2001-12-14',
  '{{',
  '}}',
  '{{ .Values.x }}',
  '$(rm -rf /)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the test case
  '${HOME}',
  '`id`',
  '[a]',
  '*alias',
  '&anchor',
  '!tag',
  '%YAML',
  '@x',
  '#comment',
  'a #b',
  'a: b',
  '- item',
  '? key',
  '|',
  '>',
  "'",
  '"',
  '\\',
  'a\tb',
  '\n  privileged: true',
  'x\n  privileged: true',
  'trailing\n',
  'two\n\n',
  'lead\n\n\n',
  ' leading space\nx',
  'line  \nwith trailing spaces',
  'nul\u0000',
  'bell\u0007',
  'nel\u0085x',
  'ls\u2028x',
  'bom\ufeffx',
  'emoji 🦝\nok',
  '---',
  '...',
  'a\n---\nb',
  '---\nkind: Secret',
  '\n',
  '\n\n',
  'a\n\n\nb',
  '\n\nx\n',
];

describe('emitYaml', () => {
  it.each(HOSTILE)(
    'keeps %j the same string for YAML 1.1 and 1.2 readers, as a value, key and list item',
    (s) => {
      const doc = {
        kind: 'ConfigMap',
        data: { [s === '' ? 'empty' : 'v']: s },
        list: [s, { k: s }],
        keys: { [s]: 'x' },
      };
      const text = emitYaml(doc);
      for (const version of ['1.1', '1.2'] as const) {
        expect(parse(text, { version })).toEqual(doc);
      }
    },
  );

  it('leaves the key set of a manifest unchanged when a value tries to inject a key', () => {
    const doc = { spec: { description: 'x\n  privileged: true\nsecurityContext: {}', replicas: 1 } };
    const back = parse(emitYaml(doc), { version: '1.1' });
    expect(Object.keys(back.spec)).toEqual(['description', 'replicas']);
    expect(back).toEqual(doc);
  });

  it('writes numbers, booleans, null, empty collections and nested lists', () => {
    const doc = {
      a: 1,
      b: 0.5,
      c: -3,
      d: true,
      e: false,
      f: null,
      g: [],
      h: {},
      i: [[1, 2], [], [{ x: [] }]],
    };
    const text = emitYaml(doc);
    expect(parse(text, { version: '1.1' })).toEqual(doc);
    expect(parse(text)).toEqual(doc);
  });

  it('writes plain words unquoted and multi-line text as a literal block', () => {
    expect(emitYaml({ name: 'petstore-mcp', text: 'a\nb\n' })).toBe(
      'name: petstore-mcp\ntext: |\n  a\n  b\n',
    );
  });

  it('separates documents with ---', () => {
    expect(emitYamlDocuments([{ a: 'x' }, { b: 'z' }])).toBe('a: x\n---\nb: z\n');
  });

  it('writes a mapping shared by reference the same wherever it appears (first in a list item too)', () => {
    const labels = { app: 'x', 'part-of': 'raku', empty: {}, list: ['a', { b: 'c' }] };
    const nested = { labels, deeper: { labels }, items: [labels, { k: labels }, labels] };
    const docs = [{ metadata: { labels } }, nested, { spec: { template: { labels } } }, labels];
    const expected = emitYamlDocuments(structuredClone(docs));
    expect(emitYamlDocuments(docs)).toBe(expected);
    expect(parse(expected.split('---\n')[1] ?? '')).toEqual(structuredClone(nested));
  });

  it('refuses values YAML cannot carry unchanged', () => {
    expect(() => emitYaml({ a: Number.NaN })).toThrow('cannot write NaN');
    expect(() => emitYaml({ a: 1e21 })).toThrow('cannot write 1e+21');
    expect(() => emitYaml({ a: () => 1 })).toThrow('cannot write a function');
  });
});
