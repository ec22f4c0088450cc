/** What a command may touch: its output streams, the working directory and the environment. */
export interface CliContext {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Set by --debug: internal faults show their stack. */
  debug: boolean;
}

export function processContext(): CliContext {
  endQuietlyOnClosedPipe();
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    debug: false,
  };
}

/**
 * `raku policy access | head`: when the reader of stdout goes away, stop as `git log | head` does, quietly, rather
 * than dying on an unhandled EPIPE with a stack trace. Any other error on stdout is still thrown.
 */
let pipeWatched = false;
function endQuietlyOnClosedPipe(): void {
  if (pipeWatched) return;
  pipeWatched = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}
