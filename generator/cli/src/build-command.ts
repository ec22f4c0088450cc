import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { collect } from './options.ts';

/** Default of --entry: RUNTIME_ENTRY of @raku/release, written here so the help loads no build code (a test ties them). */
export const RUNTIME_ENTRY_DEFAULT = 'gateway/src/main.ts';

export function registerBuild(program: Command, ctx: CliContext): void {
  program
    .command('build')
    .description(
      "Build the images of each zone (a pack-server image per workload and the gateway image) on the zone's base image, daemonless, and with --push upload them; writes out/builds/<zone>.json with the digests the rollout pins.",
    )
    .option('-z, --zone <zone>', 'only this zone (repeatable); default every zone', collect, [])
    .option(
      '-p, --pack <pack>',
      'only the workload of this pack, or a workload / raku-gateway (repeatable)',
      collect,
      [],
    )
    .option(
      '--push',
      "push blobs and manifests to the zone's registry (without it only digests are computed)",
    )
    .option(
      '--builder <builder>',
      'oci (daemonless, default) or docker (docker buildx with the generated Dockerfile)',
      'oci',
    )
    .option('--revision <commit>', 'the commit being built or rolled out; default git rev-parse HEAD')
    .option('--entry <file>', 'runtime entry bundled into /app/gateway.mjs', RUNTIME_ENTRY_DEFAULT)
    .option('--record-dir <dir>', 'where build records go (default out/builds under the root)')
    .option('--source <url>', 'source repository URL for org.opencontainers.image.source')
    .option('--platform <platform>', 'docker builder only: target platform (repeatable)', collect, [])
    .option('-f, --format <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      "\nRegistry credentials: the zone's registry.credentials secret (env RAKU_SECRET_<NAME>_<KEY>: a docker config.json or user:password),\nelse RAKU_REGISTRY_USERNAME + RAKU_REGISTRY_PASSWORD, else $DOCKER_CONFIG/config.json or ~/.docker/config.json, else anonymous.\nLayer cache (compressed layers by content): $RAKU_CACHE_DIR, else $XDG_CACHE_HOME/raku, else ~/.cache/raku; RAKU_CACHE_DIR=off disables it.",
    )
    .action(async (opts, cmd: Command) => (await import('./build-run.ts')).runBuild(opts, cmd, ctx));
}
