import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { collect } from './options.ts';

export function registerGenerate(program: Command, ctx: CliContext): void {
  program
    .command('generate')
    .description(
      'Render what each zone runs into <out>/<zone>/: Dockerfiles and Kubernetes manifests per pack server, the gateway with its bundle, the Namespace and a kustomization.yaml.',
    )
    .option('-z, --zone <zone>', 'only this zone (repeatable); default every zone', collect, [])
    .option('-o, --out <dir>', 'output folder (relative to the repository root)', 'out')
    .option(
      '--revision <commit>',
      'the commit rendered (tags of images without a build record); default git rev-parse HEAD',
    )
    .option(
      '--builds <dir>',
      'pin images by digest from the build records <dir>/<zone>.json written by raku build --push',
    )
    .option('-f, --format <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      '\nOnly files this command wrote before (listed in <out>/<zone>/.raku-generated) are ever removed.\nExit codes: 0 generated, 1 configuration errors or bad input, 2 internal fault.',
    )
    .action(async (opts, cmd: Command) => (await import('./generate-run.ts')).runGenerate(opts, cmd, ctx));
}
