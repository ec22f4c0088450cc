/**
 * How a failed start is reported (main.ts). A UserError is a mistake in configuration or environment: one
 * line, exit 1. The places that know which variable to change throw those themselves (listen: PORT/HOST;
 * the database: DATABASE_URL/RAKU_DATA_DIR; Redis: REDIS_URL; the bundle: RAKU_BUNDLE). As a backstop, a
 * system error the machine raised (a file or folder that is missing or not ours, an address that does not
 * resolve or answer) is reported the same way: the operator fixes it, not the code. Anything else is an
 * internal fault: exit 2 with the stack.
 */
import { isUserError } from '@raku/config';

/** Error codes of system calls that mean "the environment is not as configured", not "the code is wrong". */
const ENVIRONMENT_CODES = new Set([
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'EACCES',
  'EPERM',
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'EMFILE',
  'ENFILE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export interface StartupFailure {
  exitCode: 1 | 2;
  /** What to print (without timestamp): `error: …` on one line, or `internal error: <stack>`. */
  message: string;
}

export function startupFailure(err: unknown): StartupFailure {
  if (isUserError(err)) return { exitCode: 1, message: `error: ${oneLine(err.message)}` };
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string' && ENVIRONMENT_CODES.has(e.code)) {
    return { exitCode: 1, message: `error: cannot start: ${oneLine(e.message)}` };
  }
  return { exitCode: 2, message: `internal error: ${(err as Error)?.stack ?? String(err)}` };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
