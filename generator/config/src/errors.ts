/**
 * The two kinds of failure the CLI and actions distinguish (STYLE.md §6):
 * a UserError is bad config or bad input — short message, exit 1, no stack;
 * anything else is an internal fault — exit 2, stack only with --debug.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  /** Exit code for the CLI; 1 unless a command documents otherwise. */
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Raised when configuration has errors; carries how many, the diagnostics were already reported. */
export class ConfigError extends UserError {
  constructor(readonly errorCount: number) {
    super(`configuration has ${errorCount} error${errorCount === 1 ? '' : 's'}`);
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
