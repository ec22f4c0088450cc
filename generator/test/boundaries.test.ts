import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  KNOWN_FOLDER_CYCLES,
  PACKAGE_ARROWS,
  PURE_MODULES,
  PURITY_EXCEPTIONS,
} from '../../scripts/package-arrows.ts';
import {
  arrowTableCycles,
  type BoundaryRules,
  checkBoundaries,
  type PackageInfo,
  packageName,
  type SourceModule,
} from './support/boundary-check.ts';
import { scanImports, scanModule } from './support/import-scan.ts';
import { ACTIONS, readSourceModules, readWorkspacePackages } from './support/workspace-modules.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rules: BoundaryRules = {
  arrows: PACKAGE_ARROWS,
  pureModules: PURE_MODULES,
  purityExceptions: PURITY_EXCEPTIONS,
  knownFolderCycles: KNOWN_FOLDER_CYCLES,
};

describe('package boundaries of this repository', () => {
  const packages = readWorkspacePackages(repo);
  const modules = readSourceModules(repo, packages);

  it('has no import against the arrows, no folder or package cycle and no impure import in a pure package', () => {
    expect(modules.length).toBeGreaterThan(100);
    const messages = checkBoundaries(modules, packages, rules).map((v) => v.message);
    expect(messages.join('\n')).toBe('');
  });

  it('lists every workspace package in the arrow table, in the folder it lives in', () => {
    const inWorkspace = packages.filter((p) => p.name !== ACTIONS).map((p) => [p.name, p.root]);
    const inTable = Object.entries(PACKAGE_ARROWS)
      .filter(([name]) => name !== ACTIONS)
      .map(([name, rule]) => [name, rule.folder]);
    expect(Object.fromEntries(inWorkspace)).toEqual(Object.fromEntries(inTable));
    expect(packages.filter((p) => p.name === ACTIONS).map((p) => p.root)).toContain('actions/validate');
  });

  it('keeps the arrow table acyclic, with consumers that nothing imports', () => {
    expect(arrowTableCycles(PACKAGE_ARROWS)).toEqual([]);
    const imported = new Set(Object.values(PACKAGE_ARROWS).flatMap((r) => r.imports));
    expect(imported.has(ACTIONS) || imported.has('@raku/cli')).toBe(false);
    for (const rule of Object.values(PACKAGE_ARROWS)) {
      for (const to of rule.imports) expect(Object.keys(PACKAGE_ARROWS)).toContain(to);
    }
  });

  it('names each purity exception with a reason, for a file that still has that import', () => {
    for (const [file, specs] of Object.entries(PURITY_EXCEPTIONS)) {
      const imports = modules.find((m) => m.file === file)?.imports.map((i) => i.specifier) ?? [];
      for (const [spec, reason] of Object.entries(specs)) {
        expect(imports, `${file} no longer imports ${spec}: drop the exception`).toContain(spec);
        expect(reason.length).toBeGreaterThan(10);
      }
    }
  });

  it('lists as pure only modules that a pure package imports today', () => {
    const used = new Set(
      modules
        .filter((m) => PACKAGE_ARROWS[m.pkg]?.pure !== undefined)
        .flatMap((m) => m.imports.map((i) => packageName(i.specifier))),
    );
    for (const [name, reason] of Object.entries(PURE_MODULES)) {
      expect(used, `no pure package imports ${name}: drop it from PURE_MODULES`).toContain(name);
      expect(reason.length).toBeGreaterThan(10);
    }
  });

  it('matches the arrow table in docs/architecture.md', () => {
    const doc = readFileSync(path.join(repo, 'docs/architecture.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([^`]+)` \| `([^`]+)` \| ([^|]*)\|/gm)].map((m) => [
      m[1],
      { folder: m[2], imports: [...(m[3] ?? '').matchAll(/`([^`]+)`/g)].map((x) => x[1]) },
    ]);
    const table = Object.entries(PACKAGE_ARROWS).map(([name, r]) => [
      name,
      { folder: r.folder, imports: r.imports },
    ]);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(table));
  });
});

describe('the boundary checker', () => {
  const packages: PackageInfo[] = [
    { name: '@raku/config', root: 'generator/config', exports: ['.'] },
    { name: '@raku/render', root: 'generator/render', exports: ['.'] },
    { name: '@raku/release', root: 'generator/release', exports: ['.'] },
    { name: '@raku/schema', root: 'schema', exports: ['./pack.schema.json'] },
  ];
  const smallRules: BoundaryRules = {
    arrows: {
      '@raku/release': { imports: ['@raku/render', '@raku/config'] },
      '@raku/render': { imports: ['@raku/config'], pure: { adapters: [] } },
      '@raku/config': { imports: ['@raku/schema'], pure: { adapters: ['fs'] } },
      '@raku/schema': { imports: [] },
    },
    pureModules: PURE_MODULES,
    purityExceptions: { 'generator/render/src/plan/net.ts': { 'node:net': 'isIP only' } },
    knownFolderCycles: {},
  };
  const mod = (file: string, pkg: string, specs: string[], envReads: number[] = []): SourceModule => ({
    file,
    pkg,
    imports: specs.map((specifier, i) => ({ specifier, line: i + 1, kind: 'static' })),
    envReads,
  });
  const check = (modules: SourceModule[], r: BoundaryRules = smallRules) =>
    checkBoundaries(modules, packages, r).map((v) => v.message);

  it('reports a wrong-way package import with its file, line, import and the rule broken', () => {
    expect(
      check([
        mod('generator/render/src/generate/spec.ts', '@raku/render', ['@raku/config', '@raku/release']),
      ]),
    ).toEqual([
      "generator/render/src/generate/spec.ts:2: imports '@raku/release': @raku/render may import only @raku/config (rule b: allowed package arrows, scripts/package-arrows.ts)",
    ]);
  });

  it('reports a relative path that leaves its package and a subpath outside the exports map', () => {
    expect(
      check([
        mod('generator/release/src/build/a.ts', '@raku/release', [
          '../../../render/src/plan/plan.ts',
          '@raku/config/src/model/types.ts',
          '@raku/schema/pack.schema.json',
          '../../../../scripts/x.ts',
        ]),
      ]),
    ).toEqual([
      "generator/release/src/build/a.ts:1: imports '../../../render/src/plan/plan.ts': a relative path may not leave @raku/release (it reaches @raku/render); import '@raku/<name>' (rule a: packages only through their exports)",
      "generator/release/src/build/a.ts:2: imports '@raku/config/src/model/types.ts': './src/model/types.ts' is not in the exports map of @raku/config; import '@raku/config' (rule a)",
      "generator/release/src/build/a.ts:3: imports '@raku/schema/pack.schema.json': @raku/release may import only @raku/render, @raku/config (rule b: allowed package arrows, scripts/package-arrows.ts)",
      "generator/release/src/build/a.ts:4: imports '../../../../scripts/x.ts': a relative path may not leave @raku/release (it reaches scripts/x.ts); import '@raku/<name>' (rule a: packages only through their exports)",
    ]);
  });

  it('treats a package nested in another one as a package of its own', () => {
    const nested: PackageInfo[] = [
      { name: '@raku/gateway', root: 'gateway', exports: ['.'] },
      { name: '@raku/pack-runtime', root: 'gateway/pack-runtime', exports: ['.'] },
    ];
    const arrows = {
      '@raku/gateway': { imports: ['@raku/pack-runtime'] },
      '@raku/pack-runtime': { imports: [] },
    };
    const found = checkBoundaries(
      [
        mod('gateway/src/pack/run.ts', '@raku/gateway', [
          '../../pack-runtime/src/ssrf-guard.ts',
          '@raku/pack-runtime',
        ]),
      ],
      nested,
      { ...smallRules, arrows },
    );
    expect(found.map((v) => v.message)).toEqual([
      "gateway/src/pack/run.ts:1: imports '../../pack-runtime/src/ssrf-guard.ts': a relative path may not leave @raku/gateway (it reaches @raku/pack-runtime); import '@raku/<name>' (rule a: packages only through their exports)",
    ]);
  });

  it('reports a cycle between first-level folders with one import for each step', () => {
    expect(
      check([
        mod('generator/config/src/load/load-repo.ts', '@raku/config', ['../validate/diagnostic.ts']),
        mod('generator/config/src/validate/validate-repo.ts', '@raku/config', [
          './rules/x.ts',
          '../load/load-repo.ts',
        ]),
        mod('generator/config/src/index.ts', '@raku/config', [
          './load/load-repo.ts',
          './validate/validate-repo.ts',
        ]),
      ]),
    ).toEqual([
      "folder cycle in @raku/config: load → validate → load (generator/config/src/load/load-repo.ts:1 imports '../validate/diagnostic.ts'; generator/config/src/validate/validate-repo.ts:2 imports '../load/load-repo.ts') (rule c: no cycles between folders)",
    ]);
  });

  it('counts a types-only import in a cycle, and says so', () => {
    const back: SourceModule = {
      ...mod('generator/render/src/plan/plan.ts', '@raku/render', []),
      imports: [{ specifier: '../generate/render-zone.ts', line: 4, kind: 'type' }],
    };
    expect(
      check([mod('generator/render/src/generate/x.ts', '@raku/render', ['../plan/plan.ts']), back]),
    ).toEqual([
      "folder cycle in @raku/render: generate → plan → generate (generator/render/src/generate/x.ts:1 imports '../plan/plan.ts'; generator/render/src/plan/plan.ts:4 imports '../generate/render-zone.ts' (types only)) (rule c: no cycles between folders)",
    ]);
  });

  it('tolerates a folder cycle only when the known-cycles list names it', () => {
    const modules = [
      mod('generator/render/src/a/x.ts', '@raku/render', ['../b/y.ts']),
      mod('generator/render/src/b/y.ts', '@raku/render', ['../c.ts']),
      mod('generator/render/src/c.ts', '@raku/render', ['./a/x.ts']),
    ];
    expect(check(modules)[0]).toContain('folder cycle in @raku/render: a → b → c.ts → a');
    expect(
      check(modules, { ...smallRules, knownFolderCycles: { '@raku/render: a ⇄ b ⇄ c.ts': 'H6' } }),
    ).toEqual([]);
  });

  it('reports a cycle between packages even when each arrow is in the table', () => {
    const cyclic = {
      ...smallRules,
      arrows: { ...smallRules.arrows, '@raku/config': { imports: ['@raku/render'] } },
    };
    expect(arrowTableCycles(cyclic.arrows)).toEqual([['@raku/config', '@raku/render']]);
    const found = check(
      [
        mod('generator/config/src/a.ts', '@raku/config', ['@raku/render']),
        mod('generator/render/src/b.ts', '@raku/render', ['@raku/config']),
      ],
      cyclic,
    );
    expect(found).toEqual([
      "package cycle: @raku/config → @raku/render → @raku/config (generator/config/src/a.ts:1 imports '@raku/render'; generator/render/src/b.ts:1 imports '@raku/config') (rule c: no cycles between packages)",
    ]);
  });

  it('keeps pure packages off the file system and the environment, except in adapters and named exceptions', () => {
    const typeOnly: SourceModule = {
      ...mod('generator/render/src/plan/types.ts', '@raku/render', []),
      imports: [{ specifier: 'node:fs', line: 1, kind: 'type' }],
    };
    expect(
      check([
        mod('generator/render/src/plan/read.ts', '@raku/render', [
          'node:fs/promises',
          'node:crypto',
          '@octokit/rest',
        ]),
        mod('generator/render/src/plan/parse.ts', '@raku/render', [
          'yaml',
          'ajv/dist/2020.js',
          '../bundle/types.ts',
        ]),
        mod('generator/render/src/plan/net.ts', '@raku/render', ['node:net']),
        mod('generator/config/src/fs/read-repo.ts', '@raku/config', ['node:fs'], [3]),
        mod('generator/config/src/load/env.ts', '@raku/config', [], [7]),
        mod('generator/release/src/build/x.ts', '@raku/release', ['node:child_process'], [2]),
        typeOnly,
      ]),
    ).toEqual([
      'generator/config/src/load/env.ts:7: @raku/config is pure and may not read process.env (rule d)',
      "generator/render/src/plan/read.ts:1: imports 'node:fs/promises': @raku/render is pure: outside its adapters it imports only modules listed as pure (PURE_MODULES in scripts/package-arrows.ts) (rule d)",
      "generator/render/src/plan/read.ts:3: imports '@octokit/rest': @raku/render is pure: outside its adapters it imports only modules listed as pure (PURE_MODULES in scripts/package-arrows.ts) (rule d)",
    ]);
  });
});

describe('the import scanner', () => {
  it('finds static, re-exported, side-effect, dynamic and type-only imports with their lines', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '@raku/config';",
      "import { type C, type D } from './c.ts';",
      "import { type E, f } from './e.ts';",
      "export { g } from './g.ts';",
      "export type { H } from './h.ts';",
      "import './side-effect.ts';",
      "const m = await import('./lazy.ts');",
      "let x: import('node:fs').Dirent;",
      "import schema from '@raku/schema/pack.schema.json' with { type: 'json' };",
      "import type from './named-type.ts';",
    ].join('\n');
    expect(scanImports(source)).toEqual([
      { specifier: './a.ts', line: 1, kind: 'static' },
      { specifier: '@raku/config', line: 2, kind: 'type' },
      { specifier: './c.ts', line: 3, kind: 'type' },
      { specifier: './e.ts', line: 4, kind: 'static' },
      { specifier: './g.ts', line: 5, kind: 'static' },
      { specifier: './h.ts', line: 6, kind: 'type' },
      { specifier: './side-effect.ts', line: 7, kind: 'static' },
      { specifier: './lazy.ts', line: 8, kind: 'dynamic' },
      { specifier: 'node:fs', line: 9, kind: 'type' },
      { specifier: '@raku/schema/pack.schema.json', line: 10, kind: 'static' },
      { specifier: './named-type.ts', line: 11, kind: 'static' },
    ]);
  });

  it('ignores imports written in comments, strings, templates and regular expressions', () => {
    const source = [
      "// import { x } from '../../../gateway/src/x.ts';",
      "/* import('./nope.ts') */ const s = \"import y from 'nope'\";",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source under test holds a template literal
      "const re = /from '[^']*'/g; const n = 4 / 2; const t = `from 'nope' ${import.meta.url} ${`import('nope')`}`;",
      "const list = Array.from('ab'); const o = { from: 'x' };",
      "import { real } from './real.ts';",
    ].join('\n');
    expect(scanImports(source)).toEqual([{ specifier: './real.ts', line: 5, kind: 'static' }]);
  });

  it('finds process.env reads outside comments and strings', () => {
    const source =
      "// process.env.A\nconst a = process.env.B;\nconst s = 'process.env.C';\nconst { env } = process;";
    expect(scanModule(source).envReads).toEqual([2]);
  });
});
