import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PackageInfo, SourceModule } from './boundary-check.ts';
import { scanModule } from './import-scan.ts';

/** The name under which the actions' sources are checked: one consumer, one folder per action. */
export const ACTIONS = 'actions';

/**
 * The packages of the npm workspaces of `repo` (root package.json `workspaces`), plus one entry per
 * actions/<name>/src folder, named 'actions'.
 */
export function readWorkspacePackages(repo: string): PackageInfo[] {
  const root = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { workspaces: string[] };
  const packages: PackageInfo[] = root.workspaces.map((folder) => {
    const manifest = JSON.parse(readFileSync(path.join(repo, folder, 'package.json'), 'utf8')) as {
      name: string;
      exports?: Record<string, string> | string;
    };
    const exports = typeof manifest.exports === 'object' ? Object.keys(manifest.exports) : ['.'];
    return { name: manifest.name, root: folder, exports };
  });
  for (const entry of readdirSync(path.join(repo, 'actions'), { withFileTypes: true })) {
    if (entry.isDirectory() && isDirectory(path.join(repo, 'actions', entry.name, 'src'))) {
      packages.push({ name: ACTIONS, root: `actions/${entry.name}`, exports: [] });
    }
  }
  return packages;
}

/** Every non-test TypeScript source under each package's src/, scanned. */
export function readSourceModules(repo: string, packages: readonly PackageInfo[]): SourceModule[] {
  const modules: SourceModule[] = [];
  for (const pkg of packages) {
    for (const file of walk(repo, `${pkg.root}/src`)) {
      const scan = scanModule(readFileSync(path.join(repo, file), 'utf8'));
      modules.push({ file, pkg: pkg.name, imports: scan.imports, envReads: scan.envReads });
    }
  }
  return modules.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/**
 * Every build-tool module of each package: its scripts/** (e.g. a code generator) and its root-level
 * `*.config.ts` (e.g. vite.config.ts). They run at build time only, never ship in the package's runtime.
 */
export function readToolingModules(repo: string, packages: readonly PackageInfo[]): SourceModule[] {
  const modules: SourceModule[] = [];
  for (const pkg of packages) {
    const configs = readdirSync(path.join(repo, pkg.root), { withFileTypes: true })
      .filter((e) => e.isFile() && /\.config\.m?tsx?$/.test(e.name))
      .map((e) => `${pkg.root}/${e.name}`);
    for (const file of [...walk(repo, `${pkg.root}/scripts`), ...configs]) {
      const scan = scanModule(readFileSync(path.join(repo, file), 'utf8'));
      modules.push({ file, pkg: pkg.name, imports: scan.imports, envReads: scan.envReads });
    }
  }
  return modules.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Source files (.ts, .tsx, .mts, .js, .mjs) under `dir`, without tests and declaration files. */
function walk(repo: string, dir: string): string[] {
  if (!isDirectory(path.join(repo, dir))) return [];
  return readdirSync(path.join(repo, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return walk(repo, rel);
    return /\.(m?tsx?|m?js)$/.test(e.name) && !/\.test\.m?tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')
      ? [rel]
      : [];
  });
}

function isDirectory(p: string): boolean {
  try {
    return readdirSync(p) !== undefined;
  } catch {
    return false;
  }
}
