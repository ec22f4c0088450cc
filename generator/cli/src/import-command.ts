import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { collect } from './options.ts';

/** Default of --max-tools: DEFAULT_MAX_TOOLS of @raku/import, written here so the help needs no import (a test ties them). */
export const MAX_TOOLS_DEFAULT = 100;

export function registerImport(program: Command, ctx: CliContext): void {
  const importCmd = program.command('import').description('Create or update packs from API descriptions.');
  importCmd
    .command('openapi')
    .description(
      'Turn a Swagger 2.0 / OpenAPI 3.0 / 3.1 document (JSON or YAML) into a pack: one tool per selected operation. ' +
        'Validates the result and writes packs/<name>/pack.yaml plus a snapshot of the document; re-importing keeps hand edits.',
    )
    .argument('<document>', 'file (local $refs are bundled) or, with --allow-remote, an http(s) URL')
    .requiredOption('--name <pack>', 'pack name (DNS label); the pack folder is packs/<name>')
    .option('--owner <team>', 'owning team (required for a new pack)')
    .option(
      '--include <filter>',
      'import only matching operations: tag:<glob>, path:<glob>, method:<M>, op:<glob> (repeatable)',
      collect,
      [],
    )
    .option('--exclude <filter>', 'leave out matching operations (same forms; repeatable)', collect, [])
    .option('--max-tools <n>', 'most tools to import (per pack with --split-by)', String(MAX_TOOLS_DEFAULT))
    .option('--include-deprecated', 'import deprecated operations too')
    .option('--base-url <url>', "the API's base URL (default: the document's first https server)")
    .option('--tool-prefix <prefix>', 'prefix of the exposed tool names (default: the pack name)')
    .option('--allow-remote', 'allow fetching the document and its $refs over http(s) (off by default: SSRF)')
    .option('--out <dir>', 'pack folder (default: packs/<name>)')
    .option(
      '--split-by <how>',
      "'tag': one pack per tag, packs/<name>-<tag> (the default when the selection is over --max-tools and no operation was selected by hand)",
    )
    .option('--format <format>', 'report format: text or json (a stable JSON report on stdout)', 'text')
    .option('--report <file>', 'also write the JSON report to this file')
    .option(
      '--ai',
      'improve descriptions, flags and selection with OpenAI / Azure OpenAI (see docs/import.md)',
    )
    .option('--dry-run', 'show the report and the diff; write nothing')
    .action(async (document: string, opts, cmd: Command) =>
      (await import('./import-run.ts')).runImportOpenApi(document, opts, cmd, ctx),
    );
  importCmd
    .command('a2a')
    .description(
      "Turn an A2A agent's Agent Card into a pack: one tool per skill, called with A2A send-message. " +
        "Validates the result and writes packs/<name>/pack.yaml plus the card (agent-card.json); the card's hash is recorded so a changed card is reported.",
    )
    .argument('<card>', "the card's URL (e.g. https://agent.example/.well-known/agent-card.json) or a file")
    .requiredOption('--name <pack>', 'pack name (DNS label); the pack folder is packs/<name>')
    .option('--owner <team>', 'owning team (required for a new pack)')
    .option(
      '--card-url <url>',
      'where the card is published, when <card> is a file (default: <agent>/.well-known/agent-card.json)',
    )
    .option('--tool-prefix <prefix>', 'prefix of the exposed tool names (default: the pack name)')
    .option('--out <dir>', 'pack folder (default: packs/<name>)')
    .option('--dry-run', 'show the report and the diff; write nothing')
    .action(async (card: string, opts, cmd: Command) =>
      (await import('./import-run.ts')).runImportA2a(card, opts, cmd, ctx),
    );
}
