import { ENVIRONMENTS, IMPLICIT_TENANT } from '@raku/config';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { DENIED_EXIT_CODE } from './exit-codes.ts';
import { collect } from './options.ts';

export function registerPolicy(program: Command, ctx: CliContext): void {
  const policy = program
    .command('policy')
    .description('Ask the policies of the repository: decide one tool call, or list who may call what.');

  policy
    .command('check')
    .description('Decide one tool call as the gateway would, and say which rule decided and why.')
    .requiredOption('-e, --env <environment>', `environment: ${ENVIRONMENTS.join(', ')}`)
    .requiredOption('-s, --subject <subject>', "the caller: 'user:<id>' or 'agent:<id>'")
    .requiredOption('-t, --tool <tool>', "exposed tool name, e.g. 'github.close_issue'")
    .option('-g, --group <group>', 'a group of the caller (repeatable)', collect, [])
    .option(
      '--claim <name=value>',
      'a token claim; the value is read as JSON when it parses (repeatable)',
      collect,
      [],
    )
    .option('-a, --args <json>', 'the call arguments as a JSON object', '{}')
    .option('--at <time>', 'time of the call (ISO 8601); default now')
    .option(
      '--tenant <name>',
      `the tenant the call is made in (tenants/<name>.yaml): its policies apply besides the organisation's; default ${IMPLICIT_TENANT} (callers of no tenant)`,
    )
    .option('-f, --format <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      `\nExit codes: 0 allowed, ${DENIED_EXIT_CODE} denied, 1 configuration errors or bad input, 2 internal fault.`,
    )
    .action(async (opts, cmd: Command) => (await import('./policy-run.ts')).runPolicyCheck(opts, cmd, ctx));

  policy
    .command('access')
    .description(
      'List, for every subject named in an allow rule, the tools it may call in an environment, under which conditions, with the denies that cut in.',
    )
    .requiredOption('-e, --env <environment>', `environment: ${ENVIRONMENTS.join(', ')}`)
    .option('-s, --subject <subject>', 'only this subject string as written in the policies')
    .option(
      '--tenant <name>',
      `only this tenant (or ${IMPLICIT_TENANT}: callers of no tenant); default every tenant, each over its own and its granted tools`,
    )
    .option('-f, --format <format>', 'text or json', 'text')
    .action(async (opts, cmd: Command) => (await import('./policy-run.ts')).runPolicyAccess(opts, cmd, ctx));
}
