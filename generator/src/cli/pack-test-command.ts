import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { type OpenApiDocument, parseDocument } from '../import/openapi-document.ts';
import { sha256Hex } from '../model/hash.ts';
import type { Pack } from '../model/types.ts';
import { formatPackTest, type RecordedExample, runPackTest } from '../pack-test/run-pack-test.ts';
import { validateRepo } from '../validate/validate-repo.ts';
import type { CliContext } from './context.ts';
import { globalOptions } from './main.ts';

export function registerPackTest(program: Command, ctx: CliContext): void {
  const packCmd =
    program.commands.find((c) => c.name() === 'pack') ??
    program.command('pack').description('Work with one pack.');
  packCmd
    .command('test')
    .description(
      "Call every tool of a pack against a mock upstream: arguments built from the input schema (or examples/<tool>.json), the HTTP request checked against the mapping, the answer (recorded example, the source document's example, or built from the output schema) checked against the output schema.",
    )
    .argument('<pack>', 'pack name (packs/<pack>/pack.yaml) or pack folder')
    .addHelpText(
      'after',
      '\nExit codes: 0 every tool passed (skips allowed), 1 a tool failed or the pack is invalid, 2 internal fault.',
    )
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const root = path.resolve(ctx.cwd, globalOptions(cmd).root);
      const dir = name.includes('/') ? path.resolve(ctx.cwd, name) : path.join(root, 'packs', name);
      const file = path.join(dir, 'pack.yaml');
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        throw new UserError(`${path.relative(ctx.cwd, file)}: no such pack`);
      }
      const rel = `packs/${path.basename(dir)}/pack.yaml`;
      const checked = validateRepo([{ path: rel, bytes }]);
      const pack = checked.model.packs[0]?.value as Pack | undefined;
      if (!pack)
        throw new UserError(
          `${rel} does not validate: ${checked.diagnostics[0]?.message ?? 'unknown problem'} (run raku validate)`,
        );
      const document = await readSourceDocument(dir, pack);
      const results = await runPackTest({
        pack,
        ...(document ? { document } : {}),
        examples: await readExamples(dir),
      });
      ctx.stdout(formatPackTest(pack, results));
      const failed = results.filter((r) => r.outcome === 'fail').length;
      if (failed > 0) throw new UserError(`${failed} tool${failed === 1 ? '' : 's'} of ${pack.name} failed`);
    });
}

async function readSourceDocument(dir: string, pack: Pack): Promise<OpenApiDocument | undefined> {
  const doc = pack.source?.document;
  if (!doc || /^https?:/i.test(doc) || doc.includes('..')) return undefined;
  try {
    const bytes = await readFile(path.join(dir, doc));
    return sha256Hex(bytes) === pack.source?.sha256 ? parseDocument(bytes, doc) : undefined;
  } catch {
    return undefined;
  }
}

async function readExamples(dir: string): Promise<Map<string, RecordedExample>> {
  const out = new Map<string, RecordedExample>();
  let files: string[];
  try {
    files = await readdir(path.join(dir, 'examples'));
  } catch {
    return out;
  }
  for (const f of files.filter((x) => x.endsWith('.json')).sort()) {
    const text = await readFile(path.join(dir, 'examples', f), 'utf8');
    try {
      out.set(f.slice(0, -5), JSON.parse(text) as RecordedExample);
    } catch (err) {
      throw new UserError(`${path.join(dir, 'examples', f)}: not JSON: ${(err as Error).message}`);
    }
  }
  return out;
}
