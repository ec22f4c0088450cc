import { main } from './main.ts';

/** Output of one in-process CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the raku CLI in-process with the given environment and captures its output: the GitHub Actions are
 * thin shells that turn inputs into arguments, run the one CLI code path with `--format json`, and publish
 * outputs from its JSON.
 */
export async function runCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd,
    env,
    debug: false,
  });
  return { code, stdout, stderr };
}

/** Splits an action's list input: one item per line or comma-separated, blanks dropped. */
export function listInput(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}
