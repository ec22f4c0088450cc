/**
 * Each workspace package's package.json says which third-party packages its sources use: every bare import of a
 * non-test source file under its src/ is declared (dependencies, or devDependencies for type-only imports), at
 * the range the root package.json installs, and nothing is declared that no source uses. The root package.json
 * stays the one that installs (and publishes) them; the packages' manifests make each package's needs visible.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSourceModules, readWorkspacePackages } from './support/workspace-modules.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const readManifest = (folder: string) =>
  JSON.parse(readFileSync(path.join(REPO, folder, 'package.json'), 'utf8')) as Manifest;

/** 'yaml' → 'yaml', '@scope/x/sub' → '@scope/x'; undefined for relative, node: and @raku/ imports. */
function thirdParty(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || specifier.startsWith('@raku/'))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** What each package's sources import: runtime imports and type-only ones, by package name. */
function usedByPackage(): Map<string, { runtime: Set<string>; types: Set<string> }> {
  const packages = readWorkspacePackages(REPO).filter((p) => p.name !== 'actions');
  const used = new Map(
    packages.map((p) => [p.name, { runtime: new Set<string>(), types: new Set<string>() }]),
  );
  for (const module of readSourceModules(REPO, packages)) {
    const entry = used.get(module.pkg);
    if (!entry) continue;
    for (const ref of module.imports) {
      const name = thirdParty(ref.specifier);
      if (name) (ref.kind === 'type' ? entry.types : entry.runtime).add(name);
    }
  }
  for (const entry of used.values()) for (const name of entry.runtime) entry.types.delete(name);
  return used;
}

describe('workspace package manifests', () => {
  const root = readManifest('.');
  const rootRanges = { ...root.devDependencies, ...root.dependencies };
  const folders = Object.fromEntries(readWorkspacePackages(REPO).map((p) => [p.name, p.root]));

  for (const [name, used] of usedByPackage()) {
    it(`${name} declares exactly the third-party packages its sources import, at the root's ranges`, () => {
      const manifest = readManifest(folders[name] ?? '');
      const expected = (names: Set<string>) =>
        Object.fromEntries(
          [...names].sort().map((n) => [n, rootRanges[n] ?? `(not installed by the root: ${n})`]),
        );
      expect(manifest.dependencies ?? {}).toEqual(expected(used.runtime));
      expect(manifest.devDependencies ?? {}).toEqual(expected(used.types));
    });
  }
});
