/**
 * Validate benchmark: `raku validate` timed as users run it — a whole process — on repositories of 300, 1,000
 * and 3,000 packs copied from the examples, plus the repository's own 3 packs, 3 zones and 2 policies (308, 1,008
 * and 3,008 files, as in issue #15), against a
 * baseline process that only reads the same files and yaml.parse()s them, in the same run.
 *
 * Subjects, per repository, in interleaved rounds (medians of ROUNDS):
 *  - baseline: node bench/lib/read-parse-baseline.mjs <dir> (plain JavaScript, no TypeScript loader);
 *  - built CLI: bin/raku.js of an installed layout, which runs dist/cli/main.mjs (what `npm install` users run;
 *    the CLI is rebuilt first so it matches the sources);
 *  - sources: node bin/raku.js in this repository, which runs the TypeScript sources through tsx;
 *  - in-process: the library path (read + validateRepo) inside a process, start-up excluded.
 *  - built CLI before (only with RAKU_BENCH_VALIDATE_BEFORE=<folder>): the same, from an earlier build — a folder
 *    holding bin/raku.js and the dist/ `npm run build` made at that commit — for before/after in one run.
 * Each whole process is timed by wall clock and by CPU (its children's user + system time from /proc/self/stat,
 * which the other work of a shared machine inflates less than wall time).
 * Where the time goes: the start-up of each process (the same command on a repository with no config file),
 * and one cold in-process run timed phase by phase (read, parse, schema, rules, format; bench/lib/validate-worker.ts).
 * Goal: >= 5,000 files/s for the built CLI as a whole process at 3,000 packs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyExampleRepo } from './lib/synthetic-repo.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lib = path.join(root, 'bench/lib');
const SIZES = [300, 1000, 3000];
const ROUNDS = 3;
const GOAL_FILES_PER_S = 5000;

/** CPU time (user + system, ms) of this process's children that have been waited for, from /proc. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name in parentheses; cutime and cstime are fields 16 and 17 of the line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * Wall time of one process in ms, its CPU time (all its threads, the garbage collector's included: what the
 * machine's other work cannot inflate as much as wall time on a shared machine; 10 ms resolution), and its
 * stdout. Throws when it exits non-zero.
 */
function timed(args: readonly string[]): { ms: number; cpuMs: number; out: string } {
  const cpuBefore = childrenCpuMs();
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  return { ms, cpuMs: childrenCpuMs() - cpuBefore, out: r.stdout };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export default async function validateBench(): Promise<void> {
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/build.ts'), '--cli-only'], {
    cwd: root,
    stdio: 'ignore',
  });
  const work = mkdtempSync(path.join(tmpdir(), 'raku-bench-validate-'));
  try {
    // The installed package's layout: bin/raku.js beside dist/ and no sources, so it runs the built CLI.
    const installed = path.join(work, 'installed');
    mkdirSync(path.join(installed, 'bin'), { recursive: true });
    cpSync(path.join(root, 'bin/raku.js'), path.join(installed, 'bin/raku.js'));
    symlinkSync(path.join(root, 'dist'), path.join(installed, 'dist'));
    const builtCli = path.join(installed, 'bin/raku.js');
    const sourcesCli = path.join(root, 'bin/raku.js');
    // An earlier build to time beside this one (before/after in one run): a folder holding bin/raku.js and the
    // dist/ that `npm run build` made at that commit, with node_modules reachable from it.
    const before = process.env['RAKU_BENCH_VALIDATE_BEFORE'];
    const beforeCli = before ? path.join(path.resolve(before), 'bin/raku.js') : undefined;
    const worker = path.join(lib, 'validate-worker.ts');

    const empty = path.join(work, 'empty');
    mkdirSync(path.join(empty, 'packs'), { recursive: true });
    const startup = {
      built: [] as number[],
      builtCpu: [] as number[],
      beforeCpu: [] as number[],
      sources: [] as number[],
    };
    console.log(`load average at start: ${load()}`);

    for (const packs of SIZES) {
      const dir = path.join(work, `repo-${packs}`);
      copyExampleRepo(root, dir, packs);
      const subjects: [string, string[]][] = [
        ['baseline read + yaml.parse', [path.join(lib, 'read-parse-baseline.mjs'), dir]],
        ['raku validate, built CLI', [builtCli, '-C', dir, 'validate']],
        ...(beforeCli
          ? [['raku validate, built CLI before', [beforeCli, '-C', dir, 'validate']] as [string, string[]]]
          : []),
        ['raku validate, sources (tsx)', [sourcesCli, '-C', dir, 'validate']],
        ['in-process read + validateRepo', ['--import', 'tsx', worker, 'whole', dir]],
      ];
      const times = new Map<string, number[]>(subjects.map(([name]) => [name, []]));
      const cpu = new Map<string, number[]>(subjects.map(([name]) => [name, []]));
      let fileCount = 0;
      const inProcess: number[] = [];
      for (const [, args] of subjects) timed(args); // warm the file cache
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, args] of subjects) {
          const { ms, cpuMs, out } = timed(args);
          times.get(name)?.push(ms);
          cpu.get(name)?.push(cpuMs);
          if (name.startsWith('in-process')) {
            const r = JSON.parse(out) as {
              files: number;
              errors: number;
              readMs: number;
              validateMs: number;
            };
            if (r.errors > 0) throw new Error(`the copied repository has ${r.errors} validation errors`);
            fileCount = r.files;
            inProcess.push(r.readMs + r.validateMs);
          }
        }
        // Start-up: the same commands with nothing to validate, in the same rounds.
        const startBuilt = timed([builtCli, '-C', empty, 'validate']);
        startup.built.push(startBuilt.ms);
        startup.builtCpu.push(startBuilt.cpuMs);
        startup.sources.push(timed([sourcesCli, '-C', empty, 'validate']).ms);
        if (beforeCli) startup.beforeCpu.push(timed([beforeCli, '-C', empty, 'validate']).cpuMs);
      }
      const base = median(times.get('baseline read + yaml.parse') ?? []);
      const rate = (ms: number) => Math.round((fileCount / ms) * 1000);
      console.log(`\n${packs} packs, ${fileCount} files (load average ${load()}), medians of ${ROUNDS}:`);
      for (const [name] of subjects) {
        const ms = median(name.startsWith('in-process') ? inProcess : (times.get(name) ?? []));
        // In-process: the run's own time, without the process around it, so no CPU figure of its own.
        const cpuMs = name.startsWith('in-process')
          ? ''
          : `, CPU ${median(cpu.get(name) ?? []).toFixed(0)} ms`;
        console.log(
          `  ${name.padEnd(32)} ${ms.toFixed(0).padStart(6)} ms  ${String(rate(ms)).padStart(6)} files/s  ${(base / ms).toFixed(2)}x the baseline's rate${cpuMs}`,
        );
      }
      if (packs === SIZES[SIZES.length - 1]) {
        const built = rate(median(times.get('raku validate, built CLI') ?? []));
        console.log(
          `  goal >= ${GOAL_FILES_PER_S} files/s (built CLI, whole process): ${built >= GOAL_FILES_PER_S ? 'met' : 'NOT met'}`,
        );
        const phases = JSON.parse(timed(['--import', 'tsx', worker, 'phases', dir]).out) as Record<
          string,
          number
        >;
        console.log(
          `  where the time goes: start-up ${median(startup.built).toFixed(0)} ms built CLI (CPU ${median(startup.builtCpu).toFixed(0)} ms${beforeCli ? `; before: CPU ${median(startup.beforeCpu).toFixed(0)} ms` : ''}), ${median(startup.sources).toFixed(0)} ms sources (raku validate with no config file);`,
        );
        console.log(
          `  one cold in-process run: read ${phases['readMs']?.toFixed(0)} ms, parse ${phases['parseMs']?.toFixed(0)} ms, schema ${phases['schemaMs']?.toFixed(0)} ms, rules (positions included) ${phases['rulesMs']?.toFixed(0)} ms, format ${phases['formatMs']?.toFixed(0)} ms`,
        );
      }
    }
    console.log(`\nload average at end: ${load()}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
