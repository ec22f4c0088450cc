import path from 'node:path';
import type { ImportRef } from './import-scan.ts';

/** A package as the checker sees it: where it lives and what it offers. */
export interface PackageInfo {
  name: string;
  /** Repository-relative folder of its package.json (for 'actions', of one action). */
  root: string;
  /** The subpaths of its exports map, e.g. ['.'] or ['./pack.schema.json']. */
  exports: readonly string[];
}

/** One source file with what the scanner found in it. */
export interface SourceModule {
  /** Repository-relative, '/' separators. */
  file: string;
  /** The package (or consumer) it belongs to. */
  pkg: string;
  imports: readonly ImportRef[];
  /** Lines that read process.env. */
  envReads: readonly number[];
}

/** The rules, as scripts/package-arrows.ts writes them. */
export interface BoundaryRules {
  arrows: Readonly<Record<string, { imports: readonly string[]; pure?: { adapters: readonly string[] } }>>;
  /** Package name → why it is pure: all a pure package may import besides its own files and allowed arrows. */
  pureModules: Readonly<Record<string, string>>;
  purityExceptions: Readonly<Record<string, Readonly<Record<string, string>>>>;
  knownFolderCycles: Readonly<Record<string, string>>;
}

export interface Violation {
  file: string;
  line: number;
  rule: 'package-path' | 'package-arrow' | 'folder-cycle' | 'package-cycle' | 'purity';
  message: string;
}

/** Checks every module against the rules; returns the violations sorted by file and line (empty when clean). */
export function checkBoundaries(
  modules: readonly SourceModule[],
  packages: readonly PackageInfo[],
  rules: BoundaryRules,
): Violation[] {
  const out: Violation[] = [];
  const folderEdges: Edge[] = [];
  const packageEdges: Edge[] = [];
  const byName = new Map<string, PackageInfo[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const roots = [...packages].sort((a, b) => b.root.length - a.root.length);
  const ownerOf = (file: string) => roots.find((p) => file.startsWith(`${p.root}/`));

  for (const m of modules) {
    const at = (line: number, rule: Violation['rule'], message: string) =>
      out.push({ file: m.file, line, rule, message: `${m.file}:${line}: ${message}` });
    const allowed = rules.arrows[m.pkg]?.imports ?? [];
    const pure = rules.arrows[m.pkg]?.pure;
    const unit = unitOf(m.file, ownerOf(m.file)?.root ?? '');
    const adapter = pure !== undefined && unit !== undefined && pure.adapters.includes(unit);
    for (const ref of m.imports) {
      const spec = ref.specifier;
      const say = (rule: Violation['rule'], why: string) => at(ref.line, rule, `imports '${spec}': ${why}`);
      if (spec.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(m.file), spec));
        const owner = ownerOf(target);
        if (owner?.name !== m.pkg || owner.root !== ownerOf(m.file)?.root) {
          say(
            'package-path',
            `a relative path may not leave ${m.pkg} (it reaches ${owner?.name ?? target}); import '@raku/<name>' (rule a: packages only through their exports)`,
          );
        } else {
          const from = unitOf(m.file, owner.root);
          const to = unitOf(target, owner.root);
          // The package's src/index.ts is its surface, not a folder: it re-exports from all of them.
          if (from !== undefined && to !== undefined && from !== 'index.ts') {
            folderEdges.push({ pkg: m.pkg, from, to, ref, file: m.file });
          }
        }
        continue;
      }
      const raku = /^(@raku\/[^/]+)(\/.*)?$/.exec(spec);
      if (raku) {
        const [, name = '', sub] = raku;
        const target = byName.get(name)?.[0];
        if (name === m.pkg) {
          say(
            'package-path',
            `${m.pkg} imports itself by name; use a relative path inside the package (rule a)`,
          );
        } else if (!target) {
          say('package-path', `no package is named ${name} (rule a)`);
        } else if (!target.exports.includes(sub ? `.${sub}` : '.')) {
          say(
            'package-path',
            `'.${sub ?? ''}' is not in the exports map of ${name}; import '${name}' (rule a)`,
          );
        } else if (!allowed.includes(name)) {
          say(
            'package-arrow',
            `${m.pkg} may import only ${allowed.join(', ') || 'no package'} (rule b: allowed package arrows, scripts/package-arrows.ts)`,
          );
        } else {
          packageEdges.push({ pkg: '', from: m.pkg, to: name, ref, file: m.file });
        }
        continue;
      }
      if (pure && !adapter && ref.kind !== 'type' && rules.pureModules[packageName(spec)] === undefined) {
        if (rules.purityExceptions[m.file]?.[spec] === undefined) {
          say(
            'purity',
            `${m.pkg} is pure: outside its adapters it imports only modules listed as pure (PURE_MODULES in scripts/package-arrows.ts) (rule d)`,
          );
        }
      }
    }
    if (pure && !adapter) {
      for (const line of m.envReads)
        at(line, 'purity', `${m.pkg} is pure and may not read process.env (rule d)`);
    }
  }

  for (const cycle of cycles(folderEdges)) {
    const key = `${cycle.pkg}: ${[...new Set(cycle.steps.map((s) => s.from))].sort().join(' ⇄ ')}`;
    if (rules.knownFolderCycles[key] !== undefined) continue;
    const first = cycle.steps[0] as Edge;
    out.push({
      file: first.file,
      line: first.ref.line,
      rule: 'folder-cycle',
      message: `folder cycle in ${cycle.pkg}: ${describeCycle(cycle.steps)} (rule c: no cycles between folders)`,
    });
  }
  for (const cycle of cycles(packageEdges)) {
    const first = cycle.steps[0] as Edge;
    out.push({
      file: first.file,
      line: first.ref.line,
      rule: 'package-cycle',
      message: `package cycle: ${describeCycle(cycle.steps)} (rule c: no cycles between packages)`,
    });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** Cycles in a table of arrows, each as the list of its names (empty when the table is a DAG). */
export function arrowTableCycles(arrows: BoundaryRules['arrows']): string[][] {
  const edges: Edge[] = Object.entries(arrows).flatMap(([from, rule]) =>
    rule.imports.map((to) => ({
      pkg: '',
      from,
      to,
      ref: { specifier: to, line: 0, kind: 'static' as const },
      file: '',
    })),
  );
  return cycles(edges).map((c) => c.steps.map((s) => s.from));
}

/** 'node:fs/promises' → 'node:fs/promises'; 'ajv/dist/2020.js' → 'ajv'; '@octokit/rest/x' → '@octokit/rest'. */
export function packageName(spec: string): string {
  if (spec.startsWith('node:')) return spec;
  const parts = spec.split('/');
  return (spec.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

interface Edge {
  pkg: string;
  from: string;
  to: string;
  ref: ImportRef;
  file: string;
}

/** The first-level folder of a file under `<root>/src/`, the file name for a file directly in src/. */
function unitOf(file: string, root: string): string | undefined {
  if (!file.startsWith(`${root}/src/`)) return undefined;
  const rel = file.slice(`${root}/src/`.length);
  const slash = rel.indexOf('/');
  return slash < 0 ? rel : rel.slice(0, slash);
}

/** One cycle per strongly connected component (Tarjan), as a closed walk of edges between distinct nodes. */
function cycles(edges: readonly Edge[]): { pkg: string; steps: Edge[] }[] {
  const groups = new Map<string, Edge[]>();
  for (const e of edges) if (e.from !== e.to) groups.set(e.pkg, [...(groups.get(e.pkg) ?? []), e]);
  const found: { pkg: string; steps: Edge[] }[] = [];
  for (const [pkg, list] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const out = new Map<string, Edge[]>();
    for (const e of list) out.set(e.from, [...(out.get(e.from) ?? []), e]);
    for (const component of stronglyConnected([...out.keys()].sort(), (n) =>
      (out.get(n) ?? []).map((e) => e.to),
    )) {
      if (component.length < 2) continue;
      const inside = new Set(component);
      found.push({ pkg, steps: shortestCycle(component.sort()[0] as string, inside, out) });
    }
  }
  return found;
}

function stronglyConnected(nodes: readonly string[], next: (n: string) => string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      result.push(component);
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return result;
}

/** The shortest walk from `start` back to itself inside a component (breadth first, first edge of each pair). */
function shortestCycle(start: string, inside: Set<string>, out: Map<string, Edge[]>): Edge[] {
  const via = new Map<string, Edge>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const e of out.get(node) ?? []) {
      if (!inside.has(e.to) || via.has(e.to)) continue;
      via.set(e.to, e);
      if (e.to === start) {
        const steps: Edge[] = [];
        let at = start;
        do {
          const step = via.get(at) as Edge;
          steps.unshift(step);
          at = step.from;
        } while (at !== start);
        return steps;
      }
      queue.push(e.to);
    }
  }
  return [];
}

function describeCycle(steps: readonly Edge[]): string {
  const names = [...steps.map((s) => s.from), steps[0]?.from].join(' → ');
  const evidence = steps
    .map(
      (s) =>
        `${s.file}:${s.ref.line} imports '${s.ref.specifier}'${s.ref.kind === 'type' ? ' (types only)' : ''}`,
    )
    .join('; ');
  return `${names} (${evidence})`;
}
