import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.ts';
import { loadValidModel, validateConfig } from './validate-config.ts';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'raku-validate-config-'));
  mkdirSync(path.join(root, 'zones'));
  mkdirSync(path.join(root, 'policies'));
  // Two broken zones: an unknown environment each.
  writeFileSync(path.join(root, 'zones/dev.yaml'), 'name: dev\nenvironment: test\n');
  writeFileSync(path.join(root, 'zones/prod.yaml'), 'name: prod\nenvironment: nowhere\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('validateConfig', () => {
  it('counts every problem of the repository when no path is given', async () => {
    const result = await validateConfig({ root });
    expect(result.fileCount).toBe(2);
    expect(new Set(result.diagnostics.map((d) => d.file))).toEqual(
      new Set(['zones/dev.yaml', 'zones/prod.yaml']),
    );
    expect(result.errors).toBe(result.diagnostics.filter((d) => d.severity === 'error').length);
    expect(result.errors).toBeGreaterThanOrEqual(2);
  });

  it('keeps only the problems under the paths given, counted, while reading the whole repository', async () => {
    const result = await validateConfig({ root, paths: ['zones/prod.yaml'] });
    expect(result.fileCount).toBe(2);
    expect(result.diagnostics.map((d) => d.file)).toEqual(result.diagnostics.map(() => 'zones/prod.yaml'));
    expect(result.errors).toBe(result.diagnostics.length);
  });

  it('refuses, all at once, a path outside the repository and one that names no config file', async () => {
    const err = await validateConfig({ root, paths: ['../elsewhere', 'packs'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(
      '../elsewhere: outside the repository; packs: no pack, zone or policy file there',
    );
  });
});

describe('loadValidModel', () => {
  it('refuses a configuration with errors, pointing to raku validate', async () => {
    await expect(loadValidModel(root)).rejects.toThrow(
      /^configuration has \d+ errors \(raku validate lists them all\):\n.*zones\/dev\.yaml/,
    );
  });

  it('returns the model of a configuration without errors', async () => {
    const clean = mkdtempSync(path.join(tmpdir(), 'raku-validate-config-'));
    try {
      mkdirSync(path.join(clean, 'policies'));
      const model = await loadValidModel(clean);
      expect(model.zones).toEqual([]);
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });
});
