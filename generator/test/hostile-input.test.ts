import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRepo } from '../config/src/load/load-repo.ts';
import { parseYamlSource, type SourceFile } from '../config/src/load/yaml-source.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures', 'hostile');
const fixture = (name: string): SourceFile => ({
  path: `packs/x/${name}`,
  bytes: readFileSync(path.join(fixtures, name)),
});
const text = (path: string, body: string): SourceFile => ({ path, bytes: Buffer.from(body) });
const rules = (f: SourceFile) => parseYamlSource(f).diagnostics.map((d) => d.rule);

describe('hostile YAML', () => {
  it('rejects an alias bomb without expanding it', () => {
    const before = process.memoryUsage().heapUsed;
    const result = parseYamlSource(fixture('alias-bomb.yaml'));
    expect(result.value).toBeUndefined();
    expect(result.diagnostics[0]).toMatchObject({ rule: 'too-deep', severity: 'error' });
    expect(result.diagnostics[0]?.message).toMatch(/alias bomb/);
    // 9^9 strings would need gigabytes; the bound keeps it to a few megabytes at most.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('rejects an alias that contains itself', () => {
    expect(rules(fixture('self-alias.yaml'))).toContain('too-deep');
  });

  it('reports a duplicate key with its line', () => {
    const [d] = parseYamlSource(fixture('duplicate-key.yaml')).diagnostics;
    expect(d).toMatchObject({ rule: 'duplicate-key', line: 4, column: 1 });
  });

  it('reports a syntax error with its line', () => {
    const result = parseYamlSource(fixture('syntax-error.yaml'));
    expect(result.value).toBeUndefined();
    expect(result.diagnostics[0]?.rule).toBe('yaml-syntax');
    expect(result.diagnostics[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('rejects __proto__, constructor and prototype keys and pollutes nothing', () => {
    const result = parseYamlSource(fixture('proto.yaml'));
    expect(result.diagnostics.map((d) => [d.rule, d.path, d.line])).toEqual([
      ['forbidden-key', '__proto__', 2],
      ['forbidden-key', 'tools[0].constructor', 5],
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('rejects a second document in one file', () => {
    expect(rules(fixture('two-documents.yaml'))).toEqual(['yaml-syntax']);
  });

  it('rejects invalid UTF-8', () => {
    expect(rules(fixture('invalid-utf8.yaml'))).toEqual(['invalid-utf8']);
  });

  it('reads ASCII, other UTF-8 and a byte-order mark as a strict UTF-8 decoder does, from any byte view', () => {
    const view = (body: string): Uint8Array => {
      // A view into the middle of a larger buffer, as a reader may hand over.
      const bytes = Buffer.from(`xx${body}yy`);
      return new Uint8Array(bytes.buffer, bytes.byteOffset + 2, bytes.byteLength - 4);
    };
    const value = (body: string) => parseYamlSource({ path: 'a.yaml', bytes: view(body) }).value;
    expect(value('name: plain\n')).toEqual({ name: 'plain' });
    expect(value('name: café ☕\n')).toEqual({ name: 'café ☕' });
    expect(value('\uFEFFname: bom\n')).toEqual({ name: 'bom' });
    expect(rules({ path: 'a.yaml', bytes: view('name: a\u0000b\n') })).toEqual(['invalid-utf8']);
  });

  it('rejects NUL characters', () => {
    expect(rules(text('a.yaml', 'name: a\u0000b\n'))).toEqual(['invalid-utf8']);
  });

  it('rejects a file over the size limit before parsing it', () => {
    const big = text('a.yaml', `description: "${'x'.repeat(3 * 1024 * 1024)}"\n`);
    const [d] = parseYamlSource(big).diagnostics;
    expect(d).toMatchObject({ rule: 'file-too-large', line: 0 });
  });

  it.each([
    ['flow sequences', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['flow maps', `${'{a: '.repeat(50_000)}1${'}'.repeat(50_000)}`],
    ['block sequences on one line', `a:\n${'- '.repeat(100_000)}x\n`],
    ['block maps by indentation', Array.from({ length: 1500 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')],
  ])('rejects very deep nesting of %s quickly and cleanly', (_what, body) => {
    const result = parseYamlSource(text('a.yaml', body));
    expect(result.value).toBeUndefined();
    expect(result.diagnostics[0]?.rule).toBe('too-deep');
  });

  it('accepts nesting up to the limit', () => {
    const result = parseYamlSource(text('a.yaml', `a: ${'['.repeat(40)}1${']'.repeat(40)}\n`));
    expect(result.diagnostics).toEqual([]);
  });

  it('keeps YAML 1.1 booleans and hex-looking values as the YAML 1.2 core schema reads them', () => {
    const result = parseYamlSource(text('a.yaml', 'a: no\nb: on\nc: "0x10"\nd: 2024-01-01\n'));
    expect(result.value).toEqual({ a: 'no', b: 'on', c: '0x10', d: '2024-01-01' });
  });

  it('reports every hostile file of a repository at once, and loads the good ones', () => {
    const good = readFileSync(path.join(import.meta.dirname, '../../packs/petstore/pack.yaml'));
    const result = loadRepo([
      { path: 'packs/petstore/pack.yaml', bytes: good },
      { path: 'packs/bomb/pack.yaml', bytes: fixture('alias-bomb.yaml').bytes },
      { path: 'zones/dup.yaml', bytes: fixture('duplicate-key.yaml').bytes },
      { path: 'policies/proto.yaml', bytes: fixture('proto.yaml').bytes },
    ]);
    expect(result.model.packs.map((p) => p.value.name)).toEqual(['petstore']);
    expect(result.rejected.map((r) => r.file)).toEqual([
      'packs/bomb/pack.yaml',
      'policies/proto.yaml',
      'zones/dup.yaml',
    ]);
    expect(new Set(result.diagnostics.map((d) => d.file)).size).toBe(3);
  });
});
