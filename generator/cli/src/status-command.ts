import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { UNHEALTHY_EXIT_CODE } from './exit-codes.ts';
import { collect } from './options.ts';

export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description(
      'Check each zone in its cluster: desired, updated and ready replicas per workload, the image digests running against the build record, stuck pods, warning events and the gateway /readyz.',
    )
    .option('-z, --zone <zone>', 'only this zone (repeatable); default every zone', collect, [])
    .option('--wait', 'keep checking until every zone is healthy or --timeout passes')
    .option('--timeout <duration>', 'how long --wait waits: 90s, 10m, 1h', '10m')
    .option('--interval <duration>', 'time between checks with --wait', '10s')
    .option('--builds <dir>', 'build records with the expected digests (default out/builds under the root)')
    .option(
      '--kubeconfig <file>',
      'kubeconfig to use (default: the zone credentials secret, else KUBECONFIG or ~/.kube/config)',
    )
    .option(
      '--output <dir>',
      "write each zone's status as <dir>/<zone>.json (input of raku rollout --upstream-status)",
    )
    .option(
      '--admin-url <url>',
      'record what was seen as Deployment records through this gateway admin API (token: RAKU_ADMIN_TOKEN)',
    )
    .option(
      '--error-window <duration>',
      'with --admin-url: read the traces of this window for the error rate',
      '15m',
    )
    .option('--revision <commit>', 'the commit whose config the zone should run; default git rev-parse HEAD')
    .option('-f, --format <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      `\nExit codes: 0 every zone healthy, ${UNHEALTHY_EXIT_CODE} a zone unhealthy (at the end of --wait), 1 bad input, 2 internal fault.`,
    )
    .action(async (opts, cmd: Command) => (await import('./status-run.ts')).runStatus(opts, cmd, ctx));
}
