/**
 * CLI start-up benchmark: `raku --help` and `raku validate` on the repository's own examples (packs/, zones/,
 * policies/), each run as a whole process of the BUILT CLI (dist/cli/main.mjs, rebuilt first so it matches the
 * sources, started as bin/raku.js starts it in the installed package), against `node -e 0` measured in the same
 * run. Rounds are interleaved (baseline, help, validate, baseline, …) so machine noise hits all three alike;
 * figures are medians.
 * Goals: --help ≤ 3× and validate ≤ 6× the bare Node start.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = 21;

const GOALS: Record<string, number> = { 'raku --help': 3, 'raku validate': 6 };

/** Wall time of one process, in milliseconds; throws when it exits non-zero. */
function timeProcess(args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export default async function cliBench(): Promise<void> {
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/build.ts'), '--cli-only'], {
    cwd: root,
    stdio: 'ignore',
  });
  const built = path.join(root, 'dist/cli/main.mjs');
  if (!existsSync(built)) throw new Error('dist/cli/main.mjs was not built');
  // What bin/raku.js does in the installed package (here, next to the sources, it would run them through tsx).
  const dir = mkdtempSync(path.join(tmpdir(), 'raku-bench-cli-'));
  const launcher = path.join(dir, 'raku.mjs');
  writeFileSync(
    launcher,
    `const m = await import(${JSON.stringify(pathToFileURL(built).href)});\nprocess.exitCode = await m.main(process.argv.slice(2));\n`,
  );
  const subjects: [string, string[]][] = [
    ['node -e 0', ['-e', '0']],
    ['raku --help', [launcher, '--help']],
    ['raku validate', [launcher, '-C', root, 'validate']],
  ];
  for (const [, args] of subjects) timeProcess(args); // warm the file cache once
  const times = new Map<string, number[]>(subjects.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, args] of subjects) times.get(name)?.push(timeProcess(args));
  }
  const baseline = median(times.get('node -e 0') ?? []);
  console.log(`${ROUNDS} interleaved rounds, medians (built CLI: dist/cli/main.mjs)`);
  for (const [name] of subjects) {
    const ms = median(times.get(name) ?? []);
    const goal = GOALS[name];
    const ratio = ms / baseline;
    const verdict = goal ? `  goal ≤ ${goal}×: ${ratio <= goal ? 'met' : 'NOT met'}` : '';
    console.log(
      `${name.padEnd(14)} ${ms.toFixed(0).padStart(5)} ms  ${ratio.toFixed(2)}× node -e 0${verdict}`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}
