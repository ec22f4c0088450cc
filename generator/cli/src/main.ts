import { isUserError, printable, printableLines } from '@raku/config';
import { Command, CommanderError } from 'commander';
import { registerBuild } from './build-command.ts';
import { type CliContext, processContext } from './context.ts';
import { registerGenerate } from './generate-command.ts';
import { registerImport } from './import-command.ts';
import { registerInit } from './init-command.ts';
import { registerPackTest } from './pack-test-command.ts';
import { registerPlan } from './plan-command.ts';
import { registerPolicy } from './policy-command.ts';
import { registerRollout } from './rollout-command.ts';
import { registerStatus } from './status-command.ts';
import { registerValidate } from './validate-command.ts';
import { rakuVersion } from './version.ts';

/**
 * Each command registers itself here; keep this list the one place the CLI's commands are named. A register
 * function declares the command's options and help only: its handler imports the command's module when it runs,
 * so `raku --help` and each command load none of the other commands' dependencies.
 */
const COMMANDS: ((program: Command, ctx: CliContext) => void)[] = [
  registerInit,
  registerValidate,
  registerImport,
  registerPackTest,
  registerGenerate,
  registerPlan,
  registerBuild,
  registerRollout,
  registerStatus,
  registerPolicy,
];

/**
 * Runs the `raku` CLI and returns its exit code: 0 ok, 1 user error (bad config or input), 2 internal fault.
 * Never calls process.exit, so tests run it in-process.
 */
export async function main(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  ctx.debug = argv.includes('--debug');
  const program = new Command('raku')
    .description(
      'GitOps factory for MCP servers: validate, generate, plan, build and roll out packs, zones and policies.',
    )
    .option('--debug', 'show stack traces of internal faults')
    .option('-C, --root <dir>', 'repository root', '.')
    .option('-V, --version', 'print the version of raku')
    .exitOverride()
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr })
    .showHelpAfterError('(run with --help for usage)');
  // Not commander's .version(): that needs the version before parsing; this reads it only when asked.
  program.on('option:version', () => {
    ctx.stdout(`${rakuVersion()}\n`);
    throw new CommanderError(0, 'raku.version', '');
  });
  for (const register of COMMANDS) register(program, ctx);
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    return exitCodeFor(err, ctx);
  }
}

function exitCodeFor(err: unknown, ctx: CliContext): number {
  if (err instanceof CommanderError) {
    // --help and --version exit through here with code 0; usage mistakes are user errors.
    return err.exitCode === 0 ? 0 : 1;
  }
  if (isUserError(err)) {
    // A message may quote a file name or an argument: its own line breaks stay, control characters do not.
    if (err.message) ctx.stderr(`error: ${printableLines(err.message)}\n`);
    return err.exitCode;
  }
  const fault = err instanceof Error ? err : new Error(String(err));
  ctx.stderr(`internal error: ${printable(fault.message)}\n`);
  ctx.stderr(ctx.debug && fault.stack ? `${fault.stack}\n` : 'run again with --debug for the stack trace\n');
  return 2;
}
