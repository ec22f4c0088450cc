/**
 * The allowed dependencies between Raku's packages, written down once. generator/test/boundaries.test.ts
 * reads this table and fails on any import against it; docs/architecture.md explains it. Change the design
 * here, in one place, with a reason.
 */

/** A package (or a consumer folder) and what it may import. */
export interface PackageRule {
  /** Where its sources live, relative to the repository root: `<folder>/src/**`. A '*' matches one folder. */
  folder: string;
  /** Packages this one may import, by name (only as '@raku/<name>' or a subpath its exports map lists). */
  imports: readonly string[];
  /**
   * A pure package reads no files, opens no sockets, starts no processes and reads no environment: same
   * input, same output. Its adapters (the first-level folders listed here) are exempt.
   */
  pure?: { adapters: readonly string[] };
}

/**
 * The arrows of DESIGN.md. `actions` and `@raku/cli` are consumers: nothing imports them. The table must stay
 * acyclic (the test checks it).
 */
export const PACKAGE_ARROWS: Readonly<Record<string, PackageRule>> = {
  actions: {
    folder: 'actions/*',
    imports: ['@raku/release', '@raku/import', '@raku/render', '@raku/policy', '@raku/config'],
  },
  '@raku/cli': {
    folder: 'generator/cli',
    imports: ['@raku/release', '@raku/import', '@raku/render', '@raku/policy', '@raku/config'],
  },
  '@raku/release': {
    folder: 'generator/release',
    imports: ['@raku/render', '@raku/import', '@raku/pack-runtime', '@raku/policy', '@raku/config'],
  },
  '@raku/import': { folder: 'generator/import', imports: ['@raku/render', '@raku/config'] },
  '@raku/render': {
    folder: 'generator/render',
    imports: ['@raku/policy', '@raku/config'],
    pure: { adapters: [] },
  },
  '@raku/gateway': {
    folder: 'gateway',
    // @raku/console: only to find its built assets, which the gateway serves under /console/.
    // @raku/import: the console's import API computes what `raku import openapi` computes, with its code.
    imports: [
      '@raku/console',
      '@raku/pack-runtime',
      '@raku/import',
      '@raku/render',
      '@raku/policy',
      '@raku/config',
    ],
  },
  // The browser app: talks to the gateway only over HTTP, through the generated client.
  '@raku/console': { folder: 'gateway/console', imports: ['@raku/client'] },
  // Generated from the gateway's /openapi.json; published for users' scripts and agents.
  '@raku/client': { folder: 'gateway/client', imports: [] },
  '@raku/pack-runtime': { folder: 'gateway/pack-runtime', imports: ['@raku/config'] },
  '@raku/policy': { folder: 'generator/policy', imports: ['@raku/config'], pure: { adapters: [] } },
  '@raku/config': {
    folder: 'generator/config',
    imports: ['@raku/schema'],
    // fs/ reads a checkout, git/ reads a commit: the adapters that feed the pure loader.
    pure: { adapters: ['fs', 'git'] },
  },
  '@raku/schema': { folder: 'schema', imports: [] },
};

/**
 * The only modules a pure package may import outside its adapters (besides its own files and the packages its
 * arrows allow), by package name, each with why it is pure. Anything else (the file system, processes, the
 * network, GitHub, Kubernetes, databases, web frameworks, CI toolkits) belongs in an adapter. Type-only
 * imports are always allowed: they vanish at run time.
 */
export const PURE_MODULES: Readonly<Record<string, string>> = {
  'node:crypto': 'hashes only (createHash): same bytes in, same digest out',
  yaml: 'parses and prints YAML text in memory',
  'js-yaml': 'parses YAML text in memory (the fast path of the loader)',
  ajv: 'compiles and runs JSON Schema validators in memory',
  semver: 'compares version strings',
  unhomoglyph: 'maps look-alike characters to a skeleton string',
};

/** Named exceptions to the purity rule: file → specifier → why it is still pure. */
export const PURITY_EXCEPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'generator/render/src/generate/network-policy.ts': {
    'node:net': 'isIP only: a pure check of an address string; no socket is opened',
  },
  'generator/config/src/load/yaml-source.ts': {
    'node:buffer': 'isAscii and Buffer only: decodes the bytes it is given; no I/O',
  },
};

/**
 * Folder cycles tolerated for now, each with who removes it. Keys are the folders of the cycle, sorted and
 * joined with ' ⇄ ', prefixed by the package: '@raku/gateway: admin ⇄ server'. Keep this empty.
 */
export const KNOWN_FOLDER_CYCLES: Readonly<Record<string, string>> = {};
