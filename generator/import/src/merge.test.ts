import { describe, expect, it } from 'vitest';
import type { Pack, Tool } from '../../config/src/model/types.ts';
import { contractDiff, formatContractDiff } from './contract-diff.ts';
import { mergeReimport } from './merge.ts';

const tool = (name: string, over: Partial<Tool> = {}): Tool => ({
  name,
  title: `Title ${name}`,
  description: `Does ${name}.`,
  inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  http: { method: 'GET', path: `/${name}/{id}` },
  annotations: { readOnlyHint: true },
  ...over,
});
const pack = (tools: Tool[], version = '1.2.3'): Pack => ({
  name: 'p',
  version,
  description: 'd',
  owner: 'o',
  upstream: { baseUrls: { dev: 'https://x.example.com' } },
  tools,
  source: {
    document: 'openapi.json',
    sha256: 'f'.repeat(64),
    operations: tools.map((t) => ({
      method: t.http?.method ?? 'GET',
      path: t.http?.path ?? '/',
      tool: t.name,
    })),
  },
});

describe('mergeReimport', () => {
  it('keeps fields that differ from what was generated last time, and takes the rest from the new document', () => {
    const previous = pack([tool('a'), tool('b')]);
    const committed = pack([tool('a', { description: 'Mine.' }), tool('b')]);
    const generated = pack([
      tool('a', { description: 'New upstream text.', title: 'New title' }),
      tool('b', { description: 'New b.' }),
    ]);
    const { pack: merged, kept } = mergeReimport(committed, generated, previous);
    expect(merged.tools.map((t) => [t.name, t.title, t.description])).toEqual([
      ['a', 'New title', 'Mine.'],
      ['b', 'Title b', 'New b.'],
    ]);
    expect(kept).toEqual(['a.description']);
    expect(merged.version).toBe('1.2.4');
  });

  it('keeps a cache added by hand (the importer never generates one)', () => {
    const previous = pack([tool('a')]);
    const committed = pack([tool('a', { cache: { ttlSeconds: 60 } })]);
    const { pack: merged, kept } = mergeReimport(committed, pack([tool('a', { title: 'New' })]), previous);
    expect(merged.tools[0]).toMatchObject({ title: 'New', cache: { ttlSeconds: 60 } });
    expect(kept).toEqual(['a.cache']);
  });

  it('keeps a renamed tool under its new name, matched by operation', () => {
    const previous = pack([tool('a')]);
    const committed = pack([tool('list_things', { http: { method: 'GET', path: '/a/{id}' } })]);
    const { pack: merged } = mergeReimport(committed, pack([tool('a')]), previous);
    expect(merged.tools.map((t) => t.name)).toEqual(['list_things']);
    expect(merged.source?.operations?.[0]?.tool).toBe('list_things');
  });

  it('without the previous document keeps every committed hand-editable field', () => {
    const committed = pack([tool('a', { description: 'Old.' })]);
    const { pack: merged } = mergeReimport(committed, pack([tool('a', { description: 'New.' })]));
    expect(merged.tools[0]?.description).toBe('Old.');
  });

  it('does not take a description shortened to fit the file for a hand edit', () => {
    const long = `${'x'.repeat(500)} end`;
    const previous = pack([tool('a', { description: long })]);
    const committed = pack([tool('a', { description: `${'x'.repeat(399)}…` })]);
    const { kept } = mergeReimport(
      committed,
      pack([tool('a', { description: 'Rewritten upstream.' })]),
      previous,
    );
    expect(kept).toEqual([]);
  });

  it('keeps hand-written tools that do not come from the document', () => {
    const extra = tool('custom', { http: { method: 'GET', path: '/custom/{id}' } });
    const committed = { ...pack([tool('a')]), tools: [tool('a'), extra] };
    const { pack: merged } = mergeReimport(committed, pack([tool('a')]), pack([tool('a')]));
    expect(merged.tools.map((t) => t.name)).toEqual(['a', 'custom']);
  });
});

describe('contractDiff', () => {
  it('reports added and removed tools, breaking input changes and the version bump', () => {
    const before = pack([tool('a'), tool('gone')]);
    const after = pack([
      tool('a', {
        inputSchema: {
          type: 'object',
          properties: { id: { type: 'integer' }, extra: { type: 'string' } },
          required: ['id', 'extra'],
        },
      }),
      tool('new'),
    ]);
    const diff = contractDiff(before, after);
    expect(diff.added).toEqual(['new']);
    expect(diff.removed).toEqual(['gone']);
    expect(diff.bump).toBe('major');
    const text = formatContractDiff(diff);
    expect(text).toContain('+ new (new tool)');
    expect(text).toContain('! gone: tool removed (breaking)');
    expect(text).toContain('! a: argument "extra" is now required (breaking)');
    expect(text).toMatch(/! a: type of .*id.* narrowed/);
  });

  it('calls a new optional argument a minor change and a text change a patch', () => {
    const base = pack([tool('a')]);
    const optional = pack([
      tool('a', {
        inputSchema: {
          type: 'object',
          properties: { id: { type: 'string' }, q: { type: 'string' } },
          required: ['id'],
        },
      }),
    ]);
    expect(contractDiff(base, optional).bump).toBe('minor');
    expect(contractDiff(base, pack([tool('a', { description: 'Other.' })])).bump).toBe('patch');
    expect(contractDiff(base, base).bump).toBe('none');
    expect(formatContractDiff(contractDiff(base, base))).toBe(
      'no change to the tool contract\nsuggested version bump: none\n',
    );
  });
});
