/**
 * Each workspace package's package.json says which third-party packages it uses:
 *
 * - every bare import of a non-test source file under its src/ (.ts and .tsx) is declared in `dependencies`,
 *   or in `devDependencies` when every import of it is type-only;
 * - every bare import of its build tooling — scripts/** (e.g. the client's code generator) and root-level
 *   `*.config.ts` (e.g. the console's vite.config.ts) — is declared in `devDependencies`: tools run at build
 *   time and never ship with the package;
 * - nothing is declared that no source or tool uses;
 * - every range is the root package.json's range: the root stays the one that installs (and publishes) them,
 *   the packages' manifests make each package's needs visible.
 *
 * The one exception is OWN_INSTALLS: a build tool (or a tool's peer) that a package installs for itself in its
 * workspace's node_modules at a range the root cannot give, each with its reason. There the declared range
 * must be satisfied by the version actually installed where the package resolves it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { readSourceModules, readToolingModules, readWorkspacePackages } from './support/workspace-modules.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

/**
 * Package → tool it installs for itself → why. openapi-typescript generates @raku/client's types; it needs
 * the TypeScript 5 compiler API as its peer, and the root's TypeScript 7 is native and has no compiler API, so
 * the client workspace installs TypeScript 5 beside it (gateway/node_modules) without changing the root's tsc.
 */
const OWN_INSTALLS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '@raku/client': {
    'openapi-typescript': 'the code generator of scripts/generate.ts; no other package uses it',
    typescript: "openapi-typescript's peer: it needs TypeScript 5's compiler API, which TypeScript 7 lacks",
  },
};

interface Manifest {
  name: string;
  version?: string;
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

interface Usage {
  runtime: Set<string>;
  types: Set<string>;
  tools: Set<string>;
}

/** What each package's sources import (at run time, for types only) and what its build tools import. */
function usedByPackage(): Map<string, Usage> {
  const packages = readWorkspacePackages(REPO).filter((p) => p.name !== 'actions');
  const used = new Map<string, Usage>(
    packages.map((p) => [p.name, { runtime: new Set(), types: new Set(), tools: new Set() }]),
  );
  for (const module of readSourceModules(REPO, packages)) {
    const entry = used.get(module.pkg);
    for (const ref of module.imports) {
      const name = thirdParty(ref.specifier);
      if (name && entry) (ref.kind === 'type' ? entry.types : entry.runtime).add(name);
    }
  }
  for (const module of readToolingModules(REPO, packages)) {
    for (const ref of module.imports) {
      const name = thirdParty(ref.specifier);
      if (name) used.get(module.pkg)?.tools.add(name);
    }
  }
  for (const [pkg, entry] of used) {
    for (const name of entry.runtime) entry.types.delete(name);
    for (const name of Object.keys(OWN_INSTALLS[pkg] ?? {})) entry.tools.add(name);
    for (const name of entry.runtime) entry.tools.delete(name);
  }
  return used;
}

/** The version of `name` that Node resolves from `folder` (walking up node_modules), or undefined. */
function installedVersion(folder: string, name: string): string | undefined {
  for (let dir = path.join(REPO, folder); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as Manifest).version;
    if (dir === path.dirname(dir)) return undefined;
  }
}

describe('workspace package manifests', () => {
  const root = readManifest('.');
  const rootRanges = { ...root.devDependencies, ...root.dependencies };
  const folders = Object.fromEntries(readWorkspacePackages(REPO).map((p) => [p.name, p.root]));

  for (const [name, used] of usedByPackage()) {
    it(`${name} declares exactly the third-party packages its sources and build tools import, at the root's ranges`, () => {
      const folder = folders[name] ?? '';
      const manifest = readManifest(folder);
      const own = OWN_INSTALLS[name] ?? {};
      const range = (n: string) =>
        n in own ? (manifest.devDependencies?.[n] ?? '(own install)') : rootRanges[n];
      const expected = (names: Iterable<string>) =>
        Object.fromEntries(
          [...new Set(names)].sort().map((n) => [n, range(n) ?? `(not installed by the root: ${n})`]),
        );
      expect(manifest.dependencies ?? {}).toEqual(expected(used.runtime));
      expect(manifest.devDependencies ?? {}).toEqual(expected([...used.types, ...used.tools]));
    });
  }

  for (const [name, tools] of Object.entries(OWN_INSTALLS)) {
    it(`${name}'s own installs (${Object.keys(tools).join(', ')}) are installed where it resolves them, in its declared range`, () => {
      const folder = folders[name] ?? '';
      const declared = readManifest(folder).devDependencies ?? {};
      for (const tool of Object.keys(tools)) {
        const version = installedVersion(folder, tool);
        expect(version, `${tool} is not installed for ${folder}`).toBeDefined();
        expect(
          semver.satisfies(version ?? '', declared[tool] ?? ''),
          `${tool} ${version} resolved from ${folder} does not satisfy its declared range ${declared[tool]}`,
        ).toBe(true);
      }
    });
  }
});
