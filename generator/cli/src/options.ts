import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';

/** Options every command inherits from the program. */
export function globalOptions(cmd: Command): { root: string; debug: boolean } {
  const opts = cmd.optsWithGlobals() as { root: string; debug?: boolean };
  return { root: opts.root, debug: opts.debug === true };
}

/** The repository root a command names (-C), resolved against the working directory; not checked. */
export function rootOption(cmd: Command, ctx: CliContext): string {
  return path.resolve(ctx.cwd, globalOptions(cmd).root);
}

/** commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
